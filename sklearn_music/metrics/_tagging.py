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
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.utils._param_validation import StrOptions, validate_params

from ..utils import format_items
from ._tag_checks import (
    TARGET_CONSTRAINTS,
    ZERO_DIVISION,
    _check_targets,
    _check_threshold,
)

__all__ = [
    "auc_per_tag",
    "pr_auc_per_tag",
    "roc_auc_per_tag",
    "tagging_pr_auc",
    "tagging_precision_recall_f1",
    "tagging_roc_auc",
]

_AVERAGES = ("macro", "micro", "weighted")
_KINDS = ("roc", "pr")


# ---------------------------------------------------------------------------
# Computation
# ---------------------------------------------------------------------------


def auc_per_tag(Y: np.ndarray, S: np.ndarray, *, kind: str = "roc") -> np.ndarray:
    """ROC-AUC or PR-AUC of every tag of a checked problem, without warnings.

    What :func:`roc_auc_per_tag` and :func:`pr_auc_per_tag` compute, on the
    matrices returned by :func:`check_tagging_targets`, for code that reports
    the undefined tags its own way (:class:`~sklearn_music.plotting.TagCurveDisplay`
    names those it cannot draw).

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_tags), dtype bool
        Which clip has which tag.
    S : ndarray of shape (n_samples, n_tags)
        The score of every (clip, tag) pair.
    kind : {"roc", "pr"}, default="roc"
        Area under the ROC curve, or average precision.

    Returns
    -------
    auc : ndarray of shape (n_tags,)
        The area of every tag; NaN where it is undefined: ROC-AUC needs a
        positive and a negative clip, PR-AUC a positive one.

    See Also
    --------
    check_tagging_targets : The matrices this function takes.
    roc_auc_per_tag : The same from any form of targets, with a warning
        naming the undefined tags.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.metrics import auc_per_tag
    >>> Y = np.array([[1, 0], [0, 0], [1, 0], [0, 0]], dtype=bool)
    >>> S = np.array([[0.9, 0.2], [0.3, 0.6], [0.4, 0.1], [0.2, 0.3]])
    >>> auc_per_tag(Y, S, kind="pr")
    array([ 1., nan])
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'roc' or 'pr'; got {kind!r}.")
    score = roc_auc_score if kind == "roc" else average_precision_score
    n_pos = Y.sum(axis=0)
    defined = n_pos > 0
    if kind == "roc":
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
    parts = [f"{what}: [{format_items(names)}]" for what, names in parts if names]
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
        value = auc_per_tag(pooled, S.ravel()[:, None], kind=metric)[0]
        return float(value)
    return _average(auc_per_tag(Y, S, kind=metric), Y.sum(axis=0), average)


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


@validate_params(TARGET_CONSTRAINTS, prefer_skip_nested_validation=True)
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
    return auc_per_tag(Y, S, kind="roc")


@validate_params(TARGET_CONSTRAINTS, prefer_skip_nested_validation=True)
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
    return auc_per_tag(Y, S, kind="pr")


@validate_params(
    {**TARGET_CONSTRAINTS, "average": [StrOptions(set(_AVERAGES))]},
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
    {**TARGET_CONSTRAINTS, "average": [StrOptions(set(_AVERAGES))]},
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
        **TARGET_CONSTRAINTS,
        "threshold": [Real, "array-like"],
        "average": [StrOptions(set(_AVERAGES)), None],
        "zero_division": ZERO_DIVISION,
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
