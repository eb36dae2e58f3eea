"""The extended feature set of :class:`HandcraftedFeatures` (518 features).

74 frame-level features (MFCCs, three chromas, tonnetz, spectral contrast,
RMS, zero-crossing rate and spectral shape) summarised by seven statistics
each, after the ``features.py`` of the FMA dataset. The STFT and the mel
spectrogram come from the spectral engine (:mod:`._stft`); chroma, contrast,
tonnetz and the CQT from :mod:`librosa`.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
from scipy.fft import dct

from ._stft import LogParams, log_stage, magnitude_blocks
from ._stft import n_frames as count_frames
from ._tzanetakis import BLOCK, ROLL_PERCENT, mel_basis, zcr_rms

if TYPE_CHECKING:
    from ._handcrafted import _Analysis

__all__ = ["N_MFCC_EXTENDED", "extended", "extended_names"]

#: Pitch-class names, index 0 = C.
_PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

N_MFCC_EXTENDED = 20
_CQT_FMIN = 32.703195662574764  # C1
_CQT_OCTAVES = 7
_TONNETZ = ("fifth_x", "fifth_y", "minor_x", "minor_y", "major_x", "major_y")
_STATS = ("mean", "std", "min", "max", "median", "skew", "kurtosis")


def _extended_rows() -> list[str]:
    """Names of the 74 frame-level features of the extended set, in order."""
    rows = [f"mfcc_{k:02d}" for k in range(N_MFCC_EXTENDED)]
    for kind in ("stft", "cqt", "cens"):
        rows += [f"chroma_{kind}_{pc}" for pc in _PITCH_CLASSES]
    rows += [f"tonnetz_{name}" for name in _TONNETZ]
    rows += [f"spectral_contrast_{k:02d}" for k in range(7)]
    rows += ["rms", "zcr", "spectral_centroid", "spectral_bandwidth"]
    rows += ["spectral_rolloff"]
    return rows


def extended_names() -> list[str]:
    return [f"{row}_{stat}" for row in _extended_rows() for stat in _STATS]


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


def extended(y: np.ndarray, a: _Analysis) -> np.ndarray:
    import librosa

    sr, n_fft, hop = a.sr, a.n_fft, a.hop_length
    n_frames = count_frames(y.size, n_fft, hop, center=True)
    basis = mel_basis(sr, n_fft, a.n_mels)
    blocks: dict[str, list[np.ndarray]] = {
        name: [] for name in ("mel", "chroma_stft", "contrast", "rms", "zcr",
                              "centroid", "bandwidth", "rolloff")
    }  # fmt: skip
    tuning = None
    for _, raw, mag in magnitude_blocks(y, n_fft, hop, block=BLOCK):
        S = mag.T
        if tuning is None:  # from the first block (up to ~24 s at the defaults)
            tuning = _estimate_tuning(S, sr, n_fft)
        power = S * S
        spec = dict(S=S, sr=sr, n_fft=n_fft)
        centroid = librosa.feature.spectral_centroid(**spec)
        zcr, rms = zcr_rms(raw)
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
            librosa.feature.spectral_rolloff(**spec, roll_percent=ROLL_PERCENT)
        )
    f = {name: np.concatenate(parts, axis=1) for name, parts in blocks.items()}
    mfcc = dct(log_stage(f["mel"], LogParams()), type=2, norm="ortho", axis=0)
    # zero-pad short clips so that even the C1 filter fits, then keep the
    # frames of the clip itself
    y_cqt = np.pad(y, (0, max(0, _cqt_min_samples(sr) - y.size)))
    C = librosa.cqt(
        y_cqt, sr=sr, hop_length=hop, fmin=_CQT_FMIN, n_bins=12 * _CQT_OCTAVES,
        bins_per_octave=12, tuning=tuning,
    )  # fmt: skip
    C = np.abs(C)[:, :n_frames]
    chroma_kw = dict(C=C, sr=sr, bins_per_octave=12, n_octaves=_CQT_OCTAVES)
    cens = librosa.feature.chroma_cens(**chroma_kw)
    rows = np.concatenate(
        [
            mfcc[:N_MFCC_EXTENDED],
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
