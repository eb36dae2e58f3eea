"""The spectral engine of the audio front-ends.

Every step from a waveform to a log-scaled spectrogram is written once here
and shared by :class:`MelSpectrogram`, :class:`STFTSpectrogram`, the log
stage of :class:`CQTSpectrogram` and the spectral features of
:class:`HandcraftedFeatures`:

- resolved parameters as frozen dataclasses (:class:`LogParams`,
  :class:`MelParams`, :class:`STFTParams`);
- framing as librosa frames, where only the ends of a clip are padded
  (:func:`frame_segments`, :func:`windowed_block`);
- windows and mel filterbanks, built once per parameter set and cached
  read-only (:func:`get_window`, :func:`mel_filterbank`);
- the block rFFT, the power spectrum and the banded mel projection
  (:func:`clip_spectrogram`, :func:`magnitude_blocks`, :func:`power`,
  :func:`banded_projection`);
- the log stage (:func:`log_stage`), which follows
  :func:`librosa.power_to_db`.

:func:`stft_spectrogram` runs them over a batch of clips with one of two
backends: ``"numpy"`` (pocketfft on CPU threads, the default on the CPU) or
``"torch"`` (``torch.stft`` and torch projections, used on CUDA; see
:mod:`._stft_torch`). Everything here is stateless.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = [
    "BLOCK_FRAMES",
    "LogParams",
    "MelParams",
    "STFTParams",
    "banded_projection",
    "clip_spectrogram",
    "frame_segments",
    "get_window",
    "log_stage",
    "magnitude_blocks",
    "mel_filterbank",
    "n_frames",
    "power",
    "stft_spectrogram",
    "windowed_block",
]

#: Frames transformed at once by :func:`clip_spectrogram`: small enough that
#: every intermediate stays in the CPU cache.
BLOCK_FRAMES = 128

# Padding modes whose values near an edge depend only on the samples near that
# edge, so the two ends of a long clip can be padded on their own.
_LOCAL_PAD_MODES = frozenset({"constant", "edge", "reflect", "symmetric"})


# ---------------------------------------------------------------------------
# Resolved parameters
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LogParams:
    """Log stage, as :func:`librosa.power_to_db` (see :func:`log_stage`).

    Parameters
    ----------
    log : {"db", "db20", "log1p", "none"}, default="db"
        "db": ``10 * log10(max(amin, S) / ref)``; "db20": the same of
        ``S ** 2``; "log1p": ``log10(1 + log_gain * S)``; "none": ``S``.
    ref : float or "max", default=1.0
        Reference of "db"; "max" uses the clip's peak.
    amin : float, default=1e-10
        Floor before the logarithm.
    top_db : float, default=80.0
        Dynamic range kept below the clip's peak; ``numpy.inf`` keeps all.
    log_gain : float, default=1.0
        Gain inside "log1p".
    """

    log: str = "db"
    ref: float | str = 1.0
    amin: float = 1e-10
    top_db: float = 80.0
    log_gain: float = 1.0

    @classmethod
    def from_params(cls, params: dict) -> LogParams:
        """The log stage of a dict of resolved front-end parameters."""
        return cls(**{name: params[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class MelParams:
    """Mel filterbank of :func:`librosa.filters.mel`.

    ``norm`` is "slaney", "none" (unit-height triangles) or a number (the
    order of the norm each filter is divided by).
    """

    n_mels: int
    fmin: float
    fmax: float
    htk: bool
    norm: str | float


@dataclass(frozen=True, eq=False)
class STFTParams:
    """Resolved parameters of an STFT-based front-end.

    ``window`` is any window spec of :func:`librosa.filters.get_window`;
    ``mel`` is ``None`` for a linear-frequency spectrogram.
    """

    sr: int
    n_fft: int
    hop_length: int
    win_length: int
    window: object
    center: bool
    pad_mode: str
    power: float
    log: LogParams
    mel: MelParams | None = None

    @property
    def margin(self) -> int:
        """Samples of padding before the first frame (``n_fft // 2`` if centred)."""
        return self.n_fft // 2 if self.center else 0

    @property
    def n_bins(self) -> int:
        """Rows of the output: mel bands, or the ``1 + n_fft // 2`` FFT bins."""
        return self.mel.n_mels if self.mel is not None else 1 + self.n_fft // 2

    @property
    def min_samples(self) -> int:
        """Shortest clip with a frame: ``n_fft`` without centring, else any."""
        return 0 if self.center else self.n_fft

    def n_frames(self, n_samples: int) -> int:
        """Frames of a clip of ``n_samples`` samples."""
        return n_frames(n_samples, self.n_fft, self.hop_length, self.center)


def n_frames(n_samples: int, n_fft: int, hop: int, center: bool) -> int:
    """Frames librosa computes for ``n_samples`` samples.

    With ``center`` the clip is padded by ``n_fft // 2`` on both sides, which
    gives ``1 + n_samples // hop`` frames for an even ``n_fft``.
    """
    margin = n_fft // 2 if center else 0
    return 1 + (n_samples + 2 * margin - n_fft) // hop


# ---------------------------------------------------------------------------
# Windows and filterbanks (cached, read-only)
# ---------------------------------------------------------------------------


def _read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False  # cached arrays are shared between calls
    return a


def _build_window(window, n_fft: int, win_length: int, dtype) -> np.ndarray:
    import librosa

    w = librosa.filters.get_window(window, win_length, fftbins=True)
    return librosa.util.pad_center(w, size=n_fft).astype(dtype)


@lru_cache(maxsize=32)
def _cached_window(window, n_fft: int, win_length: int, dtype) -> np.ndarray:
    return _read_only(_build_window(window, n_fft, win_length, dtype))


def get_window(window, n_fft: int, win_length: int | None = None, *, dtype=np.float32):
    """Periodic window of ``win_length`` samples, centred in ``n_fft``.

    Parameters
    ----------
    window : str, tuple, float, callable or array-like
        Window spec of :func:`librosa.filters.get_window`, e.g. "hann".
    n_fft : int
        Length of the result (the window is zero-padded on both sides).
    win_length : int, default=None
        Window length (<= ``n_fft``); ``None`` means ``n_fft``.
    dtype : dtype, default=numpy.float32
        Type of the result.

    Returns
    -------
    window : ndarray of shape (n_fft,)
        Read-only and cached for names, tuples and numbers; a new array for
        callables and array-likes.
    """
    win_length = n_fft if win_length is None else win_length
    if isinstance(window, str | tuple | int | float):
        try:
            return _cached_window(window, n_fft, win_length, np.dtype(dtype))
        except TypeError:  # a tuple holding something unhashable
            pass
    return _build_window(window, n_fft, win_length, dtype)


@lru_cache(maxsize=16)
def mel_filterbank(sr: int, n_fft: int, mel: MelParams, dtype=np.float32) -> np.ndarray:
    """Mel filterbank of :func:`librosa.filters.mel`, cached read-only.

    Parameters
    ----------
    sr : int
        Sampling rate in Hz.
    n_fft : int
        FFT size.
    mel : MelParams
        Bands, frequency range, formula and normalisation.
    dtype : dtype, default=numpy.float32
        Type of the result.

    Returns
    -------
    filterbank : ndarray of shape (n_mels, 1 + n_fft // 2)
        Row ``m`` holds the weights of band ``m`` over the FFT bins.
    """
    import librosa

    basis = librosa.filters.mel(
        sr=sr, n_fft=n_fft, n_mels=mel.n_mels, fmin=mel.fmin, fmax=mel.fmax,
        htk=mel.htk, norm=None if mel.norm == "none" else mel.norm, dtype=dtype,
    )  # fmt: skip
    return _read_only(basis)


def banded_projection(weights: np.ndarray, chunk: int = 128):
    """Split a sparse, banded ``(n_in, n_out)`` projection into dense blocks.

    A mel filterbank touches each frequency bin with at most two filters, so
    multiplying by the full dense matrix wastes most of its work. Returns a
    function ``apply(x, out)`` that writes ``(x @ weights).T`` for a float32
    ``x (n, n_in)`` into ``out (n_out, n)`` from one small product per block
    of ``chunk`` input rows: the same sums, about 4x faster than the dense
    product, and already in the ``(bins, frames)`` layout of the output.
    """
    blocks = []
    for start in range(0, weights.shape[0], chunk):
        stop = min(start + chunk, weights.shape[0])
        used = np.flatnonzero(np.any(weights[start:stop] != 0, axis=0))
        if used.size:
            lo, hi = int(used[0]), int(used[-1]) + 1
            block = np.ascontiguousarray(weights[start:stop, lo:hi].T, dtype=np.float32)
            blocks.append((start, stop, lo, hi, _read_only(block)))

    def apply(x: np.ndarray, out: np.ndarray) -> np.ndarray:
        out[...] = 0.0
        for start, stop, lo, hi, block in blocks:
            out[lo:hi] += block @ x[:, start:stop].T
        return out

    return apply


@lru_cache(maxsize=16)
def _mel_projection(sr: int, n_fft: int, mel: MelParams, pairs: bool):
    """Cached :func:`banded_projection` of the filterbank; with ``pairs`` each
    row is repeated, to project the interleaved squares of a complex STFT."""
    fb = mel_filterbank(sr, n_fft, mel).T  # (F, n_mels)
    return banded_projection(np.repeat(fb, 2, axis=0) if pairs else fb)


def power(spec, exponent: float):
    """``|spec| ** exponent`` of a complex numpy array or torch tensor."""
    if exponent == 2.0:
        return spec.real**2 + spec.imag**2
    magnitude = abs(spec)
    return magnitude if exponent == 1.0 else magnitude**exponent


# ---------------------------------------------------------------------------
# Framing
# ---------------------------------------------------------------------------


def frame_segments(
    y, n_fft: int, hop: int, margin: int, pad_mode: str, *, whole: bool = False
):
    """Frames of one clip, centred as librosa does, without copying the clip.

    Returns ``(n_frames, segments)``: each segment ``(f0, f1, view)`` holds
    frames ``f0 .. f1 - 1`` as rows of ``view`` (read-only strided windows).
    Only the first and last few frames, which reach into the padding, come from
    small padded copies of the clip's ends; every other frame is a view of
    ``y`` itself. Short clips, padding modes that look at the whole clip
    (``"wrap"``, ``"mean"``, ...) and ``whole=True`` pad the clip once
    instead, which gives one segment of all frames.
    """
    windows = np.lib.stride_tricks.sliding_window_view
    n = 1 + (y.size + 2 * margin - n_fft) // hop
    if margin == 0:
        return n, [(0, n, windows(y, n_fft)[::hop])]
    first = -(-margin // hop)  # first frame that starts inside the clip
    stop = (y.size + margin - n_fft) // hop + 1  # frames ending inside it
    short = stop - first < 2 or y.size < 4 * n_fft
    if whole or short or pad_mode not in _LOCAL_PAD_MODES:
        padded = np.pad(y, margin, mode=pad_mode)
        return n, [(0, n, windows(padded, n_fft)[::hop])]
    # head: padded[0 : (first - 1) * hop + n_fft] holds frames 0 .. first - 1
    head = np.pad(y[: (first - 1) * hop + n_fft + 1], (margin, 0), mode=pad_mode)
    # tail: start k frames before ``stop`` so the piece is longer than margin
    k = -(-(margin + 1) // hop)
    offset = (stop - k) * hop - margin
    tail = np.pad(y[offset:], (0, margin), mode=pad_mode)
    segments = [
        (0, first, windows(head, n_fft)[::hop][:first]),
        (first, stop, windows(y, n_fft)[first * hop - margin :: hop][: stop - first]),
        (stop, n, windows(tail, n_fft)[::hop][k : k + n - stop]),
    ]
    return n, [seg for seg in segments if seg[1] > seg[0]]


def windowed_block(segments, start: int, stop: int, window, out):
    """Write frames ``start .. stop - 1`` times ``window`` into ``out``."""
    for f0, f1, view in segments:
        a, b = max(start, f0), min(stop, f1)
        if a < b:
            np.multiply(view[a - f0 : b - f0], window, out=out[a - start : b - start])
    return out[: stop - start]


# ---------------------------------------------------------------------------
# Block rFFT of one clip
# ---------------------------------------------------------------------------


def clip_spectrogram(
    y, params: STFTParams, window, project, out=None, block: int = BLOCK_FRAMES
):
    """``project(STFT)`` of one float32 clip as ``(n_bins, n_frames)`` float32.

    Frames are windowed, transformed (scipy's pocketfft on float32; it releases
    the GIL, so clips run on threads at once) and projected ``block`` frames at
    a time: every intermediate then stays in the CPU cache, which halves the
    time of transforming the whole clip at once. ``project(spec, dest)``
    writes the features of a block's complex STFT ``(frames, n_freqs)`` into
    ``dest`` ``(n_bins, frames)``, a slice of the result, which is ``out``
    (any ``(n_bins, >= n_frames)`` array, e.g. a row of the transform's
    output) when given. No log stage.
    """
    import scipy.fft

    n_fft = params.n_fft
    n, segments = frame_segments(
        y, n_fft, params.hop_length, params.margin, params.pad_mode
    )
    S = np.empty((params.n_bins, n), dtype=np.float32) if out is None else out[:, :n]
    buffer = np.empty((min(block, n), n_fft), dtype=np.float32)
    for start in range(0, n, block):
        stop = min(start + block, n)
        windowed = windowed_block(segments, start, stop, window, buffer)
        project(scipy.fft.rfft(windowed, axis=-1, overwrite_x=True), S[:, start:stop])
    return S


def magnitude_blocks(y: np.ndarray, n_fft: int, hop: int, *, block: int = 1024):
    """Magnitude spectra of a clip's frames, ``block`` frames at a time.

    Frames are centred and the clip zero-padded (librosa's ``center=True``
    with ``pad_mode="constant"``), so any clip of one sample or more has
    ``1 + (len(y) + 2 * (n_fft // 2) - n_fft) // hop`` frames.

    Yields
    ------
    start : int
        Index of the block's first frame.
    raw : ndarray of shape (n, n_fft)
        The unwindowed frames (a read-only view of the padded clip).
    magnitude : ndarray of shape (n, 1 + n_fft // 2)
        ``|rfft(hann * raw)|``, in the dtype of ``y``.
    """
    from scipy.fft import rfft

    # callers read the raw frames too: one padded copy of the clip is cheaper
    # than copying the blocks that span its padded ends
    n, [(_, _, frames)] = frame_segments(
        y, n_fft, hop, n_fft // 2, "constant", whole=True
    )
    window = get_window("hann", n_fft, dtype=y.dtype)
    for start in range(0, n, block):
        raw = frames[start : start + block]
        yield start, raw, np.abs(rfft(raw * window, axis=1))


# ---------------------------------------------------------------------------
# Log stage
# ---------------------------------------------------------------------------


def log_stage(S: np.ndarray, log: LogParams) -> np.ndarray:
    """Log stage of one clip's spectrogram, in place where possible.

    Follows :func:`librosa.power_to_db` (with ``top_db`` relative to this
    clip's own peak); the torch twin for padded batches is
    :func:`._stft_torch.log_stage`.

    Parameters
    ----------
    S : ndarray of float
        Power (or magnitude) spectrogram of one clip; overwritten.
    log : LogParams
        Which log stage.

    Returns
    -------
    S_log : ndarray
        ``S`` itself, except for ``log="none"`` (also ``S``, unchanged).
    """
    if log.log == "none":
        return S
    if log.log == "log1p":
        S *= log.log_gain
        S += 1.0
        np.log(S, out=S)
        S *= 1.0 / np.log(10.0)
        return S
    if log.log == "db20":
        np.square(S, out=S)
    amin = log.amin
    if log.ref == "max":
        offset = 10.0 * np.log10(max(amin, float(S.max())))
    else:
        offset = 10.0 * np.log10(max(amin, float(log.ref)))
    np.maximum(S, amin, out=S)
    np.log(S, out=S)  # numpy's float32 log is several times faster than log10
    S *= 10.0 / np.log(10.0)
    S -= offset
    if log.top_db is not None and np.isfinite(log.top_db):
        np.maximum(S, S.max() - log.top_db, out=S)
    return S


# ---------------------------------------------------------------------------
# A batch of clips
# ---------------------------------------------------------------------------


def _numpy_projector(params: STFTParams):
    """``project(spec, dest)`` of :func:`clip_spectrogram` for ``params``."""
    exponent = params.power
    if params.mel is None:

        def project(spec, dest):
            dest[...] = power(spec, exponent).T

        return project
    if exponent == 2.0:
        # |z|^2 @ fb == [re^2, im^2 interleaved] @ (fb rows repeated): squares
        # the float view of the STFT in place instead of making temporaries
        mel_pairs = _mel_projection(params.sr, params.n_fft, params.mel, True)

        def project(spec, dest):
            parts = spec.view(np.float32)
            return mel_pairs(np.square(parts, out=parts), dest)

        return project
    mel = _mel_projection(params.sr, params.n_fft, params.mel, False)

    def project(spec, dest):
        return mel(power(spec, exponent).astype(np.float32, copy=False), dest)

    return project


def _numpy_batch(clips, params: STFTParams, window, dest=None) -> list:
    """:func:`stft_spectrogram` with numpy, clips spread over threads.

    Clips run on ``torch.get_num_threads()`` threads with BLAS limited to one
    thread each; each clip's log stage runs in place on its thread.
    """
    from concurrent.futures import ThreadPoolExecutor

    import torch
    from threadpoolctl import threadpool_limits

    project = _numpy_projector(params)
    out = list(dest) if dest is not None else [None] * len(clips)

    def run(i):
        S = clip_spectrogram(clips[i], params, window, project, out=out[i])
        S = log_stage(S, params.log)
        if out[i] is None:
            out[i] = S

    n_threads = min(len(clips), torch.get_num_threads())

    def run_share(k):  # one task per thread, each walking its share
        for i in range(k, len(clips), n_threads):
            run(i)

    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(n_threads) as pool:
        list(pool.map(run_share, range(n_threads)))
    return out


def stft_spectrogram(
    clips, params: STFTParams, *, backend: str = "numpy", device="cpu", dest=None
) -> list:
    """Log-scaled STFT or mel spectrograms of a batch of clips.

    Parameters
    ----------
    clips : list of ndarray of shape (n_samples_i,), float32
        Waveforms, each at least ``params.min_samples`` long.
    params : STFTParams
        Resolved front-end parameters.
    backend : {"numpy", "torch"}, default="numpy"
        "numpy": each clip on its own, block by block, on CPU threads (see
        :func:`clip_spectrogram`). "torch": the whole batch through
        ``torch.stft`` on ``device`` (the CUDA path, also runnable on the
        CPU); it agrees with "numpy" to float32 FFT rounding.
    device : str or torch.device, default="cpu"
        Device of the "torch" backend.
    dest : list of ndarray, default=None
        One ``(n_bins, >= n_frames_i)`` array per clip to write into.

    Returns
    -------
    spectrograms : list of ndarray of shape (n_bins, n_frames_i), float32
        One per clip; ``dest`` itself when given (each ``dest[i][:, :n]`` is
        written, the rest left alone).
    """
    window = get_window(params.window, params.n_fft, params.win_length)
    shifts = [loud_exponent(y) for y in clips]
    if any(shifts):  # scale-safe path for the clips whose power would overflow
        return _with_loud_clips(clips, shifts, params, backend, device, dest)
    if backend == "numpy":
        return _numpy_batch(clips, params, window, dest)
    from ._stft_torch import stft_batch

    return stft_batch(clips, params, window, device, dest)


#: Clips whose peak magnitude exceeds this are scaled down by a power of two
#: before the transform, and the scale is added back in float64 (see
#: :func:`loud_exponent`); other clips take the float32 path unchanged.
LOUD_PEAK = 2.0**20


def loud_exponent(y: np.ndarray) -> int:
    """``e`` such that ``y * 2**-e`` peaks at most at 1, for a clip whose peak
    exceeds :data:`LOUD_PEAK` (whose float32 power spectrum could overflow:
    samples of 1e20 square to more than float32 holds); else 0."""
    peak = max(float(y.max()), -float(y.min())) if y.size else 0.0
    if peak <= LOUD_PEAK:
        return 0
    return int(np.ceil(np.log2(peak)))


def scaled_log_stage(S, exponent: float, shift: int, log: LogParams) -> np.ndarray:
    """Log stage of the spectrogram ``S`` of a clip scaled by ``2**-shift``:
    the scale is put back (``S * 2**(shift * exponent)``) and the log taken in
    float64, where the power of any finite float32 clip is finite; the result
    is float32 (infinite only for ``log="none"`` beyond float32's range)."""
    S64 = np.asarray(S, dtype=np.float64) * 2.0 ** (shift * exponent)
    S64 = log_stage(S64, log)
    with np.errstate(over="ignore"):
        return S64.astype(np.float32)


def _with_loud_clips(clips, shifts, params, backend, device, dest) -> list:
    """:func:`stft_spectrogram` of a batch holding loud clips: the others go
    through the usual path, each loud clip through the scaled one."""
    out = list(dest) if dest is not None else [None] * len(clips)
    quiet = [i for i, shift in enumerate(shifts) if not shift]
    if quiet:
        specs = stft_spectrogram(
            [clips[i] for i in quiet],
            params,
            backend=backend,
            device=device,
            dest=None if dest is None else [dest[i] for i in quiet],
        )
        for i, S in zip(quiet, specs, strict=True):
            out[i] = S
    window = get_window(params.window, params.n_fft, params.win_length)
    project = _numpy_projector(params)
    for i, shift in enumerate(shifts):
        if shift:
            y = np.ldexp(clips[i], -shift).astype(np.float32)
            S = clip_spectrogram(y, params, window, project)
            S = scaled_log_stage(S, params.power, shift, params.log)
            if out[i] is None:
                out[i] = S
            else:
                out[i][:, : S.shape[1]] = S
    return out
