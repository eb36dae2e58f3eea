"""The tagging report: every tagging metric of every tag in one table."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils._param_validation import Interval, validate_params

from ._tag_checks import (
    TARGET_CONSTRAINTS,
    ZERO_DIVISION,
    _check_threshold,
    check_tagging_targets,
)
from ._tagging import (
    _auc,
    _average,
    _counts,
    _prf,
    _prf_average,
    _warn_auc_undefined,
    auc_per_tag,
)

__all__ = ["tagging_report"]

_AVG_ROWS = ("micro avg", "macro avg", "weighted avg")
_REPORT_COLUMNS = ("roc_auc", "pr_auc", "precision", "recall", "f1-score", "support")


@validate_params(
    {
        **TARGET_CONSTRAINTS,
        "tag_names": ["array-like", None],
        "threshold": [Real, "array-like"],
        "output_dict": ["boolean"],
        "as_frame": ["boolean"],
        "digits": [Interval(Integral, 0, None, closed="left")],
        "zero_division": ZERO_DIVISION,
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
    Y, S, names = check_tagging_targets(
        y_true, y_score, labels=labels, tag_names=tag_names
    )
    reserved = sorted(set(names) & set(_AVG_ROWS))
    if reserved:
        raise ValueError(
            f"tag_names {reserved} would clash with the average rows of the "
            "report; rename them."
        )
    _warn_auc_undefined(Y, names, "both")

    roc = auc_per_tag(Y, S, kind="roc")
    pr = auc_per_tag(Y, S, kind="pr")
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


def _format_report(rows: dict, digits: int) -> str:
    width = max(len(name) for name in [*rows, _AVG_ROWS[-1]])
    lines = [" " * width + "".join(f" {c:>9}" for c in _REPORT_COLUMNS), ""]
    for name, values in rows.items():
        if name == _AVG_ROWS[0]:
            lines.append("")
        cells = "".join(f" {v:>9.{digits}f}" for v in values[:-1])
        lines.append(f"{name:>{width}}{cells} {values[-1]:>9}")
    return "\n".join(lines) + "\n"
