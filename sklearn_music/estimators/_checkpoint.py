"""Resumable training: per-epoch checkpoints of the neural estimators.

With ``checkpoint_dir`` set, :meth:`MusicNet.fit` trains in a subdirectory
named after a fingerprint of the training data and the parameters, so that
clones fitted in parallel (the folds and candidates of a grid search) never
share a directory. :class:`TrainingCheckpoint` writes, at the end of every
epoch, everything the next epoch depends on:

* the module, optimizer and criterion state and the history;
* the state of the callbacks that carry it across epochs (early stopping's
  counters and best weights, the best scores, the LR scheduler);
* the random streams: torch's generator (shuffling, dropout, weight noise),
  the crop and augmentation generator of the training set, and the mixup
  generator.

A later ``fit`` of the same data with the same parameters restores all of
it and runs the remaining epochs, so a resumed CPU run ends with the same
weights as one that was never interrupted; a finished run is restored
without training. Files are written to a temporary name and renamed, so a
crash never leaves a half-written checkpoint, and are read back with
``torch.load(weights_only=True)`` (no pickled code). Every checkpoint starts
with a BLAKE2b checksum of its content, verified before it is read: a
damaged checkpoint (flipped or zeroed bytes) is a clear error, never a
restored model.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import joblib
import numpy as np
import torch
from skorch.callbacks import Callback, EarlyStopping, LRScheduler
from skorch.history import History

from ..utils import atomic_write, hash_values, release_pages
from ._persistence import weights_header

__all__ = ["TrainingCheckpoint", "checkpoint_directory", "read_checkpoint"]

_FORMAT = "sklearn-music-checkpoint/2"
_MAGIC = b"sklearn-music-checkpoint/2\n"
_DIGEST_BYTES = 32
_FILE = "checkpoint.pt"

# Parameters that decide where and how training runs but not what it computes
# (a run interrupted on one device may resume on another). Callbacks are left
# out too: the test that interrupts a run does so with an extra callback.
_NOT_FINGERPRINTED = {
    "accelerator",
    "callbacks",
    "checkpoint_dir",
    "device",
    "unwrap_after_train",
    "verbose",
}

# Attributes of skorch callbacks that carry state from one epoch to the next.
_CALLBACK_STATE = (
    "best_score_",  # EpochScoring, PassthroughScoring
    "misses_",  # EarlyStopping
    "dynamic_threshold_",
    "best_epoch_",
    "best_model_weights_",
)


def checkpoint_directory(net, dataset, fit_params: dict) -> Path:
    """The checkpoint directory of one fit: ``checkpoint_dir/<Class>-<hash>``.

    The hash covers the validated training clips and encoded targets (and
    the classes they encode), the fit parameters and every estimator
    parameter except those in ``_NOT_FINGERPRINTED``, so two fits share a
    directory only if they would compute the same thing.
    """
    digest = hashlib.blake2b(digest_size=10)
    for clip in dataset.clips:
        digest.update(repr((clip.shape, clip.dtype.str)).encode())
        digest.update(np.ascontiguousarray(clip).data)
        release_pages(clip)  # a memory-mapped training set is read once, not kept
    digest.update(joblib.hash((dataset.y, net.classes_, dataset.chunk)).encode())
    params = {
        name: value
        for name, value in net.get_params(deep=False).items()
        if not name.startswith("_")
        and name not in _NOT_FINGERPRINTED
        and not name.startswith("callbacks__")
    }
    digest.update(hash_values(params).encode())
    digest.update(hash_values(fit_params).encode())
    name = f"{weights_header(net)[0]}-{digest.hexdigest()}"
    return Path(os.fspath(net.checkpoint_dir)) / name


def read_checkpoint(directory: Path) -> dict | None:
    """The checkpoint in ``directory``, or None if there is none yet."""
    path = Path(directory) / _FILE
    if not path.exists():
        return None
    data = path.read_bytes()
    if not data.startswith(_MAGIC):
        raise ValueError(
            f"{os.fspath(path)!r} is not a sklearn-music training checkpoint of "
            "this version; remove it (or its folder) to train from the start, or "
            "choose another checkpoint_dir."
        )
    digest = data[len(_MAGIC) : len(_MAGIC) + _DIGEST_BYTES]
    payload = data[len(_MAGIC) + _DIGEST_BYTES :]
    if hashlib.blake2b(payload, digest_size=_DIGEST_BYTES).digest() != digest:
        raise ValueError(
            f"The checkpoint {os.fspath(path)!r} is damaged: its content does not "
            "match its checksum. Remove it to train from the start."
        )
    try:
        state = torch.load(io.BytesIO(payload), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch.load fails in many ways on a bad file
        raise ValueError(
            f"Could not read the checkpoint {os.fspath(path)!r} ({exc}); remove it "
            "to train from the start."
        ) from exc
    if not isinstance(state, dict) or state.get("format") != _FORMAT:
        raise ValueError(
            f"{os.fspath(path)!r} is not a sklearn-music training checkpoint; "
            "remove it or choose another checkpoint_dir."
        )
    return state


def _builtin(value):
    """NumPy scalars and arrays as Python values and tensors, recursively,
    so that ``torch.load(weights_only=True)`` reads them back."""
    if isinstance(value, dict):
        return {k: _builtin(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_builtin(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    return value


class TrainingCheckpoint(Callback):
    """Write the training state at every epoch end; restore it on resume.

    A default callback of the neural estimators when ``checkpoint_dir`` is
    set. It stays inactive until :meth:`MusicNet.fit` calls :meth:`start`
    (so :meth:`~MusicNet.partial_fit` neither reads nor writes checkpoints),
    and it must come after the callbacks whose state it saves.
    """

    def initialize(self):
        self.directory_ = None
        self.seed_ = None
        self.pending_ = None
        self.epochs_saved_ = 0
        return self

    # ------------------------------------------------------------------
    # called by fit
    # ------------------------------------------------------------------
    def start(self, net, directory: Path, seed: int, state: dict | None) -> int:
        """Restore ``state`` (if any) into ``net`` and return the number of
        epochs left to train."""
        self.directory_, self.seed_, self.pending_ = Path(directory), seed, None
        self.epochs_saved_ = 0
        if state is None:
            return net.max_epochs
        net._unwrapped_module().load_state_dict(state["module"])
        net.criterion_.load_state_dict(state["criterion"])
        # the LR scheduler needs the optimizer's initial_lr in on_train_begin
        net.optimizer_.load_state_dict(state["optimizer"])
        net.history_ = History(state["history"])
        self.epochs_saved_ = state["epochs"]
        if state["finished"]:
            self.directory_ = None  # nothing left to do, nothing to write
            return 0
        self.pending_ = state
        return max(net.max_epochs - state["epochs"], 0)

    def stop(self):
        """Deactivate until the next :meth:`start`."""
        self.directory_ = self.pending_ = None

    # ------------------------------------------------------------------
    # skorch events
    # ------------------------------------------------------------------
    def on_train_begin(self, net, **kwargs):
        if self.pending_ is None:
            return
        # the other callbacks have (re)initialised their state by now
        net.optimizer_.load_state_dict(self.pending_["optimizer"])
        callbacks = dict(net.callbacks_)
        for name, saved in self.pending_["callbacks"].items():
            callback = callbacks.get(name)
            if callback is None:
                continue
            if "lr_scheduler" in saved and isinstance(callback, LRScheduler):
                callback.lr_scheduler_.load_state_dict(saved["lr_scheduler"])
            for attr in _CALLBACK_STATE:
                if attr in saved:
                    setattr(callback, attr, saved[attr])

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        if self.pending_ is None:
            return
        rng = self.pending_["rng"]
        torch.set_rng_state(rng["torch"])
        if rng["cuda"] is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state(rng["cuda"], rng["cuda_device"])
        if rng["crops"] is not None and hasattr(dataset_train, "rng"):
            dataset_train.rng.bit_generator.state = rng["crops"]
        if rng["mixup"] is not None:
            net._mixup_rng_.bit_generator.state = rng["mixup"]
        self.pending_ = None

    def on_epoch_end(self, net, dataset_train=None, **kwargs):
        if self.directory_ is None:
            return
        self._save(net, finished=False, dataset_train=dataset_train)
        self.epochs_saved_ = len(net.history)

    def on_train_end(self, net, **kwargs):
        if self.directory_ is None:
            return
        stopped_early = any(
            isinstance(cb, EarlyStopping) and cb.misses_ >= cb.patience
            for _, cb in net.callbacks_
        )
        if stopped_early or self.epochs_saved_ >= net.max_epochs:
            # after early stopping restored the best weights
            self._save(net, finished=True)

    # ------------------------------------------------------------------
    def _save(self, net, *, finished: bool, dataset_train=None):
        if not net._is_main_process():
            return
        module = net._unwrapped_module()
        state = {
            "format": _FORMAT,
            "finished": finished,
            "seed": self.seed_,
            "epochs": len(net.history),
            "module": module.state_dict(),
            "criterion": net.criterion_.state_dict(),
            "optimizer": net.optimizer_.state_dict(),
            "history": _builtin(list(net.history)),
            "callbacks": {} if finished else self._callback_states(net),
            "rng": None if finished else self._rng_states(net, dataset_train),
        }
        buffer = io.BytesIO()
        torch.save(state, buffer)
        payload = buffer.getvalue()
        digest = hashlib.blake2b(payload, digest_size=_DIGEST_BYTES).digest()

        def write(f):
            f.write(_MAGIC)
            f.write(digest)
            f.write(payload)

        atomic_write(self.directory_ / _FILE, write, make_dirs=True)

    def _callback_states(self, net) -> dict:
        states = {}
        for name, callback in net.callbacks_:
            saved = {
                attr: _builtin(getattr(callback, attr))
                for attr in _CALLBACK_STATE
                if getattr(callback, attr, None) is not None
            }
            scheduler = getattr(callback, "lr_scheduler_", None)
            if isinstance(callback, LRScheduler) and scheduler is not None:
                saved["lr_scheduler"] = _builtin(scheduler.state_dict())
            if saved:
                states[name] = saved
        return states

    def _rng_states(self, net, dataset_train) -> dict:
        device = net._compute_device()
        cuda = device.type == "cuda" and torch.cuda.is_available()
        crops = getattr(dataset_train, "rng", None)
        mixup = getattr(net, "_mixup_rng_", None)
        return {
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state(device) if cuda else None,
            "cuda_device": (device.index or 0) if cuda else 0,
            "crops": None if crops is None else crops.bit_generator.state,
            "mixup": None if mixup is None else mixup.bit_generator.state,
        }
