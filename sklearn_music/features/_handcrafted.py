"""Clip-level handcrafted features: Tzanetakis & Cook (2002) and an extended set.

Every clip becomes one float64 feature vector. The frame-level analysis is
done in numpy (plus a few :mod:`librosa` functions for the extended set), in
blocks of frames so that memory stays bounded for long tracks, and clips are
processed in parallel with joblib processes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from numbers import Integral, Real

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.fft import dct, irfft, next_fast_len, rfft
from sklearn.utils._param_validation import Interval, StrOptions

from .._io import AudioSource
from ._base import AudioTransformerMixin

__all__ = ["HandcraftedFeatures"]

#: Pitch-class names, index 0 = C.
_PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

_SET_DEFAULTS = {
    "tzanetakis": dict(n_fft=512, hop_length=256, n_mels=40),
    "extended": dict(n_fft=2048, hop_length=512, n_mels=128),
}

# Frames analysed at once; bounds the temporary spectrogram memory.
_BLOCK = 1024

# Timbral texture (Tzanetakis set).
_ROLL_PERCENT = 0.85
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

# Extended set.
_N_MFCC_EXTENDED = 20
_CQT_FMIN = 32.703195662574764  # C1
_CQT_OCTAVES = 7
_TONNETZ = ("fifth_x", "fifth_y", "minor_x", "minor_y", "major_x", "major_y")
_STATS = ("mean", "std", "min", "max", "median", "skew", "kurtosis")


def _tzanetakis_names() -> list[str]:
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


def _extended_rows() -> list[str]:
    """Names of the 74 frame-level features of the extended set, in order."""
    rows = [f"mfcc_{k:02d}" for k in range(_N_MFCC_EXTENDED)]
    for kind in ("stft", "cqt", "cens"):
        rows += [f"chroma_{kind}_{pc}" for pc in _PITCH_CLASSES]
    rows += [f"tonnetz_{name}" for name in _TONNETZ]
    rows += [f"spectral_contrast_{k:02d}" for k in range(7)]
    rows += ["rms", "zcr", "spectral_centroid", "spectral_bandwidth"]
    rows += ["spectral_rolloff"]
    return rows


def _extended_names() -> list[str]:
    return [f"{row}_{stat}" for row in _extended_rows() for stat in _STATS]


@dataclass(frozen=True)
class _Analysis:
    """Resolved analysis settings handed to the workers."""

    feature_set: str
    sr: int
    n_fft: int
    hop_length: int
    n_mels: int
    texture_window: float


# ---------------------------------------------------------------------------
# Frame-level helpers
# ---------------------------------------------------------------------------


def _read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False  # cached arrays are shared between calls
    return a


@lru_cache(maxsize=8)
def _hann(n: int) -> np.ndarray:
    """Periodic Hann window (the STFT window of librosa and torch)."""
    return _read_only(0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n))


@lru_cache(maxsize=8)
def _mel_basis(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    import librosa

    basis = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, dtype=np.float64)
    return _read_only(basis)


def _frames(y: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Centred frames ``(n_frames, n_fft)``, a view of the zero-padded clip.

    The clip is padded with ``n_fft // 2`` zeros on each side (librosa's
    ``center=True`` with zero padding), so frame ``t`` is centred on sample
    ``t * hop`` and any clip of one sample or more gives ``1 + len(y) // hop``
    frames: clips shorter than ``n_fft`` are simply zero-padded.
    """
    pad = n_fft // 2
    return sliding_window_view(np.pad(y, pad), n_fft)[::hop]


def _magnitude_blocks(frames: np.ndarray, n_fft: int):
    """Yield ``(start, raw frames, |rfft(window * frames)|)`` in blocks of frames."""
    window = _hann(n_fft)
    for start in range(0, len(frames), _BLOCK):
        raw = frames[start : start + _BLOCK]
        yield start, raw, np.abs(rfft(raw * window, axis=1))


def _zcr_rms(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Zero-crossing rate and RMS of raw (unwindowed) frames."""
    signs = np.signbit(raw)
    zcr = np.count_nonzero(signs[:, 1:] != signs[:, :-1], axis=1) / raw.shape[1]
    rms = np.sqrt(np.einsum("ij,ij->i", raw, raw) / raw.shape[1])
    return zcr, rms


def _power_to_db(S: np.ndarray, top_db: float = 80.0) -> np.ndarray:
    """``librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=80)`` for one clip."""
    S_db = 10.0 * np.log10(np.maximum(S, 1e-10))
    return np.maximum(S_db, S_db.max() - top_db)


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


def _summarise(F: np.ndarray) -> np.ndarray:
    """Seven statistics of each row of ``F`` over frames, row-major.

    Skewness and excess kurtosis are the biased moment ratios (as
    :func:`scipy.stats.skew` and :func:`scipy.stats.kurtosis`); rows without
    variation, where they are undefined, get 0.
    """
    mean = F.mean(axis=1)
    c = F - mean[:, None]
    m2 = np.mean(c * c, axis=1)
    m3 = np.mean(c**3, axis=1)
    m4 = np.mean(c**4, axis=1)
    scale = np.abs(F).max(axis=1)
    varies = m2 > (1e-12 * scale) ** 2
    m2_safe = np.where(varies, m2, 1.0)
    skew = np.where(varies, m3 / m2_safe**1.5, 0.0)
    kurt = np.where(varies, m4 / m2_safe**2 - 3.0, 0.0)
    stats = [mean, np.sqrt(m2), F.min(axis=1), F.max(axis=1), np.median(F, axis=1)]
    return np.stack([*stats, skew, kurt], axis=1).ravel()


# ---------------------------------------------------------------------------
# Tzanetakis & Cook (2002)
# ---------------------------------------------------------------------------


def _timbre_frames(y: np.ndarray, a: _Analysis):
    """Frame-level timbral features, RMS and the mel spectrogram in dB."""
    frames = _frames(y, a.n_fft, a.hop_length)
    n_frames = len(frames)
    freqs = np.fft.rfftfreq(a.n_fft, 1.0 / a.sr)
    basis = _mel_basis(a.sr, a.n_fft, a.n_mels)
    feats = np.empty((4, n_frames))  # centroid, rolloff, flux, zcr
    rms = np.empty(n_frames)
    mel = np.empty((n_frames, a.n_mels))
    previous = None
    for start, raw, mag in _magnitude_blocks(frames, a.n_fft):
        stop = start + len(raw)
        total = mag.sum(axis=1)
        feats[0, start:stop] = _safe_divide(mag @ freqs, total)
        cum = np.cumsum(mag, axis=1)
        feats[1, start:stop] = freqs[np.argmax(cum >= _ROLL_PERCENT * cum[:, -1:], 1)]
        unit = _safe_divide(mag, np.linalg.norm(mag, axis=1, keepdims=True))
        if previous is None:
            previous = unit[:1]
        feats[2, start:stop] = np.sum(
            np.diff(np.concatenate([previous, unit]), axis=0) ** 2, axis=1
        )
        previous = unit[-1:]
        feats[3, start:stop], rms[start:stop] = _zcr_rms(raw)
        mel[start:stop] = (mag * mag) @ basis.T
    return feats, rms, _power_to_db(mel)


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
    return _read_only(starts[starts < stop]), stop


def _pitch_features(y: np.ndarray, sr: int) -> np.ndarray:
    """The five pitch-histogram features (FA0, UP0, FP0, IPO1, SUM)."""
    n_fft = _pitch_n_fft(sr)
    frames = _frames(y, n_fft, n_fft // 4)
    starts, stop = _semitone_bands(sr, n_fft)
    n_pitch = _MIDI_HI - _MIDI_LO + 1
    bands = np.zeros((len(frames), n_pitch + int(_HARMONIC_OFFSETS[-1])))
    if starts.size:
        for start, raw, mag in _magnitude_blocks(frames, n_fft):
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
    rows = np.arange(len(frames))[:, None]
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


def _tzanetakis(y: np.ndarray, a: _Analysis) -> np.ndarray:
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


# ---------------------------------------------------------------------------
# Extended set
# ---------------------------------------------------------------------------


def _estimate_tuning(S: np.ndarray, sr: int, n_fft: int) -> float:
    import librosa

    with warnings.catch_warnings():
        # a clip without clear partials has no pitches to estimate tuning
        # from; librosa then warns and returns 0.0 (A440), which we keep
        warnings.filterwarnings("ignore", message=".*empty frequency set")
        return float(librosa.estimate_tuning(S=S, sr=sr, n_fft=n_fft))


def _cqt_min_samples(sr: int) -> int:
    """Samples the CQT needs for its longest (C1) filter, with margin."""
    q = 1.0 / (2 ** (1 / 12) - 1)
    return 2 * int(np.ceil(q * sr / _CQT_FMIN))


def _extended(y: np.ndarray, a: _Analysis) -> np.ndarray:
    import librosa

    sr, n_fft, hop = a.sr, a.n_fft, a.hop_length
    frames = _frames(y, n_fft, hop)
    basis = _mel_basis(sr, n_fft, a.n_mels)
    blocks: dict[str, list[np.ndarray]] = {
        name: [] for name in ("mel", "chroma_stft", "contrast", "rms", "zcr",
                              "centroid", "bandwidth", "rolloff")
    }  # fmt: skip
    tuning = None
    for _, raw, mag in _magnitude_blocks(frames, n_fft):
        S = mag.T
        if tuning is None:  # from the first block (up to ~24 s at the defaults)
            tuning = _estimate_tuning(S, sr, n_fft)
        power = S * S
        spec = dict(S=S, sr=sr, n_fft=n_fft)
        centroid = librosa.feature.spectral_centroid(**spec)
        zcr, rms = _zcr_rms(raw)
        blocks["mel"].append(basis @ power)
        blocks["chroma_stft"].append(
            librosa.feature.chroma_stft(S=power, sr=sr, n_fft=n_fft, tuning=tuning)
        )
        blocks["contrast"].append(librosa.feature.spectral_contrast(**spec))
        blocks["rms"].append(rms[None])
        blocks["zcr"].append(zcr[None])
        blocks["centroid"].append(centroid)
        blocks["bandwidth"].append(
            librosa.feature.spectral_bandwidth(**spec, centroid=centroid)
        )
        blocks["rolloff"].append(
            librosa.feature.spectral_rolloff(**spec, roll_percent=_ROLL_PERCENT)
        )
    f = {name: np.concatenate(parts, axis=1) for name, parts in blocks.items()}
    mfcc = dct(_power_to_db(f["mel"]), type=2, norm="ortho", axis=0)
    # zero-pad short clips so that even the C1 filter fits, then keep the
    # frames of the clip itself
    y_cqt = np.pad(y, (0, max(0, _cqt_min_samples(sr) - y.size)))
    C = librosa.cqt(
        y_cqt, sr=sr, hop_length=hop, fmin=_CQT_FMIN, n_bins=12 * _CQT_OCTAVES,
        bins_per_octave=12, tuning=tuning,
    )  # fmt: skip
    C = np.abs(C)[:, : len(frames)]
    chroma_kw = dict(C=C, sr=sr, bins_per_octave=12, n_octaves=_CQT_OCTAVES)
    cens = librosa.feature.chroma_cens(**chroma_kw)
    rows = np.concatenate(
        [
            mfcc[:_N_MFCC_EXTENDED],
            f["chroma_stft"],
            librosa.feature.chroma_cqt(**chroma_kw),
            cens,
            librosa.feature.tonnetz(chroma=cens),
            f["contrast"],
            f["rms"],
            f["zcr"],
            f["centroid"],
            f["bandwidth"],
            f["rolloff"],
        ]
    ).astype(np.float64, copy=False)
    return _summarise(rows)


# ---------------------------------------------------------------------------
# Worker and transformer
# ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _threadpools():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _clip_features(source: AudioSource, crop, a: _Analysis) -> np.ndarray:
    """Decode (for paths), validate, crop and describe the one item of ``source``."""
    y = crop(source[0]).astype(np.float64)
    # the matrices are small: several BLAS threads per clip only contend with
    # each other and with the other workers (2x slower on 2 cores)
    with _threadpools().limit(limits=1, user_api="blas"):
        if a.feature_set == "tzanetakis":
            out = _tzanetakis(y, a)
        else:
            out = _extended(y, a)
    if not np.all(np.isfinite(out)):  # pragma: no cover - a bug if it happens
        raise RuntimeError(
            f"Non-finite features for {source.describe(0)}; please report this."
        )
    return out


class HandcraftedFeatures(AudioTransformerMixin):
    """Clip-level handcrafted features: Tzanetakis & Cook (2002) or an extended set.

    Each clip becomes one float64 feature vector. ``feature_set="tzanetakis"``
    gives the 30-dimensional *timbral texture + rhythmic content + pitch
    content* vector of Tzanetakis & Cook (2002) [1]_, the classic genre
    baseline; ``feature_set="extended"`` gives 518 features (74 frame-level
    features x 7 statistics), the layout of the FMA dataset's
    ``features.csv`` [2]_. Column names are given by
    :meth:`get_feature_names_out`; see Notes for the exact definitions.

    Parameters
    ----------
    feature_set : {"tzanetakis", "extended"}, default="tzanetakis"
        Which feature vector to compute.
    sr : int, default=22050
        Sampling rate in Hz of array input; files are resampled to it. The
        extended set needs ``sr > 12800`` (its spectral-contrast bands reach
        6400 Hz).
    n_fft : int, default=None
        Analysis frame (FFT) size in samples. ``None``: 512 for "tzanetakis"
        (23 ms at 22050 Hz, as in the paper), 2048 for "extended".
    hop_length : int, default=None
        Samples between frames. ``None``: 256 for "tzanetakis", 512 for
        "extended".
    n_mels : int, default=None
        Mel bands from which the MFCCs (and the onset envelope) are computed.
        ``None``: 40 for "tzanetakis", 128 for "extended". Must be at least 6
        ("tzanetakis") or 20 ("extended").
    texture_window : float, default=1.0
        Length in seconds of the texture windows over which the timbral
        means and variances are taken ("tzanetakis" only).
    duration : float, default=None
        Use only the first ``duration`` seconds of each clip; files are only
        read that far. ``None`` uses whole clips.
    n_jobs : int, default=None
        Processes computing clips in parallel (joblib, loky backend); files
        are decoded inside the workers. ``None`` means 1, -1 all cores.
    verbose : int, default=0
        Show a progress bar over clips when > 0.
    pcm_scale : "dtype" or float, default=None
        How integer sample arrays are converted: "dtype" divides by the full
        scale of the integer type (32768 for int16), a number divides by it.
        ``None`` rejects integer input, since its scale is ambiguous.

    Attributes
    ----------
    n_features_in_ : int
        Clip length in samples of ``X`` in :meth:`fit` when it is a 2-D array;
        informational only, since clips of any length are accepted.

    See Also
    --------
    MelSpectrogram : Log-mel spectrograms for the neural estimators.
    CQTSpectrogram : Constant-Q spectrograms.

    Notes
    -----
    The transformer is stateless: ``fit`` only validates, ``transform`` works
    unfitted, and a clip's features never depend on the other clips. Row
    ``i`` of the output belongs to item ``i`` of ``X``. Every feature is
    finite for every valid clip, down to a single sample. Clips are computed
    one per process with a single BLAS thread each; use ``n_jobs`` for
    parallelism.

    **Framing.** Frame ``t`` is the ``n_fft`` samples centred on sample ``t *
    hop_length``; the clip is zero-padded by ``n_fft // 2`` on both sides
    (librosa's ``center=True`` with zero padding), so a clip shorter than
    ``n_fft`` is zero-padded to it and gives ``1 + len(y) // hop_length``
    frames. Spectra are ``|rfft|`` of the Hann-windowed frame; zero-crossing
    rate and RMS use the raw frame. Statistics of silent frames that are
    undefined (the centroid of an all-zero spectrum) are 0.

    **Tzanetakis set (30 features).** *Timbral texture (19).* Per frame:
    spectral centroid (Hz, magnitude-weighted mean frequency); rolloff (Hz,
    the lowest bin frequency below which 85 % of the magnitude lies); flux
    (squared Euclidean distance between the L2-normalised magnitude spectra
    of successive frames; 0 for the first frame); zero-crossing rate
    (fraction of adjacent sample pairs with a sign change); MFCC 1 to 5 (DCT-II,
    orthonormal, of the mel power spectrogram in dB as ``librosa.power_to_db``
    with ``top_db=80``; coefficient 0, which only follows loudness, is left
    out as in the paper). Texture windows of ``texture_window`` seconds slide
    by one frame (one window of all frames for shorter clips); for each
    feature ``timbre_<f>_mean`` is the mean over windows of the window mean
    and ``timbre_<f>_var`` the mean over windows of the window variance.
    ``timbre_low_energy`` is the mean over texture windows of the fraction of
    frames whose RMS is below the window's mean RMS. Tzanetakis & Cook used
    non-overlapping 23 ms frames; the default 50 % overlap estimates the same
    statistics from twice as many frames and gives a finer onset envelope.

    *Rhythmic content (6).* The onset envelope is the mean over mel bands of
    the positive dB increase from the previous frame (spectral flux, as
    ``librosa.onset.onset_strength``; Tzanetakis used a wavelet envelope),
    smoothed with a Hann window of about 50 ms (5 frames at the defaults). It
    is cut into windows of 6 s with 3 s hop (one window for shorter clips);
    in each, the autocorrelation of the mean-removed envelope is normalised
    by its value at lag 0, and its three highest local maxima between 40 and
    200 BPM (parabolically interpolated) add their amplitudes to a beat
    histogram with 1-BPM bins, split linearly between the two nearest bins.
    The histogram is averaged over windows. A peak is a local maximum of the
    histogram summed over 3 adjacent bins; its amplitude is that sum and its
    period the amplitude-weighted mean BPM of the 3 bins. Features:
    ``rhythm_amp_peak1`` and ``rhythm_amp_peak2`` (A0, A1: amplitudes of the
    highest and second-highest peak divided by the histogram sum),
    ``rhythm_ratio_peak2_peak1`` (RA = A1 / A0), ``rhythm_bpm_peak1`` and
    ``rhythm_bpm_peak2`` (P1, P2 in BPM), ``rhythm_sum`` (SUM: the histogram
    sum, a measure of beat strength, between 0 and 3). Missing peaks give 0.

    *Pitch content (5).* Multipitch estimate by harmonic summation: a
    Hann-windowed STFT whose size is the smallest power of two of at least
    0.25 s (8192 samples at 22050 Hz), with a hop of a quarter of it, is
    reduced to one value per semitone: the maximum magnitude within +-50
    cents of each MIDI note. A note's salience is the sum of the values at
    its first 5 harmonics weighted by ``0.8 ** (h - 1)``. In each frame the
    (up to) 3 most salient notes among MIDI 36-96 (C2-C7) that are local
    maxima of salience and whose own band reaches 10 % (-20 dB) of the
    frame's strongest band add their own band's magnitude to the unfolded
    histogram (one bin per MIDI note); it is then divided by the
    total magnitude of all C2-C7 bands in all frames. The folded histogram
    sums the unfolded one over octaves (12 pitch classes). Features:
    ``pitch_folded_amp_peak1`` (FA0: amplitude of the highest folded bin),
    ``pitch_unfolded_midi_peak1`` (UP0: MIDI note of the highest unfolded
    bin, 69 = A4), ``pitch_folded_class_peak1`` (FP0: pitch class of the
    highest folded bin, 0 = C ... 9 = A ... 11 = B),
    ``pitch_folded_interval_peak1_peak2`` (IPO1: interval from the highest to
    the second-highest folded bin in steps around the circle of fifths,
    between -5 and 6, so +1 is a fifth up and -1 a fourth up, as in the
    paper's circle-of-fifths folding), ``pitch_sum`` (SUM: histogram sum, the
    share of the pitched magnitude explained by the detected notes, between
    0 and 1). Without a detected pitch all five are 0.

    **Extended set (518 features).** 74 frame-level features, each summarised
    over frames by mean, std, min, max, median, skew and (excess) kurtosis
    (named ``<feature>_<stat>``; skew and kurtosis are 0 for a constant
    feature): ``mfcc_00`` to ``mfcc_19`` (20 MFCCs from ``n_mels`` mel bands,
    as above), ``chroma_stft_<pc>`` (12, :func:`librosa.feature.chroma_stft`),
    ``chroma_cqt_<pc>`` and ``chroma_cens_<pc>`` (12 each, from a 7-octave
    CQT from C1, 12 bins per octave), ``tonnetz_*`` (6, from the CENS
    chroma), ``spectral_contrast_00`` to ``_06`` (7, six octave bands from
    200 Hz and the rest), ``rms``, ``zcr``, ``spectral_centroid``,
    ``spectral_bandwidth`` and ``spectral_rolloff`` (85 %). Tuning is
    estimated once per clip (:func:`librosa.estimate_tuning` on its first
    1024 frames; 0, i.e. A440, when nothing is pitched) and shared by the
    STFT chroma and the CQT. Clips shorter than twice the longest CQT filter
    (about 1 s at 22050 Hz) are zero-padded for the CQT, whose frames are then
    cut to the clip's own. This follows the ``features.py`` of the FMA dataset
    (Defferrard et al., 2017), with the current librosa definitions.
    :func:`librosa.cqt` rebuilds its filters for every clip (about 50 ms);
    setting the ``LIBROSA_CACHE_DIR`` environment variable turns on librosa's
    opt-in disk cache, which removes that cost for all clips but the first.

    References
    ----------
    .. [1] G. Tzanetakis and P. Cook, "Musical genre classification of audio
       signals," IEEE Transactions on Speech and Audio Processing, vol. 10,
       no. 5, pp. 293-302, 2002.
    .. [2] M. Defferrard, K. Benzi, P. Vandergheynst and X. Bresson, "FMA: A
       dataset for music analysis," in Proc. ISMIR, 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.features import HandcraftedFeatures
    >>> t = np.arange(22050) / 22050
    >>> X = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 1000 * t)])
    >>> hf = HandcraftedFeatures()
    >>> F = hf.fit_transform(X)
    >>> F.shape
    (2, 30)
    >>> names = list(hf.get_feature_names_out())
    >>> int(F[0, names.index("pitch_unfolded_midi_peak1")])  # A4
    69
    >>> HandcraftedFeatures(feature_set="extended").get_feature_names_out().shape
    (518,)
    """

    _parameter_constraints: dict = {
        "feature_set": [StrOptions(set(_SET_DEFAULTS))],
        "sr": [Interval(Integral, 1, None, closed="left")],
        "n_fft": [Interval(Integral, 2, None, closed="left"), None],
        "hop_length": [Interval(Integral, 1, None, closed="left"), None],
        "n_mels": [Interval(Integral, 1, None, closed="left"), None],
        "texture_window": [Interval(Real, 0, None, closed="neither")],
        **AudioTransformerMixin._shared_constraints,
    }

    def __init__(
        self,
        *,
        feature_set="tzanetakis",
        sr=22050,
        n_fft=None,
        hop_length=None,
        n_mels=None,
        texture_window=1.0,
        duration=None,
        n_jobs=None,
        verbose=0,
        pcm_scale=None,
    ):
        self.feature_set = feature_set
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.texture_window = texture_window
        self.duration = duration
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.pcm_scale = pcm_scale

    def _analysis(self) -> _Analysis:
        """Resolve defaults and check parameter combinations."""
        defaults = _SET_DEFAULTS[self.feature_set]
        n_fft = defaults["n_fft"] if self.n_fft is None else self.n_fft
        hop = defaults["hop_length"] if self.hop_length is None else self.hop_length
        n_mels = defaults["n_mels"] if self.n_mels is None else self.n_mels
        n_mfcc = _N_MFCC_EXTENDED if self.feature_set == "extended" else 6
        if n_mels < n_mfcc:
            raise ValueError(
                f"n_mels={n_mels} is too small: feature_set={self.feature_set!r} "
                f"takes {n_mfcc} MFCCs, which needs n_mels >= {n_mfcc}."
            )
        if self.feature_set == "extended" and self.sr <= 12800:
            raise ValueError(
                f"feature_set='extended' needs sr > 12800 Hz (its spectral "
                f"contrast bands reach 6400 Hz); got sr={self.sr}. Resample the "
                "audio or use feature_set='tzanetakis'."
            )
        return _Analysis(
            feature_set=self.feature_set,
            sr=int(self.sr),
            n_fft=int(n_fft),
            hop_length=int(hop),
            n_mels=int(n_mels),
            texture_window=float(self.texture_window),
        )

    def transform(self, X):
        """Compute the feature vector of every clip.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_samples), list of arrays, or list of paths
            Audio clips at ``sr`` or audio files (see :ref:`input_formats`).

        Returns
        -------
        F : ndarray of shape (n_clips, n_features), dtype float64
            Features; row ``i`` belongs to item ``i`` of ``X``. ``n_features``
            is 30 for "tzanetakis" and 518 for "extended"; columns are named
            by :meth:`get_feature_names_out`.
        """
        from joblib import Parallel, delayed

        self._validate_params()
        analysis = self._analysis()
        source = self._audio_source(X, reset=False)
        n_clips = len(source)
        out = np.empty((n_clips, len(self._names())), dtype=np.float64)
        rows = Parallel(n_jobs=self.n_jobs, return_as="generator")(
            delayed(_clip_features)(source.subset([i]), self._crop, analysis)
            for i in range(n_clips)
        )
        with self._progress(n_clips) as bar:
            for i, row in enumerate(rows):
                out[i] = row
                bar.update(1)
        return out

    def _names(self) -> list[str]:
        if self.feature_set == "extended":
            return _extended_names()
        return _tzanetakis_names()

    def get_feature_names_out(self, input_features=None):
        """Get the names of the output columns.

        Available before fitting: the names depend only on ``feature_set``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored; the output does not depend on input column names.

        Returns
        -------
        feature_names_out : ndarray of str objects
            E.g. ``"timbre_centroid_mean"``, ``"rhythm_bpm_peak1"`` or
            ``"mfcc_03_std"``.
        """
        self._validate_params()
        return np.asarray(self._names(), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
