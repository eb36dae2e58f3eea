"""Clip-level handcrafted features: Tzanetakis & Cook (2002) and an extended set.

Every clip becomes one float64 feature vector. The frame-level analysis is
done in numpy (plus a few :mod:`librosa` functions for the extended set), in
blocks of frames so that memory stays bounded for long tracks, and clips are
processed in parallel with joblib processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._decode import MAX_DURATION
from .._io import AudioSource
from ._base import AudioTransformerMixin
from ._extended import N_MFCC_EXTENDED, extended, extended_names
from ._tzanetakis import tzanetakis, tzanetakis_names

__all__ = ["HandcraftedFeatures"]

_SET_DEFAULTS = {
    "tzanetakis": dict(n_fft=512, hop_length=256, n_mels=40),
    "extended": dict(n_fft=2048, hop_length=512, n_mels=128),
}


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
            out = tzanetakis(y, a)
        else:
            out = extended(y, a)
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
    max_duration : float, default=3600.0
        Most seconds of audio one file may decode to (one hour by default,
        a bound on memory and time); a longer file is an
        :class:`~sklearn_music.AudioInputError` naming it, unless
        ``duration`` reads only a part of it. ``None`` lifts the bound.
        In-memory clips are not bounded.
    n_jobs : int, default=None
        Processes computing clips in parallel (joblib, loky backend); files
        are decoded inside the workers. ``None`` means 1, -1 all cores.
    verbose : int, default=1
        Progress bar over clips: 1 shows it once a transform has run for
        5 s (long inputs only), 2 from the start, 0 never.
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
        max_duration=MAX_DURATION,
        n_jobs=None,
        verbose=1,
        pcm_scale=None,
    ):
        self.feature_set = feature_set
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.texture_window = texture_window
        self.duration = duration
        self.max_duration = max_duration
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.pcm_scale = pcm_scale

    def _analysis(self) -> _Analysis:
        """Resolve defaults and check parameter combinations."""
        defaults = _SET_DEFAULTS[self.feature_set]
        n_fft = defaults["n_fft"] if self.n_fft is None else self.n_fft
        hop = defaults["hop_length"] if self.hop_length is None else self.hop_length
        n_mels = defaults["n_mels"] if self.n_mels is None else self.n_mels
        n_mfcc = N_MFCC_EXTENDED if self.feature_set == "extended" else 6
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
            return extended_names()
        return tzanetakis_names()

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
