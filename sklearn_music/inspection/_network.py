"""What the inspection tools share: the network of an estimator or pipeline,
its spectrogram input, its first convolution and the target of a class or tag."""

from __future__ import annotations

from numbers import Integral

import numpy as np

__all__ = [
    "NetworkInput",
    "first_convolution",
    "network_input",
    "target_column",
]


class _Stop(Exception):
    """Raised by a forward hook to end a forward pass early."""


class NetworkInput:
    """A fitted spectrogram network and the spectrograms it reads.

    ``front`` is the pipeline before the network (``None`` for a bare
    network); :meth:`clips` turns ``X`` into the network's input, one
    ``(n_mels, n_frames)`` float32 array per clip (padding removed).
    """

    def __init__(self, estimator, caller: str):
        from sklearn.pipeline import Pipeline

        front = None
        net = estimator
        if isinstance(estimator, Pipeline):
            front, net = estimator[:-1], estimator[-1]
            while isinstance(net, Pipeline):
                front = Pipeline([("front", front), ("rest", net[:-1])])
                net = net[-1]
        module = getattr(net, "module_", None)
        if module is None or not hasattr(net, "_check_X"):
            raise ValueError(
                f"{caller} needs a fitted neural estimator of this package (or a "
                f"pipeline ending in one); got {type(net).__name__}"
                + ("" if module is None else " without spectrogram input")
                + ". Fit it first."
            )
        if net._unit != "frames":
            raise ValueError(
                f"{caller} works on spectrogram models; {type(net).__name__} "
                "reads raw waveforms."
            )
        self.front, self.net, self.caller = front, net, caller
        self.module = net._unwrapped_module()

    @property
    def device(self):
        import torch

        param = next(self.module.parameters(), None)
        return param.device if param is not None else torch.device("cpu")

    def spectrograms(self, X):
        """The network's input for ``X`` (the front-end's output)."""
        return X if self.front is None else self.front.transform(X)

    def clips(self, X) -> list[np.ndarray]:
        """One ``(n_mels, n_frames)`` array per clip of ``X``."""
        clips, _ = self.net._check_X(self.spectrograms(X), reset=False)
        return clips

    def classes(self) -> np.ndarray:
        return np.asarray(self.net.classes_)

    def mel_transformer(self):
        """The last step of the front-end if it is a MelSpectrogram, else None."""
        from ..features import MelSpectrogram

        if self.front is None:
            return None
        last = self.front
        while hasattr(last, "steps"):
            last = last.steps[-1][1]
        return last if isinstance(last, MelSpectrogram) else None


def network_input(estimator, caller: str) -> NetworkInput:
    """Check ``estimator`` and return its :class:`NetworkInput`."""
    return NetworkInput(estimator, caller)


def first_convolution(module):
    """The first convolution a spectrogram meets in ``module``: its
    ``first_layer`` attribute if it has one, else the first ``Conv1d`` or
    ``Conv2d`` in registration order."""
    from torch import nn

    first = getattr(module, "first_layer", None)
    if isinstance(first, nn.Conv1d | nn.Conv2d):
        return first
    for layer in module.modules():
        if isinstance(layer, nn.Conv1d | nn.Conv2d):
            return layer
    raise ValueError(
        f"{type(module).__name__} has no Conv1d or Conv2d layer, so it has no "
        "first-layer kernels to inspect."
    )


def first_layer_outputs(inp: NetworkInput, clip: np.ndarray):
    """Output of the first convolution for one clip, ``(n_kernels, ...)``:
    ``(n_kernels, n_frames')`` for a 1-D first layer, ``(n_kernels, n_freq',
    n_frames')`` for a 2-D one. The rest of the network is not run."""
    import torch

    layer = first_convolution(inp.module)
    captured = {}

    def hook(_layer, _inputs, output):
        captured["out"] = output.detach()
        raise _Stop

    handle = layer.register_forward_hook(hook)
    inp.module.eval()
    try:
        x = torch.as_tensor(clip[np.newaxis], device=inp.device)
        with torch.no_grad():
            try:
                inp.module(x)
            except _Stop:
                pass
    finally:
        handle.remove()
    if "out" not in captured:
        raise ValueError(
            f"the first convolution of {type(inp.module).__name__} was not "
            "reached by a forward pass"
        )
    return captured["out"][0].float().cpu().numpy()


def target_column(inp: NetworkInput, target) -> int:
    """Column of ``classes_`` for a class label or tag name (or, for an
    indicator-trained tagger, a column index)."""
    classes = inp.classes()
    matches = np.flatnonzero(classes.astype(object) == target)
    if matches.size == 0:
        if classes.dtype.kind in "iu" and isinstance(target, Integral):
            matches = np.flatnonzero(classes == int(target))
        if matches.size == 0:
            shown = ", ".join(repr(c) for c in classes[:20])
            raise ValueError(
                f"{inp.caller}: unknown target {target!r}; the estimator's "
                f"classes are [{shown}{', ...' if len(classes) > 20 else ''}]."
            )
    return int(matches[0])
