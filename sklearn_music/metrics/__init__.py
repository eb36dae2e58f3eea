"""Metrics for music tagging and retrieval, and scorers for model selection.

Tagging metrics (:func:`tagging_roc_auc`, :func:`tagging_pr_auc`,
:func:`tagging_precision_recall_f1`, :func:`tagging_report`) score the
``(n_clips, n_tags)`` output of ``predict_proba`` against an indicator
matrix of true tags. Retrieval metrics (:func:`precision_at_k`,
:func:`mean_average_precision`, :func:`genre_consistency`) score the ranked
neighbour lists of any ``kneighbors`` method. :func:`get_scorer` gives
scorers for :class:`~sklearn.model_selection.GridSearchCV`.

:func:`check_tagging_targets` and :func:`auc_per_tag` are the building
blocks of the tagging metrics, for code that computes its own per-tag
quantities the same way (the plotting displays do).
"""

from ._report import tagging_report
from ._retrieval import genre_consistency, mean_average_precision, precision_at_k
from ._scorer import (
    get_scorer,
    get_scorer_names,
    pr_auc_macro_scorer,
    pr_auc_micro_scorer,
    pr_auc_weighted_scorer,
    roc_auc_macro_scorer,
    roc_auc_micro_scorer,
    roc_auc_weighted_scorer,
)
from ._tag_checks import check_tagging_targets
from ._tagging import (
    auc_per_tag,
    pr_auc_per_tag,
    roc_auc_per_tag,
    tagging_pr_auc,
    tagging_precision_recall_f1,
    tagging_roc_auc,
)

__all__ = [
    "auc_per_tag",
    "check_tagging_targets",
    "genre_consistency",
    "get_scorer",
    "get_scorer_names",
    "mean_average_precision",
    "pr_auc_macro_scorer",
    "pr_auc_micro_scorer",
    "pr_auc_per_tag",
    "pr_auc_weighted_scorer",
    "precision_at_k",
    "roc_auc_macro_scorer",
    "roc_auc_micro_scorer",
    "roc_auc_per_tag",
    "roc_auc_weighted_scorer",
    "tagging_pr_auc",
    "tagging_precision_recall_f1",
    "tagging_report",
    "tagging_roc_auc",
]
