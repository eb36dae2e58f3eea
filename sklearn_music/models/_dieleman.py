"""1-D CNN of Dieleman & Schrauwen (2014): the first layer spans all mel bands."""

from __future__ import annotations

import math

import torch
from torch import nn

from ._blocks import (
    InputNorm,
    SpectrogramModule,
    check_input_norm,
    check_positive_int,
    check_rate,
    check_widths,
    make_activation,
)

__all__ = ["DielemanModule"]

_POOLINGS = ("capped", "fixed")


class _CappedMaxPool1d(nn.Module):
    """``MaxPool1d(size)``, with the size capped at the input's length (a
    shorter input is pooled whole, to one step)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = int(size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = min(self.size, x.shape[-1])
        return nn.functional.max_pool1d(x, size)

    def extra_repr(self) -> str:
        return f"size={self.size}"


class DielemanModule(SpectrogramModule):
    """1-D convolutions whose first-layer kernels cover the whole spectrum.

    The "1-D CNN" of Dieleman & Schrauwen (2014) as Nam et al. (2019) review
    it: the mel bands are the input *channels* of a 1-D convolution along
    time, so every first-layer kernel is an ``n_mels x kernel_size`` patch
    that scans the full frequency range at once and sees harmonic and
    timbral patterns as a whole. Its learned kernels can be drawn as small
    spectrograms and ranked by the tags that activate them
    (:mod:`sklearn_music.inspection`).

    This differs from :class:`Conv1DModule` (the "Conv1D" of Choi et al.
    2017), whose ``1 x 8`` kernels run along time on every band *separately*
    with shared weights and combine the bands only in the fully connected
    layers: there a first-layer kernel has no frequency extent, here it has
    all of it.

    Layers: input batch normalisation; per block ``Conv1d(kernel_size,
    'same')`` + ``BatchNorm1d`` + activation + ``MaxPool1d(pool)``; global
    temporal pooling (mean and max over what is left of the time axis,
    concatenated, so clips of any length work); per ``fc_widths`` entry a
    ``Linear`` + activation; dropout; a linear output layer. The paper had
    two convolution layers of 32 kernels of length 8 with max-pooling by 4,
    a 100-unit dense layer and 3-second inputs whose predictions were
    averaged over a clip; the global pooling replaces the fixed input length.

    Parameters
    ----------
    n_mels : int
        Number of mel bins of the input: the height of the first-layer
        kernels.
    n_outputs : int
        Number of classes or tags.
    conv_widths : sequence of int, default=(32, 32)
        Kernels (feature maps) of each convolution layer.
    fc_widths : sequence of int, default=(100,)
        Units of the fully connected layers before the output.
    kernel_size : int, default=8
        Length of the kernels along time (frames).
    pool_sizes : sequence of int, default=(4, 4)
        Max-pool length along time after each convolution; one per entry of
        ``conv_widths``.
    pooling : {"capped", "fixed"}, default="capped"
        ``"capped"``: each pool is capped at the frames left, so inputs of
        any length (one frame or more) work; on inputs of at least the
        product of the pools (16 frames) the output is that of fixed pools.
        ``"fixed"``: the pools as they are; inputs need that many frames.
    activation : {"relu", "elu"}, default="relu"
        Non-linearity after each BatchNorm and fully connected layer.
    dropout : float, default=0.5
        Dropout before the output layer.
    input_norm : {"freq", "time"} or None, default="freq"
        Input batch normalisation: ``"freq"`` normalises each mel bin and
        works for any length; ``"time"`` normalises each frame and fixes the
        input length to ``n_frames``; ``None`` disables it.
    n_frames : int, optional
        Fixed number of input frames; required by, and only used with,
        ``input_norm="time"``.

    Attributes
    ----------
    embedding_dim : int
        Size of :meth:`embed`'s output, the last fully connected width.
    min_input_length : int
        Fewest input frames accepted: 1 with ``pooling="capped"``, the
        product of the pools (16) with ``pooling="fixed"``.
    first_layer : torch.nn.Conv1d
        The full-frequency convolution; its ``weight`` has shape
        ``(conv_widths[0], n_mels, kernel_size)``.

    See Also
    --------
    Conv1DModule : per-band 1 x 8 kernels (Choi et al. 2017).

    References
    ----------
    .. [1] S. Dieleman and B. Schrauwen, "End-to-end learning for music audio",
       ICASSP 2014.
    .. [2] J. Nam, K. Choi, J. Lee, S.-Y. Chou and Y.-H. Yang, "Deep learning
       for audio-based music classification and tagging", IEEE Signal
       Processing Magazine 36(1), 2019.

    Examples
    --------
    >>> import torch
    >>> from sklearn_music.models import DielemanModule
    >>> module = DielemanModule(96, 10).eval()
    >>> module(torch.randn(2, 96, 130)).shape
    torch.Size([2, 10])
    >>> tuple(module.first_layer.weight.shape)
    (32, 96, 8)
    """

    def __init__(
        self,
        n_mels: int,
        n_outputs: int,
        *,
        conv_widths=(32, 32),
        fc_widths=(100,),
        kernel_size: int = 8,
        pool_sizes=(4, 4),
        pooling: str = "capped",
        activation: str = "relu",
        dropout: float = 0.5,
        input_norm: str | None = "freq",
        n_frames: int | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.n_mels = check_positive_int("n_mels", n_mels)
        self.n_outputs = check_positive_int("n_outputs", n_outputs)
        self.pool_sizes = check_widths("pool_sizes", pool_sizes)
        self.conv_widths = check_widths(
            "conv_widths", conv_widths, length=len(self.pool_sizes)
        )
        self.fc_widths = check_widths("fc_widths", fc_widths)
        self.kernel_size = check_positive_int("kernel_size", kernel_size)
        if pooling not in _POOLINGS:
            raise ValueError(f"pooling must be 'capped' or 'fixed'; got {pooling!r}")
        self.pooling = pooling
        self._min_frames = 1 if pooling == "capped" else math.prod(self.pool_sizes)
        self.n_frames = check_input_norm(name, input_norm, n_frames, self._min_frames)
        self.embedding_dim = self.fc_widths[-1]

        self.input_norm = InputNorm(input_norm, self.n_mels, self.n_frames)
        pad = self.kernel_size - 1  # 'same': one more frame after when even
        blocks, in_channels = [], self.n_mels
        for width, pool in zip(self.conv_widths, self.pool_sizes, strict=True):
            blocks.append(
                nn.Sequential(
                    nn.ConstantPad1d((pad // 2, pad - pad // 2), 0.0),
                    nn.Conv1d(in_channels, width, self.kernel_size),
                    nn.BatchNorm1d(width),
                    make_activation(activation),
                    _CappedMaxPool1d(pool)
                    if pooling == "capped"
                    else nn.MaxPool1d(pool),
                )
            )
            in_channels = width
        self.conv = nn.Sequential(*blocks)
        layers, in_features = [], 2 * in_channels
        for width in self.fc_widths:
            layers += [nn.Linear(in_features, width), make_activation(activation)]
            in_features = width
        self.fc = nn.Sequential(*layers)
        self.dropout = nn.Dropout(check_rate("dropout", dropout))
        self.output = nn.Linear(in_features, self.n_outputs)

    @property
    def first_layer(self) -> nn.Conv1d:
        """The convolution whose kernels span all mel bands."""
        return self.conv[0][1]

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        """Output of the last fully connected layer, ``(batch, embedding_dim)``."""
        x = self.conv(self.input_norm(x))  # (batch, channels, time)
        pooled = torch.cat([x.mean(dim=2), x.amax(dim=2)], dim=1)
        return self.fc(pooled)
