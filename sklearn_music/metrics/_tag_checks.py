"""Input checks of the tagging metrics: every accepted form of targets and
scores becomes an indicator matrix ``Y``, a score matrix ``S`` and tag names.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from sklearn.utils import check_array
from sklearn.utils._param_validation import Options

__all__ = ["check_tagging_targets"]

#: ``validate_params`` constraints of the arguments every tagging metric takes.
TARGET_CONSTRAINTS = {
    "y_true": ["array-like", "sparse matrix"],
    "y_score": ["array-like"],
    "labels": ["array-like", None],
}
#: ``validate_params`` constraint of ``zero_division``.
ZERO_DIVISION = [Options(Real, {0.0, 1.0}), "nan"]


def _is_list_of_proba(y_score) -> bool:
    """Whether ``y_score`` is scikit-learn's multi-output ``predict_proba``
    format: one ``(n_samples, 2)`` array per tag."""
    return (
        isinstance(y_score, list | tuple)
        and len(y_score) > 0
        and all(np.ndim(p) == 2 for p in y_score)
    )


def _check_scores(y_score) -> np.ndarray:
    """``y_score`` as a finite float64 ``(n_samples, n_tags)`` array."""
    if _is_list_of_proba(y_score):
        columns = []
        n_samples = np.shape(y_score[0])[0]
        for j, proba in enumerate(y_score):
            proba = check_array(proba, dtype=np.float64, input_name=f"y_score[{j}]")
            if proba.shape != (n_samples, 2):
                raise ValueError(
                    "y_score is a list of per-tag predict_proba arrays, so each "
                    f"must have shape (n_samples, 2) = ({n_samples}, 2): "
                    f"columns P(tag absent), P(tag present); y_score[{j}] has "
                    f"shape {proba.shape}. A tag with a single class in the "
                    "training data gives one column; score it on its own."
                )
            columns.append(proba[:, 1])
        return np.column_stack(columns)
    S = check_array(y_score, dtype=np.float64, ensure_2d=False, input_name="y_score")
    if S.ndim == 1:
        S = S[:, None]
    return S


def check_tagging_targets(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    labels: ArrayLike | None = None,
    tag_names: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Validate a tagging problem the way every tagging metric does.

    The first step of the tagging metrics and of
    :class:`~sklearn_music.plotting.TagCurveDisplay`, for code that computes
    its own per-tag quantities: it accepts every form of ``y_true`` and
    ``y_score`` that the metrics accept and returns two aligned matrices and
    a name for every tag.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_tags) or \
(n_samples,)
        True tags as a binary indicator matrix, or a 1-D array of class
        labels (one-vs-rest, each class a tag; see ``labels``).
    y_score : array-like of shape (n_samples, n_tags) or list of n_tags arrays \
of shape (n_samples, 2)
        Scores of every tag, as for :func:`roc_auc_per_tag`.
    labels : array-like of shape (n_tags,), default=None
        Only for a 1-D ``y_true``: the classes in the column order of
        ``y_score``. ``None`` uses the sorted unique values of ``y_true``.
    tag_names : array-like of shape (n_tags,), default=None
        Names of the tags, unique. ``None`` uses the columns of ``y_true``
        when it is a :class:`pandas.DataFrame`, the class labels when
        ``y_true`` is 1-D, else the column indices ``"0"``, ``"1"``...

    Returns
    -------
    Y : ndarray of shape (n_samples, n_tags), dtype bool
        Which clip has which tag.
    S : ndarray of shape (n_samples, n_tags), dtype float64
        The score of every (clip, tag) pair.
    tag_names : list of str
        The name of every tag, in column order.

    Raises
    ------
    ValueError
        If the shapes disagree, a 2-D ``y_true`` is not binary, the classes
        of a 1-D ``y_true`` do not match the columns of ``y_score``, or
        ``tag_names`` has the wrong length or repeats a name.

    See Also
    --------
    auc_per_tag : Per-tag ROC-AUC or PR-AUC of the matrices returned.

    Examples
    --------
    >>> from sklearn_music.metrics import check_tagging_targets
    >>> y = ["rock", "jazz", "rock"]
    >>> Y, S, names = check_tagging_targets(y, [[0.2, 0.8], [0.9, 0.1], [0.4, 0.6]])
    >>> Y
    array([[False,  True],
           [ True, False],
           [False,  True]])
    >>> names
    ['jazz', 'rock']
    """
    Y, S, default_names = _check_targets(y_true, y_score, labels)
    return Y, S, _check_tag_names(tag_names, y_true, default_names)


def _check_targets(y_true, y_score, labels) -> tuple[np.ndarray, np.ndarray, list]:
    """``Y`` (bool), ``S`` (float64) and the default name of every tag: its
    column index, or its class label when ``y_true`` holds labels."""
    S = _check_scores(y_score)
    n_samples, n_tags = S.shape
    y = y_true.toarray() if sp.issparse(y_true) else np.asarray(y_true)
    if y.ndim not in (1, 2):
        raise ValueError(
            "y_true must be an indicator matrix (n_samples, n_tags) or a 1-D "
            f"array of class labels; got an array of shape {y.shape}."
        )
    if y.shape[0] != n_samples:
        raise ValueError(
            f"y_true has {y.shape[0]} samples but y_score has {n_samples}."
        )

    if y.ndim == 2:
        if labels is not None:
            raise ValueError(
                "labels names the classes of a 1-D y_true; y_true is an "
                f"indicator matrix of shape {y.shape}, whose columns are the tags."
            )
        if y.shape[1] != n_tags:
            raise ValueError(
                f"y_true has {y.shape[1]} tag columns but y_score has {n_tags}."
            )
        if y.dtype.kind not in "biuf" or not np.isin(y, (0, 1)).all():
            raise ValueError(
                "A 2-D y_true must be a binary indicator matrix (0/1 or "
                f"bool); got values such as {np.setdiff1d(y, (0, 1))[:3]!r}."
            )
        return y.astype(bool), S, [str(j) for j in range(n_tags)]

    # 1-D labels: one-vs-rest over the columns of y_score.
    if labels is None:
        classes = np.unique(y)
        if n_tags == 1 and classes.size == 1 and classes[0] in (0, 1):
            classes = np.array([0, 1])
    else:
        classes = np.asarray(labels)
        if classes.ndim != 1 or np.unique(classes).size != classes.size:
            raise ValueError(f"labels must be 1-D and unique; got {labels!r}.")
        unknown = np.setdiff1d(y, classes)
        if unknown.size:
            raise ValueError(
                f"y_true holds labels that are not in labels: {unknown[:5]!r}."
            )
    if n_tags == 1:
        if classes.size != 2:
            raise ValueError(
                "y_score has a single column, the score of the positive class, "
                "so y_true must hold two classes (the greater one is positive); "
                f"got {classes.size}: {classes[:5]!r}. Pass "
                "labels=[negative, positive] to name them."
            )
        return (y == classes[1])[:, None], S, [str(classes[1])]
    if classes.size != n_tags:
        raise ValueError(
            f"y_score has {n_tags} columns but y_true holds {classes.size} "
            f"classes {classes[:5]!r}. Pass labels=estimator.classes_, the "
            "classes in the column order of y_score."
        )
    return y[:, None] == classes[None, :], S, [str(c) for c in classes]


def _check_tag_names(tag_names, y_true, default_names) -> list[str]:
    if tag_names is None:
        columns = getattr(y_true, "columns", None)
        if columns is None or np.ndim(y_true) != 2:
            return default_names
        tag_names = list(columns)
    names = [str(name) for name in np.asarray(tag_names, dtype=object).ravel()]
    if len(names) != len(default_names):
        raise ValueError(
            f"tag_names has {len(names)} names but there are "
            f"{len(default_names)} tags (columns of y_score)."
        )
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(
            f"tag_names must be unique; {duplicated} appear twice or more."
        )
    return names


def _check_threshold(threshold, n_tags: int) -> np.ndarray:
    t = np.asarray(threshold, dtype=np.float64)
    if t.ndim > 1 or (t.ndim == 1 and t.shape[0] != n_tags):
        raise ValueError(
            f"threshold must be a number or one number per tag, shape "
            f"({n_tags},); got shape {t.shape}."
        )
    if not np.isfinite(t).all():
        raise ValueError(f"threshold must be finite; got {threshold!r}.")
    return t
