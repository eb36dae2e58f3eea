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
still hits and an edited one misses, whatever its modification time. The input
key hashes the content keys (or, for in-memory clips, their samples) in order
and the fill value. Every file is written to a temporary file and renamed into
place, so an interrupted run leaves no partial entry; an entry that is
unreadable or has the wrong size anyway (a truncated copy, a full disk) is
deleted and recomputed.

The transformer is seen only through its :class:`~._base.SpectrogramPlan`
for one ``transform`` call: its ``identity``, ``n_bins``, ``fill``,
``fixed_frames``, ``batch_size`` and ``n_jobs``, ``clip_frames(n_samples)``,
``compute(indices)`` and ``progress(total)``.
"""

from __future__ import annotations

import os

import numpy as np

from ..utils import atomic_write, digest_array, digest_file, hash_values, is_path

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
        """The entry ``key``, or None (deleting it) when it cannot be read."""
        path = self.path(key)
        try:
            S = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            return None
        except Exception:
            _remove(path)
            return None
        if S.dtype != np.float32 or S.ndim != 2 or S.shape[0] != self.n_bins:
            _remove(path)
            return None
        return S

    def store(self, key: str, S: np.ndarray) -> None:
        """Write the entry ``key`` atomically."""
        S = np.ascontiguousarray(S, dtype=np.float32)
        atomic_write(self.path(key), lambda f: np.save(f, S, allow_pickle=False))


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
    """A complete earlier output of ``shape[:2]`` at ``path``, read-only."""
    try:
        out = np.lib.format.open_memmap(path, mode="r")
    except FileNotFoundError:
        return None
    except Exception:  # truncated or damaged: rebuild it
        _remove(path)
        return None
    if out.dtype != np.float32 or out.ndim != 3 or out.shape[:2] != shape[:2]:
        del out
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
    digest = hash_values({"fill": plan.fill, "items": keys}, size=16)
    out_path = os.path.join(cache.directory, f"transform-{digest}.npy")
    done = _open_output(out_path, (n, plan.n_bins))
    if done is not None:
        return done

    on_disk = [is_path(item) for item in items]
    frames = _known_frames(cache, plan, keys, on_disk)

    def compute(indices):
        """Decode and compute ``indices``, storing the entries of files."""
        specs = plan.compute(indices)
        for i, S in zip(indices, specs, strict=True):
            if on_disk[i]:
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
    atomic_write(out_path, lambda f: _write_output(f, plan, shape, load, compute))
    return np.lib.format.open_memmap(out_path, mode="r")
