"""Convolutional recurrent network of Choi et al. (2017)."""

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

__all__ = ["CRNNModule"]


class CRNNModule(SpectrogramModule):
    """Convolutional recurrent network (CRNN) for music tagging.

    A 2-D CNN front-end (four 3x3 convolution blocks) followed by a two-layer
    GRU over time whose last hidden state feeds the output layer. Input is a
    mel spectrogram ``(batch, n_mels, n_frames)``; output is one logit per
    class or tag (no sigmoid or softmax).

    Layers: input batch normalisation; per block ``Conv2d(3x3, 'same')`` +
    ``BatchNorm2d`` + activation + ``MaxPool2d`` + dropout with pools
    (2, 2), (3, 3), (4, 4), (4, 4) (frequency, time); a global max over what is
    left of the frequency axis (one bin for 96 mel bins, the paper's
    ``N x 1 x 15`` map); GRU layers over the time steps; dropout; a linear
    output layer.

    Parameters
    ----------
    n_mels : int
        Number of mel bins of the input (any value >= 1; frequency pools are
        capped at the bins left, and the rest is collapsed by a global max).
    n_outputs : int
        Number of classes or tags.
    conv_widths : sequence of int, default=(64, 128, 128, 128)
        Feature maps of the convolution blocks; the default is the reference
        Keras model (music-auto_tagging-keras, ``music_tagger_crnn.py``).
        See :data:`~sklearn_music.models.TABLE1` for the paper's scaled widths.
    gru_widths : sequence of int, default=(32, 32)
        Hidden units of each GRU layer (two in the paper).
    pool_sizes : sequence of (int, int), default=((2, 2), (3, 3), (4, 4), (4, 4))
        Max-pool size (frequency, time) after each convolution; one per
        entry of ``conv_widths``.
    pooling : {"capped", "fixed"}, default="capped"
        ``"capped"``: each time pool is capped at the frames left, so any
        input length of at least one frame works (a short crop is reduced to
        one frame early and the global pooling at the end sees the rest);
        on inputs of at least 96 frames the output is that of the
        paper's fixed pools. ``"fixed"``: the paper's pools as they are;
        inputs need at least 96 frames (the product of the time pools).
    activation : {"relu", "elu"}, default="relu"
        Non-linearity after each BatchNorm (the Keras original used ELU).
    conv_dropout : float, default=0.1
        Dropout after each convolution block.
    dropout : float, default=0.3
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
        Size of :meth:`embed`'s output, the last GRU width.
    min_input_length : int
        Fewest input frames accepted: 1 with ``pooling="capped"``,
        the product of the time pools (96) with ``pooling="fixed"``.

    See Also
    --------
    Conv2DModule : the fully convolutional network compared in the paper.
    architecture_for_budget : widths for a parameter budget.

    Notes
    -----
    Time steps seen by the GRU: ``n_frames // 96`` with the default pools
    (14 for 1366 frames; the Keras code zero-padded to 1440 frames for 15).

    References
    ----------
    .. [1] K. Choi, G. Fazekas, M. Sandler and K. Cho, "Convolutional recurrent
       neural networks for music classification", ICASSP 2017,
       arXiv:1609.04243.

    Examples
    --------
    >>> import torch
    >>> from sklearn_music.models import CRNNModule
    >>> module = CRNNModule(96, 10).eval()
    >>> module(torch.randn(2, 96, 256)).shape
    torch.Size([2, 10])
    >>> module.embed(torch.randn(2, 96, 256)).shape
    torch.Size([2, 32])
    """

    def __init__(
        self,
        n_mels: int,
        n_outputs: int,
        *,
        conv_widths=(64, 128, 128, 128),
        gru_widths=(32, 32),
        pool_sizes=((2, 2), (3, 3), (4, 4), (4, 4)),
        pooling: str = "capped",
        activation: str = "relu",
        conv_dropout: float = 0.1,
        dropout: float = 0.3,
        input_norm: str | None = "freq",
        n_frames: int | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.n_mels = check_positive_int("n_mels", n_mels)
        self.n_outputs = check_positive_int("n_outputs", n_outputs)
        pools = check_pools("pool_sizes", pool_sizes)
        self.conv_widths = check_widths("conv_widths", conv_widths, length=len(pools))
        self.gru_widths = check_widths("gru_widths", gru_widths)
        self.pool_sizes = cap_freq_pools(self.n_mels, pools)
        self.pooling = check_pooling(pooling)
        self._min_frames = min_frames_of(self.pooling, [t for _, t in self.pool_sizes])
        self.n_frames = check_input_norm(name, input_norm, n_frames, self._min_frames)
        self.embedding_dim = self.gru_widths[-1]
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
        self.freq_pool = nn.AdaptiveMaxPool2d((1, None))
        grus = []
        for width in self.gru_widths:
            grus.append(nn.GRU(in_channels, width, batch_first=True))
            in_channels = width
        self.gru = nn.ModuleList(grus)
        self.dropout = nn.Dropout(check_rate("dropout", dropout))
        self.output = nn.Linear(in_channels, self.n_outputs)

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        """Last hidden state of the last GRU layer, ``(batch, embedding_dim)``."""
        x = self.input_norm(x)
        x = self.conv(x.unsqueeze(1))  # (batch, channels, freq, time)
        x = self.freq_pool(x).squeeze(2).transpose(1, 2)  # (batch, time, channels)
        for gru in self.gru:
            x, hidden = gru(x)
        return hidden[-1]
