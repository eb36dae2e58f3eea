"""Pure PyTorch modules for music classification and tagging.

Spectrogram models take ``(batch, n_mels, n_frames)`` float tensors,
:class:`SampleCNNModule` takes ``(batch, n_samples)`` waveforms; all return
logits ``(batch, n_outputs)`` and have ``embed`` (the penultimate
representation), ``embedding_dim`` and ``min_input_length``. Nothing here
imports scikit-learn or skorch: the estimators wrap these modules.
"""

from ._budget import (
    TABLE1,
    TABLE1_INPUT_NORM,
    architecture_for_budget,
    count_parameters,
)
from ._conv1d import Conv1DModule
from ._conv2d import Conv2DModule
from ._crnn import CRNNModule
from ._dieleman import DielemanModule
from ._registry import (
    ARCHITECTURES,
    ArchitectureSpec,
    architecture_of,
    get_architecture,
    register_architecture,
)
from ._samplecnn import SampleCNNModule
from ._shortchunk import ShortChunkResNetModule

__all__ = [
    "ARCHITECTURES",
    "TABLE1",
    "TABLE1_INPUT_NORM",
    "ArchitectureSpec",
    "CRNNModule",
    "Conv1DModule",
    "Conv2DModule",
    "DielemanModule",
    "SampleCNNModule",
    "ShortChunkResNetModule",
    "architecture_for_budget",
    "architecture_of",
    "count_parameters",
    "get_architecture",
    "register_architecture",
]
