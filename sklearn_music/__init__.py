"""sklearn-music: scikit-learn compatible music classification, tagging and
recommendation built on PyTorch (through skorch).

Public names are imported lazily, so ``import sklearn_music`` is cheap and the
feature extractors do not load torch until they compute something. Every
public estimator and transformer of the subpackages is importable from here,
e.g. ``from sklearn_music import MelSpectrogram, CRNNClassifier``.
"""

import importlib

__version__ = "0.1.0.dev0"

_LAZY = {
    "load_audio": "._io",
    "check_audio_input": "._io",
    "check_audio_files": "._io",
    "AudioInputError": "._io",
    "AudioDecodeError": "._io",
    "AudioFileNotFoundError": "._io",
    "AudioTypeError": "._io",
    "MelSpectrogram": ".features",
    "STFTSpectrogram": ".features",
    "CQTSpectrogram": ".features",
    "frame_lengths": ".features",
    "HandcraftedFeatures": ".features",
    "FrameFeatureLearner": ".features",
    "make_dictionary_pipeline": ".features",
    "make_music": ".datasets",
    "GaussianMixtureClassifier": ".estimators",
    "CRNNClassifier": ".estimators",
    "Conv2DTagger": ".estimators",
    "Conv1DClassifier": ".estimators",
    "DielemanClassifier": ".estimators",
    "SampleCNNClassifier": ".estimators",
    "CRNNRegressor": ".estimators",
    "Conv2DRegressor": ".estimators",
    "Conv1DRegressor": ".estimators",
    "ShortChunkCNNRegressor": ".estimators",
    "DielemanRegressor": ".estimators",
    "SampleCNNRegressor": ".estimators",
    "ShortChunkCNNClassifier": ".estimators",
    "AcceleratedCRNNClassifier": ".estimators",
    "AcceleratedConv2DTagger": ".estimators",
    "AcceleratedConv1DClassifier": ".estimators",
    "AcceleratedSampleCNNClassifier": ".estimators",
    "estimator_class": ".estimators",
    "load_weights": ".estimators",
    "CosineRecommender": ".recommend",
    "save": "._serialize",
    "load": "._serialize",
    "ModelFileError": "._serialize",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name], __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'sklearn_music' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
