"""Auto-tagging metrics: ROC-AUC, PR-AUC, precision, recall and F1 per tag.

A tagger scores every (clip, tag) pair. The ranking metrics (ROC-AUC and
PR-AUC, i.e. average precision) are computed per tag with
:mod:`sklearn.metrics` and averaged over tags; the annotation metrics
(precision, recall, F1) compare the tags whose score reaches a threshold
with the true ones. Tags for which a metric is undefined (no positive clip)
are reported as NaN and left out of the averages, with one warning naming
them.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.utils import check_array
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_params,
)

__all__ = [
    "pr_auc_per_tag",
    "roc_auc_per_tag",
    "tagging_pr_auc",
    "tagging_precision_recall_f1",
    "tagging_report",
    "tagging_roc_auc",
]

_AVERAGES = ("macro", "micro", "weighted")
_AVG_ROWS = ("micro avg", "macro avg", "weighted avg")
_REPORT_COLUMNS = ("roc_auc", "pr_auc", "precision", "recall", "f1-score", "support")
_MAX_NAMED = 10  # tags named in a warning before "and N more"

_TARGET_CONSTRAINTS = {
    "y_true": ["array-like", "sparse matrix"],
    "y_score": ["array-like"],
    "labels": ["array-like", None],
}
_ZERO_DIVISION = [Options(Real, {0.0, 1.0}), "nan"]


# ---------------------------------------------------------------------------
# Input checking
# ---------------------------------------------------------------------------


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


def _check_targets(
    y_true, y_score, labels=None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Validate a tagging problem.

    Returns the indicator matrix ``Y`` (bool), the scores ``S`` (float64),
    both ``(n_samples, n_tags)``, and a name for every tag (its column index,
    or its class label when ``y_true`` holds labels).
    """
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


def _format_names(names) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:_MAX_NAMED])
    more = len(names) - _MAX_NAMED
    return f"[{shown}{f', and {more} more' if more > 0 else ''}]"


# ---------------------------------------------------------------------------
# Computation
# ---------------------------------------------------------------------------


def _auc_per_tag(Y: np.ndarray, S: np.ndarray, metric: str) -> np.ndarray:
    """Per-tag ROC-AUC ("roc") or average precision ("pr"); NaN where
    undefined: ROC-AUC needs a positive and a negative clip, PR-AUC a
    positive one."""
    score = roc_auc_score if metric == "roc" else average_precision_score
    n_pos = Y.sum(axis=0)
    defined = n_pos > 0
    if metric == "roc":
        defined &= n_pos < Y.shape[0]
    values = np.full(Y.shape[1], np.nan)
    for j in np.flatnonzero(defined):
        values[j] = score(Y[:, j], S[:, j])
    return values


def _warn_auc_undefined(
    Y: np.ndarray, names, metric: str, *, averaged: bool = True
) -> None:
    """Warn once about the tags whose ROC-AUC ("roc"), PR-AUC ("pr") or both
    ("both") are undefined."""
    n_pos = Y.sum(axis=0)
    no_pos = [names[j] for j in np.flatnonzero(n_pos == 0)]
    no_neg = [names[j] for j in np.flatnonzero(n_pos == Y.shape[0])]
    which = {"roc": "ROC-AUC is", "pr": "PR-AUC is", "both": "ROC-AUC and PR-AUC are"}
    parts = [(f"{which[metric]} undefined for tags with no positive clip", no_pos)]
    if metric != "pr":
        parts.append(("ROC-AUC is undefined for tags with no negative clip", no_neg))
    parts = [f"{what}: {_format_names(names)}" for what, names in parts if names]
    if parts:
        consequence = "They are reported as NaN"
        if averaged:
            consequence += " and left out of the macro and weighted averages"
        warnings.warn(
            f"{'; '.join(parts)}. {consequence}.",
            UndefinedMetricWarning,
            stacklevel=4,  # the caller of the public function (validate_params)
        )


def _warn_micro_undefined(Y: np.ndarray, metric: str) -> None:
    n_pos = Y.sum()
    if n_pos == 0 or (metric == "roc" and n_pos == Y.size):
        name = "ROC-AUC" if metric == "roc" else "PR-AUC"
        kind = "positive" if n_pos == 0 else "negative"
        warnings.warn(
            f"Micro-averaged {name} is undefined: y_true has no {kind} entry. "
            "Returning NaN.",
            UndefinedMetricWarning,
            stacklevel=4,
        )


def _average(values: np.ndarray, support: np.ndarray, average: str) -> float:
    """Macro or support-weighted mean over the tags where ``values`` is defined."""
    ok = ~np.isnan(values)
    if average == "macro":
        return float(values[ok].mean()) if ok.any() else np.nan
    weights = support[ok]
    if weights.sum() == 0:
        return np.nan
    return float(np.average(values[ok], weights=weights))


def _auc(Y: np.ndarray, S: np.ndarray, metric: str, average: str) -> float:
    """Averaged ROC-AUC or PR-AUC; micro pools every (clip, tag) pair."""
    if average == "micro":
        pooled = Y.ravel()[:, None]
        value = _auc_per_tag(pooled, S.ravel()[:, None], metric)[0]
        return float(value)
    return _average(_auc_per_tag(Y, S, metric), Y.sum(axis=0), average)


def _counts(Y: np.ndarray, S: np.ndarray, threshold: np.ndarray):
    predicted = S >= threshold
    tp = np.sum(Y & predicted, axis=0)
    fp = np.sum(~Y & predicted, axis=0)
    fn = np.sum(Y & ~predicted, axis=0)
    return tp, fp, fn


def _ratio(num, den, zero_division: float) -> np.ndarray:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.full(num.shape, zero_division), where=den > 0)


def _prf(tp, fp, fn, zero_division: float):
    precision = _ratio(tp, tp + fp, zero_division)
    recall = _ratio(tp, tp + fn, zero_division)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn, zero_division)
    return precision, recall, f1


def _prf_average(tp, fp, fn, average, zero_division):
    if average == "micro":
        precision, recall, f1 = _prf(tp.sum(), fp.sum(), fn.sum(), zero_division)
        return float(precision), float(recall), float(f1)
    support = tp + fn
    return tuple(_average(v, support, average) for v in _prf(tp, fp, fn, zero_division))


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------


@validate_params(_TARGET_CONSTRAINTS, prefer_skip_nested_validation=True)
def roc_auc_per_tag(
    y_true: ArrayLike, y_score: ArrayLike, *, labels: ArrayLike | None = None
) -> np.ndarray:
    """Area under the ROC curve of every tag.

    The ROC-AUC of a tag is the probability that a random clip with the tag
    scores higher than a random clip without it (ties count one half): 0.5 is
    chance, 1 a perfect ranking. It is computed with
    :func:`sklearn.metrics.roc_auc_score` on each column.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_tags) or \
(n_samples,)
        True tags as a binary indicator matrix (one column per tag). A 1-D
        array of class labels is also accepted (the multi-class case): each
        class is then a tag, one-vs-rest, in the column order of ``y_score``
        (see ``labels``).
    y_score : array-like of shape (n_samples, n_tags) or list of n_tags arrays \
of shape (n_samples, 2)
        Scores of every tag, typically probabilities from ``predict_proba``;
        only their order matters. The list form is what scikit-learn's
        multi-output classifiers (:class:`~sklearn.neighbors.KNeighborsClassifier`,
        :class:`~sklearn.ensemble.RandomForestClassifier`) return; column 1,
        the probability that the tag is present, is used. A 1-D array is one
        tag (the binary case).
    labels : array-like of shape (n_tags,), default=None
        Only for a 1-D ``y_true``: the classes in the column order of
        ``y_score`` (an estimator's ``classes_``). ``None`` uses the sorted
        unique values of ``y_true``, which must then number ``n_tags``.

    Returns
    -------
    roc_auc : ndarray of shape (n_tags,)
        ROC-AUC of each tag; NaN for a tag that has no positive or no
        negative clip in ``y_true``, where it is undefined (with an
        :class:`~sklearn.exceptions.UndefinedMetricWarning` naming the tags).

    See Also
    --------
    tagging_roc_auc : The average over tags.
    pr_auc_per_tag : Area under the precision-recall curve of every tag.
    tagging_report : Every tagging metric in one table.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.metrics import roc_auc_per_tag
    >>> Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    >>> S = np.array([[0.9, 0.2], [0.3, 0.6], [0.4, 0.1], [0.2, 0.3]])
    >>> roc_auc_per_tag(Y, S)
    array([1. , 0.5])
    """
    Y, S, names = _check_targets(y_true, y_score, labels)
    _warn_auc_undefined(Y, names, "roc", averaged=False)
    return _auc_per_tag(Y, S, "roc")


@validate_params(_TARGET_CONSTRAINTS, prefer_skip_nested_validation=True)
def pr_auc_per_tag(
    y_true: ArrayLike, y_score: ArrayLike, *, labels: ArrayLike | None = None
) -> np.ndarray:
    """Area under the precision-recall curve (average precision) of every tag.

    PR-AUC is computed as average precision,
    :func:`sklearn.metrics.average_precision_score`: rank the clips by their
    score for the tag and average the precision at the rank of every clip
    that has the tag. Unlike ROC-AUC its chance level is the tag's frequency,
    so it is more sensitive to the ranking of rare tags.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_tags) or \
(n_samples,)
        True tags as a binary indicator matrix (one column per tag), or a
        1-D array of class labels (one-vs-rest; see ``labels``).
    y_score : array-like of shape (n_samples, n_tags) or list of n_tags arrays \
of shape (n_samples, 2)
        Scores of every tag, as for :func:`roc_auc_per_tag`.
    labels : array-like of shape (n_tags,), default=None
        Only for a 1-D ``y_true``: the classes in the column order of
        ``y_score``. ``None`` uses the sorted unique values of ``y_true``.

    Returns
    -------
    pr_auc : ndarray of shape (n_tags,)
        Average precision of each tag; NaN for a tag with no positive clip in
        ``y_true``, where it is undefined (with an
        :class:`~sklearn.exceptions.UndefinedMetricWarning` naming the tags).

    See Also
    --------
    tagging_pr_auc : The average over tags.
    roc_auc_per_tag : Area under the ROC curve of every tag.
    tagging_report : Every tagging metric in one table.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.metrics import pr_auc_per_tag
    >>> Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    >>> S = np.array([[0.9, 0.2], [0.3, 0.6], [0.4, 0.1], [0.2, 0.3]])
    >>> pr_auc_per_tag(Y, S)
    array([1.  , 0.75])
    """
    Y, S, names = _check_targets(y_true, y_score, labels)
    _warn_auc_undefined(Y, names, "pr", averaged=False)
    return _auc_per_tag(Y, S, "pr")


@validate_params(
    {**_TARGET_CONSTRAINTS, "average": [StrOptions(set(_AVERAGES))]},
    prefer_skip_nested_validation=True,
)
def tagging_roc_auc(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    average: str = "macro",
    labels: ArrayLike | None = None,
) -> float:
    """ROC-AUC averaged over tags.

    The metric of most auto-tagging papers on MagnaTagATune and the Million
    Song Dataset, which report the macro average ("AUC-ROC").

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_tags) or \
(n_samples,)
        True tags as a binary indicator matrix, or a 1-D array of class
        labels (one-vs-rest; see ``labels``).
    y_score : array-like of shape (n_samples, n_tags) or list of n_tags arrays \
of shape (n_samples, 2)
        Scores of every tag, as for :func:`roc_auc_per_tag`.
    average : {"macro", "micro", "weighted"}, default="macro"
        "macro": the unweighted mean of the per-tag values, the number
        tagging papers report. "micro": the ROC-AUC of all (clip, tag) pairs
        pooled into one ranking, dominated by frequent tags. "weighted": the
        mean of the per-tag values weighted by each tag's number of positive
        clips. Tags where ROC-AUC is undefined (no positive or no negative
        clip) are left out of "macro" and "weighted", with a warning naming
        them.
    labels : array-like of shape (n_tags,), default=None
        Only for a 1-D ``y_true``: the classes in the column order of
        ``y_score``. ``None`` uses the sorted unique values of ``y_true``.

    Returns
    -------
    roc_auc : float
        The averaged ROC-AUC; NaN when it is undefined for every tag (or,
        for "micro", when ``y_true`` has no positive or no negative entry).

    See Also
    --------
    roc_auc_per_tag : The value of every tag.
    tagging_pr_auc : Average precision averaged over tags.
    sklearn.metrics.roc_auc_score : The same for fully defined tags.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.metrics import tagging_roc_auc
    >>> Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    >>> S = np.array([[0.9, 0.2], [0.3, 0.6], [0.4, 0.1], [0.2, 0.3]])
    >>> tagging_roc_auc(Y, S)
    0.75
    >>> tagging_roc_auc(Y, S, average="micro")
    0.75
    """
    Y, S, names = _check_targets(y_true, y_score, labels)
    if average == "micro":
        _warn_micro_undefined(Y, "roc")
    else:
        _warn_auc_undefined(Y, names, "roc")
    return _auc(Y, S, "roc", average)


@validate_params(
    {**_TARGET_CONSTRAINTS, "average": [StrOptions(set(_AVERAGES))]},
    prefer_skip_nested_validation=True,
)
def tagging_pr_auc(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    average: str = "macro",
    labels: ArrayLike | None = None,
) -> float:
    """PR-AUC (average precision) averaged over tags.

    Reported next to ROC-AUC by most recent auto-tagging papers (as "PR-AUC"
    or "mAP"), because it is not inflated by the many easy negatives of rare
    tags.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_tags) or \
(n_samples,)
        True tags as a binary indicator matrix, or a 1-D array of class
        labels (one-vs-rest; see ``labels``).
    y_score : array-like of shape (n_samples, n_tags) or list of n_tags arrays \
of shape (n_samples, 2)
        Scores of every tag, as for :func:`roc_auc_per_tag`.
    average : {"macro", "micro", "weighted"}, default="macro"
        "macro": the unweighted mean of the per-tag values. "micro": the
        average precision of all (clip, tag) pairs pooled into one ranking.
        "weighted": the mean of the per-tag values weighted by each tag's
        number of positive clips. Tags without a positive clip, where
        average precision is undefined, are left out of "macro" (with a
        warning naming them); their weight is 0 in "weighted".
    labels : array-like of shape (n_tags,), default=None
        Only for a 1-D ``y_true``: the classes in the column order of
        ``y_score``. ``None`` uses the sorted unique values of ``y_true``.

    Returns
    -------
    pr_auc : float
        The averaged average precision; NaN when no tag has a positive clip.

    See Also
    --------
    pr_auc_per_tag : The value of every tag.
    tagging_roc_auc : ROC-AUC averaged over tags.
    sklearn.metrics.average_precision_score : The same for fully defined tags.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.metrics import tagging_pr_auc
    >>> Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    >>> S = np.array([[0.9, 0.2], [0.3, 0.6], [0.4, 0.1], [0.2, 0.3]])
    >>> tagging_pr_auc(Y, S)
    0.875
    >>> tagging_pr_auc(Y, S, average="micro")
    0.875
    """
    Y, S, names = _check_targets(y_true, y_score, labels)
    if average == "micro":
        _warn_micro_undefined(Y, "pr")
    else:
        _warn_auc_undefined(Y, names, "pr")
    return _auc(Y, S, "pr", average)


@validate_params(
    {
        **_TARGET_CONSTRAINTS,
        "threshold": [Real, "array-like"],
        "average": [StrOptions(set(_AVERAGES)), None],
        "zero_division": _ZERO_DIVISION,
    },
    prefer_skip_nested_validation=True,
)
def tagging_precision_recall_f1(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    threshold: float | ArrayLike = 0.5,
    average: str | None = None,
    labels: ArrayLike | None = None,
    zero_division: float = 0.0,
):
    """Precision, recall and F1 of the tags predicted by thresholding scores.

    A clip is annotated with a tag when its score reaches ``threshold``
    (``score >= threshold``). Per tag, precision is the fraction of the clips
    annotated with the tag that truly have it, recall the fraction of the
    clips that have the tag that are annotated with it, and F1 their
    harmonic mean. Averaged over tags, these are the *annotation* metrics of
    the music auto-tagging literature (Turnbull et al., 2008), as opposed to
    the ranking metrics :func:`tagging_roc_auc` and :func:`tagging_pr_auc`.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_tags) or \
(n_samples,)
        True tags as a binary indicator matrix, or a 1-D array of class
        labels (one-vs-rest; see ``labels``).
    y_score : array-like of shape (n_samples, n_tags) or list of n_tags arrays \
of shape (n_samples, 2)
        Scores of every tag, as for :func:`roc_auc_per_tag`.
    threshold : float or array-like of shape (n_tags,), default=0.5
        Score from which a tag is predicted: one for all tags, or one per
        tag (e.g. tuned on validation data). In the multi-class case the
        thresholding is one-vs-rest too, so a clip can get no class or
        several; for one class per clip score ``predict`` with
        :func:`sklearn.metrics.classification_report` instead.
    average : {"macro", "micro", "weighted"} or None, default=None
        ``None`` returns the values of every tag. "macro" is their
        unweighted mean, "weighted" their mean weighted by support, and
        "micro" computes the metrics from the true and false positives and
        negatives summed over tags. Undefined (NaN) values are left out of
        the means.
    labels : array-like of shape (n_tags,), default=None
        Only for a 1-D ``y_true``: the classes in the column order of
        ``y_score``. ``None`` uses the sorted unique values of ``y_true``.
    zero_division : {0.0, 1.0, np.nan}, default=0.0
        Value of a metric whose denominator is 0: the precision of a tag that
        is never predicted, the recall of a tag that no clip has, the F1 of a
        tag that is neither. 0.0 follows
        :func:`sklearn.metrics.precision_recall_fscore_support` (without its
        warning); ``np.nan`` leaves such tags out of the averages.

    Returns
    -------
    precision : ndarray of shape (n_tags,) or float
        Precision of each tag, or its average.
    recall : ndarray of shape (n_tags,) or float
        Recall of each tag, or its average.
    f1 : ndarray of shape (n_tags,) or float
        F1 score of each tag, or its average.
    support : ndarray of shape (n_tags,) or int
        Number of clips that have each tag, or their total.

    See Also
    --------
    tagging_report : These and the ranking metrics in one table.
    sklearn.metrics.precision_recall_fscore_support : The same from
        predicted labels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.metrics import tagging_precision_recall_f1
    >>> Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    >>> S = np.array([[0.9, 0.2], [0.3, 0.6], [0.4, 0.1], [0.2, 0.3]])
    >>> p, r, f1, support = tagging_precision_recall_f1(Y, S)
    >>> p, r, support
    (array([1., 1.]), array([0.5, 0.5]), array([2, 2]))
    >>> p, r, f1, support = tagging_precision_recall_f1(Y, S, threshold=0.3)
    >>> p, r
    (array([0.66666667, 0.5       ]), array([1. , 0.5]))
    >>> tagging_precision_recall_f1(Y, S, threshold=0.3, average="micro")
    (0.6, 0.75, 0.6666666666666666, 4)
    """
    Y, S, _ = _check_targets(y_true, y_score, labels)
    tp, fp, fn = _counts(Y, S, _check_threshold(threshold, S.shape[1]))
    support = tp + fn
    if average is None:
        return (*_prf(tp, fp, fn, zero_division), support)
    return (*_prf_average(tp, fp, fn, average, zero_division), int(support.sum()))


@validate_params(
    {
        **_TARGET_CONSTRAINTS,
        "tag_names": ["array-like", None],
        "threshold": [Real, "array-like"],
        "output_dict": ["boolean"],
        "as_frame": ["boolean"],
        "digits": [Interval(Integral, 0, None, closed="left")],
        "zero_division": _ZERO_DIVISION,
    },
    prefer_skip_nested_validation=True,
)
def tagging_report(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    tag_names: ArrayLike | None = None,
    threshold: float | ArrayLike = 0.5,
    labels: ArrayLike | None = None,
    output_dict: bool = False,
    as_frame: bool = False,
    digits: int = 3,
    zero_division: float = 0.0,
):
    """Table of the ranking and annotation metrics of every tag.

    Like :func:`sklearn.metrics.classification_report`, for a tagger: one row
    per tag with its ROC-AUC, PR-AUC, and the precision, recall and F1 of the
    tags predicted at ``threshold``, and its support (the number of clips
    that have it), then three rows averaging the tags: "micro avg" (all
    (clip, tag) pairs pooled), "macro avg" (unweighted mean over tags) and
    "weighted avg" (mean weighted by support). The support of an average row
    is the total number of positive (clip, tag) pairs.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_tags) or \
(n_samples,)
        True tags as a binary indicator matrix, or a 1-D array of class
        labels (one-vs-rest; see ``labels``).
    y_score : array-like of shape (n_samples, n_tags) or list of n_tags arrays \
of shape (n_samples, 2)
        Scores of every tag, as for :func:`roc_auc_per_tag`.
    tag_names : array-like of str of shape (n_tags,), default=None
        Row names, unique. ``None`` uses the columns of ``y_true`` when it
        is a :class:`pandas.DataFrame`, the class labels when ``y_true`` is
        1-D, else the column indices ``"0"``, ``"1"``...
    threshold : float or array-like of shape (n_tags,), default=0.5
        Score from which a tag is predicted, for precision, recall and F1
        (see :func:`tagging_precision_recall_f1`).
    labels : array-like of shape (n_tags,), default=None
        Only for a 1-D ``y_true``: the classes in the column order of
        ``y_score``. ``None`` uses the sorted unique values of ``y_true``.
    output_dict : bool, default=False
        Return a dict instead of a string.
    as_frame : bool, default=False
        Return a :class:`pandas.DataFrame` instead of a string.
    digits : int, default=3
        Decimals of the floats in the string.
    zero_division : {0.0, 1.0, np.nan}, default=0.0
        Value of a precision, recall or F1 whose denominator is 0 (see
        :func:`tagging_precision_recall_f1`).

    Returns
    -------
    report : str, dict or pandas.DataFrame
        The string is a text table. The dict maps each tag name and
        ``"micro avg"``, ``"macro avg"``, ``"weighted avg"`` to a dict with
        keys ``"roc_auc"``, ``"pr_auc"``, ``"precision"``, ``"recall"``,
        ``"f1-score"`` (floats) and ``"support"`` (int). The DataFrame has
        the same rows (index) and columns. ROC-AUC and PR-AUC are NaN for
        tags where they are undefined (no positive clip, or for ROC-AUC no
        negative one); such tags are left out of the macro and weighted
        averages of these columns, and one
        :class:`~sklearn.exceptions.UndefinedMetricWarning` names them.

    See Also
    --------
    tagging_roc_auc : ROC-AUC averaged over tags.
    tagging_pr_auc : PR-AUC averaged over tags.
    tagging_precision_recall_f1 : The annotation metrics alone.
    sklearn.metrics.classification_report : The same from predicted labels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.metrics import tagging_report
    >>> Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    >>> S = np.array([[0.9, 0.2], [0.3, 0.6], [0.4, 0.1], [0.2, 0.3]])
    >>> print(tagging_report(Y, S, tag_names=["rock", "piano"], digits=2))
                   roc_auc    pr_auc precision    recall  f1-score   support
    <BLANKLINE>
            rock      1.00      1.00      1.00      0.50      0.67         2
           piano      0.50      0.75      1.00      0.50      0.67         2
    <BLANKLINE>
       micro avg      0.75      0.88      1.00      0.50      0.67         4
       macro avg      0.75      0.88      1.00      0.50      0.67         4
    weighted avg      0.75      0.88      1.00      0.50      0.67         4
    <BLANKLINE>
    >>> report = tagging_report(Y, S, tag_names=["rock", "piano"], output_dict=True)
    >>> report["piano"]["pr_auc"], report["macro avg"]["support"]
    (0.75, 4)
    """
    if output_dict and as_frame:
        raise ValueError("Pass output_dict=True or as_frame=True, not both.")
    Y, S, default_names = _check_targets(y_true, y_score, labels)
    names = _check_tag_names(tag_names, y_true, default_names)
    _warn_auc_undefined(Y, names, "both")

    roc = _auc_per_tag(Y, S, "roc")
    pr = _auc_per_tag(Y, S, "pr")
    tp, fp, fn = _counts(Y, S, _check_threshold(threshold, S.shape[1]))
    precision, recall, f1 = _prf(tp, fp, fn, zero_division)
    support = tp + fn

    rows = {}
    for j, name in enumerate(names):
        values = (roc[j], pr[j], precision[j], recall[j], f1[j])
        rows[name] = [float(v) for v in values] + [int(support[j])]
    for row, average in zip(_AVG_ROWS, ("micro", "macro", "weighted"), strict=True):
        if average == "micro":
            aucs = [_auc(Y, S, "roc", "micro"), _auc(Y, S, "pr", "micro")]
        else:
            aucs = [_average(roc, support, average), _average(pr, support, average)]
        prf = _prf_average(tp, fp, fn, average, zero_division)
        rows[row] = [float(v) for v in (*aucs, *prf)] + [int(support.sum())]

    if as_frame:
        import pandas as pd

        frame = pd.DataFrame.from_dict(
            rows, orient="index", columns=list(_REPORT_COLUMNS)
        )
        return frame.astype({"support": np.int64})
    if output_dict:
        return {
            name: dict(zip(_REPORT_COLUMNS, values, strict=True))
            for name, values in rows.items()
        }
    return _format_report(rows, digits)


def _check_tag_names(tag_names, y_true, default_names) -> list[str]:
    if tag_names is None:
        columns = getattr(y_true, "columns", None)
        if columns is not None and np.ndim(y_true) == 2:
            tag_names = list(columns)
        else:
            return default_names
    names = [str(name) for name in np.asarray(tag_names, dtype=object).ravel()]
    if len(names) != len(default_names):
        raise ValueError(
            f"tag_names has {len(names)} names but there are "
            f"{len(default_names)} tags (columns of y_score)."
        )
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"tag_names must be unique; {duplicated} appear twice.")
    reserved = sorted(set(names) & set(_AVG_ROWS))
    if reserved:
        raise ValueError(
            f"tag_names {reserved} would clash with the average rows of the "
            "report; rename them."
        )
    return names


def _format_report(rows: dict, digits: int) -> str:
    width = max(len(name) for name in [*rows, _AVG_ROWS[-1]])
    lines = [" " * width + "".join(f" {c:>9}" for c in _REPORT_COLUMNS), ""]
    for name, values in rows.items():
        if name == _AVG_ROWS[0]:
            lines.append("")
        cells = "".join(f" {v:>9.{digits}f}" for v in values[:-1])
        lines.append(f"{name:>{width}}{cells} {values[-1]:>9}")
    return "\n".join(lines) + "\n"
