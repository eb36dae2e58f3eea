"""Regressors: the neural estimators with continuous targets.

Every architecture that classifies also regresses: :class:`CRNNRegressor`,
:class:`Conv2DRegressor`, :class:`Conv1DRegressor`,
:class:`ShortChunkCNNRegressor`, :class:`DielemanRegressor` and
:class:`SampleCNNRegressor` are the classifiers of :mod:`._neural` with a
real-valued target (one or several columns) instead of labels. They train
on the same random crops with the same budgets, schedules, checkpoints and
devices, and predict by averaging over the same chunks; only the targets,
the loss (mean squared error on standardised targets) and the validation
metric (R^2) differ. ``transform`` gives the embedding, as for the
classifiers.

:class:`MusicNet` branches on ``classes_`` and ``multilabel_`` in a few
places (output size, stratified split, mixup). A regressor has no classes:
while those code paths run, :meth:`NeuralRegressorMixin._as_outputs` lends
them a view of the targets as ``n_outputs_`` independent real columns (as
multi-label targets are), and removes it afterwards.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils._tags import RegressorTags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_y, _num_samples
from skorch.callbacks import EarlyStopping, EpochScoring

from ..models import (
    Conv1DModule,
    Conv2DModule,
    CRNNModule,
    DielemanModule,
    SampleCNNModule,
    ShortChunkResNetModule,
)
from ._base import MusicNet
from ._neural import _WaveformNet

__all__ = [
    "CRNNRegressor",
    "Conv1DRegressor",
    "Conv2DRegressor",
    "DielemanRegressor",
    "NeuralRegressorMixin",
    "SampleCNNRegressor",
    "ShortChunkCNNRegressor",
]

_NO_PROBABILITIES = available_if(lambda self: False)


class NeuralRegressorMixin(RegressorMixin):
    """Turns a :class:`MusicNet` classifier into a regressor (see the module
    docs). Put it first among the bases: ``class R(NeuralRegressorMixin,
    MusicNet)``."""

    # ------------------------------------------------------------------
    # targets
    # ------------------------------------------------------------------
    @contextmanager
    def _as_base(self, classes, multilabel: bool):
        """Lend ``classes_`` and ``multilabel_`` to MusicNet's code."""
        saved = {
            k: self.__dict__[k]
            for k in ("classes_", "multilabel_")
            if k in self.__dict__
        }
        self.classes_, self.multilabel_ = classes, multilabel
        try:
            yield
        finally:
            self.__dict__.pop("classes_", None)
            self.__dict__.pop("multilabel_", None)
            self.__dict__.update(saved)

    def _as_outputs(self):
        """The targets as ``n_outputs_`` real columns (as multi-label tags)."""
        return self._as_base(np.arange(self.n_outputs_), True)

    def _check_targets(self, X, y, *, reset: bool) -> np.ndarray:
        """Validate ``y``; return it standardised, ``(n_clips, n_outputs)``."""
        if y is None:
            raise ValueError(
                f"{self._name()} requires y to be passed, but the target y is None."
            )
        names = _target_names(y)
        y = _check_y(y, multi_output=True, y_numeric=True, estimator=self._name())
        n_clips = _num_samples(X)
        if len(y) != n_clips:
            raise ValueError(
                f"X has {n_clips} clips but y has {len(y)} targets; "
                f"{self._name()} needs one target (row) per clip."
            )
        y = np.asarray(y, dtype=np.float64)
        columns = y.reshape(len(y), -1)
        if reset:
            self.n_outputs_ = columns.shape[1]
            self.target_ndim_ = y.ndim
            self.target_names_ = (
                names if names is not None else _default_names(columns.shape[1])
            )
            self.y_mean_ = columns.mean(axis=0)
            scale = columns.std(axis=0)
            self.y_scale_ = np.where(scale > 0, scale, 1.0)
        elif columns.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {columns.shape[1]} target columns, but {self._name()} was "
                f"fitted with {self.n_outputs_}."
            )
        return ((columns - self.y_mean_) / self.y_scale_).astype(np.float32)

    def _dataset(self, X, y, seed, *, reset=True):
        targets = self._check_targets(X, y, reset=reset)
        # MusicNet's _dataset encodes class labels and may leave short clips
        # out (short="skip"): give it each clip's index as its label, so its
        # encoded labels say which targets the kept clips have
        index = np.arange(len(targets))
        with self._as_base(index, False), warnings.catch_warnings():
            # true of indices, and not the user's concern
            warnings.filterwarnings(
                "ignore", message="The number of unique classes", category=UserWarning
            )
            dataset = super()._dataset(X, index, seed, reset=reset)
        dataset.y = targets[np.asarray(dataset.y, dtype=np.int64)]
        return dataset

    def _check_params(self):
        super()._check_params()
        if getattr(self, "label_smoothing", 0) > 0:
            raise ValueError(
                f"label_smoothing smooths class labels; {self._name()} has "
                f"real-valued targets. Leave label_smoothing=0 "
                f"(got {self.label_smoothing!r})."
            )

    # ------------------------------------------------------------------
    # skorch hooks
    # ------------------------------------------------------------------
    def _module_shape_kwargs(self) -> dict:
        with self._as_outputs():
            return super()._module_shape_kwargs()

    def initialize_criterion(self):
        """Mean squared error on the standardised targets, unless a
        ``criterion`` is given."""
        if self.criterion is None:
            kwargs = self.get_params_for("criterion")
            self.criterion_ = torch.nn.MSELoss(**kwargs)
            return self
        return super().initialize_criterion()

    def _validation_callbacks(self) -> list:
        """MusicNet's, with R^2 of the validation crops as the metric."""
        with self._as_outputs():
            callbacks = super()._validation_callbacks()
        out, metric = [], None
        for name, callback in callbacks:
            if isinstance(callback, EpochScoring):
                metric = name
                name, callback = (
                    "valid_r2",
                    EpochScoring(
                        _valid_r2,
                        name="valid_r2",
                        lower_is_better=False,
                        use_caching=True,
                    ),
                )
            out.append((name, callback))
        for _, callback in out:
            if isinstance(callback, EarlyStopping) and callback.monitor == metric:
                callback.monitor = "valid_r2"
        return out

    def get_split_datasets(self, X, y=None, **fit_params):
        with self._as_outputs():
            return super().get_split_datasets(X, y, **fit_params)

    def train_step(self, batch, **fit_params):
        with self._as_outputs():  # mixup mixes real targets linearly
            return super().train_step(batch, **fit_params)

    # ------------------------------------------------------------------
    # prediction
    # ------------------------------------------------------------------
    def _outputs_from_logits(self, out):
        # the network predicts standardised targets: back to target units
        mean = torch.as_tensor(self.y_mean_, dtype=torch.float32, device=out.device)
        scale = torch.as_tensor(self.y_scale_, dtype=torch.float32, device=out.device)
        return out * scale + mean

    def _output_names(self):
        return np.asarray(self.target_names_, dtype=object)

    def predict(self, X):
        """Predict the targets, averaged over the chunks of each clip.

        Parameters
        ----------
        X : array-like
            Spectrograms (or waveforms), as in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_clips,) or (n_clips, n_outputs), float64
            One value per clip for a 1-D ``y`` in fit, else one row.
        """
        out = np.asarray(self._chunked(X, embed=False), dtype=np.float64)
        return out.ravel() if self.target_ndim_ == 1 else out

    def predict_over_time(self, X, *, hop=None, frame_rate=None, as_frame=False):
        """Predicted targets of consecutive chunks of each clip.

        Parameters are those of
        :meth:`~sklearn_music.estimators.CRNNClassifier.predict_proba_over_time`.

        Returns
        -------
        results : list of OverTime or pandas.DataFrame
            Per clip, the chunks' start and end seconds and their predicted
            targets (columns ``target_names_``).
        """
        return self._over_time(X, "predict", hop, frame_rate, as_frame)

    @_NO_PROBABILITIES
    def predict_proba(self, X):  # pragma: no cover - hidden
        """Not available: a regressor has no class probabilities."""

    @_NO_PROBABILITIES
    def predict_proba_over_time(self, X, **kwargs):  # pragma: no cover - hidden
        """Not available: use :meth:`predict_over_time`."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        tags.classifier_tags = None
        tags.regressor_tags = RegressorTags()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.target_tags.required = True
        return tags


def _target_names(y):
    """Column names of a pandas ``y`` (a Series' name), else None."""
    columns = getattr(y, "columns", None)
    if columns is not None:
        return [str(c) for c in columns]
    name = getattr(y, "name", None)
    if name is not None and np.ndim(y) == 1:
        return [str(name)]
    return None


def _default_names(n: int) -> list[str]:
    return ["target"] if n == 1 else [f"target_{j}" for j in range(n)]


def _valid_r2(net, dataset, y):
    """R^2 of the validation crops (standardised targets), averaged over
    the target columns; a constant column counts as 0."""
    pred = net.forward(dataset, training=False).cpu().numpy()
    y = np.asarray(y, dtype=np.float64).reshape(pred.shape)
    total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    residual = ((y - pred) ** 2).sum(axis=0)
    r2 = np.where(total > 0, 1 - residual / np.where(total > 0, total, 1), 0.0)
    return float(r2.mean())


_SEE = """{summary}

    Takes what :class:`{classifier}` takes and trains the same network on
    real-valued targets: ``y`` of shape ``(n_clips,)`` or ``(n_clips,
    n_outputs)`` (several targets at once). The targets are standardised for
    training (``y_mean_``, ``y_scale_``) and the network minimises the mean
    squared error; predictions are averaged over the chunks of each clip and
    mapped back to the targets' scale. ``transform`` returns the embedding,
    :meth:`predict_over_time` the predictions per chunk, and ``score`` R^2.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default={module}
        The network, as for :class:`{classifier}`; its ``n_outputs`` is the
        number of target columns.
    **kwargs
        Every other parameter of :class:`{classifier}` (budget, crops, chunk
        averaging, schedule, checkpoints, device, ...), with the same
        defaults; ``threshold`` is unused and ``label_smoothing`` must be 0.
        Early stopping and the validation metric use R^2 (``valid_r2``).

    Attributes
    ----------
    n_outputs_ : int
        Number of target columns.
    target_names_ : list of str
        Names of the targets (the columns of a pandas ``y``, else
        ``"target"`` or ``"target_0"``, ...).
    y_mean_ : ndarray of shape (n_outputs,)
        Mean of each target in fit.
    y_scale_ : ndarray of shape (n_outputs,)
        Standard deviation of each target in fit (1 where constant).
    n_features_in_ : int
        As for :class:`{classifier}`.
    chunk_size_ : int
        Crop and chunk length used.
    n_params_ : int
        Trainable parameters of the built module.
    module_ : torch.nn.Module
        The trained network.
    history_ : skorch.History
        Per-epoch losses, ``valid_r2`` and timings.

    See Also
    --------
    {classifier} : The same network for classes and tags.
"""


class CRNNRegressor(NeuralRegressorMixin, MusicNet):
    _architecture = "crnn"

    def __init__(self, *, module=CRNNModule, **kwargs):
        super().__init__(module, **kwargs)


class Conv2DRegressor(NeuralRegressorMixin, MusicNet):
    _architecture = "conv2d"

    def __init__(self, *, module=Conv2DModule, **kwargs):
        super().__init__(module, **kwargs)


class Conv1DRegressor(NeuralRegressorMixin, MusicNet):
    _architecture = "conv1d"

    def __init__(self, *, module=Conv1DModule, **kwargs):
        super().__init__(module, **kwargs)


class ShortChunkCNNRegressor(NeuralRegressorMixin, MusicNet):
    _architecture = "shortchunk"

    def __init__(self, *, module=ShortChunkResNetModule, **kwargs):
        super().__init__(module, **kwargs)


class DielemanRegressor(NeuralRegressorMixin, MusicNet):
    _architecture = "dieleman"

    def __init__(self, *, module=DielemanModule, **kwargs):
        super().__init__(module, **kwargs)


class SampleCNNRegressor(NeuralRegressorMixin, _WaveformNet):
    _architecture = "samplecnn"

    def __init__(
        self,
        *,
        module=SampleCNNModule,
        sr=22050,
        pcm_scale=None,
        chunk_size=59049,
        **kwargs,
    ):
        super().__init__(module, chunk_size=chunk_size, **kwargs)
        self.sr = sr
        self.pcm_scale = pcm_scale


for _cls, _classifier, _summary in (
    (CRNNRegressor, "CRNNClassifier", "Convolutional recurrent network regressor."),
    (Conv2DRegressor, "Conv2DTagger", "Fully convolutional 2-D network regressor."),
    (Conv1DRegressor, "Conv1DClassifier", "1-D convolutional network regressor."),
    (
        ShortChunkCNNRegressor,
        "ShortChunkCNNClassifier",
        "Short-chunk residual CNN regressor.",
    ),
    (DielemanRegressor, "DielemanClassifier", "Dieleman 1-D CNN regressor."),
    (SampleCNNRegressor, "SampleCNNClassifier", "Sample-level CNN regressor."),
):
    _cls.__doc__ = _SEE.format(
        summary=_summary,
        classifier=_classifier,
        module=_cls.__init__.__kwdefaults__["module"].__name__,
    )


def regressor_class(architecture: str) -> type:
    """The neural regressor of a registered architecture.

    Parameters
    ----------
    architecture : str
        A key of :data:`sklearn_music.models.ARCHITECTURES`.

    Returns
    -------
    cls : type
        The regressor class whose ``_architecture`` is ``architecture``.

    Examples
    --------
    >>> from sklearn_music.estimators import regressor_class
    >>> regressor_class("crnn").__name__
    'CRNNRegressor'
    """
    for cls in REGRESSORS:
        if cls._architecture == architecture:
            return cls
    known = ", ".join(repr(c._architecture) for c in REGRESSORS)
    raise ValueError(
        f"no regressor is registered for architecture {architecture!r}; "
        f"the regressors cover {known}."
    )


#: Every neural regressor, in registry order.
REGRESSORS = (
    CRNNRegressor,
    Conv2DRegressor,
    Conv1DRegressor,
    ShortChunkCNNRegressor,
    DielemanRegressor,
    SampleCNNRegressor,
)
