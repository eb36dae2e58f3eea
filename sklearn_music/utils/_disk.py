"""Disk helpers for bounded-memory work: content hashes, atomic writes, and
walking (and letting go of) memory-mapped arrays block by block.

A memory-mapped array costs no heap memory, but every page read through it
stays mapped into the process, and counts in its resident set, until the
mapping is closed. :func:`release_pages` hands the pages of a block back once
it has been read (the kernel keeps them in its page cache, so reading them
again is cheap), which keeps the resident set of a pass over a large array at
one block.
"""

from __future__ import annotations

import errno
import hashlib
import mmap
import os
import tempfile
from collections.abc import Callable, Iterator

import numpy as np

__all__ = [
    "BLOCK_BYTES",
    "atomic_write",
    "clip_blocks",
    "digest_array",
    "digest_file",
    "release_pages",
]

#: Bytes of input processed at once by the block-wise passes over arrays.
BLOCK_BYTES = 64 * 2**20

_READ_BYTES = 2**20
_RELEASE_WINDOW = 2**21

# numpy >= 2 moved byte_bounds to numpy.lib.array_utils
_byte_bounds = (getattr(np.lib, "array_utils", None) or np).byte_bounds


def digest_file(path: str | os.PathLike, *, size: int = 16) -> str:
    """BLAKE2b hex digest of a file's bytes, read 1 MiB at a time.

    Parameters
    ----------
    path : str or path-like
        File to hash.
    size : int, default=16
        Digest size in bytes (the hex string is twice as long).

    Returns
    -------
    digest : str
        Depends only on the content, not on the name or modification time.
    """
    h = hashlib.blake2b(digest_size=size)
    with open(path, "rb") as f:
        while block := f.read(_READ_BYTES):
            h.update(block)  # hashlib releases the GIL on large updates
    return h.hexdigest()


def digest_array(a: np.ndarray, *, size: int = 16) -> str:
    """BLAKE2b hex digest of an array's dtype, shape and values."""
    a = np.ascontiguousarray(a)
    h = hashlib.blake2b(f"{a.dtype.str}{a.shape}".encode(), digest_size=size)
    h.update(a.reshape(-1).view(np.uint8))
    return h.hexdigest()


def atomic_write(
    path: str | os.PathLike,
    write: Callable,
    *,
    overwrite: bool = True,
    make_dirs: bool = False,
) -> None:
    """Create ``path`` atomically: ``write(file)`` fills a temporary file in
    the same directory, which is flushed to disk and then replaces ``path`` in
    one step.

    A reader therefore sees either no file (or the previous one) or a complete
    new one, even when the writer is interrupted, the disk fills up or two
    writers race (the last one wins). On any error, the temporary file is
    removed and the error propagates.

    Parameters
    ----------
    path : str or path-like
        Final location.
    write : callable
        ``write(f)`` with ``f`` a binary file object open for writing.
    overwrite : bool, default=True
        If False and ``path`` exists, raise :class:`FileExistsError` before
        writing anything.
    make_dirs : bool, default=False
        Create the parent directories of ``path`` first.

    Raises
    ------
    FileExistsError
        ``overwrite=False`` and ``path`` exists.
    OSError
        If writing fails; a full disk (also when reported only as a short
        write) is ``errno.ENOSPC`` with a message naming ``path``.
    """
    path = os.fspath(path)
    directory, name = os.path.split(path)
    if make_dirs and directory:
        os.makedirs(directory, exist_ok=True)
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(
            errno.EEXIST, "refusing to overwrite an existing file", path
        )
    fd, tmp = tempfile.mkstemp(dir=directory or ".", prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:  # pragma: no cover - already gone
            pass
        if isinstance(exc, OSError) and _short_write(exc):
            raise OSError(
                errno.ENOSPC,
                f"could not write {path!r}: the disk is full (or the file too "
                f"large for it); nothing was left behind ({exc})",
                path,
            ) from exc
        raise


def _short_write(exc: OSError) -> bool:
    """Whether ``exc`` is a short write without an errno (NumPy reports a
    full disk as "N requested and M written")."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return exc.strerror is None or "full" not in exc.strerror
    return exc.errno is None and "requested and" in str(exc)


def clip_blocks(
    n_clips: int, bytes_per_clip: int, block_bytes: int | None = None
) -> Iterator[slice]:
    """Consecutive slices of clips, each holding about ``block_bytes``."""
    block_bytes = BLOCK_BYTES if block_bytes is None else block_bytes
    step = max(1, block_bytes // max(1, bytes_per_clip))
    for start in range(0, n_clips, step):
        yield slice(start, min(start + step, n_clips))


def _mapping(a: np.ndarray) -> mmap.mmap | None:
    """The :class:`mmap.mmap` an array's memory belongs to, if any."""
    base = a
    while base is not None and not isinstance(base, mmap.mmap):
        base = getattr(base, "base", None)
    return base


def release_pages(a: np.ndarray) -> None:
    """Unmap the pages of a read-only memory-mapped array from this process.

    Does nothing for arrays that are not backed by a read-only file mapping.
    The data stays valid: the next access reads it again from the file (in
    practice from the page cache). Only the resident memory of the process
    shrinks.

    Parameters
    ----------
    a : ndarray
        A view into a memory map, e.g. a block of clips of a
        :class:`numpy.memmap` opened with ``mode="r"``.
    """
    mm = _mapping(a)
    dontneed = getattr(mmap, "MADV_DONTNEED", None)
    if mm is None or dontneed is None or not hasattr(mm, "madvise") or not a.size:
        return
    if np.frombuffer(mm, dtype=np.uint8, count=1).flags.writeable:
        return  # only clean, read-only pages are safe to drop everywhere
    origin = np.frombuffer(mm, dtype=np.uint8).ctypes.data
    low, high = _byte_bounds(a)
    # Whole aligned windows: a page fault maps more than the page it needs
    # (Linux maps the cached pages around it, and whole large folios of up to
    # 2 MiB), which would otherwise stay mapped past the ends of the array and
    # add up over many arrays. Neighbours released with it are read again if
    # needed.
    window = max(mmap.PAGESIZE, _RELEASE_WINDOW)
    start = (low - origin) // window * window
    stop = min(len(mm), -(-(high - origin) // window) * window)
    if stop > start:
        mm.madvise(dontneed, start, stop - start)
