"""Scorers of the tagging metrics for model selection.

Each scorer asks the estimator for ``predict_proba`` (``decision_function``
when there is none: the ranking metrics only need the order of the scores)
and passes the scores to :func:`tagging_roc_auc` or :func:`tagging_pr_auc`.
"""

from __future__ import annotations

import copy

from sklearn.metrics import get_scorer as _sklearn_get_scorer
from sklearn.metrics import make_scorer

from ._tagging import tagging_pr_auc, tagging_roc_auc

__all__ = [
    "get_scorer",
    "get_scorer_names",
    "pr_auc_macro_scorer",
    "pr_auc_micro_scorer",
    "pr_auc_weighted_scorer",
    "roc_auc_macro_scorer",
    "roc_auc_micro_scorer",
    "roc_auc_weighted_scorer",
]

_RESPONSE = ("predict_proba", "decision_function")


def _scorer(score_func, average: str):
    return make_scorer(score_func, response_method=_RESPONSE, average=average)


#: Scorer of :func:`tagging_roc_auc` with ``average="macro"``.
roc_auc_macro_scorer = _scorer(tagging_roc_auc, "macro")
#: Scorer of :func:`tagging_roc_auc` with ``average="micro"``.
roc_auc_micro_scorer = _scorer(tagging_roc_auc, "micro")
#: Scorer of :func:`tagging_roc_auc` with ``average="weighted"``.
roc_auc_weighted_scorer = _scorer(tagging_roc_auc, "weighted")
#: Scorer of :func:`tagging_pr_auc` with ``average="macro"``.
pr_auc_macro_scorer = _scorer(tagging_pr_auc, "macro")
#: Scorer of :func:`tagging_pr_auc` with ``average="micro"``.
pr_auc_micro_scorer = _scorer(tagging_pr_auc, "micro")
#: Scorer of :func:`tagging_pr_auc` with ``average="weighted"``.
pr_auc_weighted_scorer = _scorer(tagging_pr_auc, "weighted")

_SCORERS = {
    "tag_roc_auc_macro": roc_auc_macro_scorer,
    "tag_roc_auc_micro": roc_auc_micro_scorer,
    "tag_roc_auc_weighted": roc_auc_weighted_scorer,
    "tag_pr_auc_macro": pr_auc_macro_scorer,
    "tag_pr_auc_micro": pr_auc_micro_scorer,
    "tag_pr_auc_weighted": pr_auc_weighted_scorer,
}


def get_scorer_names() -> list[str]:
    """Names of the scorers of sklearn-music, for :func:`get_scorer`.

    Returns
    -------
    names : list of str
        ``"tag_<metric>_<average>"`` for the metrics ``roc_auc`` and
        ``pr_auc`` and the averages ``macro``, ``micro`` and ``weighted``,
        sorted.

    See Also
    --------
    get_scorer : The scorer of a name.
    sklearn.metrics.get_scorer_names : The names of scikit-learn's scorers.

    Examples
    --------
    >>> from sklearn_music.metrics import get_scorer_names
    >>> get_scorer_names()[:2]
    ['tag_pr_auc_macro', 'tag_pr_auc_micro']
    """
    return sorted(_SCORERS)


def get_scorer(scoring):
    """The scorer of a name, for ``GridSearchCV(scoring=...)`` and friends.

    scikit-learn resolves a string ``scoring`` with its own registry only,
    so pass the scorer object this function returns (or a dict of them, for
    several metrics at once) rather than the name.

    Parameters
    ----------
    scoring : str, callable or None
        One of :func:`get_scorer_names`: ``"tag_roc_auc_macro"``,
        ``"tag_roc_auc_micro"``, ``"tag_roc_auc_weighted"``,
        ``"tag_pr_auc_macro"``, ``"tag_pr_auc_micro"``,
        ``"tag_pr_auc_weighted"``. Any other value goes to
        :func:`sklearn.metrics.get_scorer`, so ``"accuracy"`` or a callable
        work too.

    Returns
    -------
    scorer : callable
        A copy of the scorer, called as ``scorer(estimator, X, y_true)``.
        The tagging scorers score ``predict_proba`` (or
        ``decision_function``) with :func:`tagging_roc_auc` or
        :func:`tagging_pr_auc`; a multi-label ``predict_proba`` may return an
        ``(n_samples, n_tags)`` array or scikit-learn's list of
        ``(n_samples, 2)`` arrays.

    Raises
    ------
    ValueError
        When ``scoring`` is a string that neither sklearn-music nor
        scikit-learn knows.

    Notes
    -----
    The scorers can also be imported directly from
    :mod:`sklearn_music.metrics` as ``roc_auc_macro_scorer``,
    ``roc_auc_micro_scorer``, ``roc_auc_weighted_scorer``,
    ``pr_auc_macro_scorer``, ``pr_auc_micro_scorer`` and
    ``pr_auc_weighted_scorer`` (shared objects, not copies).

    See Also
    --------
    get_scorer_names : The names of sklearn-music's scorers.
    tagging_roc_auc : The ROC-AUC behind the ``tag_roc_auc_*`` scorers.
    tagging_pr_auc : The PR-AUC behind the ``tag_pr_auc_*`` scorers.

    Examples
    --------
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn_music.metrics import get_scorer
    >>> X, Y = make_multilabel_classification(
    ...     120, n_features=10, n_classes=4, random_state=0
    ... )
    >>> search = GridSearchCV(
    ...     KNeighborsClassifier(),
    ...     {"n_neighbors": [3, 15]},
    ...     scoring=get_scorer("tag_roc_auc_macro"),
    ...     cv=3,
    ... ).fit(X, Y)
    >>> search.best_params_
    {'n_neighbors': 15}
    """
    if isinstance(scoring, str):
        if scoring in _SCORERS:
            return copy.deepcopy(_SCORERS[scoring])
        try:
            return _sklearn_get_scorer(scoring)
        except ValueError:
            raise ValueError(
                f"{scoring!r} is not a valid scoring value. sklearn-music's "
                f"scorers are {get_scorer_names()}; scikit-learn's are listed "
                "by sklearn.metrics.get_scorer_names()."
            ) from None
    return _sklearn_get_scorer(scoring)
