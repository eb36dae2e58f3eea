"""Machinery shared by the audio transformers: input handling, batching,
progress bars, devices, parameter resolution and the stateless-transformer
contract."""

from __future__ import annotations

import os
from dataclasses import asdict
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions

from .._errors import AudioInputError
from .._io import AudioSource, check_audio_input, check_clip_length
from ..utils import resolve_device
from ..utils._prefetch import prefetch
from ._presets import DEFAULTS, PRESETS

__all__ = ["AudioTransformerMixin", "SpectrogramPlan"]


#: seconds a transform runs before its progress bar appears at ``verbose=1``
_PROGRESS_DELAY_S = 5.0


class AudioTransformerMixin(TransformerMixin, BaseEstimator):
    """Base for stateless transformers that consume audio.

    Subclasses declare their parameters (they must include ``sr``, ``duration``,
    ``max_duration``, ``n_jobs``, ``verbose`` and ``pcm_scale``) and implement
    ``transform``.
    ``fit`` only validates parameters and the input container: these
    transformers learn nothing, so ``transform`` also works unfitted, exactly
    like :class:`~sklearn.preprocessing.FunctionTransformer`.
    """

    _shared_constraints: dict = {
        "duration": [Interval(Real, 0, None, closed="neither"), None],
        "max_duration": [Interval(Real, 0, None, closed="neither"), None],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "pcm_scale": [
            StrOptions({"dtype"}),
            Interval(Real, 0, None, closed="neither"),
            None,
        ],
    }

    def _target_sr(self) -> int:
        """Sampling rate audio is read at (after presets are resolved)."""
        return self.sr

    def _audio_source(
        self, X, *, reset: bool | None = None, sr: int | None = None
    ) -> AudioSource:
        """Check ``X``; with ``reset`` True/False also record/check its length.

        ``sr`` is the sampling rate to read audio at; ``None`` asks
        :meth:`_target_sr`.
        """
        sr = self._target_sr() if sr is None else sr
        source = check_audio_input(
            X,
            sr=sr,
            duration=self.duration,
            pcm_scale=self.pcm_scale,
            max_duration=self.max_duration,
        )
        if reset is not None:
            check_clip_length(self, X, source, reset=reset)
        return source

    def fit(self, X, y=None):
        """Validate the parameters and the input; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_samples), list of arrays or of paths
            Audio clips (see :ref:`input_formats`).
        y : None
            Ignored.

        Returns
        -------
        self : object
            This transformer. When all clips of ``X`` are arrays of one length
            (e.g. a 2-D array), ``n_features_in_`` records it, and
            ``transform`` then refuses 2-D arrays of another width (lists of
            clips of any length, and paths, are always accepted).
        """
        self._validate_params()
        self._audio_source(X, reset=True)
        return self

    def _progress(self, total: int):
        """A tqdm progress bar over clips: none with ``verbose=0``; with 1,
        shown once the work has run for 5 s (long inputs only); with 2 or
        more, from the start."""
        from tqdm.auto import tqdm

        return tqdm(
            total=total,
            desc=type(self).__name__,
            unit="clip",
            disable=not self.verbose,
            delay=0 if self.verbose >= 2 else _PROGRESS_DELAY_S,
            leave=False,
        )

    def _crop(self, y: np.ndarray) -> np.ndarray:
        """Crop a waveform to ``duration`` seconds (no-op when unset)."""
        if self.duration is None:
            return y
        return y[: self._duration_samples()]

    def _duration_samples(self, sr: int | None = None) -> int:
        """``duration`` in samples at ``sr`` (``None``: :meth:`_target_sr`)."""
        sr = self._target_sr() if sr is None else sr
        return max(1, round(self.duration * sr))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


_PAD_MODES = {"constant", "reflect", "edge", "symmetric", "wrap", "linear_ramp",
              "maximum", "mean", "median", "minimum"}  # fmt: skip


class SpectrogramPlan:
    """One ``transform`` call of a spectrogram transformer.

    Made once per call by the transformer's ``_plan``: it holds the
    parameters resolved into a frozen dataclass and the checked input, and it
    is the whole interface that the on-disk cache (:mod:`._cache`) uses.

    Attributes
    ----------
    name : str
        Class name of the transformer (it names the cache folder).
    identity : dict
        Everything that determines a clip's spectrogram: the transformer
        class, the resolved parameters and ``duration``.
    params : frozen dataclass
        Resolved parameters, with ``n_bins``, ``min_samples`` and
        ``n_frames(n_samples)``.
    source : AudioSource
        The checked input.
    n_bins : int
        Rows of every spectrogram.
    fill : float
        Value of the frames after the end of a shorter clip.
    fixed_frames : int or None
        Frames of every output row when ``duration`` is set.
    batch_size, n_jobs : int or None
        Clips computed together, threads decoding files.
    """

    def __init__(self, transformer, params, source):
        self._transformer = transformer
        self.name = type(transformer).__name__
        self.params = params
        self.source = source
        self.n_bins = params.n_bins
        self.fill = np.nan if transformer.fill_value is None else transformer.fill_value
        self.batch_size = transformer.batch_size
        self.n_jobs = transformer.n_jobs
        duration = transformer.duration
        self.identity = {
            "transformer": type(transformer).__qualname__,
            "params": asdict(params),
            "duration": duration,
        }
        self._max_samples = None
        self.fixed_frames = None
        if duration is not None:
            self._max_samples = transformer._duration_samples(params.sr)
            self.fixed_frames = params.n_frames(self._max_samples)

    def clip_frames(self, n_samples: int) -> int:
        """Frames of the output of a clip of ``n_samples`` samples (cropped to
        ``duration`` first)."""
        if self._max_samples is not None:
            n_samples = min(n_samples, self._max_samples)
        return self.params.n_frames(n_samples)

    def progress(self, total: int):
        """A progress bar over ``total`` clips (shown when ``verbose``)."""
        return self._transformer._progress(total)

    def compute(self, indices) -> list[np.ndarray]:
        """Spectrograms ``(n_bins, n_frames_i)`` of the items ``indices``,
        decoded and computed ``batch_size`` at a time."""
        sub = self.source.subset(indices)
        specs = []
        for idx, clips in self._batches(sub):
            specs.extend(self._spectra(sub, idx, clips))
        return specs

    def _batches(self, source):
        """``source.iter_batches``; files are decoded one batch ahead, on a
        background thread, while the current batch is computed."""
        batches = source.iter_batches(self.batch_size, n_jobs=self.n_jobs)
        return prefetch(batches) if source.has_paths else batches

    def _spectra(self, source, idx, clips, dest=None):
        """Spectrograms of the decoded ``clips`` of ``source`` items ``idx``.

        Crops each clip to ``duration`` and returns one ``(n_bins,
        n_frames_i)`` array per clip, or fills ``dest`` (one ``(n_bins, >=
        n_frames_i)`` array per clip) and returns it.
        """
        if self._max_samples is not None:
            clips = [y[: self._max_samples] for y in clips]
        min_samples = self.params.min_samples
        for i, y in zip(idx, clips, strict=True):
            if y.size < min_samples:
                raise ValueError(
                    f"{source.describe(i)} has {y.size} samples, fewer than "
                    f"n_fft={min_samples} needed with center=False."
                )
        names = [source.describe(i) for i in idx]
        specs = self._transformer._compute(clips, self.params, names, dest)
        for S, y, name in zip(specs, clips, names, strict=True):
            if not np.isfinite(S[:, : self.params.n_frames(y.size)]).all():
                raise AudioInputError(
                    f"{name} gives non-finite values after {self.name}: its "
                    "samples are too large for the output (log='none' keeps the "
                    "raw power in float32). Scale the audio down or use a log stage."
                )
        return specs

    def to_array(self) -> np.ndarray:
        """The output of ``transform`` in memory, ``(n_clips, n_bins, n_frames)``."""
        source, n_bins, fill = self.source, self.n_bins, self.fill
        out = None
        if self.fixed_frames is not None:
            out = np.full((len(source), n_bins, self.fixed_frames), fill, np.float32)
        elif not source.has_paths:  # lengths known: compute straight into the output
            frames = [self.params.n_frames(y.size) for y in source.items]
            out = np.empty((len(source), n_bins, max(frames)), dtype=np.float32)
            for row, n in zip(out, frames, strict=True):
                row[:, n:] = fill
        pieces: list[np.ndarray] = []
        with self.progress(len(source)) as bar:
            for idx, clips in self._batches(source):
                dest = None if out is None else [out[i] for i in idx]
                specs = self._spectra(source, idx, clips, dest)
                if out is None:
                    pieces.extend(specs)
                bar.update(len(idx))
        if out is not None:
            return out
        width = max(S.shape[1] for S in pieces)
        out = np.empty((len(pieces), n_bins, width), dtype=np.float32)
        for row, S in zip(out, pieces, strict=True):
            row[:, : S.shape[1]] = S
            row[:, S.shape[1] :] = fill
        return out


class _SpectrogramTransformer(AudioTransformerMixin):
    """Shared logic of the spectrogram front-ends: parameter resolution,
    cropping, batching and assembling the padded output.

    Subclasses implement ``_resolve`` (the resolved parameters as a frozen
    dataclass) and ``_compute(clips, params, names, dest=None)`` (the
    spectrograms of a batch of cropped clips, see ``SpectrogramPlan``).
    """

    _spectrogram_constraints: dict = {
        "sr": [Interval(Integral, 1, None, closed="left"), None],
        "hop_length": [Interval(Integral, 1, None, closed="left"), None],
        "window": [str, tuple, Real, callable, "array-like", None],
        "pad_mode": [StrOptions(_PAD_MODES), None],
        "power": [Interval(Real, 0, None, closed="neither"), None],
        "log": [StrOptions({"db", "db20", "log1p", "none"}), None],
        "ref": [Interval(Real, 0, None, closed="neither"), StrOptions({"max"}), None],
        "amin": [Interval(Real, 0, None, closed="neither"), None],
        # numpy.inf is documented to disable top_db
        "top_db": [Interval(Real, 0, np.inf, closed="both"), None],
        "log_gain": [Interval(Real, 0, None, closed="neither"), None],
        "fill_value": [Real, None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "cache_dir": [str, os.PathLike, None],
        **AudioTransformerMixin._shared_constraints,
    }

    #: parameters that presets may set, with their library defaults
    _defaults: dict = DEFAULTS

    #: Backend of the spectral engine: ``None`` runs numpy on the CPU and
    #: torch on CUDA; ``"torch"`` runs the torch (CUDA) code path on the CPU
    #: too. A private switch for tests, set on an instance.
    _backend: str | None = None

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
        own = self.get_params(deep=False)
        out = {}
        for name, default in self._defaults.items():
            if name not in own:
                continue
            value = own[name]
            out[name] = preset.get(name, default) if value is None else value
        if "n_fft" in out:
            if out.get("hop_length") is None:
                out["hop_length"] = max(1, out["n_fft"] // 4)  # n_fft < 4: 1
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

    def _resolve(self):  # pragma: no cover - abstract
        """The resolved parameters as a frozen dataclass."""
        raise NotImplementedError

    def _check_resolved(self, params) -> None:
        """Check combinations of resolved parameters (after the input)."""

    def _target_sr(self) -> int:
        return self.resolved_params()["sr"]

    def _device_backend(self) -> tuple[str, str]:
        """``(backend, device)`` of the spectral engine for ``self.device``."""
        import torch

        device = resolve_device(self.device)
        if self._backend is not None:
            return self._backend, device
        return ("numpy" if torch.device(device).type == "cpu" else "torch"), device

    def _plan(self, X) -> SpectrogramPlan:
        """Validate, resolve the parameters once and check the input."""
        self._validate_params()
        params = self._resolve()
        source = self._audio_source(X, reset=False, sr=params.sr)
        self._check_resolved(params)
        return SpectrogramPlan(self, params, source)

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
        plan = self._plan(X)
        if self.cache_dir is not None:
            from ._cache import cached_transform

            return cached_transform(self.cache_dir, plan)
        return plan.to_array()
