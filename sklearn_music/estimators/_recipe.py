"""The training recipe and the short-clip policy of the neural estimators.

* :func:`validation_callbacks`: the validation metric (clip accuracy, or
  macro ROC-AUC for multi-label targets, over the chunks of each held-out
  clip), early stopping on it (``monitor``) with the best weights restored,
  and the LR schedule (``lr_schedule``: :class:`WarmupCosine` by default);
* :func:`short_clips`: what happens to clips shorter than ``chunk_size_``
  (``short``: pad, repeat, skip or raise), the same for fit and prediction.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import torch
from skorch.callbacks import EarlyStopping, EpochScoring, LRScheduler

from ._data import fit_short_clips

__all__ = ["WarmupCosine", "lr_scheduler", "short_clips", "validation_callbacks"]


def validation_callbacks(net) -> list:
    """The validation metric, early stopping and the LR schedule."""
    multilabel = getattr(net, "multilabel_", False)
    metric = "valid_auc" if multilabel else "valid_acc"
    callbacks = [
        (
            metric,
            EpochScoring(
                _valid_auc if multilabel else _valid_accuracy,
                name=metric,
                lower_is_better=False,
                use_caching=True,
            ),
        )
    ]
    if net.patience is not None:
        if net.monitor == "metric":
            stopping = EarlyStopping(
                monitor=metric,
                lower_is_better=False,
                patience=net.patience,
                threshold=0.0,
                threshold_mode="abs",
                load_best=True,
            )
        else:
            stopping = EarlyStopping(
                monitor="valid_loss", patience=net.patience, load_best=True
            )
        callbacks.append(("early_stopping", stopping))
    scheduler = lr_scheduler(net)
    if scheduler is not None:
        callbacks.append(("lr_scheduler", scheduler))
    return callbacks


def lr_scheduler(net):
    """The LR schedule callback of ``lr_schedule`` (or None)."""
    if net.lr_schedule == "plateau":
        return LRScheduler(
            torch.optim.lr_scheduler.ReduceLROnPlateau,
            monitor="valid_loss",
            patience=max(1, (net.patience or 4) // 2),
            factor=0.5,
        )
    if net.lr_schedule == "cosine":
        return LRScheduler(
            torch.optim.lr_scheduler.CosineAnnealingLR, T_max=net.max_epochs
        )
    if net.lr_schedule == "warmup_cosine":
        return LRScheduler(
            torch.optim.lr_scheduler.LambdaLR,
            lr_lambda=WarmupCosine(net.warmup_epochs, net.max_epochs),
        )
    return None


def short_clips(net, X, clips, lengths, *, fitting: bool):
    """Apply the ``short`` policy to clips shorter than ``chunk_size_``.

    Returns ``(clips, lengths, keep)``: ``keep`` are the indices of the
    clips kept (``short="skip"`` in fit), else None.
    """
    minimum = net.chunk_size_
    short = np.flatnonzero(lengths < minimum)
    if not short.size:
        return clips, lengths, None
    needs = (
        f"{net._length_text(minimum)} that {net._name()} needs "
        f"(chunk_size={minimum}"
        + (
            f" at frame_rate={net.frame_rate:.4g}"
            if hasattr(net, "frame_rate")
            else f" at sr={getattr(net, 'sr', '?')}"
        )
        + ")"
    )
    if net.short == "raise":
        i = int(short[0])
        raise ValueError(
            f"{_item_name(X, i)} is {net._length_text(int(lengths[i]))} "
            f"long, shorter than the {needs}; {short.size} of {len(clips)} "
            "clips are that short. Set short='pad' (or 'repeat') to extend them, "
            "short='skip' to leave them out of fit, or lower chunk_size."
        )
    names = ", ".join(_item_name(X, int(i)) for i in short[:5])
    more = f" and {short.size - 5} more" if short.size > 5 else ""
    if net.short == "skip" and fitting:
        if short.size == len(clips):
            raise ValueError(
                f"short='skip' leaves no clip to fit: every clip of X is "
                f"shorter than the {needs}. Use short='pad' or a smaller "
                "chunk_size."
            )
        warnings.warn(
            f"{net._name()}.fit skips {short.size} of {len(clips)} clips "
            f"shorter than the {needs}: {names}{more} (short='skip').",
            UserWarning,
            stacklevel=4,
        )
        keep = np.setdiff1d(np.arange(len(clips)), short)
        return [clips[i] for i in keep], lengths[keep], keep
    mode = "pad" if net.short == "skip" else net.short
    if net.short == "skip":
        warnings.warn(
            f"{short.size} of {len(clips)} clips are shorter than the "
            f"{needs}: {names}{more}. short='skip' leaves clips out of fit "
            "only; their predictions come from the clip padded with "
            "silence (one row per clip, as always).",
            UserWarning,
            stacklevel=5,
        )
    clips, lengths = fit_short_clips(clips, lengths, minimum, mode, net._pad_value)
    return clips, lengths, None


def _item_name(X, i: int) -> str:
    """Item ``i`` of ``X`` as messages name it: its path when ``X`` lists
    files, else its index."""
    if (
        isinstance(X, list | tuple)
        and i < len(X)
        and isinstance(X[i], str | os.PathLike)
    ):
        return f"Clip {i} of X ({os.fspath(X[i])!r})"
    return f"Clip {i} of X"


class WarmupCosine:
    """LR factor per epoch: a linear warm-up over ``warmup`` epochs, then a
    half cosine down to 0 at ``total`` epochs (for
    :class:`torch.optim.lr_scheduler.LambdaLR`)."""

    def __init__(self, warmup: int, total: int) -> None:
        self.warmup = int(warmup)
        self.total = int(total)

    def __call__(self, epoch: int) -> float:
        if epoch < self.warmup:
            return (epoch + 1) / (self.warmup + 1)
        span = max(1, self.total - self.warmup)
        progress = min(1.0, (epoch - self.warmup) / span)
        return 0.5 * (1.0 + math.cos(math.pi * progress))


def _per_clip(net, dataset, y, activation):
    """Validation outputs averaged over each clip's chunks, and the clips'
    targets (a dataset without ``clip_index`` has one item per clip)."""
    out = activation(net.forward(dataset, training=False).float()).cpu().numpy()
    y = np.asarray(y)
    index = getattr(dataset, "clip_index", None)
    if index is None or len(index) != len(out):
        return out, y
    clips, first = np.unique(index, return_index=True)
    inverse = np.searchsorted(clips, index)
    sums = np.zeros((len(clips), out.shape[1]))
    np.add.at(sums, inverse, out)
    return sums / np.bincount(inverse)[:, None], y[first]


def _valid_accuracy(net, dataset, y):
    """Validation accuracy per clip, from the cached forward pass: the
    class probabilities averaged over each clip's chunks, as ``predict``
    does."""
    proba, y = _per_clip(net, dataset, y, lambda t: torch.softmax(t, dim=1))
    return float((proba.argmax(axis=1) == y).mean())


def _valid_auc(net, dataset, y):
    """Multi-label validation: macro ROC-AUC per clip over the tags with both
    outcomes among the validation clips (accuracy of the (clip, tag) pairs
    when no tag has both)."""
    from sklearn.metrics import roc_auc_score

    proba, y = _per_clip(net, dataset, y, torch.sigmoid)
    y = np.asarray(y) > 0.5
    both = (y.min(axis=0) == 0) & (y.max(axis=0) == 1)
    if not both.any():
        return float(((proba >= net.threshold) == y).mean())
    return float(roc_auc_score(y[:, both], proba[:, both], average="macro"))
