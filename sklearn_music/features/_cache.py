"""The ``cache_dir`` of the spectrogram transformers: an on-disk cache of
per-file spectrograms and a memory-mapped ``transform`` output.

Layout of ``cache_dir``::

    MelSpectrogram-<parameter key>/      one folder per front-end configuration
        <content key>.npy                the valid frames of one audio file
        transform-<input key>.npy        a transform output (rows padded)

The parameter key hashes the resolved front-end parameters, ``duration``, the
transformer class and the versions of sklearn-music and librosa (with
:func:`~sklearn_music.utils.hash_values`); the content
key hashes the bytes of the audio file (BLAKE2b), so a renamed or copied file
still hits and an edited one misses, whatever its modification time. A file
that is decoded is hashed from the very bytes decoded (read once), and its
entry is stored under that digest: a file replaced between the look-up and
the decoding can never store one content's spectrogram under another's key.
The input key hashes the content keys (or, for in-memory clips, their
samples) in order and the fill value.

Every file ends with a checksum of its content (``SMCK`` and a BLAKE2b
digest of the header and data), verified whenever it is read: an entry that
is damaged (flipped or zeroed bytes, a truncated copy, a full disk) is
deleted and recomputed, never returned. Every file is written to a temporary
file and renamed into place, so an interrupted run leaves no partial entry.

The transformer is seen only through its :class:`~._base.SpectrogramPlan`
for one ``transform`` call: its ``identity``, ``n_bins``, ``fill``,
``fixed_frames``, ``batch_size`` and ``n_jobs``, ``clip_frames(n_samples)``,
``compute(indices)`` and ``progress(total)``.
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid

import numpy as np

from ..utils import (
    atomic_write,
    digest_array,
    digest_file,
    hash_values,
    is_path,
)

__all__ = ["SpectrogramCache", "cached_transform"]


def parameter_key(identity: dict) -> str:
    """Hash of everything that determines a clip's spectrogram.

    ``identity`` is the plan's (transformer class, resolved parameters,
    ``duration``); the versions of sklearn-music and librosa are added.
    Device, batch size and thread counts only change rounding or speed, and
    ``fill_value`` only the padding of the output, so they are left out.
    """
    import librosa

    from .. import __version__

    versions = {"sklearn_music": __version__, "librosa": librosa.__version__}
    return hash_values({**identity, **versions}, size=10)


def _read_npy_header(f):
    """``(shape, fortran_order, dtype)`` of an open ``.npy`` file."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(f)
    raise ValueError(f"unsupported .npy version {version}")


_SEAL = b"SMCK"
_SEAL_BYTES = len(_SEAL) + 16


class _Hashing:
    """A binary file that hashes what is written to it."""

    def __init__(self, f):
        self.f, self.h = f, hashlib.blake2b(digest_size=16)

    def write(self, data) -> int:
        self.h.update(data)
        return self.f.write(data)

    def seal(self) -> None:
        """Append the checksum of everything written."""
        self.f.write(_SEAL + self.h.digest())


def _write_sealed(f, write) -> None:
    """``write(g)`` to ``f`` through a hashing ``g``, then the checksum."""
    g = _Hashing(f)
    write(g)
    g.seal()


def _seal_matches(path: str, payload_bytes: int) -> bool:
    """Whether the file's first ``payload_bytes`` bytes match its checksum,
    read a block at a time."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        left = payload_bytes
        while left > 0:
            block = f.read(min(left, 2**22))
            if not block:
                return False
            h.update(block)
            left -= len(block)
        return f.read() == _SEAL + h.digest()


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


class SpectrogramCache:
    """Per-clip spectrograms of one front-end configuration, one file each.

    Parameters
    ----------
    cache_dir : str or path-like
        Root directory; the entries go to a sub-folder named after the
        configuration.
    plan : SpectrogramPlan
        The ``transform`` call whose clips are cached.
    """

    def __init__(self, cache_dir, plan):
        key = parameter_key(plan.identity)
        self.directory = os.path.join(os.fspath(cache_dir), f"{plan.name}-{key}")
        self.n_bins = plan.n_bins
        os.makedirs(self.directory, exist_ok=True)

    def path(self, key: str) -> str:
        """File of the entry ``key``."""
        return os.path.join(self.directory, f"{key}.npy")

    def n_frames(self, key: str) -> int | None:
        """Frames of a valid entry (header and file size checked), else None.

        An entry that exists but is damaged is deleted.
        """
        path = self.path(key)
        try:
            with open(path, "rb") as f:
                shape, fortran, dtype = _read_npy_header(f)
                expected = f.tell() + int(np.prod(shape)) * dtype.itemsize
                expected += _SEAL_BYTES
                size = os.fstat(f.fileno()).st_size
        except FileNotFoundError:
            return None
        except Exception:  # unreadable header: damaged entry
            _remove(path)
            return None
        if (
            dtype != np.float32
            or fortran
            or len(shape) != 2
            or shape[0] != self.n_bins
            or size != expected
        ):
            _remove(path)
            return None
        return int(shape[1])

    def load(self, key: str) -> np.ndarray | None:
        """The entry ``key``, or None (deleting it) when it cannot be read or
        its checksum does not match its content."""
        path = self.path(key)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return None
        payload, seal = data[:-_SEAL_BYTES], data[-_SEAL_BYTES:]
        digest = hashlib.blake2b(payload, digest_size=16).digest()
        try:
            if seal != _SEAL + digest:
                raise ValueError("checksum mismatch")
            S = np.lib.format.read_array(io.BytesIO(payload), allow_pickle=False)
        except Exception:  # damaged: recompute it
            _remove(path)
            return None
        if S.dtype != np.float32 or S.ndim != 2 or S.shape[0] != self.n_bins:
            _remove(path)
            return None
        return S

    def store(self, key: str, S: np.ndarray) -> None:
        """Write the entry ``key`` atomically, with its checksum."""
        S = np.ascontiguousarray(S, dtype=np.float32)

        def write(f):
            _write_sealed(f, lambda g: np.save(g, S, allow_pickle=False))

        atomic_write(self.path(key), write)


def _item_keys(source, n_jobs) -> list[str]:
    """Content hash of every item: file bytes for paths, samples for arrays."""
    from joblib import Parallel, delayed

    def key(item):
        return digest_file(item) if is_path(item) else digest_array(item)

    if n_jobs in (None, 1) or not source.has_paths:
        return [key(item) for item in source.items]
    return Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(key)(item) for item in source.items
    )


def _open_output(path: str, shape: tuple) -> np.memmap | None:
    """A complete earlier output of ``shape[:2]`` at ``path``, read-only,
    whose checksum matches (verified a block at a time)."""
    try:
        out = np.lib.format.open_memmap(path, mode="r")
        payload = out.offset + out.nbytes
        sound = (
            out.dtype == np.float32
            and out.ndim == 3
            and out.shape[:2] == shape[:2]
            and os.path.getsize(path) == payload + _SEAL_BYTES
            and _seal_matches(path, payload)
        )
    except FileNotFoundError:
        return None
    except Exception:  # truncated or damaged: rebuild it
        sound = False
    if not sound:
        out = None
        _remove(path)
        return None
    return out


def _known_frames(cache: SpectrogramCache, plan, keys, on_disk) -> np.ndarray:
    """Frames of each item known without computing it, -1 where unknown:
    valid cache entries of files, and in-memory clips from their length."""
    frames = np.full(len(keys), -1, dtype=np.int64)
    for i, item in enumerate(plan.source.items):
        if on_disk[i]:
            frames[i] = cache.n_frames(keys[i]) or -1
        else:
            frames[i] = plan.clip_frames(item.size)
    return frames


def _write_output(f, plan, shape: tuple, load, compute) -> None:
    """Write the ``.npy`` output of ``shape`` to ``f``, ``batch_size`` rows at
    a time: each clip from ``load(i)`` (a cache entry or None) or, for the
    rest of a batch, ``compute(indices)``."""
    n, n_bins, n_frames = shape
    header = {
        "descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)),
        "fortran_order": False,
        "shape": shape,
    }
    f = _Hashing(f)
    np.lib.format.write_array_header_1_0(f, header)
    with plan.progress(n) as bar:
        for start in range(0, n, plan.batch_size):
            idx = range(start, min(start + plan.batch_size, n))
            block = np.empty((len(idx), n_bins, n_frames), dtype=np.float32)
            specs = {i: load(i) for i in idx}
            todo = [i for i in idx if specs[i] is None]
            if todo:
                specs.update(zip(todo, compute(todo), strict=True))
            for row, i in zip(block, idx, strict=True):
                width = min(specs[i].shape[1], n_frames)
                row[:, :width] = specs[i][:, :width]
                row[:, width:] = plan.fill
            f.write(block.data)
            bar.update(len(idx))
    f.seal()


def cached_transform(cache_dir, plan) -> np.memmap:
    """``transform`` of a spectrogram transformer with ``cache_dir`` set.

    Parameters
    ----------
    cache_dir : str or path-like
        Root directory of the cache.
    plan : SpectrogramPlan
        The ``transform`` call: checked input, resolved parameters, and how
        to compute the spectrograms of some of its items.

    Returns
    -------
    S : numpy.memmap of shape (n_clips, n_bins, n_frames), float32, read-only
    """
    cache = SpectrogramCache(cache_dir, plan)
    items = plan.source.items
    n = len(items)
    keys = _item_keys(plan.source, plan.n_jobs)
    done = _open_output(_output_path(cache, plan, keys), (n, plan.n_bins))
    if done is not None:
        return done

    on_disk = [is_path(item) for item in items]
    frames = _known_frames(cache, plan, keys, on_disk)
    plan.source.digests = decoded = {}  # digests of the bytes decoded

    def compute(indices):
        """Decode and compute ``indices``, storing the entries of files under
        the digest of the bytes decoded."""
        specs = plan.compute(indices)
        for i, S in zip(indices, specs, strict=True):
            if on_disk[i]:
                keys[i] = decoded.get(i)  # None: changed while read, not stored
                if keys[i] is not None:
                    cache.store(keys[i], S)
            frames[i] = S.shape[1]
        return specs

    def load(i):
        return cache.load(keys[i]) if on_disk[i] and frames[i] >= 0 else None

    n_frames = plan.fixed_frames
    if n_frames is None:  # the output width needs every file's length first
        missing = np.flatnonzero(frames < 0).tolist()
        with plan.progress(len(missing)) as bar:
            for start in range(0, len(missing), plan.batch_size):
                part = missing[start : start + plan.batch_size]
                compute(part)
                bar.update(len(part))
        n_frames = int(frames.max())
    shape = (n, plan.n_bins, n_frames)
    # written under a private name, then named after the keys of what was
    # really decoded (a file may have changed since it was first hashed)
    staged = os.path.join(cache.directory, f"staged-{uuid.uuid4().hex}.npy")
    try:
        atomic_write(staged, lambda f: _write_output(f, plan, shape, load, compute))
        out_path = staged
        if all(k is not None for k in keys):
            out_path = _output_path(cache, plan, keys)
            os.replace(staged, out_path)
        out = np.lib.format.open_memmap(out_path, mode="r")
    finally:
        if os.path.exists(staged):
            _remove(staged)  # a mapping keeps the data of an unnamed file
    return out


def _output_path(cache: SpectrogramCache, plan, keys) -> str:
    """The output file of the items with content ``keys``."""
    digest = hash_values({"fill": plan.fill, "items": keys}, size=16)
    return os.path.join(cache.directory, f"transform-{digest}.npy")
