"""Fully convolutional 2-D network of Choi et al. (2016)."""

from __future__ import annotations

import torch
from torch import nn

from ._blocks import (
    ConvBlock2d,
    InputNorm,
    SpectrogramModule,
    cap_freq_pools,
    check_input_norm,
    check_pooling,
    check_pools,
    check_positive_int,
    check_rate,
    check_widths,
    min_frames_of,
)

__all__ = ["Conv2DModule"]


class Conv2DModule(SpectrogramModule):
    """Fully convolutional network (FCN) of 3x3 convolutions for music tagging.

    Five 2-D convolution blocks whose max-pools reduce a 96 x 1366 mel
    spectrogram to a 1 x 1 map ("Conv2D" in Choi et al. 2017, "FCN-5" in
    Choi et al. 2016), then a linear output layer. Input is a mel spectrogram
    ``(batch, n_mels, n_frames)``; output is one logit per class or tag.

    Layers: input batch normalisation; per block ``Conv2d(3x3, 'same')`` +
    ``BatchNorm2d`` + activation + ``MaxPool2d`` + dropout with pools
    (2, 4), (2, 4), (2, 4), (3, 5), (4, 4) (frequency, time); a global max
    over what is left of the map (1 x 1 for 96 x 1366, so longer inputs and
    other ``n_mels`` work too); dropout; a linear output layer.

    Parameters
    ----------
    n_mels : int
        Number of mel bins of the input (any value >= 1; frequency pools are
        capped at the bins left).
    n_outputs : int
        Number of classes or tags.
    conv_widths : sequence of int, default=(64, 128, 128, 128, 64)
        Feature maps of the convolution blocks. The default is the FCN of Won
        et al.'s benchmark (minzwon/sota-music-tagging-models,
        ``training/model.py``); see :data:`~sklearn_music.models.TABLE1` for
        the widths of Choi et al. 2017, which grow with depth.
    pool_sizes : sequence of (int, int), default=((2, 4),) * 3 + ((3, 5), (4, 4))
        Max-pool size (frequency, time) after each convolution; one per
        entry of ``conv_widths``.
    pooling : {"capped", "fixed"}, default="capped"
        ``"capped"``: each time pool is capped at the frames left, so any
        input length of at least one frame works (a short crop is reduced to
        one frame early and the global pooling at the end sees the rest);
        on inputs of at least 1,280 frames the output is that of the
        paper's fixed pools. ``"fixed"``: the paper's pools as they are;
        inputs need at least 1,280 frames (the product of the time pools).
    activation : {"relu", "elu"}, default="relu"
        Non-linearity after each BatchNorm (the Keras original used ELU).
    conv_dropout : float, default=0.0
        Dropout after each convolution block (the 2016 Keras code used 0.5).
    dropout : float, default=0.5
        Dropout before the output layer.
    input_norm : {"freq", "time"} or None, default="freq"
        Input batch normalisation: ``"freq"`` normalises each mel bin and
        works for any length; ``"time"`` normalises each frame, as the Keras
        reference code did, and fixes the input length to ``n_frames``;
        ``None`` disables it.
    n_frames : int, optional
        Fixed number of input frames; required by, and only used with,
        ``input_norm="time"``.

    Attributes
    ----------
    embedding_dim : int
        Size of :meth:`embed`'s output, the last convolution width.
    min_input_length : int
        Fewest input frames accepted: 1 with ``pooling="capped"``,
        the product of the time pools (1280) with ``pooling="fixed"``.

    See Also
    --------
    CRNNModule : the same front-end with a GRU instead of the last layers.

    References
    ----------
    .. [1] K. Choi, G. Fazekas and M. Sandler, "Automatic tagging using deep
       convolutional neural networks", ISMIR 2016, arXiv:1606.00298.
    .. [2] K. Choi, G. Fazekas, M. Sandler and K. Cho, "Convolutional recurrent
       neural networks for music classification", ICASSP 2017,
       arXiv:1609.04243.
    .. [3] M. Won, A. Ferraro, D. Bogdanov and X. Serra, "Evaluation of
       CNN-based automatic music tagging models", SMC 2020.

    Examples
    --------
    >>> import torch
    >>> from sklearn_music.models import Conv2DModule
    >>> module = Conv2DModule(96, 10).eval()
    >>> module(torch.randn(2, 96, 1366)).shape
    torch.Size([2, 10])
    >>> module.min_input_length
    1
    >>> Conv2DModule(96, 10, pooling="fixed").min_input_length
    1280
    """

    def __init__(
        self,
        n_mels: int,
        n_outputs: int,
        *,
        conv_widths=(64, 128, 128, 128, 64),
        pool_sizes=((2, 4), (2, 4), (2, 4), (3, 5), (4, 4)),
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
        pools = check_pools("pool_sizes", pool_sizes)
        self.conv_widths = check_widths("conv_widths", conv_widths, length=len(pools))
        self.pool_sizes = cap_freq_pools(self.n_mels, pools)
        self.pooling = check_pooling(pooling)
        self._min_frames = min_frames_of(self.pooling, [t for _, t in self.pool_sizes])
        self.n_frames = check_input_norm(name, input_norm, n_frames, self._min_frames)
        self.embedding_dim = self.conv_widths[-1]
        conv_dropout = check_rate("conv_dropout", conv_dropout)

        self.input_norm = InputNorm(input_norm, self.n_mels, self.n_frames)
        blocks, in_channels = [], 1
        for width, pool in zip(self.conv_widths, self.pool_sizes, strict=True):
            blocks.append(
                ConvBlock2d(
                    in_channels,
                    width,
                    kernel_size=(3, 3),
                    pool=pool,
                    activation=activation,
                    dropout=conv_dropout,
                    capped=self.pooling == "capped",
                )
            )
            in_channels = width
        self.conv = nn.Sequential(*blocks)
        self.global_pool = nn.AdaptiveMaxPool2d(1)
        self.dropout = nn.Dropout(check_rate("dropout", dropout))
        self.output = nn.Linear(in_channels, self.n_outputs)

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        """The 1 x 1 map after the last block, flattened: ``(batch, embedding_dim)``."""
        x = self.conv(self.input_norm(x).unsqueeze(1))
        return self.global_pool(x).flatten(1)
