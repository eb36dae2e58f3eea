"""The skorch glue shared by every neural estimator.

:class:`MusicNet` turns a pure-torch model of :mod:`sklearn_music.models` into
a scikit-learn classifier and transformer:

* validates ``X`` (spectrograms, or waveforms for raw-audio models) and ``y``
  (labels for multi-class, an indicator matrix or tag lists for multi-label);
* builds the module in :meth:`initialize_module` from the shapes seen in the
  data and ``param_budget``, under the user's ``module__*`` values;
* trains on random fixed-length crops (``chunk_size``) of the valid part of
  every clip, validates on centre crops, and predicts by averaging the
  model's probabilities over chunks covering each whole clip;
* exposes the penultimate-layer embedding through :meth:`transform`;
* with ``checkpoint_dir``, checkpoints every epoch and resumes an interrupted
  fit where it stopped (see :mod:`._checkpoint`).
"""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin, TransformerMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, EpochScoring, LRScheduler

from .._targets import as_tag_lists
from ..utils import release_pages, resolve_device
from ._data import ChunkDataset, check_spectrograms, chunk_plan, spec_augment

__all__ = ["MusicNet"]

_FORMAT = "sklearn-music-weights/1"


class MusicNet(ClassifierMixin, TransformerMixin, NeuralNet):
    """Base class of the neural estimators (see the subclasses for docs).

    Subclasses set ``_architecture`` (the key for
    :func:`~sklearn_music.models.architecture_for_budget`) and
    ``_input_kind`` ("spectrogram" or "waveform"), and define ``__init__``
    with their own defaults.
    """

    _architecture: str = ""
    _input_kind: str = "spectrogram"

    # ------------------------------------------------------------------
    # construction
    # ------------------------------------------------------------------
    def __init__(
        self,
        module,
        *,
        param_budget=None,
        chunk_size=None,
        max_chunks=None,
        threshold=0.5,
        criterion=None,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=20,
        batch_size=16,
        train_split=0.2,
        patience=5,
        lr_schedule="plateau",
        spec_augment=False,
        mixup_alpha=0.0,
        amp=False,
        callbacks=None,
        checkpoint_dir=None,
        device="cpu",
        random_state=None,
        verbose=0,
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
        self.threshold = threshold
        self.patience = patience
        self.lr_schedule = lr_schedule
        self.spec_augment = spec_augment
        self.mixup_alpha = mixup_alpha
        self.amp = amp
        self.checkpoint_dir = checkpoint_dir
        self.random_state = random_state

    # ------------------------------------------------------------------
    # validation helpers
    # ------------------------------------------------------------------
    def _name(self) -> str:
        return type(self).__name__

    def _check_params(self):
        budget = self.param_budget
        if budget is not None and (
            not isinstance(budget, Real) or isinstance(budget, bool) or budget <= 0
        ):
            raise ValueError(
                f"param_budget must be None or a positive number; got {budget!r}."
            )
        for name in ("chunk_size", "max_chunks"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, Integral) or isinstance(value, bool) or value < 1
            ):
                raise ValueError(f"{name} must be None or an int >= 1; got {value!r}.")
        if not (isinstance(self.threshold, Real) and 0 < self.threshold < 1):
            raise ValueError(f"threshold must be in (0, 1); got {self.threshold!r}.")
        if self.patience is not None and (
            not isinstance(self.patience, Integral) or self.patience < 1
        ):
            raise ValueError(f"patience must be None or >= 1; got {self.patience!r}.")
        if self.lr_schedule not in (None, "plateau", "cosine"):
            raise ValueError(
                "lr_schedule must be None, 'plateau' or 'cosine'; got "
                f"{self.lr_schedule!r}."
            )
        if not (isinstance(self.mixup_alpha, Real) and self.mixup_alpha >= 0):
            raise ValueError(f"mixup_alpha must be >= 0; got {self.mixup_alpha!r}.")
        split = self.train_split
        if isinstance(split, Real) and not isinstance(split, bool):
            if not 0 < split < 1:
                raise ValueError(
                    f"train_split as a fraction must be in (0, 1); got {split!r}."
                )
        elif split is not None and not callable(split):
            raise ValueError(
                "train_split must be None, a validation fraction in (0, 1) or a "
                f"skorch-style callable; got {split!r}."
            )
        if self.checkpoint_dir is not None:
            if not isinstance(self.checkpoint_dir, str | os.PathLike):
                raise ValueError(
                    "checkpoint_dir must be None or a directory path; got "
                    f"{self.checkpoint_dir!r}."
                )
            if isinstance(self.callbacks, str) and self.callbacks == "disable":
                raise ValueError(
                    "checkpoint_dir needs callbacks, but callbacks='disable' turns "
                    "them all off; use one or the other."
                )
        if self.device not in ("auto", None) and not str(self.device).startswith(
            ("cpu", "cuda", "mps")
        ):
            raise ValueError(
                "device must be 'cpu', 'cuda', 'cuda:N' or 'auto'; got "
                f"{self.device!r}."
            )

    def _check_X(self, X, *, reset: bool):
        """Return ``(clips, lengths)`` and, on ``reset``, record input shape."""
        if self._input_kind == "waveform":
            from .._io import check_audio_input, check_clip_length

            source = check_audio_input(X, sr=self.sr, pcm_scale=self.pcm_scale)
            check_clip_length(self, X, source, reset=reset)
            clips = [source[i] for i in range(len(source))]
            lengths = np.array([c.size for c in clips], dtype=np.int64)
            return clips, lengths
        n_mels = None if reset else self.n_features_in_
        clips, lengths = check_spectrograms(X, n_mels=n_mels, name=self._name())
        if reset:
            self.n_features_in_ = clips[0].shape[0]
        return clips, lengths

    def _encode_known_y(self, y, n_samples: int):
        """Encode targets against the ``classes_`` of the first fit."""
        tag_lists = as_tag_lists(y)
        if self.multilabel_:
            if tag_lists is not None:
                y = tag_lists
                unknown = sorted({t for tags in y for t in tags} - set(self.classes_))
                if unknown:
                    raise ValueError(f"y has tags not seen in fit: {unknown}.")
                lookup = {t: j for j, t in enumerate(self.classes_)}
                Y = np.zeros((len(y), len(self.classes_)), dtype=np.float32)
                for i, tags in enumerate(y):
                    Y[i, [lookup[t] for t in tags]] = 1
                return _check_len(Y, n_samples)
            Y = np.asarray(y, dtype=np.float32)
            if Y.ndim != 2 or Y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y must be a (n_clips, {len(self.classes_)}) indicator matrix "
                    f"like in fit; got shape {Y.shape}."
                )
            return _check_len(Y, n_samples)
        y = np.asarray(y).ravel()
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:
            raise ValueError(
                f"y contains labels not seen in fit: {unseen.tolist()}; partial_fit "
                f"continues training on the classes {self.classes_.tolist()}."
            )
        return _check_len(np.searchsorted(self.classes_, y).astype(np.int64), n_samples)

    def _encode_y(self, y, n_samples: int):
        """Encode targets; on fit, set ``classes_`` and ``multilabel_``."""
        if y is None:
            raise ValueError(
                f"{self._name()} requires y to be passed, but the target y is None."
            )
        tag_lists = as_tag_lists(y)
        if tag_lists is not None:
            binarizer = MultiLabelBinarizer()
            Y = binarizer.fit_transform(tag_lists)
            classes = binarizer.classes_
        else:
            y = np.asarray(y)
            if y.ndim == 2 and y.shape[1] == 1:
                warnings.warn(
                    "A column-vector y was passed when a 1d array was expected. "
                    "Please change the shape of y to (n_samples,), for example "
                    "using ravel().",
                    DataConversionWarning,
                    stacklevel=3,
                )
                y = y.ravel()
            target = type_of_target(y, input_name="y", raise_unknown=True)
            if target == "multilabel-indicator":
                Y = y.astype(np.float32)
                classes = np.arange(y.shape[1])
            else:
                check_classification_targets(y)
                classes, encoded = np.unique(y, return_inverse=True)
                if n_samples < 2:
                    raise ValueError(
                        f"{self._name()} needs at least 2 samples to train; got "
                        f"n_samples = {n_samples}."
                    )
                if len(classes) < 2:
                    raise ValueError(
                        f"{self._name()} needs at least 2 classes in y; got 1 class "
                        f"{classes.tolist()}."
                    )
                self.classes_, self.multilabel_ = classes, False
                return _check_len(encoded.astype(np.int64), n_samples)
        if Y.shape[1] < 1:
            raise ValueError("The multi-label target y has no tags (0 columns).")
        self.classes_, self.multilabel_ = classes, True
        return _check_len(Y.astype(np.float32), n_samples)

    # ------------------------------------------------------------------
    # skorch hooks
    # ------------------------------------------------------------------
    def _module_shape_kwargs(self) -> dict:
        n_outputs = len(self.classes_)
        if self._input_kind == "waveform":
            return {"n_outputs": n_outputs}
        return {"n_mels": self.n_features_in_, "n_outputs": n_outputs}

    def initialize_module(self):
        """Build the module: shapes from the data and ``param_budget`` widths,
        overridden by any ``module__*`` parameter."""
        from ..models import architecture_for_budget, count_parameters
        from ..models._budget import width_parameters

        kwargs = self._module_shape_kwargs()
        overrides = self.get_params_for("module")
        explicit = sorted(set(width_parameters(self._architecture)) & set(overrides))
        if explicit and self.param_budget is not None:
            raise ValueError(
                f"param_budget={self.param_budget!r} chooses the layer widths, so it "
                f"cannot be combined with module__{', module__'.join(explicit)}; "
                "set one or the other."
            )
        if self._architecture and not explicit:
            # the budget is solved for the module as the user configured it
            kwargs.update(
                architecture_for_budget(
                    self._architecture, self.param_budget, **kwargs, **overrides
                )
            )
        kwargs.update(overrides)
        self.module_ = self.initialized_instance(self.module, kwargs)
        self.module_kwargs_ = kwargs
        self.n_params_ = count_parameters(self.module_)
        return self

    def initialize_criterion(self):
        """Cross-entropy for multi-class, per-tag BCE for multi-label, unless a
        ``criterion`` is given."""
        if self.criterion is None:
            default = (
                torch.nn.BCEWithLogitsLoss
                if getattr(self, "multilabel_", False)
                else torch.nn.CrossEntropyLoss
            )
            self.criterion_ = default(**self.get_params_for("criterion"))
            return self
        return super().initialize_criterion()

    def get_default_callbacks(self):
        callbacks = list(super().get_default_callbacks())
        if self.verbose == 0:
            callbacks = [(n, cb) for n, cb in callbacks if n != "print_log"]
        if self.train_split is None:
            return self._with_checkpoint(callbacks)
        callbacks.append(
            (
                "valid_acc",
                EpochScoring(
                    _valid_accuracy,
                    name="valid_acc",
                    lower_is_better=False,
                    use_caching=True,
                ),
            )
        )
        if self.patience is not None:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss", patience=self.patience, load_best=True
                    ),
                )
            )
        if self.lr_schedule == "plateau":
            callbacks.append(
                (
                    "lr_scheduler",
                    LRScheduler(
                        torch.optim.lr_scheduler.ReduceLROnPlateau,
                        monitor="valid_loss",
                        patience=max(1, (self.patience or 4) // 2),
                        factor=0.5,
                    ),
                )
            )
        elif self.lr_schedule == "cosine":
            callbacks.append(
                (
                    "lr_scheduler",
                    LRScheduler(
                        torch.optim.lr_scheduler.CosineAnnealingLR,
                        T_max=self.max_epochs,
                    ),
                )
            )
        return self._with_checkpoint(callbacks)

    def _with_checkpoint(self, callbacks):
        # last, so that it saves the state the other callbacks reached
        if self.checkpoint_dir is None:
            return callbacks
        from ._checkpoint import TrainingCheckpoint

        return [*callbacks, ("checkpoint", TrainingCheckpoint())]

    def get_split_datasets(self, X, y=None, **fit_params):
        """Split a float ``train_split`` into random-crop training and
        centre-crop validation sets (stratified for single-label targets)."""
        split = self.train_split
        if not isinstance(split, Real) or isinstance(split, bool):
            return super().get_split_datasets(X, y, **fit_params)
        from sklearn.model_selection import train_test_split

        n = len(X)
        n_valid = int(np.ceil(split * n))
        if n_valid < 1 or n - n_valid < 1:
            return X, None
        stratify = None
        if not self.multilabel_:
            counts = np.bincount(X.y, minlength=len(self.classes_))
            if counts.min() >= 2 and n_valid >= len(self.classes_):
                stratify = X.y
        train_idx, valid_idx = train_test_split(
            np.arange(n),
            test_size=n_valid,
            stratify=stratify,
            random_state=int(X.rng.integers(2**31)),
        )
        return X.subset(train_idx, random=True), X.subset(valid_idx, random=False)

    def infer(self, x, **fit_params):
        if (
            self.amp
            and self.device is not None
            and self._compute_device().type == "cuda"
        ):
            with torch.autocast("cuda", dtype=torch.bfloat16):
                return super().infer(x, **fit_params).float()
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if training and self.mixup_alpha > 0:
            y_true = self._mixup_targets_
        y_true = y_true.to(y_pred.device)
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
    # devices and seeding
    # ------------------------------------------------------------------
    @contextmanager
    def _on_device(self):
        """Run with ``device="auto"`` resolved (the parameter itself is kept)."""
        requested = self.device
        resolved = resolve_device("auto" if requested is None else requested)
        self.__dict__["device"] = resolved
        try:
            yield resolved
        finally:
            self.__dict__["device"] = requested

    def _compute_device(self) -> torch.device:
        """The device that training and prediction run on."""
        device = self.device
        return torch.device(resolve_device("auto" if device is None else device))

    def _unwrapped_module(self) -> torch.nn.Module:
        """``module_`` itself (``AccelerateMixin`` may wrap it while training)."""
        return self.module_

    def _is_main_process(self) -> bool:
        """Whether this process writes checkpoints (one of several processes
        under ``accelerate launch``)."""
        return True

    @contextmanager
    def _seeded(self, seed: int, device):
        devices = []
        device = torch.device(device)
        if torch.cuda.is_available() and device.type == "cuda":
            devices = [device.index or 0]
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            yield

    # ------------------------------------------------------------------
    # fit
    # ------------------------------------------------------------------
    def _dataset(self, X, y, seed, *, reset=True):
        clips, lengths = self._check_X(X, reset=reset)
        if reset:
            y_enc = self._encode_y(y, len(clips))
        else:
            y_enc = self._encode_known_y(y, len(clips))
        min_len = int(lengths.min())
        if not reset:
            chunk = self.chunk_size_
        elif self.chunk_size is not None:
            chunk = self.chunk_size
        else:
            chunk = min_len
        if chunk > min_len:
            short = int(np.argmin(lengths))
            raise ValueError(
                f"Clip {short} of X has {min_len} frames, fewer than "
                f"chunk_size={chunk}; lower chunk_size or drop short clips."
            )
        self.chunk_size_ = int(chunk)
        augment = None
        if self.spec_augment and self._input_kind == "spectrogram":
            augment = spec_augment
        return ChunkDataset(
            clips,
            y_enc,
            chunk=self.chunk_size_,
            random=True,
            seed=seed,
            augment=augment,
        )

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
        checkpoint = None
        if self.checkpoint_dir is not None and fresh:
            from ._checkpoint import checkpoint_directory, read_checkpoint

            directory = checkpoint_directory(self, dataset, fit_params)
            checkpoint = read_checkpoint(directory)
            if checkpoint is not None and checkpoint["seed"] != seed:
                # random_state=None: carry on with the interrupted run's seed
                seed = checkpoint["seed"]
                dataset.rng = np.random.default_rng(seed)
            self.checkpoint_dir_ = os.fspath(directory)
        self._mixup_rng_ = np.random.default_rng(seed + 1)
        with self._on_device() as device, self._seeded(seed, device):
            if fresh:
                self.initialize()
            self._check_chunk_fits_module()
            if self.checkpoint_dir is None or not fresh:
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

    def _check_chunk_fits_module(self):
        minimum = getattr(self.module_, "min_input_length", 1)
        if self.chunk_size_ < minimum:
            unit = "samples" if self._input_kind == "waveform" else "frames"
            source = (
                "the shortest training clip"
                if self.chunk_size is None
                else f"chunk_size={self.chunk_size}"
            )
            raise ValueError(
                f"{type(self.module_).__name__} needs inputs of at least {minimum} "
                f"{unit}, but {source} gives {self.chunk_size_}. Use longer clips, "
                "or smaller pools (module__pool_sizes) or fewer blocks."
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
        with self._on_device() as device, self._seeded(seed, device):
            NeuralNet.partial_fit(self, dataset, dataset.y, **fit_params)
        return self

    # ------------------------------------------------------------------
    # prediction
    # ------------------------------------------------------------------
    def _chunked(self, X, embed: bool) -> np.ndarray:
        """Model outputs averaged over chunks covering each whole clip."""
        self.check_is_fitted()
        clips, lengths = self._check_X(X, reset=False)
        minimum = getattr(self.module_, "min_input_length", 1)
        too_short = np.flatnonzero(lengths < minimum)
        if too_short.size:
            i = int(too_short[0])
            unit = "samples" if self._input_kind == "waveform" else "frames"
            raise ValueError(
                f"Clip {i} of X has {int(lengths[i])} {unit}, fewer than the "
                f"{minimum} {unit} {type(self.module_).__name__} needs."
            )
        plan = chunk_plan(lengths, self.chunk_size_, self.max_chunks)
        sums, counts = None, np.zeros(len(clips))
        with self._on_device() as device, torch.no_grad():
            self.module_.eval()
            by_length: dict[int, list] = {}
            for entry in plan:
                by_length.setdefault(entry[2], []).append(entry)
            for length, entries in by_length.items():
                for start in range(0, len(entries), self.batch_size):
                    part = entries[start : start + self.batch_size]
                    batch = np.stack(
                        [clips[i][..., s : s + length] for i, s, _ in part]
                    )
                    for i, _, _ in part:  # memory-mapped input: drop read pages
                        release_pages(clips[i])
                    x = torch.from_numpy(np.ascontiguousarray(batch)).to(device)
                    out = self._forward_chunks(x, embed).float().cpu().numpy()
                    if sums is None:
                        sums = np.zeros((len(clips), out.shape[1]))
                    idx = np.array([i for i, _, _ in part])
                    np.add.at(sums, idx, out)
                    np.add.at(counts, idx, 1)
        return sums / counts[:, None]

    def _forward_chunks(self, x, embed: bool):
        autocast = self.amp and x.device.type == "cuda"
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast):
            if embed:
                return self.module_.embed(x)
            logits = self.module_(x)
        if self.multilabel_:
            return torch.sigmoid(logits.float())
        return torch.softmax(logits.float(), dim=1)

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
            The representation the output layer reads; use it for
            recommendation or as features for another classifier.
        """
        return self._chunked(X, embed=True).astype(np.float32)

    def score(self, X, y, sample_weight=None):
        """Accuracy (multi-class) or subset accuracy (multi-label).

        Labels of ``y`` that were not seen in ``fit`` raise a ``ValueError``.
        """
        self.check_is_fitted()
        if not self.multilabel_:
            unseen = np.setdiff1d(np.unique(np.asarray(y)), self.classes_)
            if unseen.size:
                raise ValueError(
                    f"y contains labels not seen in fit: {unseen.tolist()}; the "
                    f"estimator knows {self.classes_.tolist()}."
                )
        return super().score(X, y, sample_weight=sample_weight)

    # ------------------------------------------------------------------
    # persistence
    # ------------------------------------------------------------------
    def save_weights(self, path: str | os.PathLike) -> None:
        """Save the fitted model as tensors and plain values only.

        The file loads with ``torch.load(weights_only=True)``, so
        :func:`load_weights` never executes pickled code (unlike ``pickle``
        or ``joblib``). Parameters that are not plain values (a custom module
        class, callbacks, optimizer) are not stored: ``load_weights`` uses the
        estimator's defaults for them.
        """
        self.check_is_fitted()
        module = self._unwrapped_module()
        state = {k: v.detach().cpu() for k, v in module.state_dict().items()}
        name, params = self._weights_header()
        torch.save(
            {
                "format": _FORMAT,
                "estimator": name,
                "params": params,
                "classes": self.classes_.tolist(),
                "multilabel": bool(self.multilabel_),
                "n_features_in": getattr(self, "n_features_in_", None),
                "chunk_size": int(self.chunk_size_),
                "state_dict": state,
            },
            path,
        )

    def _weights_header(self) -> tuple[str, dict]:
        """The estimator name and plain parameters that ``save_weights``
        stores and ``load_weights`` rebuilds the estimator from."""
        params = {
            k: v
            for k, v in self.get_params(deep=False).items()
            if _plain(v)
            and k not in ("device", "checkpoint_dir")
            and not k.startswith("_")  # skorch's bookkeeping
        }
        return type(self).__name__, params

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.non_deterministic = False
        return tags

    def __setstate__(self, state):
        device = state.get("device")
        if device == "auto":
            state = {**state, "device": resolve_device("auto")}
        super().__setstate__(state)
        if device == "auto":
            self.__dict__["device"] = "auto"
        elif isinstance(self.__dict__.get("device"), torch.device):
            # skorch falls back to torch.device("cpu") when a pickle from a GPU
            # machine meets one without CUDA; keep the parameter a string
            self.__dict__["device"] = str(self.__dict__["device"])


def _valid_accuracy(net, dataset, y):
    """Accuracy of the validation crops from the cached forward pass: the
    fraction of clips whose top class is right, or for multi-label tagging of
    (clip, tag) pairs on the right side of ``threshold``."""
    logits = net.forward(dataset, training=False)
    y = np.asarray(y)
    if getattr(net, "multilabel_", False):
        pred = torch.sigmoid(logits).cpu().numpy() >= net.threshold
        return float((pred == (y > 0.5)).mean())
    return float((logits.argmax(dim=1).cpu().numpy() == y).mean())


def _check_len(y, n_samples):
    if len(y) != n_samples:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: X has "
            f"{n_samples} clips but y has {len(y)}."
        )
    return y


def _plain(value) -> bool:
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    return False


def load_weights(path: str | os.PathLike, *, device: str = "cpu") -> MusicNet:
    """Load an estimator saved by :meth:`MusicNet.save_weights`.

    Uses ``torch.load(weights_only=True)``: no pickled code is executed.

    Parameters
    ----------
    path : str or path-like
        File written by ``save_weights``.
    device : str, default="cpu"
        Device of the loaded estimator ("cpu", "cuda" or "auto").

    Returns
    -------
    estimator : MusicNet
        A fitted estimator giving the same predictions as the saved one.
    """
    from . import _ESTIMATORS

    data = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise ValueError(f"{os.fspath(path)!r} is not a sklearn-music weights file.")
    cls = _ESTIMATORS.get(data["estimator"])
    if cls is None:
        raise ValueError(f"Unknown estimator {data['estimator']!r} in {path!r}.")
    est = cls(**data["params"], device=device)
    est.classes_ = np.asarray(data["classes"])
    est.multilabel_ = data["multilabel"]
    if data["n_features_in"] is not None:
        est.n_features_in_ = data["n_features_in"]
    est.chunk_size_ = data["chunk_size"]
    with est._on_device():
        est.initialize()  # builds the module from the restored params and shapes
        est.module_.load_state_dict(data["state_dict"])
    return est
