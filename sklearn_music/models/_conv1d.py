"""Time-only convolutions per mel band: the Conv1D ("k1c2") of Choi et al. 2017."""

from __future__ import annotations

import torch
from torch import nn

from ._blocks import (
    ConvBlock2d,
    InputNorm,
    SpectrogramModule,
    check_input_norm,
    check_pooling,
    check_positive_int,
    check_rate,
    check_widths,
    make_activation,
    min_frames_of,
)

__all__ = ["Conv1DModule"]


class Conv1DModule(SpectrogramModule):
    """1-D convolutions along time, then fully connected layers.

    "Conv1D" of Choi et al. 2017, after Dieleman & Schrauwen 2014: four
    convolution layers with 1 x 8 kernels along time only, applied to every
    mel band with shared weights, alternate with max-pools along time
    (1 x 4), (1 x 5), (1 x 8), (1 x 8), giving narrow-and-tall maps
    (``channels x n_mels x 1`` for 1366 frames); these are flattened and fed
    to two fully connected layers and the output layer. Input is a mel
    spectrogram ``(batch, n_mels, n_frames)``; output is one logit per class
    or tag.

    Layers: input batch normalisation; per block ``Conv2d((1, 8), 'same')``
    + ``BatchNorm2d`` + activation + ``MaxPool2d((1, p))`` + dropout; a global
    max over what is left of the time axis (so longer inputs work); flatten
    (``n_mels * conv_widths[-1]`` features); per ``fc_widths`` entry a
    ``Linear`` + activation; dropout; a linear output layer.

    Parameters
    ----------
    n_mels : int
        Number of mel bins of the input; the first fully connected layer
        reads ``n_mels * conv_widths[-1]`` features, so it is fixed.
    n_outputs : int
        Number of classes or tags.
    conv_widths : sequence of int, default=(33, 33, 66, 66)
        Feature maps of the convolution layers. The default is the 0.5M row
        of the paper's Table 1 (:data:`~sklearn_music.models.TABLE1`).
    fc_widths : sequence of int, default=(66, 66)
        Units of the fully connected layers before the output (two in the
        paper).
    kernel_size : int, default=8
        Length of the kernels along time.
    pool_sizes : sequence of int, default=(4, 5, 8, 8)
        Max-pool length along time after each convolution; one per entry of
        ``conv_widths``.
    pooling : {"capped", "fixed"}, default="capped"
        ``"capped"``: each time pool is capped at the frames left, so any
        input length of at least one frame works (a short crop is reduced to
        one frame early and the global pooling at the end sees the rest);
        on inputs of at least 1,280 frames the output is that of the
        paper's fixed pools. ``"fixed"``: the paper's pools as they are;
        inputs need at least 1,280 frames (the product of the time pools).
    activation : {"relu", "elu"}, default="relu"
        Non-linearity after each BatchNorm and fully connected layer.
    conv_dropout : float, default=0.0
        Dropout after each convolution block.
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
        Fewest input frames accepted: 1 with ``pooling="capped"``,
        the product of the time pools (1280) with ``pooling="fixed"``.

    See Also
    --------
    Conv2DModule : 3 x 3 kernels over time and frequency.

    References
    ----------
    .. [1] S. Dieleman and B. Schrauwen, "End-to-end learning for music audio",
       ICASSP 2014.
    .. [2] K. Choi, G. Fazekas, M. Sandler and K. Cho, "Convolutional recurrent
       neural networks for music classification", ICASSP 2017,
       arXiv:1609.04243.

    Examples
    --------
    >>> import torch
    >>> from sklearn_music.models import Conv1DModule
    >>> module = Conv1DModule(96, 10).eval()
    >>> module(torch.randn(2, 96, 1366)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        n_mels: int,
        n_outputs: int,
        *,
        conv_widths=(33, 33, 66, 66),
        fc_widths=(66, 66),
        kernel_size: int = 8,
        pool_sizes=(4, 5, 8, 8),
        pooling: str = "capped",
        activation: str = "relu",
        conv_dropout: float = 0.0,
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
        self.pooling = check_pooling(pooling)
        self._min_frames = min_frames_of(self.pooling, self.pool_sizes)
        self.n_frames = check_input_norm(name, input_norm, n_frames, self._min_frames)
        self.embedding_dim = self.fc_widths[-1]
        conv_dropout = check_rate("conv_dropout", conv_dropout)

        self.input_norm = InputNorm(input_norm, self.n_mels, self.n_frames)
        blocks, in_channels = [], 1
        for width, pool in zip(self.conv_widths, self.pool_sizes, strict=True):
            blocks.append(
                ConvBlock2d(
                    in_channels,
                    width,
                    kernel_size=(1, self.kernel_size),
                    pool=(1, pool),
                    activation=activation,
                    dropout=conv_dropout,
                    capped=self.pooling == "capped",
                )
            )
            in_channels = width
        self.conv = nn.Sequential(*blocks)
        self.time_pool = nn.AdaptiveMaxPool2d((None, 1))
        layers, in_features = [], self.n_mels * in_channels
        for width in self.fc_widths:
            layers += [nn.Linear(in_features, width), make_activation(activation)]
            in_features = width
        self.fc = nn.Sequential(*layers)
        self.dropout = nn.Dropout(check_rate("dropout", dropout))
        self.output = nn.Linear(in_features, self.n_outputs)

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        """Output of the last fully connected layer, ``(batch, embedding_dim)``."""
        x = self.conv(self.input_norm(x).unsqueeze(1))  # (batch, ch, n_mels, time)
        return self.fc(self.time_pool(x).flatten(1))
