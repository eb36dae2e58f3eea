"""Low-level feature learning: a model fitted on spectrogram frames, pooled
per clip (the two-stage systems of the survey, section II.B)."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    TransformerMixin,
    _fit_context,
    clone,
    is_classifier,
    is_regressor,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = [
    "FrameFeatureLearner",
    "make_dictionary_pipeline",
    "pool_frames",
    "spectrogram_frames",
]

POOLINGS = ("mean", "std", "max", "min")


def _check_positive(name, value) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")
    return int(value)


def _check_pooling(pooling) -> tuple[str, ...]:
    if isinstance(pooling, str):
        pooling = (pooling,)
    try:
        pooling = tuple(pooling)
    except TypeError:
        pooling = ()
    if not pooling or any(p not in POOLINGS for p in pooling):
        raise ValueError(
            f"pooling must be one or more of {', '.join(map(repr, POOLINGS))}; "
            f"got {pooling!r}."
        )
    if len(set(pooling)) != len(pooling):
        raise ValueError(f"pooling lists a statistic twice: {pooling!r}.")
    return pooling


def _valid_clips(S, name: str) -> list[np.ndarray]:
    """``(n_bins, n_frames_i)`` float arrays without trailing NaN padding;
    NaN inside a clip or infinity raises a ValueError naming the clip."""
    clips = []
    for i, clip in enumerate(S):
        clip = np.asarray(clip, dtype=np.float64)
        pad = np.isnan(clip).all(axis=0)
        n = clip.shape[1] - int(np.argmax(~pad[::-1])) if (~pad).any() else 0
        if n == 0:
            raise ValueError(f"Clip {i} of X to {name} is all padding (NaN).")
        clip = clip[:, :n]
        if not np.isfinite(clip).all():
            raise ValueError(
                f"Input X contains NaN or infinity inside clip {i} of X to {name} "
                "(only trailing all-NaN frames are padding)."
            )
        clips.append(clip)
    return clips


def spectrogram_frames(clips, *, context=1, stride=1):
    """Cut spectrograms into frame-level rows.

    Parameters
    ----------
    clips : sequence of ndarray of shape (n_bins, n_frames_i)
        One spectrogram per clip (lengths may differ).
    context : int, default=1
        Consecutive frames stacked into one row (a patch of ``context``
        frames, band-major: all bands of the first frame, then of the next).
    stride : int, default=1
        Frames between the starts of two rows.

    Returns
    -------
    rows : ndarray of shape (n_rows, n_bins * context)
    clip_index : ndarray of shape (n_rows,), int64
        The clip each row comes from.

    Raises
    ------
    ValueError
        If a clip has fewer than ``context`` frames.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.features import spectrogram_frames
    >>> S = np.arange(12.0).reshape(1, 2, 6)  # one clip, 2 bands, 6 frames
    >>> rows, clip = spectrogram_frames(S, context=2, stride=2)
    >>> rows
    array([[ 0.,  6.,  1.,  7.],
           [ 2.,  8.,  3.,  9.],
           [ 4., 10.,  5., 11.]])
    >>> clip
    array([0, 0, 0])
    """
    context = _check_positive("context", context)
    stride = _check_positive("stride", stride)
    rows, owners = [], []
    for i, clip in enumerate(clips):
        clip = np.asarray(clip)
        n_bins, n_frames = clip.shape
        if n_frames < context:
            raise ValueError(
                f"Clip {i} has {n_frames} frame(s), fewer than context={context}; "
                "lower context or use longer clips."
            )
        starts = np.arange(0, n_frames - context + 1, stride)
        # (n_rows, context, n_bins): frame-major so a row is band-major per frame
        windows = np.stack([clip[:, s : s + context].T for s in starts])
        rows.append(windows.reshape(len(starts), context * n_bins))
        owners.append(np.full(len(starts), i, dtype=np.int64))
    return np.concatenate(rows), np.concatenate(owners)


def pool_frames(features, clip_index, n_clips, *, pooling=("mean", "std", "max")):
    """Pool frame-level features into one row per clip.

    Parameters
    ----------
    features : ndarray of shape (n_rows, n_features)
        Frame-level features.
    clip_index : ndarray of shape (n_rows,)
        Clip of each row, in ``[0, n_clips)``.
    n_clips : int
        Number of clips; every clip needs at least one row.
    pooling : str or sequence of {"mean", "std", "max", "min"}, \
default=("mean", "std", "max")
        Statistics over each clip's rows, concatenated in this order.

    Returns
    -------
    pooled : ndarray of shape (n_clips, n_features * len(pooling))

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.features import pool_frames
    >>> F = np.array([[1.0], [3.0], [10.0]])
    >>> pool_frames(F, np.array([0, 0, 1]), 2, pooling=("mean", "max"))
    array([[ 2.,  3.],
           [10., 10.]])
    """
    pooling = _check_pooling(pooling)
    features = np.asarray(features, dtype=np.float64)
    clip_index = np.asarray(clip_index, dtype=np.int64)
    if features.ndim != 2 or clip_index.shape != (features.shape[0],):
        raise ValueError(
            "features must be 2-D with one clip index per row; got shapes "
            f"{features.shape} and {clip_index.shape}."
        )
    counts = np.bincount(clip_index, minlength=n_clips)
    if counts.size != n_clips or (counts == 0).any():
        raise ValueError("every clip needs at least one frame, and no more clips")
    n_features = features.shape[1]
    sums = np.zeros((n_clips, n_features))
    np.add.at(sums, clip_index, features)
    mean = sums / counts[:, np.newaxis]
    out = []
    for stat in pooling:
        if stat == "mean":
            out.append(mean)
        elif stat == "std":
            sq = np.zeros((n_clips, n_features))
            np.add.at(sq, clip_index, (features - mean[clip_index]) ** 2)
            out.append(np.sqrt(sq / counts[:, np.newaxis]))
        else:
            fill = -np.inf if stat == "max" else np.inf
            extreme = np.full((n_clips, n_features), fill)
            ufunc = np.maximum if stat == "max" else np.minimum
            ufunc.at(extreme, clip_index, features)
            out.append(extreme)
    return np.concatenate(out, axis=1)


def _default_frame_model(random_state):
    from sklearn.decomposition import MiniBatchDictionaryLearning
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(),
        MiniBatchDictionaryLearning(
            n_components=32,
            alpha=1.0,
            max_iter=10,
            fit_algorithm="cd",
            transform_algorithm="threshold",
            transform_alpha=0.5,
            split_sign=True,
            random_state=random_state,
        ),
    )


def _frame_output(model, rows: np.ndarray) -> np.ndarray:
    """Frame features of a fitted frame model: ``transform``, else class
    probabilities, else the decision function, else predictions."""
    for method in ("transform", "predict_proba", "decision_function", "predict"):
        if hasattr(model, method):
            out = np.asarray(getattr(model, method)(rows), dtype=np.float64)
            return out.reshape(len(rows), -1)
    raise TypeError(f"{type(model).__name__} has no transform or predict method")


class FrameFeatureLearner(TransformerMixin, BaseEstimator):
    """Learn a model on spectrogram frames; output its features pooled per clip.

    The first stage of the two-stage systems of the survey (section II.B):
    every clip is cut into frames (``context`` consecutive frames stacked
    into one row, every ``stride`` frames), a frame-level model is fitted on
    the rows of all training clips, and :meth:`transform` pools the model's
    output over each clip's frames (mean, standard deviation, maximum), so
    that one row per clip goes on to a clip-level classifier. The row count
    changes only *inside* this transformer, so it works as one step of a
    :class:`~sklearn.pipeline.Pipeline` and in
    :class:`~sklearn.model_selection.GridSearchCV`, with the frame model's
    parameters reachable as ``<step>__estimator__<param>``.

    - An unsupervised frame model (``MiniBatchDictionaryLearning``, ``PCA``,
      ``KMeans``, any pipeline of them) learns a dictionary of spectrogram
      frames without labels (Nam et al. 2012); its ``transform`` gives the
      frame features.
    - A supervised one (``MLPClassifier``, ``LogisticRegression``, ...) is
      fitted on frames labelled with their clip's label (Hamel & Eck 2010
      style); its ``predict_proba`` (or ``decision_function``) gives the
      frame features.

    Parameters
    ----------
    estimator : estimator or None, default=None
        The frame-level model (cloned in ``fit``). ``None`` uses
        ``make_pipeline(StandardScaler(), MiniBatchDictionaryLearning(
        n_components=32, alpha=1.0, max_iter=10, fit_algorithm="cd",
        transform_algorithm="threshold", transform_alpha=0.5,
        split_sign=True))``: a sparse
        dictionary of 32 atoms with soft-threshold codes split into positive
        and negative parts (64 features per frame).
    context : int, default=1
        Consecutive frames stacked into one row.
    stride : int, default=1
        Frames between the starts of two rows.
    pooling : str or sequence of {"mean", "std", "max", "min"}, \
default=("mean", "std", "max")
        Statistics of the frame features over each clip, concatenated.
    max_frames : int or None, default=None
        At most this many rows per clip, drawn at random, are used to *fit*
        the frame model (bounds memory and time on long clips); ``transform``
        always uses every row. ``None`` uses all.
    short : {"pad", "raise"}, default="pad"
        A clip with fewer than ``context`` frames is padded to ``context``
        frames with its lowest value (silence, for a log spectrogram), or
        raises a ValueError naming the clip.
    batch_size : int, default=64
        Clips whose frames are transformed together (bounds memory).
    random_state : int, RandomState instance or None, default=None
        Seeds the frame subsampling; the default frame model is seeded with
        it too.

    Attributes
    ----------
    estimator_ : estimator
        The fitted frame model.
    n_features_in_ : int
        Frequency bins of the spectrograms seen in fit.
    n_frame_features_ : int
        Features per frame (output of the frame model).
    n_frames_fit_ : int
        Rows the frame model was fitted on.

    See Also
    --------
    make_dictionary_pipeline : The sparse-dictionary two-stage system.
    spectrogram_frames : The rows of one batch of clips.
    pool_frames : The pooling.

    Notes
    -----
    ``X`` is a spectrogram batch ``(n_clips, n_bins, n_frames)`` (trailing
    all-NaN frames are padding, as the front-ends output them), a list of
    ``(n_bins, n_frames_i)`` arrays, or a 2-D array ``(n_clips, n_bins)``
    of single-frame clips.

    References
    ----------
    .. [1] J. Nam, J. Herrera, M. Slaney and J. O. Smith, "Learning sparse
       feature representations for music annotation and retrieval", ISMIR
       2012.
    .. [2] P. Hamel and D. Eck, "Learning features from music audio with deep
       belief networks", ISMIR 2010.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_music.datasets import make_music
    >>> from sklearn_music.features import FrameFeatureLearner, MelSpectrogram
    >>> X, y = make_music(16, n_classes=2, duration=1.0, random_state=0)
    >>> pipe = make_pipeline(
    ...     MelSpectrogram(n_mels=32),
    ...     FrameFeatureLearner(context=2, random_state=0),
    ...     LogisticRegression(),
    ... )
    >>> pipe.fit(X, y).predict(X[:2]).shape
    (2,)
    >>> pipe[1].transform(pipe[0].transform(X[:2])).shape  # 64 codes x 3 pools
    (2, 192)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"]), None],
        "context": [Interval(Integral, 1, None, closed="left")],
        "stride": [Interval(Integral, 1, None, closed="left")],
        "pooling": [str, list, tuple],
        "max_frames": [Interval(Integral, 1, None, closed="left"), None],
        "short": [StrOptions({"pad", "raise"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        context=1,
        stride=1,
        pooling=("mean", "std", "max"),
        max_frames=None,
        short="pad",
        batch_size=64,
        random_state=None,
    ):
        self.estimator = estimator
        self.context = context
        self.stride = stride
        self.pooling = pooling
        self.max_frames = max_frames
        self.short = short
        self.batch_size = batch_size
        self.random_state = random_state

    def _clips(self, X, *, reset: bool) -> list[np.ndarray]:
        """Valid frames of each clip, short ones padded to ``context``."""
        clips = self._read_clips(X, reset=reset)
        if self.short == "raise":
            return clips  # spectrogram_frames names a clip that is too short
        out = []
        for clip in clips:
            missing = self.context - clip.shape[1]
            if missing > 0:
                fill = np.full((clip.shape[0], missing), clip.min())
                clip = np.concatenate([clip, fill], axis=1)
            out.append(clip)
        return out

    def _read_clips(self, X, *, reset: bool) -> list[np.ndarray]:
        name = type(self).__name__
        if isinstance(X, list | tuple) and X and all(np.ndim(x) == 2 for x in X):
            n_bins = {np.shape(x)[0] for x in X}
            if len(n_bins) != 1:
                raise ValueError(
                    f"{name}: the clips of X have different numbers of bins "
                    f"{sorted(n_bins)}."
                )
            clips = _valid_clips(X, name)
            self._check_n_bins(clips[0].shape[0], reset)
            return clips
        ndim = getattr(X, "ndim", None)
        if ndim is None and isinstance(X, list | tuple):
            ndim = np.ndim(X)
        if ndim == 3:
            X = np.asarray(X)
            if X.dtype.kind not in "fiub":
                raise ValueError(f"{name} needs numeric spectrograms; got {X.dtype}.")
            if 0 in X.shape:
                raise ValueError(f"{name}: X has an empty axis, shape {X.shape}.")
            self._check_n_bins(X.shape[1], reset)
            return _valid_clips(X, name)
        X = validate_data(self, X, reset=reset, dtype=np.float64)
        return [row[:, np.newaxis] for row in X]  # single-frame clips

    def _check_n_bins(self, n_bins: int, reset: bool):
        if reset:
            self.n_features_in_ = n_bins
        elif n_bins != self.n_features_in_:
            raise ValueError(
                f"X has {n_bins} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input (frequency bins)."
            )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the frame model on the frames of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_bins, n_frames) or list of arrays
            Spectrograms (see Notes).
        y : array-like of shape (n_clips,) or (n_clips, n_outputs), default=None
            Clip labels; a supervised frame model gets each clip's label for
            every frame of the clip. Ignored by unsupervised frame models.

        Returns
        -------
        self : FrameFeatureLearner
        """
        _check_pooling(self.pooling)
        clips = self._clips(X, reset=True)
        rng = check_random_state(self.random_state)
        rows, owner = spectrogram_frames(
            clips, context=self.context, stride=self.stride
        )
        if self.max_frames is not None:
            keep = []
            for i in range(len(clips)):
                idx = np.flatnonzero(owner == i)
                if idx.size > self.max_frames:
                    idx = np.sort(rng.choice(idx, self.max_frames, replace=False))
                keep.append(idx)
            keep = np.concatenate(keep)
            rows, owner = rows[keep], owner[keep]
        if self.estimator is None:
            model = _default_frame_model(rng.randint(np.iinfo(np.int32).max))
        else:
            model = clone(self.estimator)
        supervised = is_classifier(model) or is_regressor(model)
        if supervised:
            if y is None:
                raise ValueError(
                    f"The frame model {type(model).__name__} is supervised: pass "
                    "y (one label per clip) to fit."
                )
            y = np.asarray(y)
            if y.shape[0] != len(clips):
                raise ValueError(
                    f"y has {y.shape[0]} labels for {len(clips)} clips in X."
                )
            model.fit(rows, y[owner])
        else:
            model.fit(rows)
        self.estimator_ = model
        self.n_frames_fit_ = int(rows.shape[0])
        self.n_frame_features_ = _frame_output(model, rows[:1]).shape[1]
        return self

    def transform(self, X):
        """Frame features of every clip, pooled.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_bins, n_frames) or list of arrays
            Spectrograms with the bins seen in fit.

        Returns
        -------
        features : ndarray of shape (n_clips, n_features_out)
            For each statistic of ``pooling`` in turn, one column per frame
            feature: ``n_features_out = n_frame_features_ * len(pooling)``.
        """
        check_is_fitted(self)
        pooling = _check_pooling(self.pooling)
        clips = self._clips(X, reset=False)
        out = []
        for start in range(0, len(clips), self.batch_size):
            batch = clips[start : start + self.batch_size]
            rows, owner = spectrogram_frames(
                batch, context=self.context, stride=self.stride
            )
            features = _frame_output(self.estimator_, rows)
            out.append(pool_frames(features, owner, len(batch), pooling=pooling))
        return np.concatenate(out)

    def get_feature_names_out(self, input_features=None):
        """``<statistic>_<k>`` for each pooling statistic and frame feature k.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        pooling = _check_pooling(self.pooling)
        return np.asarray(
            [f"{p}_{k}" for p in pooling for k in range(self.n_frame_features_)],
            dtype=object,
        )


def make_dictionary_pipeline(
    *,
    n_atoms=128,
    context=4,
    stride=2,
    pooling=("mean", "max"),
    alpha=1.0,
    transform_alpha=0.5,
    max_frames=100,
    mel=None,
    classifier=None,
    random_state=None,
):
    """The sparse-dictionary two-stage system: frames -> sparse codes ->
    pooled clip features -> linear classifier.

    After Nam et al. (2012), as the survey (section II.B) describes it: a
    dictionary of log-mel spectrogram patches is learned without labels, the
    frames of a clip are encoded by soft-thresholding against it (codes split
    into positive and negative parts), the codes are pooled over the clip,
    and a linear classifier is trained on the pooled vectors. The steps::

        MelSpectrogram(n_mels=64)                       # "mel"
        FrameFeatureLearner(                            # "frames"
            make_pipeline(StandardScaler(), PCA(whiten=True),
                          MiniBatchDictionaryLearning(n_atoms, ...)),
            context=4, stride=2, pooling=("mean", "max"))
        StandardScaler()                                # "scale"
        LogisticRegression(max_iter=2000)               # "clf"

    Every setting is a pipeline parameter, e.g.
    ``frames__estimator__minibatchdictionarylearning__n_components`` or
    ``frames__context`` in a grid search.

    Parameters
    ----------
    n_atoms : int, default=128
        Dictionary size (each frame gets ``2 * n_atoms`` code features).
    context : int, default=4
        Frames per patch.
    stride : int, default=2
        Frames between patches.
    pooling : sequence of {"mean", "std", "max", "min"}, default=("mean", "max")
        Pooling of the codes over a clip.
    alpha : float, default=1.0
        Sparsity penalty of dictionary learning.
    transform_alpha : float, default=0.5
        Soft threshold of the encoding.
    max_frames : int or None, default=100
        Patches per clip used to learn the dictionary.
    mel : MelSpectrogram or None, default=None
        The front-end; ``None`` uses ``MelSpectrogram(n_mels=64)``.
    classifier : estimator or None, default=None
        The clip-level classifier; ``None`` uses
        ``LogisticRegression(max_iter=2000)``.
    random_state : int or None, default=None
        Seeds the frame sampling and dictionary learning.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Steps ``"mel"``, ``"frames"``, ``"scale"``, ``"clf"``; it takes audio.

    References
    ----------
    .. [1] J. Nam, J. Herrera, M. Slaney and J. O. Smith, "Learning sparse
       feature representations for music annotation and retrieval", ISMIR
       2012.

    Examples
    --------
    >>> from sklearn_music.datasets import make_music
    >>> from sklearn_music.features import make_dictionary_pipeline
    >>> X, y = make_music(16, n_classes=2, duration=1.0, random_state=0)
    >>> pipe = make_dictionary_pipeline(n_atoms=16, random_state=0)
    >>> [name for name, _ in pipe.steps]
    ['mel', 'frames', 'scale', 'clf']
    >>> pipe.fit(X, y).predict(X[:3]).shape
    (3,)
    """
    from sklearn.decomposition import PCA, MiniBatchDictionaryLearning
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ._spectral import MelSpectrogram

    n_atoms = _check_positive("n_atoms", n_atoms)
    frame_model = make_pipeline(
        StandardScaler(),
        PCA(whiten=True, random_state=random_state),
        MiniBatchDictionaryLearning(
            n_components=n_atoms,
            alpha=alpha,
            max_iter=10,
            fit_algorithm="cd",
            transform_algorithm="threshold",
            transform_alpha=transform_alpha,
            split_sign=True,
            random_state=random_state,
        ),
    )
    return Pipeline(
        [
            ("mel", MelSpectrogram(n_mels=64) if mel is None else mel),
            (
                "frames",
                FrameFeatureLearner(
                    frame_model,
                    context=context,
                    stride=stride,
                    pooling=pooling,
                    max_frames=max_frames,
                    random_state=random_state,
                ),
            ),
            ("scale", StandardScaler()),
            (
                "clf",
                LogisticRegression(max_iter=2000) if classifier is None else classifier,
            ),
        ]
    )
