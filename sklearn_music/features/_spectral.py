"""Time-frequency front-ends: mel, linear (STFT) and constant-Q spectrograms.

The STFT and mel spectrograms are computed by the spectral engine
(:mod:`._stft`: numpy on CPU threads, torch on CUDA) and reproduce librosa's
definitions exactly: the same window, padding, mel filterbank (built by
:func:`librosa.filters.mel`) and ``power_to_db``. The constant-Q transform is
computed per clip by :func:`librosa.cqt`, in parallel over clips.

Lengths. Every transform returns one float32 array ``(n_clips, n_bins,
n_frames)``. When clips differ in length (ragged input, or clips shorter than
``duration``), each clip keeps exactly the frames librosa would compute for
it and the frames after its end are set to ``fill_value`` (NaN by default).
NaN frames are therefore *padding, not music*: :func:`frame_lengths` recovers
each clip's length, and the neural estimators crop training windows from, and
average predictions over, the valid frames only.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._decode import MAX_DURATION
from ..utils import clip_blocks, release_pages
from ._base import _SpectrogramTransformer
from ._cqt import CQTSpectrogram
from ._presets import PRESETS
from ._stft import (
    LogParams,
    MelParams,
    STFTParams,
    mel_filterbank,
    stft_spectrogram,
)

__all__ = [
    "PRESETS",
    "CQTSpectrogram",
    "MelSpectrogram",
    "STFTSpectrogram",
    "frame_lengths",
]


def frame_lengths(S: np.ndarray) -> np.ndarray:
    """Number of valid (non-padding) frames of each clip in a spectrogram batch.

    Padding frames are those entirely NaN at the end of a clip (the default
    ``fill_value`` of the spectrogram transformers).

    Parameters
    ----------
    S : ndarray of shape (n_clips, n_bins, n_frames)
        Output of :class:`MelSpectrogram`, :class:`STFTSpectrogram` or
        :class:`CQTSpectrogram`.

    Returns
    -------
    lengths : ndarray of shape (n_clips,), dtype int64
        Valid frames per clip; equal to ``n_frames`` for clips without padding.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.features import MelSpectrogram, frame_lengths
    >>> clips = [np.random.default_rng(0).standard_normal(n) for n in (22050, 11025)]
    >>> S = MelSpectrogram().fit_transform(clips)
    >>> frame_lengths(S)
    array([44, 22])
    """
    S = np.asarray(S)
    if S.ndim != 3:
        raise ValueError(
            f"Expected a spectrogram batch of shape (n_clips, n_bins, n_frames); "
            f"got shape {S.shape}."
        )
    # (n_clips, n_frames), block by block so that a memmap is never all read in
    frame_is_pad = np.empty((S.shape[0], S.shape[2]), dtype=bool)
    for block in clip_blocks(S.shape[0], S[:1].nbytes):
        frame_is_pad[block] = np.isnan(S[block]).all(axis=1)
        release_pages(S[block])
    # valid length = index after the last frame that is not padding
    not_pad = ~frame_is_pad
    last = S.shape[2] - np.argmax(not_pad[:, ::-1], axis=1)
    return np.where(not_pad.any(axis=1), last, 0).astype(np.int64)


class _STFTTransformer(_SpectrogramTransformer):
    """Mel and linear spectrograms: the STFT of the spectral engine."""

    def _resolve(self) -> STFTParams:
        p = self.resolved_params()
        mel = None
        if "n_mels" in p:
            mel = MelParams(
                n_mels=p["n_mels"], fmin=p["fmin"], fmax=p["fmax"], htk=p["htk"],
                norm=p["norm"],
            )  # fmt: skip
        return STFTParams(
            sr=p["sr"], n_fft=p["n_fft"], hop_length=p["hop_length"],
            win_length=p["win_length"], window=p["window"], center=p["center"],
            pad_mode=p["pad_mode"], power=p["power"], mel=mel,
            log=LogParams.from_params(p),
        )  # fmt: skip

    def _compute(self, clips, params: STFTParams, names, dest=None):
        backend, device = self._device_backend()
        return stft_spectrogram(
            clips, params, backend=backend, device=device, dest=dest
        )


class MelSpectrogram(_STFTTransformer):
    """Log-mel spectrogram, batched in torch on CPU or CUDA, equal to librosa.

    With default parameters the output of each clip equals
    ``librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr), ref=1.0,
    amin=1e-10, top_db=80)`` (within float32 rounding), but ``top_db`` is
    always applied per clip, never across a batch. Presets reproduce the
    front-ends of reference papers; any explicit parameter overrides the preset.

    Parameters
    ----------
    preset : {"choi2017", "won2020", "musicnn", "panns"} or None, default=None
        Front-end of a reference implementation (see :data:`PRESETS` and the
        user guide). Parameters left at ``None`` take the preset's values.
    sr : int, default=None
        Sampling rate in Hz of array input; files are resampled to it.
        ``None``: the preset's, else 22050.
    n_fft : int, default=None
        FFT size. ``None``: the preset's, else 2048.
    hop_length : int, default=None
        Samples between frames. ``None``: the preset's, else ``n_fft // 4``.
    win_length : int, default=None
        Window length (<= ``n_fft``, centred). ``None``: ``n_fft``.
    window : str, tuple, float, callable or array-like, default=None
        Window spec for :func:`librosa.filters.get_window`. ``None``: "hann".
    center : bool, default=None
        Pad so that frame ``t`` is centred at sample ``t * hop_length``.
        ``None``: True.
    pad_mode : str, default=None
        :func:`numpy.pad` mode used when ``center``. ``None``: the preset's,
        else "constant" (zeros, as librosa >= 0.10).
    power : float, default=None
        Exponent of the magnitude (2 for power). ``None``: 2.0.
    n_mels : int, default=None
        Number of mel bands. ``None``: the preset's, else 128.
    fmin : float, default=None
        Lowest filter frequency in Hz. ``None``: the preset's, else 0.
    fmax : float, default=None
        Highest filter frequency in Hz. ``None``: the preset's, else ``sr / 2``.
    htk : bool, default=None
        HTK mel formula instead of Slaney's. ``None``: the preset's, else False.
    norm : {"slaney", "none"} or float, default=None
        Filter normalisation as in :func:`librosa.filters.mel`; "none" leaves
        the triangles at unit height. ``None``: the preset's, else "slaney".
    log : {"db", "db20", "log1p", "none"}, default=None
        Log stage. "db": ``10 * log10(max(amin, S) / ref)`` clipped at
        ``top_db`` below the clip's peak (librosa's ``power_to_db``); "db20":
        the same with 20 instead of 10 (the Choi 2017 Keras code, which squared
        the mel power again); "log1p": ``log10(1 + log_gain * S)`` (musicnn);
        "none": the linear spectrogram. ``None``: the preset's, else "db".
    ref : float or "max", default=None
        Reference power for "db"; "max" uses each clip's peak. ``None``: 1.0.
    amin : float, default=None
        Floor applied before the logarithm. ``None``: 1e-10.
    top_db : float, default=None
        Dynamic range kept below each clip's peak, in dB; ``numpy.inf``
        disables it. ``None``: the preset's, else 80.
    log_gain : float, default=None
        Gain inside ``log1p``. ``None``: the preset's, else 1.
    duration : float, default=None
        Crop (keep the first ``duration`` seconds) or pad every clip to this
        length, giving a fixed number of frames. Files are only read that far.
        ``None`` keeps whole clips.
    max_duration : float, default=3600.0
        Most seconds of audio one file may decode to (one hour by default,
        a bound on memory and time); a longer file is an
        :class:`~sklearn_music.AudioInputError` naming it, unless
        ``duration`` reads only a part of it. ``None`` lifts the bound.
        In-memory clips are not bounded.
    fill_value : float, default=None
        Value of the frames after the end of a clip shorter than the batch
        (ragged input) or than ``duration``. ``None`` uses NaN, which marks
        padding for :func:`frame_lengths` and the neural estimators; set a
        number (e.g. the dB floor) for estimators that cannot handle NaN.
    device : str, default="cpu"
        Torch device: "cpu", "cuda", "cuda:N" or "auto" (CUDA if available).
    batch_size : int, default=16
        Clips computed together; bounds memory (roughly ``batch_size x n_fft/2
        x n_frames`` complex values).
    n_jobs : int, default=None
        Threads decoding files in parallel within a batch. ``None`` means 1,
        -1 all cores. Torch itself uses ``torch.get_num_threads()`` threads.
    verbose : int, default=1
        Progress bar over clips: 1 shows it once a transform has run for
        5 s (long inputs only), 2 from the start, 0 never.
    pcm_scale : "dtype" or float, default=None
        How integer sample arrays are converted: "dtype" divides by the full
        scale of the integer type (32768 for int16), a number divides by it.
        ``None`` rejects integer input, since its scale is ambiguous.
    cache_dir : str or path-like, default=None
        Directory for an on-disk cache (created if needed); ``None`` keeps
        everything in memory. When set, the spectrogram of each audio file is
        stored there, keyed by a hash of the file's bytes and of the resolved
        front-end parameters and library versions, so a later ``transform``
        (another fold, another run) reads it instead of recomputing; and
        ``transform`` writes its output to a file there and returns it as a
        read-only :class:`numpy.memmap`, so memory stays bounded by
        ``batch_size`` clips however many there are. In-memory clips are not
        cached one by one but their output is memory-mapped too. See
        :ref:`streaming`.

    See Also
    --------
    STFTSpectrogram : Linear-frequency power spectrogram.
    CQTSpectrogram : Constant-Q spectrogram.
    frame_lengths : Valid frames of each clip in a padded batch.

    Notes
    -----
    This transformer is stateless: ``fit`` only validates, and ``transform``
    may be called without fitting. A clip's output never depends on the other
    clips in ``X``. Set ``cache_dir`` to cache spectrograms on disk across
    folds, grid searches and runs, and to keep large outputs out of memory.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.features import MelSpectrogram
    >>> X = np.random.default_rng(0).standard_normal((2, 22050)).astype("float32")
    >>> MelSpectrogram().fit_transform(X).shape
    (2, 128, 44)
    >>> MelSpectrogram(preset="choi2017").resolved_params()["n_mels"]
    96
    """

    _parameter_constraints: dict = {
        **_SpectrogramTransformer._spectrogram_constraints,
        "preset": [StrOptions(set(PRESETS)), None],
        "n_fft": [Interval(Integral, 1, None, closed="left"), None],
        "win_length": [Interval(Integral, 1, None, closed="left"), None],
        "center": ["boolean", None],
        "n_mels": [Interval(Integral, 1, None, closed="left"), None],
        "fmin": [Interval(Real, 0, None, closed="left"), None],
        "fmax": [Interval(Real, 0, None, closed="neither"), None],
        "htk": ["boolean", None],
        "norm": [StrOptions({"slaney", "none"}), Real, None],
    }

    def __init__(
        self,
        *,
        preset=None,
        sr=None,
        n_fft=None,
        hop_length=None,
        win_length=None,
        window=None,
        center=None,
        pad_mode=None,
        power=None,
        n_mels=None,
        fmin=None,
        fmax=None,
        htk=None,
        norm=None,
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
        self.preset = preset
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.win_length = win_length
        self.window = window
        self.center = center
        self.pad_mode = pad_mode
        self.power = power
        self.n_mels = n_mels
        self.fmin = fmin
        self.fmax = fmax
        self.htk = htk
        self.norm = norm
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

    def mel_filterbank(self) -> np.ndarray:
        """Mel filterbank applied to the power spectrum.

        Built by :func:`librosa.filters.mel` with the resolved parameters.

        Returns
        -------
        filterbank : ndarray of shape (n_mels, 1 + n_fft // 2), dtype float32
            Row ``m`` holds the weights of mel band ``m`` over the FFT bins.
        """
        params = self._resolve()
        self._check_resolved(params)
        return np.array(mel_filterbank(params.sr, params.n_fft, params.mel))

    def _check_resolved(self, params: STFTParams) -> None:
        mel, nyquist = params.mel, params.sr / 2
        if mel.fmax > nyquist + 1e-9:
            raise ValueError(
                f"fmax={mel.fmax} exceeds the Nyquist frequency sr/2={nyquist}."
            )
        if mel.fmin >= mel.fmax:
            raise ValueError(f"fmin={mel.fmin} must be below fmax={mel.fmax}.")


class STFTSpectrogram(_STFTTransformer):
    """Linear-frequency (STFT) spectrogram with a log stage, batched in torch.

    With default parameters each clip's output equals
    ``librosa.power_to_db(np.abs(librosa.stft(y)) ** 2, ref=1.0, amin=1e-10,
    top_db=80)``, with ``top_db`` applied per clip.

    Parameters
    ----------
    sr : int, default=None
        Sampling rate of array input; files are resampled to it. ``None``: 22050.
    n_fft : int, default=None
        FFT size; the output has ``1 + n_fft // 2`` bins. ``None``: 2048.
    hop_length : int, default=None
        Samples between frames. ``None``: ``n_fft // 4``.
    win_length : int, default=None
        Window length (<= ``n_fft``). ``None``: ``n_fft``.
    window : str, tuple, float, callable or array-like, default=None
        Window spec for :func:`librosa.filters.get_window`. ``None``: "hann".
    center : bool, default=None
        Centre frames on ``t * hop_length``. ``None``: True.
    pad_mode : str, default=None
        Padding mode when ``center``. ``None``: "constant".
    power : float, default=None
        Magnitude exponent. ``None``: 2.0.
    log : {"db", "db20", "log1p", "none"}, default=None
        Log stage, as in :class:`MelSpectrogram`. ``None``: "db".
    ref : float or "max", default=None
        Reference for "db". ``None``: 1.0.
    amin : float, default=None
        Floor before the logarithm. ``None``: 1e-10.
    top_db : float, default=None
        Dynamic range below each clip's peak; ``numpy.inf`` disables.
        ``None``: 80.
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
        Value of padding frames; ``None`` means NaN (see :func:`frame_lengths`).
    device : str, default="cpu"
        "cpu", "cuda", "cuda:N" or "auto".
    batch_size : int, default=16
        Clips computed together.
    n_jobs : int, default=None
        Threads decoding files in parallel.
    verbose : int, default=1
        Progress bar over clips: 1 shows it once a transform has run for
        5 s (long inputs only), 2 from the start, 0 never.
    pcm_scale : "dtype" or float, default=None
        Scale for integer sample arrays; ``None`` rejects them.
    cache_dir : str or path-like, default=None
        Directory of the on-disk spectrogram cache; ``transform`` then returns
        a read-only :class:`numpy.memmap` (see :class:`MelSpectrogram` and
        :ref:`streaming`).

    See Also
    --------
    MelSpectrogram : Mel-frequency version (with presets).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.features import STFTSpectrogram
    >>> X = np.random.default_rng(0).standard_normal((2, 8000)).astype("float32")
    >>> STFTSpectrogram(sr=8000, n_fft=256).fit_transform(X).shape
    (2, 129, 126)
    """

    _parameter_constraints: dict = {
        **_SpectrogramTransformer._spectrogram_constraints,
        "n_fft": [Interval(Integral, 1, None, closed="left"), None],
        "win_length": [Interval(Integral, 1, None, closed="left"), None],
        "center": ["boolean", None],
    }

    def __init__(
        self,
        *,
        sr=None,
        n_fft=None,
        hop_length=None,
        win_length=None,
        window=None,
        center=None,
        pad_mode=None,
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
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.win_length = win_length
        self.window = window
        self.center = center
        self.pad_mode = pad_mode
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
