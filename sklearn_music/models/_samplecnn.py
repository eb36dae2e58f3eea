"""Sample-level CNN on raw waveforms of Lee et al. (2017)."""

from __future__ import annotations

import torch
from torch import nn

from ._blocks import check_positive_int, check_rate, check_tensor, check_widths

__all__ = ["SampleCNNModule"]


def _conv_bn_relu(in_channels: int, out_channels: int, **conv) -> list[nn.Module]:
    return [
        nn.Conv1d(in_channels, out_channels, **conv),
        nn.BatchNorm1d(out_channels),
        nn.ReLU(),
    ]


class SampleCNNModule(nn.Module):
    """Sample-level deep CNN for auto-tagging from raw waveforms.

    The "3^9 model" of Lee et al.: a strided convolution (kernel 3, stride 3)
    then ``n_blocks`` blocks of convolution (kernel 3) + BatchNorm + ReLU +
    max-pool 3, a 1 x 1 convolution, a global max over time, dropout and a
    linear output layer. With 59,049 = 3^10 samples (2.68 s at 22,050 Hz) one
    frame is left before the global pool; longer inputs are pooled over
    time. Input is a waveform ``(batch, n_samples)``; output is one logit per
    class or tag (no sigmoid or softmax).

    Parameters
    ----------
    n_outputs : int
        Number of classes or tags.
    n_blocks : int, default=9
        Number of convolution + max-pool blocks after the strided convolution.
    widths : sequence of int, optional
        Channels of the blocks, one per block. Default: 128 for the first
        three blocks and 256 after, i.e. the paper's
        128, 128, 128, 256, 256, 256, 256, 256, 256 for nine blocks.
    stem_width : int, default=128
        Channels of the strided first convolution.
    head_width : int, default=512
        Channels of the final 1 x 1 convolution (the embedding size).
    dropout : float, default=0.5
        Dropout before the output layer.
    stem_stride : int, default=3
        Kernel size and stride of the first convolution (non-overlapping
        frames of ``stem_stride`` samples).
    pool_size : int, default=3
        Max-pool size (and stride) of every block.

    Attributes
    ----------
    embedding_dim : int
        Size of :meth:`embed`'s output, ``head_width``.
    min_input_length : int
        Fewest input samples accepted, ``stem_stride * pool_size ** n_blocks``
        (``3 ** 10 = 59,049`` with the defaults).

    References
    ----------
    .. [1] J. Lee, J. Park, K. L. Kim and J. Nam, "Sample-level deep
       convolutional neural networks for music auto-tagging using raw
       waveforms", SMC 2017, arXiv:1703.01789.

    Examples
    --------
    >>> import torch
    >>> from sklearn_music.models import SampleCNNModule
    >>> module = SampleCNNModule(10, n_blocks=5).eval()
    >>> module.min_input_length
    729
    >>> module(torch.randn(2, 729)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        n_outputs: int,
        *,
        n_blocks: int = 9,
        widths=None,
        stem_width: int = 128,
        head_width: int = 512,
        dropout: float = 0.5,
        stem_stride: int = 3,
        pool_size: int = 3,
    ) -> None:
        super().__init__()
        self.n_outputs = check_positive_int("n_outputs", n_outputs)
        self.n_blocks = check_positive_int("n_blocks", n_blocks)
        if widths is None:
            widths = [128 if i < 3 else 256 for i in range(self.n_blocks)]
        self.widths = check_widths("widths", widths, length=self.n_blocks)
        self.stem_width = check_positive_int("stem_width", stem_width)
        self.head_width = check_positive_int("head_width", head_width)
        self.embedding_dim = self.head_width
        self.stem_stride = check_positive_int("stem_stride", stem_stride)
        self.pool_size = check_positive_int("pool_size", pool_size)
        self._min_samples = self.stem_stride * self.pool_size**self.n_blocks

        stride = self.stem_stride
        self.stem = nn.Sequential(
            *_conv_bn_relu(1, self.stem_width, kernel_size=stride, stride=stride)
        )
        blocks, in_channels = [], self.stem_width
        for width in self.widths:
            blocks.append(
                nn.Sequential(
                    *_conv_bn_relu(in_channels, width, kernel_size=3, padding=1),
                    nn.MaxPool1d(self.pool_size),
                )
            )
            in_channels = width
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(
            *_conv_bn_relu(in_channels, self.head_width, kernel_size=1)
        )
        self.global_pool = nn.AdaptiveMaxPool1d(1)
        self.dropout = nn.Dropout(check_rate("dropout", dropout))
        self.output = nn.Linear(self.head_width, self.n_outputs)

    @property
    def min_input_length(self) -> int:
        """Fewest input samples accepted, ``stem_stride * pool_size ** n_blocks``
        (``3 ** (n_blocks + 1)`` for the paper's model)."""
        return self._min_samples

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The 1 x 1 convolution max-pooled over time, ``(batch, head_width)``."""
        name = type(self).__name__
        check_tensor(name, x, shape="(batch, n_samples)", ndim=2)
        if x.shape[1] < self._min_samples:
            raise ValueError(
                f"{name} needs at least {self._min_samples} samples; got "
                f"{x.shape[1]} (input shape {tuple(x.shape)}; the minimum is "
                f"stem_stride * pool_size ** n_blocks = {self.stem_stride} * "
                f"{self.pool_size} ** {self.n_blocks})"
            )
        x = self.head(self.blocks(self.stem(x.unsqueeze(1))))
        return self.global_pool(x).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, n_outputs)`` for a ``(batch, n_samples)`` waveform."""
        return self.output(self.dropout(self.embed(x)))
