"""Estimators: classifiers and taggers for clip-level features and audio.

:class:`GaussianMixtureClassifier` works on feature vectors. The neural
estimators (:class:`CRNNClassifier`, :class:`Conv2DTagger`,
:class:`Conv1DClassifier`, :class:`SampleCNNClassifier`) are skorch networks;
they are imported lazily, so this module does not load torch or skorch until
one of them is used. Their ``Accelerated*`` variants train through Hugging Face
accelerate (multi-GPU, mixed precision).
"""

import importlib

from ._gmm import GaussianMixtureClassifier

_NEURAL = {
    "CRNNClassifier": "._neural",
    "Conv2DTagger": "._neural",
    "Conv1DClassifier": "._neural",
    "SampleCNNClassifier": "._neural",
    "AcceleratedCRNNClassifier": "._accelerate",
    "AcceleratedConv2DTagger": "._accelerate",
    "AcceleratedConv1DClassifier": "._accelerate",
    "AcceleratedSampleCNNClassifier": "._accelerate",
    "AccelerateMusicMixin": "._accelerate",
    "MusicNet": "._base",
    "load_weights": "._base",
}

__all__ = ["GaussianMixtureClassifier", "estimator_class", *_NEURAL]


def estimator_class(architecture: str) -> type:
    """The neural estimator class of a registered architecture.

    Parameters
    ----------
    architecture : str
        A key of :data:`sklearn_music.models.ARCHITECTURES` (``"crnn"``,
        ``"conv2d"``, ...).

    Returns
    -------
    cls : type
        The estimator class whose ``_architecture`` is ``architecture``
        (e.g. :class:`CRNNClassifier` for ``"crnn"``).

    Examples
    --------
    >>> from sklearn_music.estimators import estimator_class
    >>> estimator_class("crnn").__name__
    'CRNNClassifier'
    """
    from ..models import get_architecture

    get_architecture(architecture)  # a clear error for unknown keys
    neural = importlib.import_module("._neural", __name__)
    for name in neural.__all__:
        cls = getattr(neural, name)
        if getattr(cls, "_architecture", None) == architecture:
            return cls
    raise ValueError(f"no estimator is registered for architecture {architecture!r}")


def __getattr__(name):
    if name == "_ESTIMATORS":  # registry used by load_weights
        neural = importlib.import_module("._neural", __name__)
        return {cls: getattr(neural, cls) for cls in neural.__all__}
    if name in _NEURAL:
        return getattr(importlib.import_module(_NEURAL[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
