"""Path helpers: what counts as a file path, and how a user's path is read."""

from __future__ import annotations

import os

__all__ = ["expand_path", "is_path"]


def is_path(obj) -> bool:
    """Whether ``obj`` names a file: a ``str`` or an :class:`os.PathLike`.

    Every input that accepts "a path or data" (a clip or a file, a table or
    a CSV file) tells the two apart with this test, so a
    :class:`pathlib.Path` is treated as a path everywhere and ``bytes``
    nowhere.

    Parameters
    ----------
    obj : object
        Anything.

    Returns
    -------
    is_path : bool

    Examples
    --------
    >>> from pathlib import Path
    >>> from sklearn_music.utils._paths import is_path
    >>> is_path("song.wav"), is_path(Path("song.wav")), is_path(b"song.wav")
    (True, True, False)
    """
    return isinstance(obj, str | os.PathLike)


def expand_path(path: str | os.PathLike) -> str:
    """A user's path as ``str``, with a leading ``~`` expanded.

    Parameters
    ----------
    path : str or path-like
        A file or folder as the user gave it.

    Returns
    -------
    path : str
        Not made absolute and not checked for existence.

    Examples
    --------
    >>> import os
    >>> from sklearn_music.utils._paths import expand_path
    >>> expand_path("~/music") == os.path.join(os.path.expanduser("~"), "music")
    True
    """
    return os.path.expanduser(os.fspath(path))
