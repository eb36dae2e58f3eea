"""Errors of the audio input layer.

Every error names the offending item (clip index or file path) and what was
expected. All are :class:`ValueError` subclasses, so code that catches
scikit-learn's input errors catches them too; they are importable from
:mod:`sklearn_music`.
"""

from __future__ import annotations

__all__ = [
    "AudioDecodeError",
    "AudioFileNotFoundError",
    "AudioInputError",
    "AudioTypeError",
]


class AudioInputError(ValueError):
    """Raised for audio input that cannot be used, naming the offending item."""


class AudioFileNotFoundError(FileNotFoundError, ValueError):
    """Raised when an audio file path does not exist.

    It is both a :class:`FileNotFoundError` and a :class:`ValueError`, so code
    that catches either works. ``filename`` is the (first) missing path; the
    message lists all of them.
    """

    def __init__(self, message: str, filename: str):
        super().__init__(2, message, filename)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        return type(self), (self.message, self.filename)


class AudioTypeError(AudioInputError, TypeError):
    """Raised when ``X`` or an item of it is neither numeric audio nor a path.

    It is both an :class:`AudioInputError` (a :class:`ValueError`) and a
    :class:`TypeError`.
    """


class AudioDecodeError(AudioInputError):
    """Raised when an audio file exists but cannot be decoded.

    The file is corrupt, truncated or in a format libsndfile does not read.
    """
