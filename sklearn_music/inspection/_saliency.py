"""Saliency over the input spectrogram: which time-frequency regions a
prediction rests on."""

from __future__ import annotations

from numbers import Integral

import numpy as np

from ._network import NetworkInput, network_input, target_column

__all__ = ["saliency_map"]

_METHODS = ("gradient_x_input", "gradient", "occlusion")


def _check_index(index, n_clips: int) -> int:
    if isinstance(index, bool) or not isinstance(index, Integral):
        raise ValueError(f"index must be an integer; got {index!r}.")
    if not 0 <= index < n_clips:
        raise ValueError(
            f"index must be in [0, {n_clips}) for {n_clips} clip(s); got {index}."
        )
    return int(index)


def _check_patch(patch_size) -> tuple[int, int]:
    try:
        f, t = patch_size
    except (TypeError, ValueError):
        raise ValueError(
            f"patch_size must be a (bands, frames) pair; got {patch_size!r}."
        ) from None
    for v in (f, t):
        if isinstance(v, bool) or not isinstance(v, Integral) or v < 1:
            raise ValueError(
                f"patch_size must hold two integers >= 1; got {patch_size!r}."
            )
    return int(f), int(t)


def _scores(inp: NetworkInput, x, column: int, *, proba: bool):
    """Target logit (or log-odds) of a ``(batch, n_mels, n_frames)`` tensor."""
    import torch

    logits = inp.module(x).float()
    if not proba or inp.net.multilabel_ or logits.shape[1] == 1:
        return logits[:, column]  # a tag's logit is its log-odds
    others = torch.cat([logits[:, :column], logits[:, column + 1 :]], dim=1)
    return logits[:, column] - torch.logsumexp(others, dim=1)


def _gradient(inp, clip, column, *, times_input: bool) -> np.ndarray:
    import torch

    x = torch.tensor(clip[np.newaxis], device=inp.device, requires_grad=True)
    with torch.enable_grad():
        _scores(inp, x, column, proba=False).sum().backward()
    grad = x.grad[0].float().cpu().numpy()
    if not times_input:
        return np.abs(grad)
    return grad * (clip - clip.min())


def _occlusion(inp, clip, column, patch_size, batch_size) -> np.ndarray:
    import torch

    n_mels, n_frames = clip.shape
    pf, pt = patch_size
    cells = [(f, t) for f in range(0, n_mels, pf) for t in range(0, n_frames, pt)]
    floor = float(clip.min())
    out = np.zeros_like(clip, dtype=np.float32)
    with torch.no_grad():
        x = torch.as_tensor(clip[np.newaxis], device=inp.device)
        reference = float(_scores(inp, x, column, proba=True)[0])
        for start in range(0, len(cells), batch_size):
            block = cells[start : start + batch_size]
            batch = x.repeat(len(block), 1, 1)
            for i, (f, t) in enumerate(block):
                batch[i, f : f + pf, t : t + pt] = floor
            drops = reference - _scores(inp, batch, column, proba=True).cpu().numpy()
            for (f, t), drop in zip(block, drops, strict=True):
                out[f : f + pf, t : t + pt] = drop
    return out


def saliency_map(
    estimator,
    X,
    *,
    target=None,
    index=0,
    method="gradient_x_input",
    patch_size=(8, 8),
    batch_size=32,
):
    """Saliency of one clip's spectrogram for one class or tag.

    The network reads the whole clip at once (in evaluation mode, so dropout
    is off and batch normalisation uses its running statistics).

    Parameters
    ----------
    estimator : fitted neural estimator or Pipeline ending in one
        A spectrogram model; for a pipeline, ``X`` goes through its front-end.
    X : array-like
        Clips in any form the estimator (or pipeline) reads.
    target : label or None, default=None
        The class or tag (an element of ``classes_``) whose evidence is
        mapped; ``None`` takes the class the network scores highest for the
        clip.
    index : int, default=0
        The clip of ``X``.
    method : {"gradient_x_input", "gradient", "occlusion"}, \
default="gradient_x_input"
        - ``"gradient_x_input"``: gradient of the target's logit times the
          input above the clip's floor (its minimum value, silence in dB):
          positive where energy raises the target, negative where it lowers
          it.
        - ``"gradient"``: absolute gradient of the logit (sensitivity, also
          where there is no energy).
        - ``"occlusion"``: drop of the target's log-odds ``log(p / (1 -
          p))`` when a patch of ``patch_size`` is set to the clip's floor;
          positive where hiding the region lowers the probability (log-odds
          keep confident predictions, whose probability is 1 in floating
          point, readable).
    patch_size : (int, int), default=(8, 8)
        Occlusion patch in mel bands and frames.
    batch_size : int, default=32
        Occluded copies scored together (bounds memory).

    Returns
    -------
    saliency : ndarray of shape (n_mels, n_frames), float32
        One value per input bin of the clip's valid frames.

    See Also
    --------
    SaliencyDisplay : Draw it next to the spectrogram.
    auralise : Hear the salient part of the clip.

    Examples
    --------
    >>> from sklearn_music.datasets import make_music
    >>> from sklearn_music.estimators import DielemanClassifier
    >>> from sklearn_music.features import MelSpectrogram
    >>> from sklearn_music.inspection import saliency_map
    >>> X, y = make_music(8, n_classes=2, duration=1.0, random_state=0)
    >>> S = MelSpectrogram(n_mels=32).fit_transform(X)
    >>> net = DielemanClassifier(max_epochs=1, verbose=0, random_state=0).fit(S, y)
    >>> saliency_map(net, S, index=3).shape
    (32, 44)
    """
    return _saliency(
        estimator,
        X,
        target=target,
        index=index,
        method=method,
        patch_size=patch_size,
        batch_size=batch_size,
        caller="saliency_map",
    )[0]


def _saliency(estimator, X, *, target, index, method, patch_size, batch_size, caller):
    """``(saliency, clip, column, inp)`` of :func:`saliency_map`."""
    inp = network_input(estimator, caller)
    if method not in _METHODS:
        raise ValueError(
            f"method must be one of {', '.join(map(repr, _METHODS))}; got {method!r}."
        )
    patch_size = _check_patch(patch_size)
    if isinstance(batch_size, bool) or not isinstance(batch_size, Integral):
        raise ValueError(f"batch_size must be an integer >= 1; got {batch_size!r}.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1; got {batch_size!r}.")
    clips = inp.clips(X)
    clip = np.ascontiguousarray(clips[_check_index(index, len(clips))])
    column = _column(inp, clip, target)
    inp.module.eval()
    if method == "occlusion":
        saliency = _occlusion(inp, clip, column, patch_size, batch_size)
    else:
        saliency = _gradient(
            inp, clip, column, times_input=method == "gradient_x_input"
        ).astype(np.float32)
    return saliency, clip, column, inp


def _column(inp: NetworkInput, clip: np.ndarray, target) -> int:
    if target is not None:
        return target_column(inp, target)
    import torch

    inp.module.eval()
    with torch.no_grad():
        logits = inp.module(torch.as_tensor(clip[np.newaxis], device=inp.device))
    return int(torch.argmax(logits[0]).item())
