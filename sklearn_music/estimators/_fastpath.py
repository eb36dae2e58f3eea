"""The data path of the neural estimators' training loop.

skorch's loop reads every batch's loss with ``loss.item()``, which on CUDA
waits for the GPU to finish that batch before the next one can be queued, and
its ``DataLoader`` copies each batch from pageable memory, which waits too.
:class:`FastTrainingMixin` keeps the GPU fed:

- the per-batch losses stay on the device and are read once per epoch (the
  history gets the same per-batch values, at the end of the epoch);
- on CUDA the ``DataLoader`` pins its batches and they are copied with
  ``non_blocking=True`` (:func:`to_device`);
- on CUDA, when the training clips fit in a quarter of the free device
  memory, they are uploaded once per fit and the random training crops are
  cut on the device (:class:`DeviceCropLoader`), one gather per batch;
- ``torch.backends.cudnn.benchmark`` is on while training on CUDA (the crops
  all have one shape), unless deterministic algorithms were asked for.

Nothing changes on the CPU except that the losses are read at the end of the
epoch.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import torch
from skorch.dataset import get_len
from skorch.utils import to_tensor

from ._data import ChunkDataset

__all__ = ["DeviceCropLoader", "FastTrainingMixin", "to_device"]

#: Share of the free device memory the training clips may take on the device.
_DEVICE_DATA_SHARE = 0.25


def to_device(x, device):
    """``x`` as a tensor on ``device``; a tensor is copied asynchronously
    (from pinned memory that copy does not wait for the device)."""
    if isinstance(x, torch.Tensor):
        return x.to(device, non_blocking=True)
    return to_tensor(x, device=device)


@contextlib.contextmanager
def _cudnn_benchmark(device):
    """cuDNN's autotuner on while training on CUDA (fixed-size crops), unless
    the user asked for deterministic algorithms; restored afterwards."""
    before = torch.backends.cudnn.benchmark
    if (
        torch.device(device).type == "cuda"
        and not torch.backends.cudnn.deterministic
        and not torch.are_deterministic_algorithms_enabled()
    ):
        torch.backends.cudnn.benchmark = True
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = before


class DeviceCropLoader:
    """Random fixed-length crops cut on the device from clips held there.

    Parameters
    ----------
    dataset : ChunkDataset
        Training clips (``random=True``, no augmentation); its generator
        draws the order and the crop positions.
    batch_size : int
        Crops per batch.
    device : str or torch.device
        Where the clips are uploaded (once) and the batches are cut.
    shuffle : bool, default=True
        Visit the clips in a random order each epoch.

    Notes
    -----
    Every epoch visits each item of the dataset once, as the ``DataLoader``
    over it does: the order and each item's crop start are drawn on the
    host from the dataset's generator (one upload of two small index vectors per
    epoch) and each batch is one gather. Batches are ``(x, y)`` with ``x`` of
    shape ``(batch, *clip_shape[:-1], chunk)``.
    """

    def __init__(self, dataset: ChunkDataset, batch_size: int, device, *, shuffle=True):
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.device = torch.device(device)
        self.shuffle = shuffle
        clips = dataset.clips
        self.lengths = np.array([c.shape[-1] for c in clips], dtype=np.int64)
        head = clips[0].shape[:-1]
        host = np.zeros(
            (len(clips), int(np.prod(head)), self.lengths.max()), np.float32
        )
        for row, clip, n in zip(host, clips, self.lengths, strict=True):
            row[:, :n] = clip.reshape(row.shape[0], n)
        self._head = tuple(head)
        self._X = torch.from_numpy(host).to(self.device)
        y = np.zeros(len(clips), np.float32) if dataset.y is None else dataset.y
        self._y = torch.as_tensor(np.asarray(y)).to(self.device)
        self._offsets = torch.arange(dataset.chunk, device=self.device)
        # item i of the dataset is a crop of clip _clip_of[i] (several crops
        # per clip and epoch when the dataset has a clip_index)
        default = np.arange(len(clips))
        self._clip_of = np.asarray(getattr(dataset, "clip_index", default), np.int64)

    @staticmethod
    def nbytes(dataset: ChunkDataset) -> int:
        """Device memory the clips of ``dataset`` take once uploaded."""
        clips = dataset.clips
        longest = max(c.shape[-1] for c in clips)
        return len(clips) * int(np.prod(clips[0].shape[:-1])) * longest * 4

    def __len__(self) -> int:
        return math.ceil(len(self._clip_of) / self.batch_size)

    def __iter__(self):
        rng = self.dataset._generator()
        chunk = self.dataset.chunk
        n_items = len(self._clip_of)
        order = rng.permutation(n_items) if self.shuffle else np.arange(n_items)
        clips = self._clip_of[order]
        starts = rng.integers(0, self.lengths[clips] - chunk + 1)
        clips_t = torch.from_numpy(clips).to(self.device, non_blocking=True)
        starts_t = torch.from_numpy(starts).to(self.device, non_blocking=True)
        for b0 in range(0, n_items, self.batch_size):
            idx = clips_t[b0 : b0 + self.batch_size]
            t = starts_t[b0 : b0 + self.batch_size, None] + self._offsets
            x = self._X[idx[:, None], :, t]  # (B, chunk, F): advanced dims first
            x = x.permute(0, 2, 1).reshape(len(idx), *self._head, chunk)
            yield x.contiguous(), self._y[idx]


class FastTrainingMixin:
    """skorch's training loop without per-batch host-device synchronisation.

    Mixed into :class:`~._base.MusicNet` before ``NeuralNet``; see the
    module docstring for what it changes. ``_device_crops`` ("auto": on
    CUDA when the clips fit; True also on the CPU, for tests; False never)
    chooses :class:`DeviceCropLoader` for the training crops.
    """

    _device_crops: bool | str = "auto"

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        with _cudnn_benchmark(self._compute_device()):
            return super().fit_loop(X, y, epochs=epochs, **fit_params)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """One epoch as skorch runs it, reading the losses once at the end.

        Every batch's loss is kept on the device; after the last batch one
        transfer reads them all into the batch entries of the history
        (``<prefix>_loss``), before ``on_epoch_end`` averages them.
        """
        if iterator is None:
            return
        losses, rows = [], []
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            losses.append(step["loss"].detach().float().reshape(()))
            rows.append(len(self.history[-1]["batches"]) - 1)
            first = batch[0] if isinstance(batch, tuple | list) else batch
            self.history.record_batch(prefix + "_batch_size", get_len(first))
            self.notify("on_batch_end", batch=batch, training=training, **step)
        if losses:
            batches = self.history[-1]["batches"]
            values = torch.stack(losses).cpu().tolist()  # the epoch's one sync
            for row, value in zip(rows, values, strict=True):
                batches[row][prefix + "_loss"] = value
        self.history.record(prefix + "_batch_count", len(losses))

    def _uses_device_crops(self, dataset, kwargs: dict) -> bool:
        if self._device_crops is False or not isinstance(dataset, ChunkDataset):
            return False
        if not dataset.random or dataset.augment is not None or len(dataset) == 0:
            return False
        if self.iterator_train is not torch.utils.data.DataLoader:
            return False
        if getattr(self, "accelerator", None) is not None:  # shards its loaders
            return False
        if set(kwargs) - {"batch_size", "shuffle"}:  # workers, samplers, ...
            return False
        device = torch.device(self._compute_device())
        if self._device_crops is True:
            return True
        if device.type != "cuda":
            return False
        free, _ = torch.cuda.mem_get_info(device)
        return DeviceCropLoader.nbytes(dataset) <= _DEVICE_DATA_SHARE * free

    def get_iterator(self, dataset, training=False):
        """skorch's iterator, with pinned batches on CUDA and, for the
        training crops, a :class:`DeviceCropLoader` when the clips fit."""
        name = "iterator_train" if training else "iterator_valid"
        kwargs = self.get_params_for(name)
        kwargs.setdefault("batch_size", self.batch_size)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        if training and self._uses_device_crops(dataset, kwargs):
            return DeviceCropLoader(
                dataset,
                kwargs["batch_size"],
                self._compute_device(),
                shuffle=kwargs.get("shuffle", False),
            )
        iterator = getattr(self, name)
        on_cuda = torch.device(self._compute_device()).type == "cuda"
        if on_cuda and iterator is torch.utils.data.DataLoader:
            kwargs.setdefault("pin_memory", True)
        return iterator(dataset, **kwargs)
