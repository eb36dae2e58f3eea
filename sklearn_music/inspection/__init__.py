"""Seeing inside spectrogram networks: kernels, tags, saliency and sound.

- :func:`first_layer_kernels` and :class:`KernelDisplay`: the first-layer
  kernels of any spectrogram model, drawn frequency by time.
- :func:`kernel_tag_scores`, :func:`kernel_tag_ranking` and
  :class:`KernelTagDisplay`: for each kernel, the tags whose clips activate
  it most (Nam et al. 2019), as a table and a heatmap.
- :func:`saliency_map` and :class:`SaliencyDisplay`: which time-frequency
  regions of one clip a class or tag rests on (gradient x input, gradient or
  occlusion).
- :func:`auralise` and :class:`AuralisationDisplay`: a saliency-weighted,
  kernel-weighted or masked mel spectrogram back to audio (Griffin-Lim), to
  hear what a network responds to; :func:`kernel_activation_map` gives the
  weights of one kernel.

Matplotlib is imported only when something is drawn.
"""

from ._auralise import auralise, mel_to_power
from ._displays import (
    AuralisationDisplay,
    KernelDisplay,
    KernelTagDisplay,
    SaliencyDisplay,
)
from ._kernels import (
    first_layer_kernels,
    kernel_activation_map,
    kernel_activations,
    kernel_tag_ranking,
    kernel_tag_scores,
)
from ._saliency import saliency_map

__all__ = [
    "AuralisationDisplay",
    "KernelDisplay",
    "KernelTagDisplay",
    "SaliencyDisplay",
    "auralise",
    "first_layer_kernels",
    "kernel_activation_map",
    "kernel_activations",
    "kernel_tag_ranking",
    "kernel_tag_scores",
    "mel_to_power",
    "saliency_map",
]
