"""Short-chunk CNN with residual blocks of Won et al. (2020)."""

from __future__ import annotations

import torch
from torch import nn

from ._blocks import (
    InputNorm,
    SpectrogramModule,
    check_input_norm,
    check_positive_int,
    check_rate,
    check_widths,
)

__all__ = ["ShortChunkResNetModule"]


class ResBlock2d(nn.Module):
    """Residual block: two 3x3 convolutions, the first strided, with a
    projected shortcut when the shape changes.

    ``relu(bn(conv(relu(bn(conv_s(x))))) + shortcut(x))`` where ``conv_s``
    has stride ``stride`` (capped at the input's extent, so short inputs
    keep at least one bin and frame) and the shortcut is the identity, or a
    strided 3x3 convolution + BatchNorm when the channels or the size
    change.
    """

    def __init__(self, in_channels: int, out_channels: int, *, stride: int) -> None:
        super().__init__()
        self.stride = stride
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.project = in_channels != out_channels or stride != 1
        if self.project:
            self.conv3 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
            self.bn3 = nn.BatchNorm2d(out_channels)

    def _stride(self, x: torch.Tensor) -> tuple[int, int]:
        return (min(self.stride, x.shape[-2]), min(self.stride, x.shape[-1]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        stride = self._stride(x)
        conv = nn.functional.conv2d
        out = conv(x, self.conv1.weight, self.conv1.bias, stride=stride, padding=1)
        out = torch.relu(self.bn1(out))
        out = self.bn2(self.conv2(out))
        if self.project:
            x = conv(x, self.conv3.weight, self.conv3.bias, stride=stride, padding=1)
            x = self.bn3(x)
        return torch.relu(out + x)


class ShortChunkResNetModule(SpectrogramModule):
    """Short-chunk CNN with residual blocks for music tagging (Won et al. 2020).

    Seven residual blocks of 3x3 convolutions, each halving frequency and
    time (stride 2), turn a short mel-spectrogram chunk (3.69 s, 128 mel
    bins in the paper) into a small map; a global max over it feeds a dense
    layer with BatchNorm and ReLU, dropout and the output layer. It was the
    best model of Won et al.'s comparison of tagging CNNs (MagnaTagATune
    ROC-AUC .9129, PR-AUC .4612), trained on short chunks and evaluated by
    averaging the chunks of each clip. Input is a mel spectrogram ``(batch,
    n_mels, n_frames)``; output is one logit per class or tag.

    Layers: input batch normalisation; per block a :class:`ResBlock2d`
    (``conv3x3/s2`` + BatchNorm + ReLU + ``conv3x3`` + BatchNorm, plus a
    ``conv3x3/s2`` + BatchNorm shortcut where the shape changes, ReLU after
    the sum); a global max over frequency and time; ``Linear`` + BatchNorm
    + ReLU; dropout; a linear output layer.

    Parameters
    ----------
    n_mels : int
        Number of mel bins of the input (any value >= 1; a stride never
        exceeds the bins or frames left).
    n_outputs : int
        Number of classes or tags.
    widths : sequence of int, default=(32, 32, 64, 64, 64, 64, 128)
        Channels of the residual blocks. The paper's model has
        ``(128, 128, 256, 256, 256, 256, 512)`` (``n_channels=128`` in
        minzwon/sota-music-tagging-models, ``training/model.py``); the
        default is a quarter of it (about 0.6M instead of 9M parameters),
        which trains on a CPU on a few hundred clips. ``param_budget`` scales
        these widths and ``dense_width`` together.
    dense_width : int, default=128
        Units of the dense layer before the output (the paper: the last
        block's width, 512).
    stride : int, default=2
        Stride of every block along frequency and time.
    dropout : float, default=0.5
        Dropout before the output layer.
    input_norm : {"freq", "time"} or None, default="freq"
        Input batch normalisation per mel bin (``"freq"``, any length), per
        frame (``"time"``, fixes the input length to ``n_frames``) or none.
        (The paper normalised the whole spectrogram with one BatchNorm.)
    n_frames : int, optional
        Fixed number of input frames; required by, and only used with,
        ``input_norm="time"``.

    Attributes
    ----------
    embedding_dim : int
        Size of :meth:`embed`'s output, ``dense_width``.
    min_input_length : int
        Fewest input frames accepted: 1 (strides are capped at the frames
        left); the paper trains on 3.69 s chunks.

    See Also
    --------
    Conv2DModule : the fully convolutional network of Choi et al. 2016.

    References
    ----------
    .. [1] M. Won, A. Ferraro, D. Bogdanov and X. Serra, "Evaluation of
       CNN-based automatic music tagging models", SMC 2020, arXiv:2006.00751.
    .. [2] K. He, X. Zhang, S. Ren and J. Sun, "Deep residual learning for
       image recognition", CVPR 2016.

    Examples
    --------
    >>> import torch
    >>> from sklearn_music.models import ShortChunkResNetModule
    >>> module = ShortChunkResNetModule(128, 10).eval()
    >>> module(torch.randn(2, 128, 160)).shape
    torch.Size([2, 10])
    >>> module.embed(torch.randn(2, 128, 40)).shape
    torch.Size([2, 128])
    """

    def __init__(
        self,
        n_mels: int,
        n_outputs: int,
        *,
        widths=(32, 32, 64, 64, 64, 64, 128),
        dense_width: int = 128,
        stride: int = 2,
        dropout: float = 0.5,
        input_norm: str | None = "freq",
        n_frames: int | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.n_mels = check_positive_int("n_mels", n_mels)
        self.n_outputs = check_positive_int("n_outputs", n_outputs)
        self.widths = check_widths("widths", widths)
        self.dense_width = check_positive_int("dense_width", dense_width)
        self.stride = check_positive_int("stride", stride)
        self._min_frames = 1
        self.n_frames = check_input_norm(name, input_norm, n_frames, self._min_frames)
        self.embedding_dim = self.dense_width

        self.input_norm = InputNorm(input_norm, self.n_mels, self.n_frames)
        blocks, in_channels = [], 1
        for width in self.widths:
            blocks.append(ResBlock2d(in_channels, width, stride=self.stride))
            in_channels = width
        self.blocks = nn.Sequential(*blocks)
        self.global_pool = nn.AdaptiveMaxPool2d(1)
        self.dense = nn.Sequential(
            nn.Linear(in_channels, self.dense_width),
            nn.BatchNorm1d(self.dense_width),
            nn.ReLU(),
        )
        self.dropout = nn.Dropout(check_rate("dropout", dropout))
        self.output = nn.Linear(self.dense_width, self.n_outputs)

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        """The dense layer's output on the globally max-pooled map,
        ``(batch, embedding_dim)``."""
        x = self.blocks(self.input_norm(x).unsqueeze(1))
        return self.dense(self.global_pool(x).flatten(1))
