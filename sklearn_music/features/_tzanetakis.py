"""The Tzanetakis & Cook (2002) feature set of :class:`HandcraftedFeatures`.

Timbral texture (spectral shape, zero crossings and MFCCs over texture
windows), rhythmic content (a beat histogram of the onset envelope) and pitch
content (a harmonic-summation pitch histogram): 30 features per clip. Frames
and spectra come from the spectral engine (:mod:`._stft`); see the Notes of
:class:`HandcraftedFeatures` for the definitions.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.fft import dct, irfft, next_fast_len, rfft

from ._stft import LogParams, MelParams, log_stage, magnitude_blocks, mel_filterbank
from ._stft import n_frames as count_frames

if TYPE_CHECKING:
    from ._handcrafted import _Analysis

__all__ = [
    "BLOCK",
    "ROLL_PERCENT",
    "mel_basis",
    "tzanetakis",
    "tzanetakis_names",
    "zcr_rms",
]

# Frames analysed at once; bounds the temporary spectrogram memory.
BLOCK = 1024

# Timbral texture (Tzanetakis set).
ROLL_PERCENT = 0.85
_TIMBRE_MFCC = (1, 2, 3, 4, 5)  # DCT coefficients kept; c0 (loudness) excluded
_TIMBRE_FEATURES = (
    "centroid",
    "rolloff",
    "flux",
    "zcr",
    *(f"mfcc_{k:02d}" for k in _TIMBRE_MFCC),
)

# Beat histogram.
_BPM_MIN, _BPM_MAX = 40, 200
_ONSET_SMOOTHING = 0.05  # seconds (Hann) applied to the onset envelope
_BEAT_WINDOW = 6.0  # seconds of onset envelope per autocorrelation
_BEAT_PEAKS = 3  # autocorrelation peaks added to the histogram per window

# Pitch histogram (MIDI notes C2..C7; harmonic summation over 5 partials).
_MIDI_LO, _MIDI_HI = 36, 96
_HARMONIC_OFFSETS = np.array([0, 12, 19, 24, 28])  # round(12 * log2(h)), h = 1..5
_HARMONIC_WEIGHTS = 0.8 ** np.arange(5)
_PITCH_GATE = 0.1  # a candidate's own band must reach 10 % (-20 dB) of the peak
_PITCH_PEAKS = 3  # pitches added to the histogram per frame


def tzanetakis_names() -> list[str]:
    names = []
    for feature in _TIMBRE_FEATURES:
        names += [f"timbre_{feature}_mean", f"timbre_{feature}_var"]
    names.append("timbre_low_energy")
    names += [
        "rhythm_amp_peak1",
        "rhythm_amp_peak2",
        "rhythm_ratio_peak2_peak1",
        "rhythm_bpm_peak1",
        "rhythm_bpm_peak2",
        "rhythm_sum",
        "pitch_folded_amp_peak1",
        "pitch_unfolded_midi_peak1",
        "pitch_folded_class_peak1",
        "pitch_folded_interval_peak1_peak2",
        "pitch_sum",
    ]
    return names


def zcr_rms(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Zero-crossing rate and RMS of raw (unwindowed) frames."""
    signs = np.signbit(raw)
    zcr = np.count_nonzero(signs[:, 1:] != signs[:, :-1], axis=1) / raw.shape[1]
    rms = np.sqrt(np.einsum("ij,ij->i", raw, raw) / raw.shape[1])
    return zcr, rms


def mel_basis(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """librosa's default mel filterbank ``(n_mels, 1 + n_fft // 2)``, float64."""
    bands = MelParams(n_mels=n_mels, fmin=0.0, fmax=sr / 2, htk=False, norm="slaney")
    return mel_filterbank(sr, n_fft, bands, np.float64)


def _safe_divide(a, b):
    """``a / b`` with 0 where ``b`` is 0 (silent frames)."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), b)
    return np.divide(a, b, out=np.zeros(a.shape), where=b > 0)


def _texture_stats(F: np.ndarray, n_window: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean over texture windows of each window's mean and variance.

    ``F`` is ``(n_features, n_frames)``. Texture windows are ``n_window``
    consecutive frames, sliding by one frame (a single window of all frames
    when the clip is shorter).
    """
    n_frames = F.shape[1]
    W = min(n_window, n_frames)
    centre = F.mean(axis=1, keepdims=True)
    Fc = F - centre  # centring keeps the running sums well conditioned
    zeros = np.zeros((F.shape[0], 1))
    c1 = np.concatenate([zeros, np.cumsum(Fc, axis=1)], axis=1)
    c2 = np.concatenate([zeros, np.cumsum(Fc * Fc, axis=1)], axis=1)
    mean = (c1[:, W:] - c1[:, :-W]) / W
    var = np.maximum((c2[:, W:] - c2[:, :-W]) / W - mean * mean, 0.0)
    return mean.mean(axis=1) + centre[:, 0], var.mean(axis=1)


def _low_energy(rms: np.ndarray, n_window: int) -> float:
    """Mean over texture windows of the fraction of frames below the window's
    mean RMS."""
    W = min(n_window, rms.size)
    windows = sliding_window_view(rms, W)
    # the relative margin keeps frames of a steady signal, equal up to
    # rounding, from counting as "below"
    below = windows < (1.0 - 1e-9) * windows.mean(axis=1, keepdims=True)
    return float(below.mean())


# ---------------------------------------------------------------------------
# Tzanetakis & Cook (2002)
# ---------------------------------------------------------------------------


def _timbre_frames(y: np.ndarray, a: _Analysis):
    """Frame-level timbral features, RMS and the mel spectrogram in dB."""
    n_frames = count_frames(y.size, a.n_fft, a.hop_length, center=True)
    freqs = np.fft.rfftfreq(a.n_fft, 1.0 / a.sr)
    basis = mel_basis(a.sr, a.n_fft, a.n_mels)
    feats = np.empty((4, n_frames))  # centroid, rolloff, flux, zcr
    rms = np.empty(n_frames)
    mel = np.empty((n_frames, a.n_mels))
    previous = None
    for start, raw, mag in magnitude_blocks(y, a.n_fft, a.hop_length, block=BLOCK):
        stop = start + len(raw)
        total = mag.sum(axis=1)
        feats[0, start:stop] = _safe_divide(mag @ freqs, total)
        cum = np.cumsum(mag, axis=1)
        feats[1, start:stop] = freqs[np.argmax(cum >= ROLL_PERCENT * cum[:, -1:], 1)]
        unit = _safe_divide(mag, np.linalg.norm(mag, axis=1, keepdims=True))
        if previous is None:
            previous = unit[:1]
        feats[2, start:stop] = np.sum(
            np.diff(np.concatenate([previous, unit]), axis=0) ** 2, axis=1
        )
        previous = unit[-1:]
        feats[3, start:stop], rms[start:stop] = zcr_rms(raw)
        mel[start:stop] = (mag * mag) @ basis.T
    return feats, rms, log_stage(mel, LogParams())


def _beat_features(onset: np.ndarray, fps: float) -> np.ndarray:
    """The six beat-histogram features of an onset-strength envelope."""
    hist = np.zeros(_BPM_MAX - _BPM_MIN + 1)
    lag_lo, lag_hi = 60.0 * fps / _BPM_MAX, 60.0 * fps / _BPM_MIN
    n_lags = int(np.ceil(lag_hi)) + 2
    k = np.arange(max(1, int(np.floor(lag_lo))), n_lags - 1)
    win = max(1, round(_BEAT_WINDOW * fps))
    if onset.size <= win:
        starts = [0]
    else:
        starts = range(0, onset.size - win + 1, max(1, win // 2))
    for start in starts:
        e = onset[start : start + win]
        e = e - e.mean()
        n = next_fast_len(2 * e.size)
        spec = rfft(e, n)
        r = irfft(spec.real**2 + spec.imag**2, n)[:n_lags]
        if r[0] <= 1e-12 * max(1.0, float(np.abs(e).max()) ** 2):
            continue  # flat envelope: no periodicity to measure
        r = np.pad(r / r[0], (0, max(0, n_lags - r.size)))
        left, mid, right = r[k - 1], r[k], r[k + 1]
        is_peak = (mid > left) & (mid >= right) & (mid > 0)
        if not is_peak.any():
            continue
        left, mid, right, lags = left[is_peak], mid[is_peak], right[is_peak], k[is_peak]
        curve = left - 2.0 * mid + right  # <= 0 at a peak
        delta = np.zeros_like(mid)  # parabolic interpolation of the peak
        bent = curve < 0
        delta[bent] = 0.5 * (left - right)[bent] / curve[bent]
        amp = mid - 0.25 * (left - right) * delta
        bpm = 60.0 * fps / (lags + delta)
        keep = (bpm >= _BPM_MIN) & (bpm <= _BPM_MAX)
        amp, bpm = amp[keep], bpm[keep]
        top = np.argsort(-amp, kind="stable")[:_BEAT_PEAKS]
        for a_, b_ in zip(amp[top], bpm[top], strict=True):
            pos = b_ - _BPM_MIN
            lo = min(int(pos), hist.size - 1)
            frac = pos - lo
            hist[lo] += a_ * (1.0 - frac)
            if frac > 0:
                hist[lo + 1] += a_ * frac
    hist /= len(starts)
    total = hist.sum()
    if total <= 0:
        return np.zeros(6)
    h3 = np.convolve(hist, np.ones(3), mode="same")
    padded = np.concatenate([[0.0], h3, [0.0]])
    peaks = np.flatnonzero((h3 > padded[:-2]) & (h3 >= padded[2:]) & (h3 > 0))
    peaks = peaks[np.argsort(-h3[peaks], kind="stable")]

    def bpm_of(i):
        j = np.arange(max(0, i - 1), min(hist.size, i + 2))
        return _BPM_MIN + float(np.sum(j * hist[j]) / np.sum(hist[j]))

    amp1, bpm1 = h3[peaks[0]] / total, bpm_of(peaks[0])
    amp2, bpm2 = 0.0, 0.0
    if peaks.size > 1:
        amp2, bpm2 = h3[peaks[1]] / total, bpm_of(peaks[1])
    return np.array([amp1, amp2, amp2 / amp1, bpm1, bpm2, total])


def _pitch_n_fft(sr: int) -> int:
    """FFT size of the pitch analysis: the power of two >= 0.25 s."""
    return 1 << int(np.ceil(np.log2(max(2.0, 0.25 * sr))))


@lru_cache(maxsize=8)
def _semitone_bands(sr: int, n_fft: int) -> tuple[np.ndarray, int]:
    """``reduceat`` start bins of the semitone bands ``_MIDI_LO .. _MIDI_HI + 28``
    (those below Nyquist) and the bin where the last band ends."""
    top = _MIDI_HI + int(_HARMONIC_OFFSETS[-1])
    midi = np.arange(_MIDI_LO, top + 1)
    df = sr / n_fft
    starts = np.ceil(440.0 * 2 ** ((midi - 69.5) / 12) / df).astype(np.int64)
    stop = min(n_fft // 2 + 1, int(np.ceil(440.0 * 2 ** ((top - 68.5) / 12) / df)))
    starts = starts[starts < stop]
    starts.flags.writeable = False  # cached: shared between calls
    return starts, stop


def _pitch_features(y: np.ndarray, sr: int) -> np.ndarray:
    """The five pitch-histogram features (FA0, UP0, FP0, IPO1, SUM)."""
    n_fft = _pitch_n_fft(sr)
    hop = n_fft // 4
    n_frames = count_frames(y.size, n_fft, hop, center=True)
    starts, stop = _semitone_bands(sr, n_fft)
    n_pitch = _MIDI_HI - _MIDI_LO + 1
    bands = np.zeros((n_frames, n_pitch + int(_HARMONIC_OFFSETS[-1])))
    if starts.size:
        for start, raw, mag in magnitude_blocks(y, n_fft, hop, block=BLOCK):
            block = np.maximum.reduceat(mag[:, :stop], starts, axis=1)
            bands[start : start + len(raw), : starts.size] = block
    fund = bands[:, :n_pitch]
    salience = sum(
        w * bands[:, off : off + n_pitch]
        for w, off in zip(_HARMONIC_WEIGHTS, _HARMONIC_OFFSETS, strict=True)
    )
    padded = np.pad(salience, ((0, 0), (1, 1)), constant_values=-1.0)
    gate = fund >= _PITCH_GATE * bands.max(axis=1, keepdims=True)
    candidate = (salience > padded[:, :-2]) & (salience >= padded[:, 2:])
    candidate &= gate & (fund > 0)
    score = np.where(candidate, salience, -np.inf)
    n_pick = min(_PITCH_PEAKS, n_pitch)
    picks = np.argpartition(-score, n_pick - 1, axis=1)[:, :n_pick]
    rows = np.arange(n_frames)[:, None]
    chosen = np.isfinite(score[rows, picks])
    unfolded = np.bincount(
        picks[chosen], weights=fund[rows, picks][chosen], minlength=n_pitch
    )
    total = fund.sum()
    if total <= 0 or not unfolded.any():
        return np.zeros(5)
    unfolded /= total
    folded = np.bincount((np.arange(n_pitch) + _MIDI_LO) % 12, weights=unfolded)
    order = np.argsort(-folded, kind="stable")
    interval = 0
    if folded[order[1]] > 0:
        interval = (7 * (order[1] - order[0])) % 12  # steps around the circle of fifths
        interval = interval - 12 if interval > 6 else interval
    return np.array(
        [
            folded[order[0]],
            _MIDI_LO + np.argmax(unfolded),
            order[0],
            interval,
            unfolded.sum(),
        ],
        dtype=np.float64,
    )


def tzanetakis(y: np.ndarray, a: _Analysis) -> np.ndarray:
    feats, rms, mel_db = _timbre_frames(y, a)
    mfcc = dct(mel_db, type=2, norm="ortho", axis=1)[:, list(_TIMBRE_MFCC)]
    texture = np.concatenate([feats, mfcc.T])
    n_window = max(1, round(a.texture_window * a.sr / a.hop_length))
    means, variances = _texture_stats(texture, n_window)
    fps = a.sr / a.hop_length
    onset = np.zeros(len(mel_db))
    onset[1:] = np.maximum(np.diff(mel_db, axis=0), 0.0).mean(axis=1)
    # ~50 ms Hann smoothing, so that onsets falling between frames still
    # give one clear autocorrelation peak
    half = round(_ONSET_SMOOTHING * fps / 2)
    taps = np.hanning(2 * half + 3)[1:-1]
    onset = np.convolve(onset, taps / taps.sum())[half : half + onset.size]
    return np.concatenate(
        [
            np.stack([means, variances], axis=1).ravel(),
            [_low_energy(rms, n_window)],
            _beat_features(onset, fps),
            _pitch_features(y, a.sr),
        ]
    )
