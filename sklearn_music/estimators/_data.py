"""Input validation, chunking and datasets shared by the neural estimators.

Clips travel as arrays whose last axis is time: spectrograms ``(n_mels,
n_frames)`` or waveforms ``(n_samples,)``. Spectrogram batches from the
front-ends may end in NaN padding frames (see
:func:`sklearn_music.features.frame_lengths`); only the valid frames of a clip
are ever cropped for training or chunked for prediction, so padding never
counts as music.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..features import frame_lengths
from ..utils import clip_blocks, release_pages

__all__ = [
    "ChunkDataset",
    "average_over_chunks",
    "check_spectrograms",
    "chunk_plan",
    "fit_short_clips",
    "split_train_valid",
]


def check_spectrograms(X, *, n_mels: int | None, name: str):
    """Validate spectrogram input and return ``(clips, lengths)``.

    Parameters
    ----------
    X : array-like of shape (n_clips, n_mels, n_frames) or (n_clips, n_mels)
        Spectrograms; trailing all-NaN frames are padding. A 2-D array is a
        batch of single-frame spectrograms (``n_features`` = ``n_mels``). A
        list of 2-D arrays of different lengths is accepted too.
    n_mels : int or None
        Expected number of bands (from ``fit``); ``None`` accepts any.
    name : str
        Estimator name for error messages.

    Returns
    -------
    clips : list of ndarray of shape (n_mels, length_i), float32
        Valid frames of each clip (views where possible).
    lengths : ndarray of shape (n_clips,), int64
    """
    if hasattr(X, "tocsr") or type(X).__module__.startswith("scipy.sparse"):
        raise ValueError(
            f"{name} does not accept sparse input; pass a dense spectrogram array "
            "(n_clips, n_mels, n_frames)."
        )
    if isinstance(X, list | tuple) and X and all(np.ndim(x) == 2 for x in X):
        X = _pad_ragged(X, name)
    try:
        X = np.asarray(X)
    except ValueError as exc:
        raise ValueError(f"{name} could not read X as an array: {exc}") from exc
    if X.dtype == object:
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{name} needs numeric spectrograms; X has elements that are not "
                f"numbers: argument must be a string or a real number ({exc})"
            ) from exc
    if X.dtype.kind == "c":
        raise ValueError(f"Complex data not supported by {name}.")
    if X.dtype.kind not in "fiub":
        raise ValueError(f"{name} needs numeric spectrograms; got dtype {X.dtype}.")
    if X.ndim in (2, 3) and X.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 "
            f"is required by {name}."
        )
    if X.ndim in (2, 3) and 0 in X.shape[1:]:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 "
            f"is required by {name}."
        )
    if X.ndim == 2:
        X = X[:, :, np.newaxis]
    elif X.ndim != 3:
        hint = (
            " Pass it through MelSpectrogram first: this estimator takes "
            "spectrograms, not waveforms."
            if X.ndim == 1
            else ""
        )
        raise ValueError(
            f"{name} expects spectrograms of shape (n_clips, n_mels, n_frames) "
            f"(or (n_clips, n_mels) for single frames); got an array of shape "
            f"{X.shape}.{hint} Reshape your data if it is a single clip."
        )
    if n_mels is not None and X.shape[1] != n_mels:
        raise ValueError(
            f"X has {X.shape[1]} features, but {name} is expecting {n_mels} "
            f"features as input: spectrograms must have the n_mels={n_mels} bands "
            f"seen in fit (got {X.shape[1]})."
        )
    X = X.astype(np.float32, copy=False)
    # block by block, so that a memory-mapped X is never read in all at once
    lengths = np.empty(X.shape[0], dtype=np.int64)
    for block in clip_blocks(X.shape[0], X[:1].nbytes):
        lengths[block] = _check_values(X[block], block.start, name)
        release_pages(X[block])
    clips = [X[i, :, :n] for i, n in enumerate(lengths)]
    return clips, lengths


def _check_values(X, first: int, name: str) -> np.ndarray:
    """Check clips ``first, first + 1, ...`` for inf and NaN inside the music,
    and return their valid lengths."""
    if np.isinf(X).any():
        clip = first + int(np.flatnonzero(np.isinf(X).any(axis=(1, 2)))[0])
        raise ValueError(f"Input X contains infinity: clip {clip} of X to {name}.")
    lengths = frame_lengths(X)
    nan = np.isnan(X)
    if nan.any():
        # NaN is allowed only as whole trailing padding frames
        inside = nan & (np.arange(X.shape[2])[None, None, :] < lengths[:, None, None])
        if inside.any():
            clip = first + int(np.flatnonzero(inside.any(axis=(1, 2)))[0])
            raise ValueError(
                f"Input X contains NaN inside clip {clip} of X to {name}: NaN marks "
                "padding only when whole frames at the end of a clip are NaN."
            )
        empty = np.flatnonzero(lengths == 0)
        if empty.size:
            raise ValueError(
                f"Clip {first + int(empty[0])} of X to {name} is empty: all its "
                "frames are NaN padding."
            )
    return lengths


def _pad_ragged(arrays, name):
    bands = {np.shape(a)[0] for a in arrays}
    if len(bands) > 1:
        raise ValueError(
            f"{name}: the spectrograms in X have different numbers of bands "
            f"{sorted(bands)}; all clips need the same n_mels."
        )
    width = max(np.shape(a)[1] for a in arrays)
    out = np.full((len(arrays), bands.pop(), width), np.nan, dtype=np.float32)
    for i, a in enumerate(arrays):
        out[i, :, : np.shape(a)[1]] = a
    return out


def chunk_plan(lengths, chunk: int, max_chunks: int | None = None, hop=None):
    """Chunks covering each whole clip, for prediction.

    A clip of ``L >= chunk`` frames gets windows of exactly ``chunk`` frames,
    evenly spaced from its first to its last frame (so they never run into
    padding): ``ceil(L / chunk)`` of them (slightly overlapping) by default,
    or, with ``hop``, enough that consecutive windows start at most ``hop *
    chunk`` frames apart (``1 + ceil((L - chunk) / (hop * chunk))``).
    ``max_chunks`` caps the count. A shorter clip is one window of its own
    length.

    Parameters
    ----------
    lengths : array-like of int
        Clip lengths along time.
    chunk : int
        Window length.
    max_chunks : int or None, default=None
        Most windows per clip.
    hop : float in (0, 1] or None, default=None
        Largest step between window starts, as a fraction of ``chunk``.

    Returns
    -------
    plan : list of (clip_index, start, length)
    """
    plan = []
    for i, length in enumerate(int(n) for n in lengths):
        if length <= chunk:
            plan.append((i, 0, length))
            continue
        if hop is None:
            n = math.ceil(length / chunk)
        else:
            n = 1 + math.ceil((length - chunk) / max(1.0, hop * chunk))
        if max_chunks is not None:
            n = min(n, max_chunks)
        starts = np.unique(np.linspace(0, length - chunk, n).round().astype(int))
        plan.extend((i, int(s), chunk) for s in starts)
    return plan


def fit_short_clips(clips, lengths, minimum: int, mode: str, pad_value):
    """Bring clips shorter than ``minimum`` to that length, per ``mode``.

    Parameters
    ----------
    clips : list of ndarray
        Arrays whose last axis is time (valid part only).
    lengths : ndarray of int
        Their lengths.
    minimum : int
        The length every clip needs.
    mode : {"pad", "repeat"}
        ``"pad"`` appends ``pad_value(clip)`` (the clip's silence) after the
        clip; ``"repeat"`` repeats the clip until it is long enough.
    pad_value : callable
        ``pad_value(clip) -> float``.

    Returns
    -------
    clips : list of ndarray
        The long-enough clips unchanged, the short ones extended to
        ``minimum``.
    lengths : ndarray of int
    """
    out, new_lengths = list(clips), np.array(lengths, dtype=np.int64)
    for i in np.flatnonzero(new_lengths < minimum):
        clip, n = clips[i], int(new_lengths[i])
        if mode == "repeat":
            reps = math.ceil(minimum / n)
            tiled = np.concatenate([clip] * reps, axis=-1)[..., :minimum]
        else:
            tiled = np.full((*clip.shape[:-1], minimum), pad_value(clip), clip.dtype)
            tiled[..., :n] = clip
        out[i] = np.ascontiguousarray(tiled, dtype=np.float32)
        new_lengths[i] = minimum
    return out, new_lengths


def average_over_chunks(
    clips,
    lengths,
    forward,
    *,
    chunk: int,
    max_chunks: int | None = None,
    hop=None,
    batch_size: int,
    device,
) -> np.ndarray:
    """Outputs of ``forward`` averaged over chunks covering each whole clip.

    Parameters
    ----------
    clips : list of ndarray
        Arrays whose last axis is time (valid frames or samples only).
    lengths : ndarray of shape (n_clips,)
        Their lengths along time.
    forward : callable
        ``forward(x) -> Tensor (batch, n_outputs)`` for a float32 batch
        ``x`` of equal-length chunks on ``device``; called without gradients.
    chunk : int
        Chunk length (see :func:`chunk_plan`).
    max_chunks : int or None, default=None
        Cap on the chunks per clip.
    hop : float or None, default=None
        Largest step between chunk starts, as a fraction of ``chunk``.
    batch_size : int
        Chunks per call of ``forward``.
    device : str or torch.device
        Where the batches go.

    Returns
    -------
    outputs : ndarray of shape (n_clips, n_outputs), float64
        The mean over each clip's chunks.
    """
    plan = chunk_plan(lengths, chunk, max_chunks, hop)
    by_length: dict[int, list] = {}
    for entry in plan:  # equal-length chunks stack into one batch
        by_length.setdefault(entry[2], []).append(entry)
    sums, counts = None, np.zeros(len(clips))
    with torch.no_grad():
        for length, entries in by_length.items():
            for start in range(0, len(entries), batch_size):
                part = entries[start : start + batch_size]
                batch = np.stack([clips[i][..., s : s + length] for i, s, _ in part])
                for i, _, _ in part:  # memory-mapped input: drop read pages
                    release_pages(clips[i])
                out = forward(_upload(batch, device)).float()
                if sums is None:  # summed on the device: no per-batch sync
                    shape = (len(clips), out.shape[1])
                    sums = torch.zeros(shape, dtype=torch.float64, device=out.device)
                idx = np.array([i for i, _, _ in part])
                sums.index_add_(0, _upload(idx, out.device), out.double())
                np.add.at(counts, idx, 1)
    return sums.cpu().numpy() / counts[:, None]


def _upload(array: np.ndarray, device) -> torch.Tensor:
    """``array`` on ``device``; to CUDA from pinned memory, without waiting."""
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    if torch.device(device).type != "cuda":
        return tensor.to(device)
    return tensor.pin_memory().to(device, non_blocking=True)


class ChunkDataset(torch.utils.data.Dataset):
    """Fixed-length crops of variable-length clips, with targets.

    Parameters
    ----------
    clips : list of ndarray
        Arrays whose last axis is time, e.g. ``(n_mels, L_i)`` or ``(L_i,)``.
    y : ndarray or None
        Encoded targets (class indices or a float indicator matrix), one
        per clip.
    chunk : int
        Crop length along time; every clip must be at least this long.
    random : bool
        Random crop positions (training) or fixed ones (validation): the
        centre crop, or with ``hop`` the chunks of :func:`chunk_plan`.
    seed : int
        Seed of the crop positions and augmentations.
    augment : callable or None
        ``augment(x, rng) -> x`` applied to training crops (e.g. SpecAugment).
    crops : int, default=1
        Random crops of every clip per pass (epoch): the dataset has
        ``crops * n_clips`` items, item ``i`` a fresh crop of clip
        ``i % n_clips``.
    hop : float or None, default=None
        Fixed crops only: with a number, the items are the chunks that
        cover each clip (:func:`chunk_plan` with this ``hop``);
        ``clip_index`` says whose chunk each item is.

    Attributes
    ----------
    clip_index : ndarray of shape (n_items,)
        The clip of every item.

    Notes
    -----
    In the main process the crops come from one generator seeded by ``seed``.
    In a :class:`~torch.utils.data.DataLoader` worker process (``num_workers
    > 0``) each worker draws from a generator seeded by ``seed`` and the
    worker's own seed, which torch derives anew for every epoch from its
    seeded global generator: workers do not repeat each other's crops, epochs
    do not repeat the first epoch's, and a run with the same ``random_state``
    draws the same crops.
    """

    def __init__(
        self, clips, y, *, chunk, random, seed=0, augment=None, crops=1, hop=None
    ):
        self.clips = clips
        self.y = y
        self.chunk = chunk
        self.random = random
        self.augment = augment
        self.seed = seed
        self.crops = crops
        self.hop = hop
        self.rng = np.random.default_rng(seed)
        self._worker = None  # (worker seed, its generator)
        n = len(clips)
        if random:
            self.clip_index = np.tile(np.arange(n), crops)
            self._starts = None
        elif hop is None:
            self.clip_index = np.arange(n)
            self._starts = [(c.shape[-1] - chunk) // 2 for c in clips]
        else:
            lengths = [c.shape[-1] for c in clips]
            plan = chunk_plan(lengths, chunk, hop=hop)
            self.clip_index = np.array([i for i, _, _ in plan], dtype=np.int64)
            self._starts = [s for _, s, _ in plan]

    def _generator(self):
        """This process's generator (see Notes)."""
        info = torch.utils.data.get_worker_info()
        if info is None:
            return self.rng
        if self._worker is None or self._worker[0] != info.seed:
            self._worker = (info.seed, np.random.default_rng([self.seed, info.seed]))
        return self._worker[1]

    def __len__(self) -> int:
        return len(self.clip_index)

    def subset(self, indices, *, random: bool, hop=None) -> ChunkDataset:
        """The clips at ``indices`` as a new dataset (train or validation)."""
        return ChunkDataset(
            [self.clips[i] for i in indices],
            None if self.y is None else self.y[indices],
            chunk=self.chunk,
            random=random,
            seed=int(self.rng.integers(2**31)),
            augment=self.augment if random else None,
            crops=self.crops if random else 1,
            hop=None if random else hop,
        )

    def __getitem__(self, i):
        c = int(self.clip_index[i])
        clip = self.clips[c]
        length = clip.shape[-1]
        rng = self._generator()
        if self.random:
            start = int(rng.integers(0, length - self.chunk + 1))
        else:
            start = self._starts[i]
        x = np.array(clip[..., start : start + self.chunk], order="C")
        release_pages(clip)  # a memory-mapped clip stays on disk
        if self.augment is not None:
            x = self.augment(x, rng)
        x = torch.from_numpy(x)
        if self.y is None:
            return x, torch.zeros(())
        return x, torch.as_tensor(self.y[c])


def spec_augment(
    x: np.ndarray, rng, *, n_freq=2, max_freq=0.15, n_time=2, max_time=0.1
):
    """SpecAugment-style masking of a ``(n_mels, n_frames)`` crop.

    Sets ``n_freq`` random bands of up to ``max_freq`` of the bands, and
    ``n_time`` random spans of up to ``max_time`` of the frames, to the crop's
    mean (Park et al. 2019, without time warping).
    """
    x = x.copy()
    fill = float(x.mean())
    n_bins, n_frames = x.shape[-2], x.shape[-1]
    for _ in range(n_freq):
        width = int(rng.integers(0, max(1, int(max_freq * n_bins)) + 1))
        start = int(rng.integers(0, n_bins - width + 1))
        x[..., start : start + width, :] = fill
    for _ in range(n_time):
        width = int(rng.integers(0, max(1, int(max_time * n_frames)) + 1))
        start = int(rng.integers(0, n_frames - width + 1))
        x[..., start : start + width] = fill
    return x


def split_train_valid(
    dataset: ChunkDataset, fraction: float, *, n_classes=None, hop=None
):
    """Training and validation subsets of a training set.

    Parameters
    ----------
    dataset : ChunkDataset
        The training clips; its generator draws the split.
    fraction : float
        ``ceil(fraction * n_clips)`` clips validate.
    n_classes : int or None, default=None
        For single-label targets (class indices in ``dataset.y``): the split
        is stratified when every class has at least 2 clips and the
        validation set can hold one clip per class.
    hop : float or None, default=None
        Validation chunks: the centre crop of every clip (None), or the
        chunks covering each clip with this hop (:func:`chunk_plan`).

    Returns
    -------
    train : ChunkDataset
        Random crops; ``dataset`` itself if either part would be empty.
    valid : ChunkDataset or None
        Fixed crops (see ``hop``); None if either part would be empty.
    """
    from sklearn.model_selection import train_test_split

    n = len(dataset.clips)
    n_valid = int(np.ceil(fraction * n))
    if n_valid < 1 or n - n_valid < 1:
        return dataset, None
    stratify = None
    if n_classes is not None:
        counts = np.bincount(dataset.y, minlength=n_classes)
        if counts.min() >= 2 and n_valid >= n_classes:
            stratify = dataset.y
    train_idx, valid_idx = train_test_split(
        np.arange(n),
        test_size=n_valid,
        stratify=stratify,
        random_state=int(dataset.rng.integers(2**31)),
    )
    return (
        dataset.subset(train_idx, random=True),
        dataset.subset(valid_idx, random=False, hop=hop),
    )
