"""Time-frequency front-ends: mel, linear (STFT) and constant-Q spectrograms.

The STFT and mel spectrograms are computed with torch in batches (CPU or CUDA)
and reproduce librosa's definitions exactly: the same window, padding, mel
filterbank (built by :func:`librosa.filters.mel`) and ``power_to_db``. The
constant-Q transform is computed per clip by :func:`librosa.cqt`, in parallel
over clips.

Lengths. Every transform returns one float32 array ``(n_clips, n_bins,
n_frames)``. When clips differ in length (ragged input, or clips shorter than
``duration``), each clip keeps exactly the frames librosa would compute for
it and the frames after its end are set to ``fill_value`` (NaN by default).
NaN frames are therefore *padding, not music*: :func:`frame_lengths` recovers
each clip's length, and the neural estimators crop training windows from, and
average predictions over, the valid frames only.
"""

from __future__ import annotations

import os
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils import clip_blocks, release_pages, resolve_device
from ._base import AudioTransformerMixin

__all__ = [
    "PRESETS",
    "CQTSpectrogram",
    "MelSpectrogram",
    "STFTSpectrogram",
    "frame_lengths",
]

#: Front-ends of the reference implementations (see the user guide for sources).
PRESETS: dict[str, dict] = {
    # Choi et al. 2017 (music-auto_tagging-keras): librosa 0.4 era, reflect
    # padding, and the mel power spectrogram was squared again before
    # logamplitude, i.e. 20*log10 of the power.
    "choi2017": dict(
        sr=12000,
        n_fft=512,
        hop_length=256,
        n_mels=96,
        fmin=0.0,
        fmax=6000.0,
        htk=False,
        norm="slaney",
        pad_mode="reflect",
        log="db20",
        top_db=80.0,
    ),
    # Won et al. 2020 (sota-music-tagging-models): torchaudio defaults, HTK mel
    # scale without normalisation, reflect padding, 10*log10 without top_db.
    "won2020": dict(
        sr=16000,
        n_fft=512,
        hop_length=256,
        n_mels=96,
        fmin=0.0,
        fmax=8000.0,
        htk=True,
        norm="none",
        pad_mode="reflect",
        log="db",
        top_db=np.inf,
    ),
    # Pons & Serra musicnn: librosa (reflect padding era), log10(1 + 10000 x).
    "musicnn": dict(
        sr=16000,
        n_fft=512,
        hop_length=256,
        n_mels=96,
        fmin=0.0,
        fmax=8000.0,
        htk=False,
        norm="slaney",
        pad_mode="reflect",
        log="log1p",
        log_gain=10000.0,
    ),
    # Kong et al. 2020 PANNs (torchlibrosa): Slaney mel 50-14000 Hz, 10*log10
    # with amin 1e-10 and no top_db.
    "panns": dict(
        sr=32000,
        n_fft=1024,
        hop_length=320,
        n_mels=64,
        fmin=50.0,
        fmax=14000.0,
        htk=False,
        norm="slaney",
        pad_mode="reflect",
        log="db",
        top_db=np.inf,
    ),
}

_DEFAULTS = dict(
    sr=22050, n_fft=2048, hop_length=None, win_length=None, window="hann",
    center=True, pad_mode="constant", power=2.0, n_mels=128, fmin=0.0, fmax=None,
    htk=False, norm="slaney", log="db", ref=1.0, amin=1e-10, top_db=80.0,
    log_gain=1.0,
)  # fmt: skip

#: Run the CUDA code path (torch.stft + torch projections) on the CPU too.
#: For tests of that path on machines without a GPU; not a user setting.
_TORCH_PATH_ON_CPU = False

_PAD_MODES = {"constant", "reflect", "edge", "symmetric", "wrap", "linear_ramp",
              "maximum", "mean", "median", "minimum"}  # fmt: skip


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


def _n_frames(n_samples: int, n_fft: int, hop: int, center: bool) -> int:
    if center:
        return 1 + n_samples // hop
    return 1 + (n_samples - n_fft) // hop


def _window(window, n_fft: int, win_length: int) -> np.ndarray:
    import librosa

    w = librosa.filters.get_window(window, win_length, fftbins=True)
    return librosa.util.pad_center(w, size=n_fft).astype(np.float32)


def _apply_log(S, lengths, *, log, ref, amin, top_db, log_gain):
    """Log stage on a torch batch ``(B, F, T)``; statistics use valid frames only."""
    import torch

    if log == "none":
        return S
    if log == "log1p":
        return torch.log10(1.0 + log_gain * S)
    if log == "db20":  # 20*log10(S) == power_to_db(S**2)
        S = S * S
    T = S.shape[-1]
    valid = torch.arange(T, device=S.device)[None, :] < lengths[:, None]  # (B, T)
    masked = torch.where(
        valid[:, None, :], S, torch.zeros((), dtype=S.dtype, device=S.device)
    )
    if ref == "max":
        ref_val = masked.amax(dim=(1, 2), keepdim=True).clamp(min=amin)
        offset = 10.0 * torch.log10(ref_val)
    else:
        offset = 10.0 * np.log10(max(amin, float(ref)))
    S_db = 10.0 * torch.log10(S.clamp(min=amin)) - offset
    if top_db is not None and np.isfinite(top_db):
        neg_inf = torch.full((), -torch.inf, dtype=S_db.dtype, device=S_db.device)
        peak = torch.where(valid[:, None, :], S_db, neg_inf).amax(
            dim=(1, 2), keepdim=True
        )
        S_db = torch.maximum(S_db, peak - top_db)
    return S_db


class _SpectrogramTransformer(AudioTransformerMixin):
    """Shared logic of the spectrogram front-ends: parameter resolution,
    cropping, batching and assembling the padded output."""

    _spectrogram_constraints: dict = {
        "sr": [Interval(Integral, 1, None, closed="left"), None],
        "hop_length": [Interval(Integral, 1, None, closed="left"), None],
        "window": [str, tuple, Real, callable, "array-like", None],
        "pad_mode": [StrOptions(_PAD_MODES), None],
        "power": [Interval(Real, 0, None, closed="neither"), None],
        "log": [StrOptions({"db", "db20", "log1p", "none"}), None],
        "ref": [Interval(Real, 0, None, closed="neither"), StrOptions({"max"}), None],
        "amin": [Interval(Real, 0, None, closed="neither"), None],
        "top_db": [Interval(Real, 0, None, closed="left"), None],
        "log_gain": [Interval(Real, 0, None, closed="neither"), None],
        "fill_value": [Real, None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "cache_dir": [str, os.PathLike, None],
        **AudioTransformerMixin._shared_constraints,
    }

    #: parameters that presets may set, with their library defaults
    _defaults: dict = _DEFAULTS

    def resolved_params(self) -> dict:
        """Front-end parameters after applying ``preset`` and library defaults.

        Every parameter left at ``None`` takes the preset's value if a preset
        is set, otherwise librosa's default. Explicit values always win.

        Returns
        -------
        params : dict
            Concrete values, e.g. ``{"sr": 22050, "n_fft": 2048, ...}``.
        """
        preset = PRESETS[self.preset] if getattr(self, "preset", None) else {}
        out = {}
        for name, default in self._defaults.items():
            if name not in self.get_params(deep=False):
                continue
            value = getattr(self, name)
            if value is None:
                value = preset.get(name, default)
            out[name] = value
        if "n_fft" in out:
            if out.get("hop_length") is None:
                out["hop_length"] = out["n_fft"] // 4
            if out.get("win_length") is None:
                out["win_length"] = out["n_fft"]
            if out["win_length"] > out["n_fft"]:
                raise ValueError(
                    f"win_length={out['win_length']} must be <= n_fft={out['n_fft']}."
                )
        if out.get("hop_length") is None:
            out["hop_length"] = 512
        if "fmax" in out and out["fmax"] is None:
            out["fmax"] = out["sr"] / 2.0
        if out.get("top_db") is None:
            out["top_db"] = np.inf
        return out

    def _target_sr(self) -> int:
        return self.resolved_params()["sr"]

    def _n_bins(self, p: dict) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def _frames_for(self, n_samples: int, p: dict) -> int:
        return _n_frames(n_samples, p["n_fft"], p["hop_length"], p["center"])

    def transform(self, X):
        """Compute the spectrogram of every clip.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_samples), list of arrays or of paths
            Audio clips at ``sr`` or audio files (see :ref:`input_formats`).

        Returns
        -------
        S : ndarray of shape (n_clips, n_bins, n_frames), dtype float32
            Spectrograms. Row ``i`` belongs to input item ``i``. Frames past
            the end of a shorter clip hold ``fill_value``. With ``cache_dir``
            set, a read-only :class:`numpy.memmap` of a file in ``cache_dir``.
        """
        self._validate_params()
        p = self.resolved_params()
        source = self._audio_source(X, reset=False)
        n_bins = self._n_bins(p)
        fill = np.nan if self.fill_value is None else self.fill_value
        fixed_frames = (
            self._frames_for(self._duration_samples(), p) if self.duration else None
        )
        if self.cache_dir is not None:
            from ._cache import cached_transform

            return cached_transform(self, source, p, n_bins, fixed_frames, fill)
        pieces: list[np.ndarray] = []
        out = None
        if fixed_frames is not None:
            out = np.full((len(source), n_bins, fixed_frames), fill, dtype=np.float32)
        elif not source.has_paths:  # lengths known: compute straight into the output
            frames = [self._frames_for(y.size, p) for y in source.items]
            out = np.empty((len(source), n_bins, max(frames)), dtype=np.float32)
            for row, n in zip(out, frames, strict=True):
                row[:, n:] = fill
        with self._progress(len(source)) as bar:
            for idx, clips in source.iter_batches(self.batch_size, n_jobs=self.n_jobs):
                dest = None if out is None else [out[i] for i in idx]
                specs = self._clip_spectra(source, idx, clips, p, dest)
                if out is None:
                    pieces.extend(specs)
                bar.update(len(idx))
        if out is not None:
            return out
        n_frames = max(S.shape[1] for S in pieces)
        out = np.empty((len(pieces), n_bins, n_frames), dtype=np.float32)
        for row, S in zip(out, pieces, strict=True):
            row[:, : S.shape[1]] = S
            row[:, S.shape[1] :] = fill
        return out

    def _clip_spectra(self, source, idx, clips, p: dict, dest=None):
        """Spectrograms of the decoded ``clips`` of ``source`` items ``idx``.

        Crops each clip to ``duration`` and returns one ``(n_bins,
        n_frames_i)`` array per clip, or fills ``dest`` (see ``_compute``).
        """
        clips = [self._crop(y) for y in clips]
        for i, y in zip(idx, clips, strict=True):
            if not p.get("center", True) and y.size < p["n_fft"]:
                raise ValueError(
                    f"{source.describe(i)} has {y.size} samples, fewer than "
                    f"n_fft={p['n_fft']} needed with center=False."
                )
        names = [source.describe(i) for i in idx]
        return self._compute(clips, p, names, dest)

    def _log_kwargs(self, p: dict) -> dict:
        return {k: p[k] for k in ("log", "ref", "amin", "top_db", "log_gain")}


_BLOCK_FRAMES = 128


# Padding modes whose values near an edge depend only on the samples near that
# edge, so the two ends of a long clip can be padded on their own.
_LOCAL_PAD_MODES = frozenset({"constant", "edge", "reflect", "symmetric"})


def _frame_segments(y, n_fft: int, hop: int, margin: int, pad_mode: str):
    """Frames of one clip, centred as librosa does, without copying the clip.

    Returns ``(n_frames, segments)``: each segment ``(f0, f1, view)`` holds
    frames ``f0 .. f1 - 1`` as rows of ``view`` (read-only strided windows).
    Only the first and last few frames, which reach into the padding, come from
    small padded copies of the clip's ends; every other frame is a view of
    ``y`` itself. Short clips and padding modes that look at the whole clip
    (``"wrap"``, ``"mean"``, ...) pad the clip once instead.
    """
    windows = np.lib.stride_tricks.sliding_window_view
    n = 1 + (y.size + 2 * margin - n_fft) // hop
    if margin == 0:
        return n, [(0, n, windows(y, n_fft)[::hop])]
    first = -(-margin // hop)  # first frame that starts inside the clip
    stop = (y.size + margin - n_fft) // hop + 1  # frames ending inside it
    if pad_mode not in _LOCAL_PAD_MODES or stop - first < 2 or y.size < 4 * n_fft:
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


def _windowed_block(segments, start: int, stop: int, window, out):
    """Write frames ``start .. stop - 1`` times ``window`` into ``out``."""
    for f0, f1, view in segments:
        a, b = max(start, f0), min(stop, f1)
        if a < b:
            np.multiply(view[a - f0 : b - f0], window, out=out[a - start : b - start])
    return out[: stop - start]


def _clip_features(
    y, window, n_fft: int, hop: int, margin: int, pad_mode: str, project, n_bins: int,
    out=None, block: int = _BLOCK_FRAMES,
):  # fmt: skip
    """``project(STFT)`` of one clip as ``(n_bins, n_frames)`` float32.

    Frames are windowed, transformed (scipy's pocketfft on float32; it releases
    the GIL, so clips run on threads at once) and projected ``block`` frames at
    a time: every intermediate then stays in the CPU cache, which halves the
    time of transforming the whole clip at once. ``project(spec, dest)``
    writes the features of a block's complex STFT ``(frames, n_freqs)`` into
    ``dest`` ``(n_bins, frames)``, a slice of the result, which is ``out``
    (any ``(n_bins, >= n_frames)`` array, e.g. a row of the transform's
    output) when given.
    """
    import scipy.fft

    n, segments = _frame_segments(y, n_fft, hop, margin, pad_mode)
    S = np.empty((n_bins, n), dtype=np.float32) if out is None else out[:, :n]
    buffer = np.empty((min(block, n), n_fft), dtype=np.float32)
    for start in range(0, n, block):
        stop = min(start + block, n)
        windowed = _windowed_block(segments, start, stop, window, buffer)
        project(scipy.fft.rfft(windowed, axis=-1, overwrite_x=True), S[:, start:stop])
    return S


def _log_clip(S, *, log, ref, amin, top_db, log_gain):
    """Log stage of one clip's float32 spectrogram, in place where possible.

    The numpy twin of :func:`_apply_log` (which works on padded torch
    batches); both follow :func:`librosa.power_to_db`.
    """
    if log == "none":
        return S
    if log == "log1p":
        S *= log_gain
        S += 1.0
        np.log(S, out=S)
        S *= 1.0 / np.log(10.0)
        return S
    if log == "db20":
        np.square(S, out=S)
    if ref == "max":
        offset = 10.0 * np.log10(max(amin, float(S.max())))
    else:
        offset = 10.0 * np.log10(max(amin, float(ref)))
    np.maximum(S, amin, out=S)
    np.log(S, out=S)  # numpy's float32 log is several times faster than log10
    S *= 10.0 / np.log(10.0)
    S -= offset
    if top_db is not None and np.isfinite(top_db):
        np.maximum(S, S.max() - top_db, out=S)
    return S


def _banded_projection(weights: np.ndarray, chunk: int = 128):
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
            blocks.append((start, stop, lo, hi, block))

    def apply(x: np.ndarray, out: np.ndarray) -> np.ndarray:
        out[...] = 0.0
        for start, stop, lo, hi, block in blocks:
            out[lo:hi] += block @ x[:, start:stop].T
        return out

    return apply


def _power(spec, power: float):
    """``|spec| ** power`` of a complex numpy array or torch tensor."""
    if power == 2.0:
        return spec.real**2 + spec.imag**2
    magnitude = abs(spec)
    return magnitude if power == 1.0 else magnitude**power


class _TorchSTFTMixin:
    """STFT-based features, exact to librosa's framing, on CPU threads or CUDA.

    CPU: each clip is framed (only its ends are padded) and transformed block
    by block (see :func:`_clip_features`); ``cpu_project(spec, dest)`` (numpy)
    writes the features of each block's complex STFT ``(frames, n_freqs)`` into
    ``dest`` ``(n_bins, frames)``, a slice of the clip's row of the output, and
    the log stage runs in place on the same thread. Clips run on
    ``torch.get_num_threads()`` threads with BLAS limited to one thread each.
    CUDA: the whole batch goes through ``torch.stft`` (cuFFT), ``cuda_project``
    (torch) on ``(B, n_frames, n_freqs)`` and the batched torch log stage.
    """

    def _spectra(self, clips, p, cpu_project, cuda_project, dest=None):
        """Log-scaled features of each clip, ``(n_bins, n_frames)`` float32.

        With ``dest`` (one ``(n_bins, >= n_frames)`` array per clip) the
        features are written into ``dest[i][:, :n_frames]`` instead of being
        returned as new arrays; the return value is then ``dest``.
        """
        import torch

        device = resolve_device(self.device)
        n_fft, hop = p["n_fft"], p["hop_length"]
        margin = n_fft // 2 if p["center"] else 0
        log_kwargs = self._log_kwargs(p)

        def pad(y):  # centre the frames as librosa does
            return np.pad(y, margin, mode=p["pad_mode"]) if margin else y

        window = _window(p["window"], n_fft, p["win_length"])
        if torch.device(device).type == "cpu" and not _TORCH_PATH_ON_CPU:
            from concurrent.futures import ThreadPoolExecutor

            from threadpoolctl import threadpool_limits

            n_bins = self._n_bins(p)
            out = list(dest) if dest is not None else [None] * len(clips)

            def run(i):
                S = _clip_features(
                    clips[i], window, n_fft, hop, margin, p["pad_mode"], cpu_project,
                    n_bins, out=out[i],
                )  # fmt: skip
                S = _log_clip(S, **log_kwargs)
                if out[i] is None:
                    out[i] = S

            n_threads = min(len(clips), torch.get_num_threads())

            def run_share(k):  # one task per thread, each walking its share
                for i in range(k, len(clips), n_threads):
                    run(i)

            with (
                threadpool_limits(1, user_api="blas"),
                ThreadPoolExecutor(n_threads) as pool,
            ):
                list(pool.map(run_share, range(n_threads)))
            return out
        lengths = [1 + (y.size + 2 * margin - n_fft) // hop for y in clips]
        padded = [pad(y) for y in clips]
        batch = np.zeros((len(clips), max(y.size for y in padded)), np.float32)
        for row, y in zip(batch, padded, strict=True):
            row[: y.size] = y
        spec = torch.stft(
            torch.from_numpy(batch).to(device), n_fft=n_fft, hop_length=hop,
            window=torch.from_numpy(window).to(device), center=False,
            return_complex=True,
        )  # fmt: skip
        S = cuda_project(spec.transpose(1, 2)).transpose(1, 2)
        lengths_t = torch.tensor(lengths, device=device)
        return _to_clips(_apply_log(S, lengths_t, **log_kwargs), lengths, dest)


def _to_clips(S, lengths, dest=None) -> list[np.ndarray]:
    """Split a padded torch batch ``(B, F, T)`` into per-clip numpy arrays."""
    S = S.float().cpu().numpy()
    if dest is None:
        return [S[b, :, :n] for b, n in enumerate(lengths)]
    for b, n in enumerate(lengths):
        dest[b][:, :n] = S[b, :, :n]
    return dest


class MelSpectrogram(_TorchSTFTMixin, _SpectrogramTransformer):
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
    verbose : int, default=0
        Show a progress bar over clips when > 0.
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
        fill_value=None,
        device="cpu",
        batch_size=16,
        n_jobs=None,
        verbose=0,
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
        self.fill_value = fill_value
        self.device = device
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.pcm_scale = pcm_scale
        self.cache_dir = cache_dir

    def _n_bins(self, p):
        return p["n_mels"]

    def mel_filterbank(self) -> np.ndarray:
        """Mel filterbank applied to the power spectrum.

        Built by :func:`librosa.filters.mel` with the resolved parameters.

        Returns
        -------
        filterbank : ndarray of shape (n_mels, 1 + n_fft // 2), dtype float32
            Row ``m`` holds the weights of mel band ``m`` over the FFT bins.
        """
        import librosa

        p = self.resolved_params()
        norm = None if p["norm"] == "none" else p["norm"]
        if p["fmax"] > p["sr"] / 2 + 1e-9:
            raise ValueError(
                f"fmax={p['fmax']} exceeds the Nyquist frequency sr/2={p['sr'] / 2}."
            )
        if p["fmin"] >= p["fmax"]:
            raise ValueError(f"fmin={p['fmin']} must be below fmax={p['fmax']}.")
        return librosa.filters.mel(
            sr=p["sr"], n_fft=p["n_fft"], n_mels=p["n_mels"], fmin=p["fmin"],
            fmax=p["fmax"], htk=p["htk"], norm=norm, dtype=np.float32,
        )  # fmt: skip

    def _compute(self, clips, p, names, dest=None):
        import torch

        fb = self.mel_filterbank().T  # (F, n_mels)
        power = p["power"]
        if power == 2.0:
            # |z|^2 @ fb == [re^2, im^2 interleaved] @ (fb rows repeated): squares
            # the float view of the STFT in place instead of making temporaries
            mel_pairs = _banded_projection(np.repeat(fb, 2, axis=0))

            def cpu_project(spec, dest):
                parts = spec.view(np.float32)
                return mel_pairs(np.square(parts, out=parts), dest)
        else:
            mel = _banded_projection(fb)

            def cpu_project(spec, dest):
                return mel(_power(spec, power).astype(np.float32, copy=False), dest)

        fb_device = torch.from_numpy(fb).to(resolve_device(self.device))

        def cuda_project(spec):
            return torch.matmul(_power(spec, power), fb_device)

        return self._spectra(clips, p, cpu_project, cuda_project, dest)


class STFTSpectrogram(_TorchSTFTMixin, _SpectrogramTransformer):
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
    fill_value : float, default=None
        Value of padding frames; ``None`` means NaN (see :func:`frame_lengths`).
    device : str, default="cpu"
        "cpu", "cuda", "cuda:N" or "auto".
    batch_size : int, default=16
        Clips computed together.
    n_jobs : int, default=None
        Threads decoding files in parallel.
    verbose : int, default=0
        Progress bar when > 0.
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
        fill_value=None,
        device="cpu",
        batch_size=16,
        n_jobs=None,
        verbose=0,
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
        self.fill_value = fill_value
        self.device = device
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.pcm_scale = pcm_scale
        self.cache_dir = cache_dir

    def _n_bins(self, p):
        return 1 + p["n_fft"] // 2

    def _compute(self, clips, p, names, dest=None):
        def cpu_project(spec, dest):
            dest[...] = _power(spec, p["power"]).T

        def cuda_project(spec):
            return _power(spec, p["power"])

        return self._spectra(clips, p, cpu_project, cuda_project, dest)


def _cqt_one(y, p, n_bins):
    import librosa

    C = librosa.cqt(
        y=y, sr=p["sr"], hop_length=p["hop_length"], fmin=p["fmin"], n_bins=n_bins,
        bins_per_octave=p["bins_per_octave"], filter_scale=p["filter_scale"],
        norm=p["cqt_norm"], sparsity=p["sparsity"], window=p["window"],
        pad_mode=p["pad_mode"], res_type=p["res_type"],
    )  # fmt: skip
    return (np.abs(C) ** p["power"]).astype(np.float32, copy=False)


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
    fill_value : float, default=None
        Value of padding frames; ``None`` means NaN.
    device : str, default="cpu"
        Device of the log stage.
    batch_size : int, default=16
        Clips handed to the workers at once.
    n_jobs : int, default=None
        Processes computing clips (and decoding files) in parallel.
    verbose : int, default=0
        Progress bar when > 0.
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
        fill_value=None,
        device="cpu",
        batch_size=16,
        n_jobs=None,
        verbose=0,
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

    def _n_bins(self, p):
        return self.n_bins

    def _frames_for(self, n_samples, p):
        return 1 + n_samples // p["hop_length"]

    def _compute(self, clips, p, names, dest=None):
        import librosa
        import torch
        from joblib import Parallel, delayed

        for y, name in zip(clips, names, strict=True):
            if y.size < 2:
                raise ValueError(f"{name} has {y.size} sample; the CQT needs >= 2.")
        try:
            specs = Parallel(n_jobs=self.n_jobs)(
                delayed(_cqt_one)(y, p, self.n_bins) for y in clips
            )
        except librosa.util.exceptions.ParameterError as exc:
            raise ValueError(
                f"Invalid CQT parameters for sr={p['sr']}: {exc} (lower n_bins or "
                "fmin, or raise sr)."
            ) from exc
        device = resolve_device(self.device)
        if torch.device(device).type == "cpu" and not _TORCH_PATH_ON_CPU:
            specs = [_log_clip(S, **self._log_kwargs(p)) for S in specs]
            if dest is None:
                return specs
            for row, S in zip(dest, specs, strict=True):
                row[:, : S.shape[1]] = S
            return dest
        lengths = [S.shape[1] for S in specs]
        batch = np.zeros((len(specs), self.n_bins, max(lengths)), dtype=np.float32)
        for row, S in zip(batch, specs, strict=True):
            row[:, : S.shape[1]] = S
        S = torch.from_numpy(batch).to(device)
        lengths_t = torch.tensor(lengths, device=device)
        return _to_clips(_apply_log(S, lengths_t, **self._log_kwargs(p)), lengths, dest)
