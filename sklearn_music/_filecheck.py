"""Checks of audio files before any decoding, and what to do with bad ones.

:func:`~sklearn_music.check_audio_files` and the dataset loaders
(:mod:`sklearn_music.datasets`) check files the same way and share one
vocabulary for what happens to the files that fail:

``"raise"``
    Raise one error that names every offending file (the first ones, and a
    count of the rest).
``"warn"``
    Leave them out, with one :class:`UserWarning` naming them.
``"skip"``
    Leave them out silently.

Nothing is dropped without a trace: the caller records what it left out
(``df.attrs`` of a loader, the report of ``check_audio_files``).
:func:`file_problem` checks one file at the depth the caller can afford;
:func:`handle_problems` applies the vocabulary to the files that failed.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import soundfile as sf

from ._errors import AudioDecodeError, AudioFileNotFoundError, AudioInputError

__all__ = [
    "DECODE_ERRORS",
    "DEPTHS",
    "ON_PROBLEM",
    "Problems",
    "check_on_problem",
    "decode_error",
    "file_problem",
    "handle_problems",
]

#: What to do with files that fail a check: the one vocabulary.
ON_PROBLEM = ("raise", "warn", "skip")

#: How far :func:`file_problem` looks, cheapest first.
DEPTHS = ("exists", "size", "header", "frames")

#: What libsndfile raises for a file it cannot read.
DECODE_ERRORS = (sf.LibsndfileError, RuntimeError, TypeError)


def decode_error(path: str, exc: Exception) -> AudioDecodeError:
    """The error for a file that libsndfile cannot read, naming it."""
    return AudioDecodeError(
        f"Could not decode audio file {path!r}: {str(exc).rstrip('.')}. "
        "Supported formats are "
        "wav, flac, ogg (vorbis/opus), mp3 and the other libsndfile formats."
    )


def file_problem(
    path: str | os.PathLike, *, depth: str = "header", where: str | None = None
) -> Exception | None:
    """Why the audio file at ``path`` cannot be used, or ``None``.

    Nothing is decoded: at most the header is read.

    Parameters
    ----------
    path : str or path-like
        The file.
    depth : {"exists", "size", "header", "frames"}, default="header"
        How far to look, each depth including the ones before it:
        ``"exists"``, the file exists; ``"size"``, it is not empty
        (0 bytes); ``"header"``, libsndfile reads its header (which an empty
        file lacks) and its sampling rate is within [1 kHz, 768 kHz];
        ``"frames"``, the header announces at least one frame.
    where : str, default=None
        How messages name the file (e.g. ``"file 'a.wav' (item 3)"``);
        ``None`` uses ``"file '<path>'"``.

    Returns
    -------
    problem : Exception or None
        :class:`AudioFileNotFoundError` for a missing file,
        :class:`AudioDecodeError` for an empty or unreadable one,
        :class:`AudioInputError` for a folder or a file without frames;
        ``None`` if the file passes.
    """
    if depth not in DEPTHS:
        raise ValueError(f"depth must be one of {DEPTHS}; got {depth!r}.")
    path = os.fspath(path)
    if os.path.isdir(path):
        return AudioInputError(
            f"{path!r} is a folder, not an audio file; pass the audio files in it"
        )
    if not os.path.isfile(path):
        return AudioFileNotFoundError(f"Audio file not found: {path!r}", path)
    where = f"file {path!r}" if where is None else where
    if depth == "size" and os.path.getsize(path) == 0:
        return AudioDecodeError(f"{where} is empty (0 bytes).")
    if depth in ("header", "frames"):
        from ._decode import check_header

        try:
            with sf.SoundFile(path) as f:
                n_frames = f.frames
                check_header(f, where)
        except DECODE_ERRORS as exc:
            return decode_error(path, exc)
        except AudioDecodeError as exc:
            return exc
        if depth == "frames" and n_frames == 0:
            return AudioInputError(f"{where} is empty (0 samples).")
    return None


def check_on_problem(value, name: str, allowed: Sequence[str] = ON_PROBLEM) -> None:
    """Raise a :class:`ValueError` unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed[:-1]) + f" or {allowed[-1]!r}"
        raise ValueError(f"{name} must be {options}; got {value!r}.")


@dataclass(frozen=True)
class Problems:
    """Items that failed a check, and what to do about them.

    Parameters
    ----------
    items : sequence
        The offending items; nothing happens when it is empty.
    action : {"raise", "warn", "skip"}
        What to do with them.
    error : callable
        Builds the error to raise (called only for ``"raise"``).
    warning : callable
        Builds the warning message (called only for ``"warn"``).
    """

    items: Sequence
    action: str
    error: Callable[[], Exception]
    warning: Callable[[], str]


def handle_problems(*groups: Problems, stacklevel: int = 1) -> None:
    """Apply the vocabulary to each group of offending items.

    Every ``"raise"`` is checked before any warning is given, so a call that
    raises warns about nothing. ``"skip"`` does nothing here: leaving the
    items out is the caller's job, whatever the action short of raising.

    Parameters
    ----------
    *groups : Problems
        The groups, in the order their errors and warnings are given.
    stacklevel : int, default=1
        ``stacklevel`` of the warnings as seen from the caller of this
        function (1 points at the caller).
    """
    for group in groups:
        check_on_problem(group.action, "action")
    for group in groups:
        if group.items and group.action == "raise":
            raise group.error()
    for group in groups:
        if group.items and group.action == "warn":
            warnings.warn(group.warning(), UserWarning, stacklevel=stacklevel + 1)
