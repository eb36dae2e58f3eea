"""The skorch glue shared by every neural estimator.

:class:`MusicNet` turns a torch module into a scikit-learn classifier and
transformer:

* validates its parameters (``_parameter_constraints``), ``X`` and ``y``
  (labels for multi-class, an indicator matrix or tag lists for multi-label,
  encoded by :class:`~sklearn_music._targets.ClassEncoder`);
* builds the module in :meth:`initialize_module` from the shapes seen in the
  data and, for a registered architecture (:mod:`sklearn_music.models`),
  the widths of ``param_budget``, under the user's ``module__*`` values; any
  other ``torch.nn.Module`` whose constructor takes the shape arguments
  works too;
* trains on random fixed-length crops (``chunk_size``) of the valid part of
  every clip, validates on centre crops, and predicts by averaging the
  model's probabilities over chunks covering each whole clip
  (:func:`~._data.average_over_chunks`);
* exposes the penultimate-layer embedding through :meth:`transform`;
* with ``checkpoint_dir``, checkpoints every epoch and resumes an interrupted
  fit where it stopped (see :mod:`._checkpoint`);
* runs on ``device``, "auto" resolved without changing the parameter (see
  :mod:`._device`).

``MusicNet`` itself reads spectrograms; an estimator for another kind of
input overrides :meth:`~MusicNet._check_X` and
:meth:`~MusicNet._module_shape_kwargs` (see ``_WaveformNet``). Model files
are written and read in :mod:`._persistence`.
"""

from __future__ import annotations

import os
from functools import partial
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin, TransformerMixin
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
    validate_parameter_constraints,
)
from skorch import NeuralNet

from .._targets import ClassEncoder
from ..models import (
    ARCHITECTURES,
    architecture_for_budget,
    architecture_of,
    count_parameters,
    get_architecture,
)
from . import _persistence
from ._data import (
    ChunkDataset,
    average_over_chunks,
    check_spectrograms,
    spec_augment,
    split_train_valid,
)
from ._device import AutoDeviceMixin, DeviceNames
from ._fastpath import FastTrainingMixin, to_device
from ._over_time import OverTimeMixin
from ._recipe import short_clips, validation_callbacks
from ._repr import SignatureReprMixin

__all__ = ["MusicNet"]


_POSITIVE_INT = Interval(Integral, 1, None, closed="left")


class MusicNet(
    SignatureReprMixin,
    ClassifierMixin,
    TransformerMixin,
    OverTimeMixin,
    AutoDeviceMixin,
    FastTrainingMixin,
    NeuralNet,
):
    """Base class of the neural estimators (see the subclasses for docs).

    A subclass sets ``_architecture``, the key of its architecture in
    :data:`~sklearn_music.models.ARCHITECTURES` (the default ``module``,
    the unit of the input's time axis), and defines ``__init__`` with its
    own defaults. ``MusicNet`` reads spectrograms; a subclass for other
    input overrides :meth:`_check_X` and :meth:`_module_shape_kwargs`.
    """

    _architecture: str = ""
    #: parameters that say where and how training runs, not what the model
    #: is: model files do not store them
    _unsaved_params: tuple[str, ...] = ("device", "checkpoint_dir")

    _parameter_constraints: dict = {
        "module": [HasMethods(["forward"])],
        "criterion": [None, HasMethods(["forward"])],
        "optimizer": [callable],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [_POSITIVE_INT],
        "batch_size": [_POSITIVE_INT],
        "iterator_train": [callable],
        "iterator_valid": [callable],
        "dataset": [callable],
        "train_split": [None, Interval(RealNotInt, 0, 1, closed="neither"), callable],
        "callbacks": [None, list, tuple, StrOptions({"disable"})],
        "predict_nonlinearity": [None, callable, StrOptions({"auto"})],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "device": [None, DeviceNames(), torch.device],
        "compile": ["boolean"],
        "use_caching": ["boolean", StrOptions({"auto"})],
        "torch_load_kwargs": [None, dict],
        "param_budget": [None, Interval(Real, 0, None, closed="neither")],
        "chunk_size": [None, _POSITIVE_INT],
        "max_chunks": [None, _POSITIVE_INT],
        "crops_per_clip": [_POSITIVE_INT],
        "chunk_hop": [Interval(Real, 0, 1, closed="right")],
        "short": [StrOptions({"pad", "repeat", "skip", "raise"})],
        "frame_rate": [Interval(Real, 0, None, closed="neither")],
        "threshold": [Interval(Real, 0, 1, closed="neither")],
        "patience": [None, _POSITIVE_INT],
        "monitor": [StrOptions({"metric", "loss"})],
        "lr_schedule": [None, StrOptions({"plateau", "cosine", "warmup_cosine"})],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "spec_augment": ["boolean"],
        "mixup_alpha": [Interval(Real, 0, None, closed="left")],
        "amp": ["boolean"],
        "checkpoint_dir": [None, str, os.PathLike],
        "random_state": ["random_state"],
    }

    # ------------------------------------------------------------------
    # construction
    # ------------------------------------------------------------------
    def __init__(
        self,
        module,
        *,
        param_budget=None,
        chunk_size=128,
        max_chunks=None,
        crops_per_clip=4,
        chunk_hop=0.5,
        short="pad",
        frame_rate=22050 / 512,
        threshold=0.5,
        criterion=None,
        optimizer=torch.optim.AdamW,
        lr=1e-3,
        max_epochs=30,
        batch_size=32,
        train_split=0.2,
        patience=10,
        monitor="metric",
        lr_schedule="warmup_cosine",
        warmup_epochs=2,
        label_smoothing=0.0,
        spec_augment=True,
        mixup_alpha=0.0,
        amp=False,
        callbacks=None,
        checkpoint_dir=None,
        device="cpu",
        random_state=None,
        verbose=1,
        **kwargs,
    ):
        kwargs.setdefault("iterator_train__shuffle", True)
        super().__init__(
            module,
            criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            callbacks=callbacks,
            device=device,
            verbose=verbose,
            **kwargs,
        )
        self.param_budget = param_budget
        self.chunk_size = chunk_size
        self.max_chunks = max_chunks
        self.crops_per_clip = crops_per_clip
        self.chunk_hop = chunk_hop
        self.short = short
        if self._input_kind() == "spectrogram":
            # waveform estimators count time in samples at ``sr``
            self.frame_rate = frame_rate
        self.threshold = threshold
        self.patience = patience
        self.monitor = monitor
        self.lr_schedule = lr_schedule
        self.warmup_epochs = warmup_epochs
        self.label_smoothing = label_smoothing
        self.spec_augment = spec_augment
        self.mixup_alpha = mixup_alpha
        self.amp = amp
        self.checkpoint_dir = checkpoint_dir
        self.random_state = random_state

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    def _name(self) -> str:
        return type(self).__name__

    @property
    def _unit(self) -> str:
        """What one step of the input's time axis is ("frames", "samples")."""
        return get_architecture(self._architecture).unit

    @classmethod
    def _input_kind(cls) -> str:
        """ "spectrogram" or "waveform", from the estimator's architecture."""
        if cls._architecture in ARCHITECTURES:
            return ARCHITECTURES[cls._architecture].input_kind
        return "spectrogram"

    def _steps_per_second(self) -> float:
        """Steps of the input's time axis per second (frames or samples)."""
        return float(getattr(self, "frame_rate", None) or getattr(self, "sr", 1))

    def _length_text(self, n: int) -> str:
        """``n`` time steps as error messages show them: seconds first."""
        return f"{n / self._steps_per_second():.2f} s ({int(n)} {self._unit})"

    def _pad_value(self, clip) -> float:
        """The value of silence that ``short="pad"`` appends: the clip's
        lowest value (the floor of a log spectrogram)."""
        return float(np.min(clip))

    def _check_params(self):
        """Each parameter against ``_parameter_constraints``, then the rules
        that tie parameters together."""
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=self._name(),
        )
        if self.checkpoint_dir is not None and isinstance(self.callbacks, str):
            raise ValueError(
                "checkpoint_dir needs callbacks, but callbacks='disable' turns "
                "them all off; use one or the other."
            )
        self._check_module_params()

    def _check_module_params(self):
        """``module`` against ``param_budget`` and the ``module__*`` widths."""
        spec = architecture_of(self.module)
        own = get_architecture(self._architecture)
        name = _module_name(self.module)
        if spec is not None and spec.input_kind != own.input_kind:
            raise ValueError(
                f"{self._name()} takes {own.input_kind}s, but module={name} is "
                f"the {spec.input_kind} architecture {spec.key!r}; use the "
                "estimator of that architecture."
            )
        if self.param_budget is None:
            return
        overrides = self.get_params_for("module")
        if spec is None:
            raise ValueError(
                f"param_budget chooses the layer widths of the registered "
                f"architectures ({', '.join(sorted(ARCHITECTURES))}), but "
                f"module={name} is not one of them; leave param_budget=None "
                "and size your module with module__* parameters."
            )
        if isinstance(self.module, torch.nn.Module) and not overrides:
            raise ValueError(
                f"param_budget chooses the layer widths a module is built with, "
                f"but module={name} is already built; pass the class "
                f"{type(self.module).__name__} instead."
            )
        explicit = sorted(set(spec.width_args) & set(overrides))
        if explicit:
            raise ValueError(
                f"param_budget={self.param_budget!r} chooses the layer widths, so it "
                f"cannot be combined with module__{', module__'.join(explicit)}; "
                "set one or the other."
            )

    def _check_X(self, X, *, reset: bool):
        """Validate spectrograms ``X``; return ``(clips, lengths)`` and, on
        ``reset``, record ``n_features_in_`` (the mel bands)."""
        n_mels = None if reset else self.n_features_in_
        clips, lengths = check_spectrograms(X, n_mels=n_mels, name=self._name())
        if reset:
            self.n_features_in_ = clips[0].shape[0]
        return clips, lengths

    def _augmentation(self):
        """``augment(crop, rng)`` for training crops, or None."""
        return spec_augment if self.spec_augment else None

    def _encoder(self) -> ClassEncoder:
        """The target encoder of the fitted estimator."""
        return ClassEncoder(
            self._name(), classes=self.classes_, multilabel=self.multilabel_
        )

    # ------------------------------------------------------------------
    # skorch hooks
    # ------------------------------------------------------------------
    def _module_shape_kwargs(self) -> dict:
        """The module's shape arguments, from the data seen in fit."""
        return {"n_mels": self.n_features_in_, "n_outputs": len(self.classes_)}

    def initialize_module(self):
        """Build the module: shapes from the data, then (for a registered
        architecture) the widths of ``param_budget``, then any ``module__*``
        parameter. A module instance without ``module__*`` parameters is
        used as it was built."""
        overrides = self.get_params_for("module")
        if isinstance(self.module, torch.nn.Module) and not overrides:
            kwargs, module = {}, self.module
        else:
            kwargs = self._module_shape_kwargs()
            spec = architecture_of(self.module)
            if spec is not None and not set(spec.width_args) & set(overrides):
                # the budget is solved for the module as the user configured it
                kwargs.update(
                    architecture_for_budget(
                        spec.key, self.param_budget, **kwargs, **overrides
                    )
                )
            kwargs.update(overrides)
            module = self.initialized_instance(self.module, kwargs)
        self.module_ = module
        self.module_kwargs_ = kwargs
        self.n_params_ = count_parameters(self.module_)
        return self

    def initialize_criterion(self):
        """Cross-entropy for multi-class, per-tag BCE for multi-label, unless a
        ``criterion`` is given."""
        if self.criterion is None:
            kwargs = self.get_params_for("criterion")
            if getattr(self, "multilabel_", False):
                self.criterion_ = torch.nn.BCEWithLogitsLoss(**kwargs)
            else:
                kwargs.setdefault("label_smoothing", self.label_smoothing)
                self.criterion_ = torch.nn.CrossEntropyLoss(**kwargs)
            return self
        return super().initialize_criterion()

    def get_default_callbacks(self):
        callbacks = list(super().get_default_callbacks())
        if self.verbose == 0:
            callbacks = [(n, cb) for n, cb in callbacks if n != "print_log"]
        if self.train_split is not None:
            callbacks.extend(self._validation_callbacks())
        if self.checkpoint_dir is not None:
            from ._checkpoint import TrainingCheckpoint

            # last, so that it saves the state the other callbacks reached
            callbacks.append(("checkpoint", TrainingCheckpoint()))
        return callbacks

    def _validation_callbacks(self) -> list:
        """The validation metric, early stopping and the LR schedule (see
        :func:`._recipe.validation_callbacks`)."""
        return validation_callbacks(self)

    def get_iterator(self, dataset, training=False):
        """skorch's iterator; a training pass whose last batch would hold a
        single crop drops it (BatchNorm cannot train on one value per
        channel)."""
        if training and len(dataset) > self.batch_size:
            if len(dataset) % self.batch_size == 1:
                kwargs = self.get_params_for("iterator_train")
                kwargs.setdefault("batch_size", self.batch_size)
                kwargs.setdefault("drop_last", True)
                return self.iterator_train(dataset, **kwargs)
        return super().get_iterator(dataset, training=training)

    def get_split_datasets(self, X, y=None, **fit_params):
        """Split a float ``train_split`` into random-crop training and
        centre-crop validation sets (stratified for single-label targets)."""
        split = self.train_split
        if not isinstance(split, Real) or isinstance(split, bool):
            return super().get_split_datasets(X, y, **fit_params)
        n_classes = None if self.multilabel_ else len(self.classes_)
        return split_train_valid(X, split, n_classes=n_classes, hop=self.chunk_hop)

    def infer(self, x, **fit_params):
        """The module's output for a batch, on the resolved device (bfloat16
        autocast on CUDA with ``amp``)."""
        x = to_device(x, self._compute_device())
        autocast = self.amp and x.device.type == "cuda"
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast):
            out = self.module_(x, **fit_params)
        return out.float() if autocast else out

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if training and self.mixup_alpha > 0:
            y_true = self._mixup_targets_
        y_true = y_true.to(y_pred.device, non_blocking=True)
        if self.label_smoothing > 0 and getattr(self, "multilabel_", False):
            y_true = y_true.float() * (1 - self.label_smoothing)
            y_true = y_true + self.label_smoothing / 2
        return self.criterion_(y_pred, y_true)

    def train_step(self, batch, **fit_params):
        # mixup here rather than in train_step_single, which AccelerateMixin
        # replaces: once per batch, whatever the optimizer or the mixin
        if self.mixup_alpha > 0:
            Xi, yi = batch
            lam = float(self._mixup_rng_.beta(self.mixup_alpha, self.mixup_alpha))
            perm = torch.from_numpy(self._mixup_rng_.permutation(len(Xi)))
            Xi = lam * Xi + (1 - lam) * Xi[perm]
            if self.multilabel_:
                soft = yi.float()
            else:
                soft = torch.nn.functional.one_hot(yi, len(self.classes_)).float()
            self._mixup_targets_ = lam * soft + (1 - lam) * soft[perm]
            batch = (Xi, yi)
        return super().train_step(batch, **fit_params)

    # ------------------------------------------------------------------
    # placement
    # ------------------------------------------------------------------
    def _unwrapped_module(self) -> torch.nn.Module:
        """``module_`` itself (``AccelerateMixin`` may wrap it while training)."""
        return self.module_

    def _is_main_process(self) -> bool:
        """Whether this process writes checkpoints (one of several processes
        under ``accelerate launch``)."""
        return True

    # ------------------------------------------------------------------
    # fit
    # ------------------------------------------------------------------
    def _dataset(self, X, y, seed, *, reset=True):
        clips, lengths = self._check_X(X, reset=reset)
        if reset:
            encoder = ClassEncoder(self._name())
            y_enc = encoder.fit_transform(y, n_samples=len(clips))
            self.classes_, self.multilabel_ = encoder.classes_, encoder.multilabel_
        else:
            y_enc = self._encoder().transform(y, n_samples=len(clips))
        if not reset:
            chunk = self.chunk_size_
        elif self.chunk_size is not None:
            chunk = self.chunk_size
        else:
            chunk = int(lengths.min())
        self.chunk_size_ = int(chunk)
        clips, lengths, keep = self._short_clips(X, clips, lengths, fitting=True)
        if keep is not None and reset:
            # the classes are those of the clips kept
            encoder = ClassEncoder(self._name())
            y_enc = encoder.fit_transform(_safe_indexing(y, keep), n_samples=len(keep))
            self.classes_, self.multilabel_ = encoder.classes_, encoder.multilabel_
        elif keep is not None:
            y_enc = y_enc[keep]
        return ChunkDataset(
            clips,
            y_enc,
            chunk=self.chunk_size_,
            random=True,
            seed=seed,
            augment=self._augmentation(),
            crops=self.crops_per_clip,
        )

    def _short_clips(self, X, clips, lengths, *, fitting: bool):
        """Apply the ``short`` policy (:func:`._recipe.short_clips`)."""
        return short_clips(self, X, clips, lengths, fitting=fitting)

    def fit(self, X, y=None, **fit_params):
        """Train the network on ``X`` and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_mels, n_frames)
            Spectrograms (e.g. the output of
            :class:`~sklearn_music.features.MelSpectrogram`); NaN frames at the
            end of a clip are padding. Raw-audio estimators take waveforms.
        y : array-like of shape (n_clips,) or (n_clips, n_tags), or list of lists
            Class labels (multi-class), a 0/1 indicator matrix or a list of
            tag lists (multi-label).
        **fit_params : dict
            Passed to the module's ``forward``.

        Returns
        -------
        self : object
            The fitted estimator.

        Notes
        -----
        With ``checkpoint_dir`` set, the training state is saved after every
        epoch in ``checkpoint_dir_``, a subdirectory named after the data and
        the parameters. A later ``fit`` of the same data with the same
        parameters (``device``, ``verbose`` and ``callbacks`` aside) resumes
        from the last saved epoch, or restores the finished model without
        training. On the CPU the resumed run ends with the same weights as an
        uninterrupted one.
        """
        self._check_params()
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        dataset = self._dataset(X, y, seed)
        fresh = not self.warm_start or not self.initialized_
        directory = checkpoint = None
        if self.checkpoint_dir is not None and fresh:
            directory, checkpoint, seed = self._open_checkpoint(
                dataset, fit_params, seed
            )
        self._mixup_rng_ = np.random.default_rng(seed + 1)
        with self._seeded(seed):
            if fresh:
                self.initialize()
            self._check_chunk_fits_module()
            if directory is None:
                NeuralNet.partial_fit(self, dataset, dataset.y, **fit_params)
                return self
            saver = dict(self.callbacks_)["checkpoint"]
            epochs = saver.start(self, directory, seed, checkpoint)
            try:
                # skorch's partial_fit hands `epochs` on to fit_loop
                NeuralNet.partial_fit(
                    self, dataset, dataset.y, epochs=epochs, **fit_params
                )
            finally:
                saver.stop()
        return self

    def _open_checkpoint(self, dataset, fit_params, seed):
        """This fit's checkpoint directory, its checkpoint (or None) and the
        seed to train with (that of an interrupted run, if any)."""
        from ._checkpoint import checkpoint_directory, read_checkpoint

        directory = checkpoint_directory(self, dataset, fit_params)
        checkpoint = read_checkpoint(directory)
        if checkpoint is not None and checkpoint["seed"] != seed:
            # random_state=None: carry on with the interrupted run's seed
            seed = checkpoint["seed"]
            dataset.rng = np.random.default_rng(seed)
        self.checkpoint_dir_ = os.fspath(directory)
        return directory, checkpoint, seed

    def _min_input_length(self) -> int:
        """The shortest input the module takes (1 if it does not say)."""
        return int(getattr(self._unwrapped_module(), "min_input_length", 1))

    def _check_chunk_fits_module(self):
        minimum = self._min_input_length()
        if self.chunk_size_ < minimum:
            source = (
                "the shortest training clip"
                if self.chunk_size is None
                else f"chunk_size={self.chunk_size}"
            )
            raise ValueError(
                f"{type(self.module_).__name__} needs inputs of at least "
                f"{self._length_text(minimum)}, but {source} gives "
                f"{self._length_text(self.chunk_size_)}. Raise chunk_size, or "
                "use module__pooling='capped' (spectrogram models), smaller "
                "pools (module__pool_sizes) or fewer blocks."
            )

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Continue training (warm start) on ``X`` and ``y``; see :meth:`fit`.

        The input shape must match the first call, and ``y`` may only use the
        classes (or tags) seen then. ``partial_fit`` neither reads nor writes
        checkpoints.
        """
        if not getattr(self, "initialized_", False):
            return self.fit(X, y, **fit_params)
        self._check_params()
        # a fresh stream of crops per call, still determined by random_state
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        seed = (seed + len(self.history_)) % (2**31 - 1)
        dataset = self._dataset(X, y, seed, reset=False)
        with self._seeded(seed):
            NeuralNet.partial_fit(self, dataset, dataset.y, **fit_params)
        return self

    # ------------------------------------------------------------------
    # prediction
    # ------------------------------------------------------------------
    def _chunked(self, X, embed: bool) -> np.ndarray:
        """Model outputs averaged over chunks covering each whole clip."""
        self.check_is_fitted()
        clips, lengths = self._check_X(X, reset=False)
        clips, lengths, _ = self._short_clips(X, clips, lengths, fitting=False)
        self.module_.eval()
        return average_over_chunks(
            clips,
            lengths,
            partial(self._forward_chunks, embed=embed),
            chunk=self.chunk_size_,
            max_chunks=self.max_chunks,
            hop=self.chunk_hop,
            batch_size=self.batch_size,
            device=self._compute_device(),
        )

    def _forward_chunks(self, x, embed: bool):
        autocast = self.amp and x.device.type == "cuda"
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast):
            if embed:
                return self._unwrapped_module().embed(x)
            logits = self.module_(x)
        return self._outputs_from_logits(logits.float())

    def _outputs_from_logits(self, logits):
        """What prediction averages over chunks: probabilities here (sigmoid
        per tag, or softmax over classes); regressors map back to target
        units instead."""
        if self.multilabel_:
            return torch.sigmoid(logits)
        return torch.softmax(logits, dim=1)

    def predict_proba(self, X):
        """Class (or tag) probabilities averaged over the chunks of each clip.

        Parameters
        ----------
        X : array-like
            Spectrograms (or waveforms), as in :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_clips, n_classes)
            Softmax probabilities (rows sum to 1) for multi-class; independent
            per-tag sigmoid probabilities for multi-label. Columns follow
            ``classes_``.
        """
        return self._chunked(X, embed=False)

    def predict(self, X):
        """Predict labels (multi-class) or a 0/1 tag matrix (multi-label).

        Parameters
        ----------
        X : array-like
            Spectrograms (or waveforms), as in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_clips,) or (n_clips, n_tags)
            ``classes_[argmax(proba)]``, or ``proba >= threshold`` per tag.
        """
        proba = self.predict_proba(X)
        if self.multilabel_:
            return (proba >= self.threshold).astype(np.int64)
        return self.classes_[np.argmax(proba, axis=1)]

    def transform(self, X):
        """Penultimate-layer embedding, averaged over the chunks of each clip.

        Parameters
        ----------
        X : array-like
            Spectrograms (or waveforms), as in :meth:`fit`.

        Returns
        -------
        embedding : ndarray of shape (n_clips, embedding_dim), float32
            The representation the output layer reads (the module's
            ``embed``); use it for recommendation or as features for another
            classifier.
        """
        self.check_is_fitted()
        module = self._unwrapped_module()
        if not callable(getattr(module, "embed", None)):
            raise TypeError(
                f"transform returns the module's embedding, but "
                f"{type(module).__name__} has no embed method. Give it "
                "embed(x) -> (batch, embedding_dim), the representation its "
                "output layer reads, or use predict_proba."
            )
        return self._chunked(X, embed=True).astype(np.float32)

    def score(self, X, y, sample_weight=None):
        """Accuracy (multi-class) or subset accuracy (multi-label).

        Labels of ``y`` that were not seen in ``fit`` raise a ``ValueError``.
        """
        self.check_is_fitted()
        self._encoder().check_known(y)
        return super().score(X, y, sample_weight=sample_weight)

    # ------------------------------------------------------------------
    # persistence
    # ------------------------------------------------------------------
    def save_weights(self, path: str | os.PathLike) -> None:
        """Save the fitted model as tensors and plain values only.

        The file loads with ``torch.load(weights_only=True)``, so
        :func:`load_weights` never executes pickled code (unlike ``pickle``
        or ``joblib``). Parameters that are not plain values (callbacks, a
        custom optimizer) are not stored: ``load_weights`` uses the
        estimator's defaults for them. Only the estimator's own architecture
        can be saved this way (``module`` left at its default class); pickle
        an estimator with another module.
        """
        _persistence.save_weights(self, path)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.non_deterministic = False
        return tags


def _module_name(module) -> str:
    """``module`` as error messages show it: the class name, or "an
    instance of" it."""
    if isinstance(module, type):
        return module.__name__
    return f"an instance of {type(module).__name__}"
