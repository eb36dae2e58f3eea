"""Estimators: classifiers and taggers for clip-level features and audio.

:class:`GaussianMixtureClassifier` works on feature vectors. The neural
estimators (:class:`CRNNClassifier`, :class:`Conv2DTagger`,
:class:`Conv1DClassifier`, :class:`SampleCNNClassifier`) are skorch networks;
they are imported lazily, so this module does not load torch or skorch until
one of them is used. Their ``Accelerated*`` variants train through Hugging Face
accelerate (multi-GPU, mixed precision). :func:`estimator_class` maps an
architecture of :data:`sklearn_music.models.ARCHITECTURES` to its estimator.
Every architecture also has a regressor (:class:`CRNNRegressor`, ...,
:func:`regressor_class`) for real-valued targets.
"""

import importlib

from ._gmm import GaussianMixtureClassifier

_NEURAL = {
    "CRNNClassifier": "._neural",
    "Conv2DTagger": "._neural",
    "Conv1DClassifier": "._neural",
    "DielemanClassifier": "._neural",
    "SampleCNNClassifier": "._neural",
    "ShortChunkCNNClassifier": "._neural",
    "estimator_class": "._neural",
    "AcceleratedCRNNClassifier": "._accelerate",
    "AcceleratedConv2DTagger": "._accelerate",
    "AcceleratedConv1DClassifier": "._accelerate",
    "AcceleratedSampleCNNClassifier": "._accelerate",
    "AccelerateMusicMixin": "._accelerate",
    "MusicNet": "._base",
    "CRNNRegressor": "._regressors",
    "Conv2DRegressor": "._regressors",
    "Conv1DRegressor": "._regressors",
    "ShortChunkCNNRegressor": "._regressors",
    "DielemanRegressor": "._regressors",
    "SampleCNNRegressor": "._regressors",
    "NeuralRegressorMixin": "._regressors",
    "regressor_class": "._regressors",
    "OverTime": "._over_time",
    "over_time_frame": "._over_time",
    "load_weights": "._persistence",
}

__all__ = ["GaussianMixtureClassifier", *_NEURAL]


def __getattr__(name):
    if name in _NEURAL:
        return getattr(importlib.import_module(_NEURAL[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
