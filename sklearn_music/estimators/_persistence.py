"""Model files of the neural estimators: tensors and plain values only.

:meth:`MusicNet.save_weights` writes a fitted estimator as a dict of plain
Python values and tensors (``torch.save``), which :func:`load_weights`
reads back with ``torch.load(weights_only=True)``: loading never runs
pickled code. The file names the estimator class of the architecture (a
key of :data:`~sklearn_music.models.ARCHITECTURES`, whose estimator
:func:`~sklearn_music.estimators.estimator_class` finds), so an
``Accelerated*`` estimator loads as its plain counterpart.
"""

from __future__ import annotations

import os

import numpy as np
import torch

from ..utils import atomic_write

__all__ = [
    "load_weights",
    "restore_targets",
    "save_weights",
    "target_state",
    "weights_header",
]

_FORMAT = "sklearn-music-weights/1"


def _plain(value) -> bool:
    """Whether ``value`` is stored as is (None, numbers, strings, sequences
    of them)."""
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    return False


def _estimator_classes() -> dict[str, type]:
    """The estimator class of every registered architecture, by name."""
    from ..models import ARCHITECTURES
    from ._neural import estimator_class

    classes = {}
    for key in ARCHITECTURES:
        try:
            cls = estimator_class(key)
        except ValueError:  # an architecture without an estimator of its own
            continue
        classes[cls.__name__] = cls
    from ._regressors import REGRESSORS

    classes.update((cls.__name__, cls) for cls in REGRESSORS)
    return classes


def target_state(net) -> dict:
    """The fitted targets of ``net`` as a model file stores them: the
    classes and ``multilabel`` of a classifier, ``"regression"`` (names,
    dimensions and standardisation of the targets) of a regressor."""
    from ._regressors import NeuralRegressorMixin

    if isinstance(net, NeuralRegressorMixin):
        return {
            "regression": {
                "names": [str(n) for n in net.target_names_],
                "ndim": int(net.target_ndim_),
                "mean": [float(v) for v in net.y_mean_],
                "scale": [float(v) for v in net.y_scale_],
            }
        }
    return {"classes": net.classes_.tolist(), "multilabel": bool(net.multilabel_)}


def restore_targets(est, data: dict) -> None:
    """Set the fitted targets that :func:`target_state` stored in ``data``."""
    if "regression" in data:
        regression = data["regression"]
        est.target_names_ = list(regression["names"])
        est.target_ndim_ = int(regression["ndim"])
        est.y_mean_ = np.asarray(regression["mean"], dtype=np.float64)
        est.y_scale_ = np.asarray(regression["scale"], dtype=np.float64)
        est.n_outputs_ = len(est.y_mean_)
        return
    est.classes_ = np.asarray(data["classes"])
    est.multilabel_ = data["multilabel"]


def weights_header(net) -> tuple[str, dict]:
    """The estimator name and plain parameters a model file stores.

    Parameters
    ----------
    net : MusicNet
        A neural estimator.

    Returns
    -------
    name : str
        The name of the estimator class of ``net``'s architecture (for an
        ``Accelerated*`` estimator, the plain one).
    params : dict
        The parameters that are plain values, except those in
        ``net._unsaved_params`` (where and how training ran) and skorch's
        private bookkeeping; :func:`load_weights` rebuilds the estimator
        from them.
    """
    from ._neural import estimator_class

    params = {
        k: v
        for k, v in net.get_params(deep=False).items()
        if _plain(v) and k not in net._unsaved_params and not k.startswith("_")
    }
    from ._regressors import NeuralRegressorMixin, regressor_class

    if isinstance(net, NeuralRegressorMixin):
        return regressor_class(net._architecture).__name__, params
    return estimator_class(net._architecture).__name__, params


def save_weights(net, path: str | os.PathLike) -> None:
    """Write the fitted ``net`` to ``path``; see :meth:`MusicNet.save_weights`."""
    from ..models import architecture_of
    from ._base import _module_name

    net.check_is_fitted()
    spec = architecture_of(net.module)
    if (
        spec is None
        or spec.key != net._architecture
        or isinstance(net.module, torch.nn.Module)
    ):
        raise ValueError(
            f"save_weights stores a {type(net).__name__} whose module is the "
            f"class of its {net._architecture!r} architecture, which "
            f"load_weights rebuilds from the saved parameters; "
            f"module={_module_name(net.module)} is not. Pickle the estimator "
            "(or joblib.dump it) to keep another module."
        )
    module = net._unwrapped_module()
    state = {k: v.detach().cpu() for k, v in module.state_dict().items()}
    name, params = weights_header(net)
    data = {
        "format": _FORMAT,
        "estimator": name,
        "params": params,
        **target_state(net),
        "n_features_in": getattr(net, "n_features_in_", None),
        "chunk_size": int(net.chunk_size_),
        "state_dict": state,
    }
    atomic_write(path, lambda f: torch.save(data, f))


def load_weights(path: str | os.PathLike, *, device: str = "cpu"):
    """Load an estimator saved by :meth:`MusicNet.save_weights`.

    Uses ``torch.load(weights_only=True)``: no pickled code is executed.

    Parameters
    ----------
    path : str or path-like
        File written by ``save_weights``.
    device : str, default="cpu"
        Device of the loaded estimator ("cpu", "cuda" or "auto").

    Returns
    -------
    estimator : MusicNet
        A fitted estimator giving the same predictions as the saved one.
    """
    data = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise ValueError(f"{os.fspath(path)!r} is not a sklearn-music weights file.")
    cls = _estimator_classes().get(data["estimator"])
    if cls is None:
        raise ValueError(f"Unknown estimator {data['estimator']!r} in {path!r}.")
    est = cls(**data["params"], device=device)
    restore_targets(est, data)
    if data["n_features_in"] is not None:
        est.n_features_in_ = data["n_features_in"]
    est.chunk_size_ = data["chunk_size"]
    est.initialize()  # builds the module from the restored params and shapes
    est.module_.load_state_dict(data["state_dict"])
    return est
