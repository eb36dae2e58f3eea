"""The ``cache_dir`` of the spectrogram transformers: an on-disk cache of
per-file spectrograms and a memory-mapped ``transform`` output.

Layout of ``cache_dir``::

    MelSpectrogram-<parameter key>/      one folder per front-end configuration
        <content key>.npy                the valid frames of one audio file
        transform-<input key>.npy        a transform output (rows padded)

The parameter key hashes the resolved front-end parameters, ``duration``, the
transformer class and the versions of sklearn-music and librosa; the content
key hashes the bytes of the audio file (BLAKE2b), so a renamed or copied file
still hits and an edited one misses, whatever its modification time. The input
key hashes the content keys (or, for in-memory clips, their samples) in order
and the fill value. Every file is written to a temporary file and renamed into
place, so an interrupted run leaves no partial entry; an entry that is
unreadable or has the wrong size anyway (a truncated copy, a full disk) is
deleted and recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np

from ..utils import atomic_write, digest_array, digest_file

__all__ = ["SpectrogramCache", "cached_transform"]


def _jsonable(value):
    """JSON stand-in for parameter values that json cannot encode."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return {"array": digest_array(value)}
    if callable(value):
        return (
            f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}"
        )
    return repr(value)


def parameter_key(transformer, params: dict) -> str:
    """Hash of everything that determines a clip's spectrogram.

    Device, batch size and thread counts only change rounding or speed, and
    ``fill_value`` only the padding of the output, so they are left out.
    """
    import librosa

    from .. import __version__

    identity = {
        "transformer": type(transformer).__qualname__,
        "params": params,
        "duration": transformer.duration,
        "sklearn_music": __version__,
        "librosa": librosa.__version__,
    }
    text = json.dumps(identity, sort_keys=True, default=_jsonable)
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


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
    transformer : _SpectrogramTransformer
        The transformer whose outputs are cached.
    params : dict
        Its resolved parameters.
    n_bins : int
        Bins of every spectrogram.
    """

    def __init__(self, cache_dir, transformer, params: dict, n_bins: int):
        key = parameter_key(transformer, params)
        self.directory = os.path.join(
            os.fspath(cache_dir), f"{type(transformer).__name__}-{key}"
        )
        self.n_bins = n_bins
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

    from .._io import _is_path

    def key(item):
        return digest_file(item) if _is_path(item) else digest_array(item)

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


def cached_transform(transformer, source, p: dict, n_bins: int, fixed_frames, fill):
    """``transform`` of a spectrogram transformer with ``cache_dir`` set.

    Parameters
    ----------
    transformer : _SpectrogramTransformer
        Provides ``cache_dir``, ``batch_size``, ``n_jobs`` and the computation.
    source : AudioSource
        The checked input.
    p : dict
        Resolved parameters.
    n_bins : int
        Bins per frame.
    fixed_frames : int or None
        Frames of every row when ``duration`` is set.
    fill : float
        Value of padding frames.

    Returns
    -------
    S : numpy.memmap of shape (n_clips, n_bins, n_frames), float32, read-only
    """
    from .._io import _is_path

    cache = SpectrogramCache(transformer.cache_dir, transformer, p, n_bins)
    n = len(source)
    keys = _item_keys(source, transformer.n_jobs)
    digest = hashlib.blake2b(f"{fill!r}\n".encode(), digest_size=16)
    digest.update("\n".join(keys).encode())
    out_path = os.path.join(cache.directory, f"transform-{digest.hexdigest()}.npy")
    done = _open_output(out_path, (n, n_bins))
    if done is not None:
        return done

    on_disk = [_is_path(item) for item in source.items]
    frames = np.full(n, -1, dtype=np.int64)  # -1: to compute
    for i, item in enumerate(source.items):
        if on_disk[i]:
            frames[i] = cache.n_frames(keys[i]) or -1
        else:
            n_samples = item.size
            if transformer.duration is not None:
                n_samples = min(n_samples, transformer._duration_samples())
            frames[i] = transformer._frames_for(n_samples, p)

    def compute(indices):
        """Decode and compute ``indices``, storing the entries of files."""
        sub = source.subset(indices)
        specs = []
        for idx, clips in sub.iter_batches(
            transformer.batch_size, n_jobs=transformer.n_jobs
        ):
            specs.extend(transformer._clip_spectra(sub, idx, clips, p))
        for i, S in zip(indices, specs, strict=True):
            if on_disk[i]:
                cache.store(keys[i], S)
            frames[i] = S.shape[1]
        return specs

    if fixed_frames is None:  # the output width needs every file's length first
        missing = np.flatnonzero(frames < 0).tolist()
        with transformer._progress(len(missing)) as bar:
            for start in range(0, len(missing), transformer.batch_size):
                part = missing[start : start + transformer.batch_size]
                compute(part)
                bar.update(len(part))
    n_frames = fixed_frames if fixed_frames is not None else int(frames.max())
    shape = (n, n_bins, n_frames)

    def write(f):
        header = {
            "descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)),
            "fortran_order": False,
            "shape": shape,
        }
        np.lib.format.write_array_header_1_0(f, header)
        with transformer._progress(n) as bar:
            for start in range(0, n, transformer.batch_size):
                idx = range(start, min(start + transformer.batch_size, n))
                block = np.empty((len(idx), n_bins, n_frames), dtype=np.float32)
                specs, todo = {}, []
                for i in idx:
                    S = cache.load(keys[i]) if on_disk[i] and frames[i] >= 0 else None
                    if S is None:
                        todo.append(i)
                    else:
                        specs[i] = S
                if todo:
                    specs.update(zip(todo, compute(todo), strict=True))
                for row, i in zip(block, idx, strict=True):
                    width = min(specs[i].shape[1], n_frames)
                    row[:, :width] = specs[i][:, :width]
                    row[:, width:] = fill
                f.write(block.data)
                bar.update(len(idx))

    atomic_write(out_path, write)
    return np.lib.format.open_memmap(out_path, mode="r")
