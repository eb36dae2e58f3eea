"""Machinery shared by the audio transformers: input handling, batching,
progress bars, devices and the stateless-transformer contract."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions

from .._io import AudioSource, check_audio_input, check_clip_length

__all__ = ["AudioTransformerMixin"]


class AudioTransformerMixin(TransformerMixin, BaseEstimator):
    """Base for stateless transformers that consume audio.

    Subclasses declare their parameters (they must include ``sr``, ``duration``,
    ``n_jobs``, ``verbose`` and ``pcm_scale``) and implement ``transform``.
    ``fit`` only validates parameters and the input container: these
    transformers learn nothing, so ``transform`` also works unfitted, exactly
    like :class:`~sklearn.preprocessing.FunctionTransformer`.
    """

    _shared_constraints: dict = {
        "duration": [Interval(Real, 0, None, closed="neither"), None],
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

    def _audio_source(self, X, *, reset: bool | None = None) -> AudioSource:
        """Check ``X``; with ``reset`` True/False also record/check its length."""
        source = check_audio_input(
            X, sr=self._target_sr(), duration=self.duration, pcm_scale=self.pcm_scale
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
        """A tqdm progress bar over clips, disabled unless ``verbose``."""
        from tqdm.auto import tqdm

        return tqdm(
            total=total,
            desc=type(self).__name__,
            unit="clip",
            disable=not self.verbose,
            leave=False,
        )

    def _crop(self, y: np.ndarray) -> np.ndarray:
        """Crop a waveform to ``duration`` seconds (no-op when unset)."""
        if self.duration is None:
            return y
        return y[: self._duration_samples()]

    def _duration_samples(self) -> int:
        return max(1, round(self.duration * self._target_sr()))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
