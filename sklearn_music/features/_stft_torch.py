"""The torch backend of the spectral engine (:mod:`._stft`).

A batch of clips goes to the device once, as one ``(B, n_samples)`` tensor
(a view of the caller's array when the clips are its consecutive rows), and
everything per clip happens there in batched form: the centre padding of
ragged clips (one gather for the heads, one scatter for the tails), the STFT
(``torch.stft``, cuFFT on CUDA) and projection, computed a memory-bounded
slice of the batch at a time into one output tensor, and the log stage with
each clip's own peak and ``top_db`` over its valid frames only. The result
comes back in one transfer, straight into the caller's output array when its
rows are consecutive. Used on CUDA devices; it runs on the CPU too, which is
how the tests check it against the numpy backend on machines without a GPU.
"""

from __future__ import annotations

import numpy as np

from ._stft import LogParams, STFTParams, mel_filterbank

__all__ = ["log_batch", "log_stage", "stft_batch"]

# Padding modes done on the device: the padded value at offset ``i`` outside a
# clip of ``n`` samples is the clip's sample ``_SOURCE[mode](i, n)`` (valid
# while the margin is short enough, see ``_device_pad``).
_DEVICE_PAD_MODES = frozenset({"constant", "reflect", "symmetric", "edge", "wrap"})

#: Bytes of complex STFT computed at once (a slice of the batch): large enough
#: to fill a GPU, small enough to stay in the CPU's cache levels.
_CHUNK_BYTES = {"cuda": 1 << 30, "cpu": 64 << 20}


def log_stage(S, lengths, log: LogParams):
    """Log stage of a padded torch batch ``(B, F, T)``, in place.

    The peak of ``ref="max"`` and ``top_db`` is each clip's own, over its
    valid frames only; the frames after them are left with arbitrary values
    (and zeroed first when a peak is needed). The numpy twin for one clip is
    :func:`._stft.log_stage`.

    Parameters
    ----------
    S : torch.Tensor of shape (B, F, T), floating
        Power (or magnitude) spectrograms, overwritten.
    lengths : ndarray of shape (B,), integer
        Valid frames of each clip (on the host: whether the batch is ragged
        is decided there, without a device synchronisation).
    log : LogParams
        Which log stage.

    Returns
    -------
    S_log : torch.Tensor of shape (B, F, T)
        ``S`` itself.
    """
    import torch

    if log.log == "none":
        return S
    if log.log == "log1p":
        return S.mul_(log.log_gain).log1p_().mul_(1.0 / np.log(10.0))
    if log.log == "db20":  # 20*log10(S) == power_to_db(S**2)
        S.square_()
    amin, top_db = log.amin, _keeps_top_db(log)
    lengths = np.asarray(lengths)
    if (log.ref == "max" or top_db) and (lengths < S.shape[-1]).any():
        frames = torch.arange(S.shape[-1], device=S.device)
        short = frames[None, :] >= torch.from_numpy(lengths).to(S.device)[:, None]
        S.masked_fill_(short[:, None, :], 0.0)  # peaks over valid frames only
    peak = None
    if log.ref == "max" or top_db:
        # the dB of the peak is the peak of the dB: log10 is monotonic
        peak = S.amax(dim=(1, 2), keepdim=True).clamp_(min=amin).log10_().mul_(10.0)
    if log.ref == "max":
        offset = peak
    else:
        offset = 10.0 * np.log10(max(amin, float(log.ref)))
    S.clamp_(min=amin).log10_().mul_(10.0).sub_(offset)
    if top_db:
        torch.maximum(S, (peak - offset) - log.top_db, out=S)
    return S


def _keeps_top_db(log: LogParams) -> bool:
    return log.top_db is not None and bool(np.isfinite(log.top_db))


# ---------------------------------------------------------------------------
# Host <-> device
# ---------------------------------------------------------------------------


def _rows_of_one_array(arrays, shape, dtype) -> np.ndarray | None:
    """``arrays`` as one ``(len(arrays), *shape)`` view when they are the
    consecutive, C-contiguous rows of one array; otherwise None."""
    if not arrays:
        return None
    first = arrays[0]
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    base = first.__array_interface__["data"][0] if isinstance(first, np.ndarray) else 0
    for k, a in enumerate(arrays):
        if not (
            isinstance(a, np.ndarray)
            and a.shape == tuple(shape)
            and a.dtype == dtype
            and a.flags.c_contiguous
            and a.__array_interface__["data"][0] == base + k * nbytes
        ):
            return None
    strides = (nbytes, *first.strides)
    return np.lib.stride_tricks.as_strided(
        first, (len(arrays), *shape), strides, writeable=first.flags.writeable
    )


def _upload(clips, sizes: np.ndarray, margin: int, device):
    """The clips as one ``(B, max(sizes) + 2 * margin)`` float32 tensor on
    ``device``, each clip at offset ``margin`` and zeros around it: one
    transfer (from pinned memory on CUDA), no host copy when the clips are
    the consecutive rows of one writable float32 array."""
    import torch

    block = None
    if (sizes == sizes[0]).all():
        block = _rows_of_one_array(list(clips), (int(sizes[0]),), np.float32)
    if block is not None and block.flags.writeable:
        x = torch.from_numpy(block).to(device)
        return torch.nn.functional.pad(x, (margin, margin)) if margin else x
    on_cuda = torch.device(device).type == "cuda"
    width = int(sizes.max()) + 2 * margin
    host = torch.empty((len(clips), width), pin_memory=on_cuda)
    for row, y, n in zip(host.numpy(), clips, sizes, strict=True):
        row[:margin] = 0.0
        row[margin : margin + n] = y
        row[margin + n :] = 0.0
    return host.to(device, non_blocking=on_cuda)


def _download(S, frames: np.ndarray, dest):
    """``S (B, n_bins, T)`` back to the host in one transfer: into ``dest``
    (one ``(n_bins, >= n_frames_i)`` array per clip) or as per-clip views."""
    import torch

    if dest is not None:
        block = _rows_of_one_array(list(dest), dest[0].shape, np.float32)
        if block is not None and block.flags.writeable and (frames == S.shape[2]).all():
            torch.from_numpy(block[:, :, : S.shape[2]]).copy_(S)
            return dest
    host = S.cpu().numpy()
    if dest is None:
        return [host[b, :, :n] for b, n in enumerate(frames)]
    for b, n in enumerate(frames):
        dest[b][:, :n] = host[b, :, :n]
    return dest


# ---------------------------------------------------------------------------
# Padding on the device
# ---------------------------------------------------------------------------


def _source_index(mode: str, i, n):
    """Index into a clip of ``n`` samples of the padded sample at offset
    ``i`` (negative before the clip, ``>= n`` after it), as numpy.pad."""
    if mode == "reflect":
        i = i.abs()
        return (2 * (n - 1) - i).minimum(i)
    if mode == "symmetric":
        i = i.where(i >= 0, -i - 1)
        return (2 * n - 1 - i).minimum(i)
    if mode == "edge":
        return i.clamp(min=0).minimum(n - 1)
    return i.remainder(n)  # wrap


def _device_pad(x, sizes_t, margin: int, mode: str):
    """Fill the padding of a batch from :func:`_upload` in place, as
    ``numpy.pad(y, margin, mode=mode)`` of each clip alone (zeros are
    "constant" already); clip ``b`` occupies ``[0, sizes[b] + 2 * margin)``."""
    import torch

    if mode == "constant" or margin == 0:
        return x
    k = torch.arange(margin, device=x.device)[None, :]  # (1, margin)
    n = sizes_t[:, None]  # (B, 1)
    head = x.gather(1, margin + _source_index(mode, k - margin, n))
    tail = x.gather(1, margin + _source_index(mode, n + k, n))
    x[:, :margin] = head
    x.scatter_(1, n + margin + k, tail)
    return x


def _pads_on_device(mode: str, margin: int, min_size: int) -> bool:
    """Whether one device pad reproduces numpy.pad (else pad on the host)."""
    if margin == 0 or mode == "constant":
        return True
    if mode not in _DEVICE_PAD_MODES or min_size == 0:
        return False
    # numpy reflects again past the clip's length; one reflection is exact
    return margin < min_size if mode == "reflect" else margin <= min_size


# ---------------------------------------------------------------------------
# The batch
# ---------------------------------------------------------------------------


def _project_into(out, spec, exponent: float, fb_t):
    """``out (b, n_bins, T) = fb_t @ |spec| ** exponent`` (``fb_t`` None:
    no projection) for a complex ``spec (b, F, T)``."""
    import torch

    if exponent == 2.0:
        P = (
            spec.real**2 + spec.imag**2
        )  # fastest on CPU; view_as_real's sum is 30x slower
    else:
        P = spec.abs()
        if exponent != 1.0:
            P.pow_(exponent)
    if fb_t is None:
        out.copy_(P)
    else:
        torch.matmul(fb_t, P, out=out)


def _spectrogram(x, params: STFTParams, window, n_out: int):
    """``(B, n_bins, n_out)`` float32 spectrograms (no log) of the padded batch
    ``x``, a slice of clips at a time (see ``_CHUNK_BYTES``)."""
    import torch

    device = x.device
    fb_t = None
    if params.mel is not None:
        fb = mel_filterbank(params.sr, params.n_fft, params.mel)
        fb_t = torch.from_numpy(np.array(fb)).to(device)  # (n_mels, F)
    n_freqs = 1 + params.n_fft // 2
    S = torch.empty((x.shape[0], params.n_bins, n_out), device=device)
    budget = _CHUNK_BYTES["cuda" if device.type == "cuda" else "cpu"]
    step = max(1, budget // max(1, n_freqs * n_out * 8))
    for b0 in range(0, x.shape[0], step):
        spec = torch.stft(
            x[b0 : b0 + step], n_fft=params.n_fft, hop_length=params.hop_length,
            window=window, center=False, return_complex=True,
        )  # fmt: skip
        _project_into(S[b0 : b0 + step], spec, params.power, fb_t)
    return S


def stft_batch(clips, params: STFTParams, window, device, dest=None) -> list:
    """:func:`._stft.stft_spectrogram` of a batch with ``torch.stft``.

    Each clip is padded as librosa does, the batch is zero-padded to its
    longest clip, and every clip keeps the frames librosa computes for it.
    One transfer to ``device`` and one back; every per-clip step in between
    (padding, peak, ``top_db``) is batched on the device.
    """
    import torch

    device = torch.device(device)
    n_fft, hop, margin = params.n_fft, params.hop_length, params.margin
    sizes = np.array([y.size for y in clips], dtype=np.int64)
    frames = 1 + (sizes + 2 * margin - n_fft) // hop
    if _pads_on_device(params.pad_mode, margin, int(sizes.min())):
        x = _upload(clips, sizes, margin, device)
        if margin and params.pad_mode != "constant":
            x = _device_pad(
                x, torch.from_numpy(sizes).to(device), margin, params.pad_mode
            )
    else:  # padding that reads the whole clip (mean, median, ...): on the host
        padded = [np.pad(y, margin, mode=params.pad_mode) for y in clips]
        x = _upload(padded, sizes + 2 * margin, 0, device)
    n_out = int(frames.max())
    window_t = torch.from_numpy(np.array(window)).to(device)
    S = _spectrogram(x, params, window_t, n_out)
    log_stage(S, frames, params.log)
    return _download(S, frames, dest)


def log_batch(specs, log: LogParams, device, dest=None) -> list:
    """Log stage of per-clip spectrograms ``(n_bins, n_frames_i)`` in torch.

    The clips are padded into one batch on ``device``; returns one array per
    clip, or fills ``dest`` as :func:`._stft.stft_spectrogram` does.
    """
    import torch

    lengths = np.array([S.shape[1] for S in specs], dtype=np.int64)
    dtype = np.result_type(np.float32, *specs)  # float64 for a loud clip's power
    batch = np.zeros((len(specs), specs[0].shape[0], lengths.max()), dtype)
    for row, S in zip(batch, specs, strict=True):
        row[:, : S.shape[1]] = S
    S = torch.from_numpy(batch).to(device)
    log_stage(S, lengths, log)
    return _download(S.float(), lengths, dest)
