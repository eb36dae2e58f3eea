"""The torch backend of the spectral engine (:mod:`._stft`).

Whole batches of clips go through ``torch.stft`` (cuFFT on CUDA), torch
projections and a batched log stage that looks at each clip's valid frames
only. Used on CUDA devices; it runs on the CPU too, which is how the tests
check it against the numpy backend on machines without a GPU.
"""

from __future__ import annotations

import numpy as np

from ._stft import LogParams, STFTParams, mel_filterbank, power

__all__ = ["log_batch", "log_stage", "stft_batch"]


def log_stage(S, lengths, log: LogParams):
    """Log stage of a padded torch batch ``(B, F, T)``.

    ``lengths`` (a torch integer tensor ``(B,)``) gives each clip's valid
    frames; the peak of ``ref="max"`` and ``top_db`` is taken over those
    only. The numpy twin for one clip is :func:`._stft.log_stage`.
    """
    import torch

    if log.log == "none":
        return S
    if log.log == "log1p":
        return torch.log10(1.0 + log.log_gain * S)
    if log.log == "db20":  # 20*log10(S) == power_to_db(S**2)
        S = S * S
    amin = log.amin
    T = S.shape[-1]
    valid = torch.arange(T, device=S.device)[None, :] < lengths[:, None]  # (B, T)
    masked = torch.where(
        valid[:, None, :], S, torch.zeros((), dtype=S.dtype, device=S.device)
    )
    if log.ref == "max":
        ref_val = masked.amax(dim=(1, 2), keepdim=True).clamp(min=amin)
        offset = 10.0 * torch.log10(ref_val)
    else:
        offset = 10.0 * np.log10(max(amin, float(log.ref)))
    S_db = 10.0 * torch.log10(S.clamp(min=amin)) - offset
    if log.top_db is not None and np.isfinite(log.top_db):
        neg_inf = torch.full((), -torch.inf, dtype=S_db.dtype, device=S_db.device)
        peak = torch.where(valid[:, None, :], S_db, neg_inf).amax(
            dim=(1, 2), keepdim=True
        )
        S_db = torch.maximum(S_db, peak - log.top_db)
    return S_db


def _to_clips(S, lengths, dest=None) -> list[np.ndarray]:
    """Split a padded torch batch ``(B, F, T)`` into per-clip numpy arrays."""
    S = S.float().cpu().numpy()
    if dest is None:
        return [S[b, :, :n] for b, n in enumerate(lengths)]
    for b, n in enumerate(lengths):
        dest[b][:, :n] = S[b, :, :n]
    return dest


def _projector(params: STFTParams, device):
    """Torch ``(B, n_frames, n_freqs)`` complex STFT -> features."""
    import torch

    exponent = params.power
    if params.mel is None:
        return lambda spec: power(spec, exponent)
    fb = torch.tensor(mel_filterbank(params.sr, params.n_fft, params.mel))
    fb = fb.to(device).T  # (F, n_mels)
    return lambda spec: torch.matmul(power(spec, exponent), fb)


def stft_batch(clips, params: STFTParams, window, device, dest=None) -> list:
    """:func:`._stft.stft_spectrogram` of a batch with ``torch.stft``.

    Each clip is padded as librosa does, the batch is zero-padded to its
    longest clip, and every clip keeps the frames librosa computes for it.
    """
    import torch

    n_fft, hop, margin = params.n_fft, params.hop_length, params.margin
    lengths = [1 + (y.size + 2 * margin - n_fft) // hop for y in clips]
    padded = [np.pad(y, margin, mode=params.pad_mode) if margin else y for y in clips]
    batch = np.zeros((len(clips), max(y.size for y in padded)), np.float32)
    for row, y in zip(batch, padded, strict=True):
        row[: y.size] = y
    spec = torch.stft(
        torch.from_numpy(batch).to(device), n_fft=n_fft, hop_length=hop,
        window=torch.tensor(window).to(device), center=False, return_complex=True,
    )  # fmt: skip
    S = _projector(params, device)(spec.transpose(1, 2)).transpose(1, 2)
    lengths_t = torch.tensor(lengths, device=device)
    return _to_clips(log_stage(S, lengths_t, params.log), lengths, dest)


def log_batch(specs, log: LogParams, device, dest=None) -> list:
    """Log stage of per-clip spectrograms ``(n_bins, n_frames_i)`` in torch.

    The clips are padded into one batch on ``device``; returns one array per
    clip, or fills ``dest`` as :func:`._stft.stft_spectrogram` does.
    """
    import torch

    lengths = [S.shape[1] for S in specs]
    batch = np.zeros((len(specs), specs[0].shape[0], max(lengths)), dtype=np.float32)
    for row, S in zip(batch, specs, strict=True):
        row[:, : S.shape[1]] = S
    S = torch.from_numpy(batch).to(device)
    lengths_t = torch.tensor(lengths, device=device)
    return _to_clips(log_stage(S, lengths_t, log), lengths, dest)
