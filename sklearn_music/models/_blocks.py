"""Building blocks and input checks shared by the architectures in this package."""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral

import torch
from torch import nn

ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "elu": nn.ELU}
INPUT_NORMS = ("freq", "time", None)
POOLINGS = ("capped", "fixed")


def make_activation(activation: str) -> nn.Module:
    """Return a fresh activation layer for ``"relu"`` or ``"elu"``."""
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATIONS)}; got {activation!r}"
        )
    return ACTIVATIONS[activation]()


def check_positive_int(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as an int, raising ValueError unless it is >= minimum."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def check_widths(name: str, widths, *, length: int | None = None) -> tuple[int, ...]:
    """Return ``widths`` as a tuple of ints >= 1, optionally of a fixed length."""
    if isinstance(widths, str | bytes) or not isinstance(widths, Sequence):
        raise ValueError(f"{name} must be a sequence of integers; got {widths!r}")
    out = tuple(check_positive_int(f"each of {name}", w) for w in widths)
    if not out:
        raise ValueError(f"{name} must not be empty")
    if length is not None and len(out) != length:
        raise ValueError(f"{name} must have {length} entries; got {len(out)}")
    return out


def check_pools(name: str, pools) -> tuple[tuple[int, int], ...]:
    """Return 2-D pool sizes as a tuple of (freq, time) int pairs."""
    if isinstance(pools, str | bytes) or not isinstance(pools, Sequence):
        raise ValueError(f"{name} must be a sequence of (freq, time) pairs")
    out = []
    for pool in pools:
        if not isinstance(pool, Sequence) or len(pool) != 2:
            raise ValueError(
                f"each of {name} must be a (freq, time) pair; got {pool!r}"
            )
        out.append(tuple(check_positive_int(f"each of {name}", p) for p in pool))
    if not out:
        raise ValueError(f"{name} must not be empty")
    return tuple(out)


def check_rate(name: str, value) -> float:
    """Return a dropout rate in [0, 1)."""
    if isinstance(value, bool) or not 0.0 <= float(value) < 1.0:
        raise ValueError(f"{name} must be in [0, 1); got {value!r}")
    return float(value)


def cap_freq_pools(
    n_mels: int, pools: Sequence[tuple[int, int]]
) -> tuple[tuple[int, int], ...]:
    """Cap each frequency pool at the number of bins left before it.

    With 96 mel bins the pools of the papers are unchanged; with fewer bins a
    pool never asks for more bins than remain (so the map keeps at least one
    bin), and the architectures collapse whatever is left with a global max.
    """
    out, n_bins = [], n_mels
    for pool_f, pool_t in pools:
        pool_f = min(pool_f, n_bins)
        n_bins //= pool_f
        out.append((pool_f, pool_t))
    return tuple(out)


def check_pooling(pooling) -> str:
    """Validate ``pooling`` (``"capped"`` or ``"fixed"``)."""
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be 'capped' or 'fixed'; got {pooling!r}")
    return pooling


def min_frames_of(pooling: str, time_pools) -> int:
    """Fewest input frames a stack of time pools accepts: 1 when the pools
    are capped, their product when they are fixed."""
    return 1 if pooling == "capped" else math.prod(time_pools)


class CappedMaxPool2d(nn.Module):
    """Max-pooling whose size is capped at the extent of its input.

    With an input of at least ``kernel_size`` in both axes it is
    ``nn.MaxPool2d(kernel_size)`` (same output); a shorter axis is pooled
    whole, so a stack of these pools takes inputs of any length and reduces
    short ones to a single frame instead of failing. Has no parameters.

    Parameters
    ----------
    kernel_size : (int, int)
        Pool size (frequency, time); the stride is the same.
    """

    def __init__(self, kernel_size: tuple[int, int]) -> None:
        super().__init__()
        self.kernel_size = tuple(int(k) for k in kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = (
            min(self.kernel_size[0], x.shape[-2]),
            min(self.kernel_size[1], x.shape[-1]),
        )
        return nn.functional.max_pool2d(x, size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}"


class InputNorm(nn.Module):
    """Batch normalisation of a ``(batch, n_mels, n_frames)`` spectrogram.

    ``"freq"`` normalises each mel bin (statistics over batch and time; works
    for any length). ``"time"`` normalises each frame (statistics over batch
    and frequency), as the Keras reference implementations of Choi et al.
    did (``BatchNormalization(axis=3)`` on ``(1, 96, 1366)`` input); it has
    one scale and shift per frame and so fixes the input length.
    """

    def __init__(self, mode: str | None, n_mels: int, n_frames: int | None) -> None:
        super().__init__()
        self.mode = mode
        if mode == "freq":
            self.bn = nn.BatchNorm1d(n_mels)
        elif mode == "time":
            self.bn = nn.BatchNorm1d(n_frames)
        else:
            self.bn = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "freq":
            return self.bn(x)
        if self.mode == "time":
            return self.bn(x.transpose(1, 2)).transpose(1, 2)
        return x


def check_input_norm(owner: str, input_norm, n_frames, min_frames: int) -> int | None:
    """Validate ``input_norm`` and ``n_frames``; return n_frames (or None)."""
    if input_norm not in INPUT_NORMS:
        raise ValueError(
            f"input_norm must be one of 'freq', 'time' or None; got {input_norm!r}"
        )
    if input_norm != "time":
        if n_frames is not None:
            raise ValueError("n_frames is only used with input_norm='time'")
        return None
    if n_frames is None:
        raise ValueError(
            "input_norm='time' normalises each frame and needs n_frames "
            "(the fixed input length, e.g. 1366)"
        )
    n_frames = check_positive_int("n_frames", n_frames)
    if n_frames < min_frames:
        raise ValueError(
            f"{owner} needs at least {min_frames} frames; got n_frames={n_frames}"
        )
    return n_frames


def check_tensor(owner: str, x, *, shape: str, ndim: int) -> None:
    """Raise a clear error unless ``x`` is a floating tensor with ``ndim`` dims."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"{owner} expects a torch.Tensor of shape {shape}; got {type(x).__name__}"
        )
    if not torch.is_floating_point(x):
        raise TypeError(f"{owner} expects a floating point tensor; got {x.dtype}")
    if x.ndim != ndim:
        raise ValueError(
            f"{owner} expects a {ndim}-D input of shape {shape}; got a "
            f"{x.ndim}-D tensor of shape {tuple(x.shape)}"
        )


def check_spectrogram(
    owner: str,
    x,
    *,
    n_mels: int,
    min_frames: int,
    n_frames: int | None = None,
) -> None:
    """Check a ``(batch, n_mels, n_frames)`` input before it reaches torch."""
    check_tensor(owner, x, shape=f"(batch, n_mels={n_mels}, n_frames)", ndim=3)
    if x.shape[1] != n_mels:
        raise ValueError(
            f"{owner} was built for n_mels={n_mels}; got {x.shape[1]} mel bins "
            f"(input shape {tuple(x.shape)})"
        )
    if n_frames is not None and x.shape[2] != n_frames:
        raise ValueError(
            f"{owner} was built with input_norm='time' for exactly "
            f"n_frames={n_frames} frames; got {x.shape[2]}"
        )
    if x.shape[2] < min_frames:
        raise ValueError(
            f"{owner} needs at least {min_frames} frames; got {x.shape[2]} "
            f"(input shape {tuple(x.shape)})"
        )


class SpectrogramModule(nn.Module):
    """Shared interface of the spectrogram models.

    Subclasses set ``n_mels``, ``n_frames``, ``_min_frames``, ``dropout`` and
    ``output`` in ``__init__`` and implement ``_embed`` on a checked input;
    this class provides :meth:`embed` (input checks first), :meth:`forward`
    (dropout and the output layer on the embedding) and
    ``min_input_length``.
    """

    @property
    def min_input_length(self) -> int:
        """Fewest input frames accepted: 1 with ``pooling="capped"``, the
        product of the time pools with ``pooling="fixed"``."""
        return self._min_frames

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate representation ``(batch, embedding_dim)`` of
        ``(batch, n_mels, n_frames)`` spectrograms (see the class docs)."""
        check_spectrogram(
            type(self).__name__,
            x,
            n_mels=self.n_mels,
            min_frames=self._min_frames,
            n_frames=self.n_frames,
        )
        return self._embed(x)

    def _embed(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, n_outputs)`` for a ``(batch, n_mels, n_frames)`` input."""
        return self.output(self.dropout(self.embed(x)))


class ConvBlock2d(nn.Sequential):
    """Convolution ('same' padding) + BatchNorm + activation + max-pool + dropout.

    With ``capped`` the pool is a :class:`CappedMaxPool2d`, which accepts
    inputs shorter than the pool.

    An even kernel is zero-padded one more frame after than before (as Keras'
    ``padding="same"`` does).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        kernel_size: tuple[int, int],
        pool: tuple[int, int],
        activation: str,
        dropout: float,
        capped: bool = False,
    ) -> None:
        pad_f, pad_t = kernel_size[0] - 1, kernel_size[1] - 1
        if pad_f % 2 or pad_t % 2:
            pad = [
                nn.ZeroPad2d(
                    (pad_t // 2, pad_t - pad_t // 2, pad_f // 2, pad_f - pad_f // 2)
                )
            ]
            padding = (0, 0)
        else:
            pad, padding = [], (pad_f // 2, pad_t // 2)
        super().__init__(
            *pad,
            nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding),
            nn.BatchNorm2d(out_channels),
            make_activation(activation),
            CappedMaxPool2d(pool) if capped else nn.MaxPool2d(pool),
            nn.Dropout(dropout),
        )
