"""Audio front-ends as scikit-learn transformers.

:class:`MelSpectrogram`, :class:`STFTSpectrogram` and :class:`CQTSpectrogram`
turn audio into ``(n_clips, n_bins, n_frames)`` time-frequency arrays;
:class:`HandcraftedFeatures` turns it into one feature vector per clip;
:class:`FrameFeatureLearner` learns a model on spectrogram frames (a sparse
dictionary, an MLP) and pools its output per clip
(:func:`make_dictionary_pipeline` is the two-stage system built on it).
"""

from ._cqt import CQTSpectrogram
from ._frames import (
    FrameFeatureLearner,
    make_dictionary_pipeline,
    pool_frames,
    spectrogram_frames,
)
from ._handcrafted import HandcraftedFeatures
from ._presets import PRESETS
from ._spectral import MelSpectrogram, STFTSpectrogram, frame_lengths

__all__ = [
    "PRESETS",
    "CQTSpectrogram",
    "FrameFeatureLearner",
    "HandcraftedFeatures",
    "MelSpectrogram",
    "STFTSpectrogram",
    "frame_lengths",
    "make_dictionary_pipeline",
    "pool_frames",
    "spectrogram_frames",
]
