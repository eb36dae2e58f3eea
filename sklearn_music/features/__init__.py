"""Audio front-ends as scikit-learn transformers.

:class:`MelSpectrogram`, :class:`STFTSpectrogram` and :class:`CQTSpectrogram`
turn audio into ``(n_clips, n_bins, n_frames)`` time-frequency arrays;
:class:`HandcraftedFeatures` turns it into one feature vector per clip.
"""

from ._cqt import CQTSpectrogram
from ._handcrafted import HandcraftedFeatures
from ._presets import PRESETS
from ._spectral import MelSpectrogram, STFTSpectrogram, frame_lengths

__all__ = [
    "PRESETS",
    "CQTSpectrogram",
    "HandcraftedFeatures",
    "MelSpectrogram",
    "STFTSpectrogram",
    "frame_lengths",
]
