"""Constant-Q spectrogram: librosa's multirate CQT with the engine's log stage."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from .._decode import MAX_DURATION
from ._base import _SpectrogramTransformer
from ._stft import LogParams, log_stage

__all__ = ["CQTSpectrogram"]


@dataclass(frozen=True)
class _CQTParams:
    """Resolved parameters of :class:`CQTSpectrogram`."""

    sr: int
    hop_length: int
    fmin: float
    n_bins: int
    bins_per_octave: int
    filter_scale: float
    cqt_norm: float
    sparsity: float
    window: object
    pad_mode: str
    res_type: str
    power: float
    log: LogParams

    #: clips shorter than 2 samples are refused by ``_compute`` itself
    min_samples = 0

    def n_frames(self, n_samples: int) -> int:
        """Frames of a clip of ``n_samples`` samples."""
        return 1 + n_samples // self.hop_length


def _cqt_one(y, p: _CQTParams):
    """Power CQT of one clip: float32, or float64 for a loud clip (scaled by a
    power of two for the transform and scaled back in float64, so that the
    power of any finite clip stays finite; see ``_stft.loud_exponent``)."""
    import librosa

    from ._stft import loud_exponent

    shift = loud_exponent(y)
    if shift:
        y = np.ldexp(y, -shift).astype(np.float32)
    C = librosa.cqt(
        y=y, sr=p.sr, hop_length=p.hop_length, fmin=p.fmin, n_bins=p.n_bins,
        bins_per_octave=p.bins_per_octave, filter_scale=p.filter_scale,
        norm=p.cqt_norm, sparsity=p.sparsity, window=p.window,
        pad_mode=p.pad_mode, res_type=p.res_type,
    )  # fmt: skip
    S = (np.abs(C) ** p.power).astype(np.float32, copy=False)
    return S if not shift else S.astype(np.float64) * 2.0 ** (shift * p.power)


class CQTSpectrogram(_SpectrogramTransformer):
    """Constant-Q spectrogram (librosa's multirate CQT) with a log stage.

    Each clip's output equals ``power_to_db(np.abs(librosa.cqt(y, ...)) **
    power)`` with ``top_db`` per clip; with the defaults (power 2, "db") this
    is ``librosa.amplitude_to_db(np.abs(librosa.cqt(y)), ref=1.0, amin=1e-5,
    top_db=80)``. The transform runs on the CPU, parallel over clips with
    ``n_jobs`` processes; the log stage runs per clip (in torch on CUDA).

    Parameters
    ----------
    sr : int, default=None
        Sampling rate of array input; files are resampled to it. ``None``: 22050.
    hop_length : int, default=None
        Samples between frames; must be divisible by ``2 ** (n_octaves - 1)``
        for the multirate algorithm. ``None``: 512.
    fmin : float, default=None
        Centre frequency of the lowest bin in Hz. ``None``: C1 (32.70 Hz).
    n_bins : int, default=84
        Number of frequency bins (7 octaves at 12 bins per octave).
    bins_per_octave : int, default=12
        Bins per octave.
    filter_scale : float, default=1.0
        Filter length scale (``< 1`` gives shorter windows).
    cqt_norm : float, default=1.0
        Basis normalisation (``norm`` of :func:`librosa.cqt`).
    sparsity : float, default=0.01
        Fraction of each basis' energy dropped for speed.
    window : str, default=None
        Basis window. ``None``: "hann".
    pad_mode : str, default=None
        Padding of the signal. ``None``: "constant".
    res_type : str, default="soxr_hq"
        Resampler used between octaves.
    power : float, default=None
        Magnitude exponent. ``None``: 2.0.
    log : {"db", "db20", "log1p", "none"}, default=None
        Log stage, as in :class:`MelSpectrogram`. ``None``: "db".
    ref : float or "max", default=None
        Reference for "db". ``None``: 1.0.
    amin : float, default=None
        Floor before the logarithm. ``None``: 1e-10.
    top_db : float, default=None
        Dynamic range below each clip's peak. ``None``: 80.
    log_gain : float, default=None
        Gain inside "log1p". ``None``: 1.
    duration : float, default=None
        Crop or pad every clip to this many seconds.
    max_duration : float, default=3600.0
        Most seconds of audio one file may decode to (one hour by default,
        a bound on memory and time); a longer file is an
        :class:`~sklearn_music.AudioInputError` naming it, unless
        ``duration`` reads only a part of it. ``None`` lifts the bound.
        In-memory clips are not bounded.
    fill_value : float, default=None
        Value of padding frames; ``None`` means NaN.
    device : str, default="cpu"
        Device of the log stage.
    batch_size : int, default=16
        Clips handed to the workers at once.
    n_jobs : int, default=None
        Processes computing clips (and decoding files) in parallel.
    verbose : int, default=1
        Progress bar over clips: 1 shows it once a transform has run for
        5 s (long inputs only), 2 from the start, 0 never.
    pcm_scale : "dtype" or float, default=None
        Scale for integer sample arrays; ``None`` rejects them.
    cache_dir : str or path-like, default=None
        Directory of the on-disk spectrogram cache; ``transform`` then returns
        a read-only :class:`numpy.memmap` (see :class:`MelSpectrogram` and
        :ref:`streaming`).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.features import CQTSpectrogram
    >>> X = np.random.default_rng(0).standard_normal((2, 22050)).astype("float32")
    >>> CQTSpectrogram().fit_transform(X).shape
    (2, 84, 44)
    """

    _defaults: dict = dict(
        sr=22050, hop_length=512, fmin=None, window="hann", pad_mode="constant",
        power=2.0, log="db", ref=1.0, amin=1e-10, top_db=80.0, log_gain=1.0,
    )  # fmt: skip

    _parameter_constraints: dict = {
        **_SpectrogramTransformer._spectrogram_constraints,
        "fmin": [Interval(Real, 0, None, closed="neither"), None],
        "n_bins": [Interval(Integral, 1, None, closed="left")],
        "bins_per_octave": [Interval(Integral, 1, None, closed="left")],
        "filter_scale": [Interval(Real, 0, None, closed="neither")],
        "cqt_norm": [Interval(Real, 0, None, closed="neither"), None],
        "sparsity": [Interval(Real, 0, 1, closed="left")],
        "res_type": [str],
    }

    def __init__(
        self,
        *,
        sr=None,
        hop_length=None,
        fmin=None,
        n_bins=84,
        bins_per_octave=12,
        filter_scale=1.0,
        cqt_norm=1.0,
        sparsity=0.01,
        window=None,
        pad_mode=None,
        res_type="soxr_hq",
        power=None,
        log=None,
        ref=None,
        amin=None,
        top_db=None,
        log_gain=None,
        duration=None,
        max_duration=MAX_DURATION,
        fill_value=None,
        device="cpu",
        batch_size=16,
        n_jobs=None,
        verbose=1,
        pcm_scale=None,
        cache_dir=None,
    ):
        self.sr = sr
        self.hop_length = hop_length
        self.fmin = fmin
        self.n_bins = n_bins
        self.bins_per_octave = bins_per_octave
        self.filter_scale = filter_scale
        self.cqt_norm = cqt_norm
        self.sparsity = sparsity
        self.window = window
        self.pad_mode = pad_mode
        self.res_type = res_type
        self.power = power
        self.log = log
        self.ref = ref
        self.amin = amin
        self.top_db = top_db
        self.log_gain = log_gain
        self.duration = duration
        self.max_duration = max_duration
        self.fill_value = fill_value
        self.device = device
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.pcm_scale = pcm_scale
        self.cache_dir = cache_dir

    def resolved_params(self) -> dict:
        """CQT parameters after applying the defaults.

        ``fmin`` left at ``None`` becomes C1 (32.70 Hz), ``hop_length`` 512,
        and the log-stage parameters take the same defaults as
        :class:`MelSpectrogram`.

        Returns
        -------
        params : dict
            Concrete values, including the CQT-specific ``bins_per_octave``,
            ``filter_scale``, ``cqt_norm``, ``sparsity`` and ``res_type``.
        """
        import librosa

        p = super().resolved_params()
        if p["fmin"] is None:
            p["fmin"] = float(librosa.note_to_hz("C1"))
        p.update(
            bins_per_octave=self.bins_per_octave, filter_scale=self.filter_scale,
            cqt_norm=self.cqt_norm, sparsity=self.sparsity, res_type=self.res_type,
        )  # fmt: skip
        return p

    def _resolve(self) -> _CQTParams:
        p = self.resolved_params()
        return _CQTParams(
            sr=p["sr"], hop_length=p["hop_length"], fmin=p["fmin"],
            n_bins=self.n_bins, bins_per_octave=p["bins_per_octave"],
            filter_scale=p["filter_scale"], cqt_norm=p["cqt_norm"],
            sparsity=p["sparsity"], window=p["window"], pad_mode=p["pad_mode"],
            res_type=p["res_type"], power=p["power"], log=LogParams.from_params(p),
        )  # fmt: skip

    def _compute(self, clips, params: _CQTParams, names, dest=None):
        import librosa
        from joblib import Parallel, delayed

        for y, name in zip(clips, names, strict=True):
            if y.size < 2:
                raise ValueError(f"{name} has {y.size} sample; the CQT needs >= 2.")
        try:
            specs = Parallel(n_jobs=self.n_jobs)(
                delayed(_cqt_one)(y, params) for y in clips
            )
        except librosa.util.exceptions.ParameterError as exc:
            raise ValueError(
                f"Invalid CQT parameters for sr={params.sr}: {exc} (lower n_bins "
                "or fmin, or raise sr)."
            ) from exc
        backend, device = self._device_backend()
        if backend == "torch":
            from ._stft_torch import log_batch

            return log_batch(specs, params.log, device, dest)
        specs = [log_stage(S, params.log) for S in specs]
        if dest is None:
            return specs
        for row, S in zip(dest, specs, strict=True):
            row[:, : S.shape[1]] = S
        return dest
