"""Target formats shared by the estimators and the displays.

Multi-label targets come either as an indicator matrix ``(n_clips, n_tags)``
or as one list of tags per clip (``[["rock", "piano"], ["jazz"]]``), the
latter also as a pandas Series or object array of lists, as the dataset
loaders return them (``df["tags"]``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_tag_lists"]


def _is_tag_list_sequence(y) -> bool:
    return (
        isinstance(y, list | tuple)
        and len(y) > 0
        and all(isinstance(t, list | tuple | set | frozenset) for t in y)
    )


def as_tag_lists(y) -> list | None:
    """``y`` as a list of tag lists, or ``None`` for labels or an indicator.

    Equal-length rows of 0/1 numbers (``Y.tolist()``) are an indicator
    matrix, as in scikit-learn; any other sequence of sequences (or sets) is
    tag lists. A pandas Series or 1-D object array of tag lists is unwrapped.
    """
    if not isinstance(y, list | tuple) and getattr(y, "ndim", None) == 1:
        values = getattr(y, "to_numpy", lambda: np.asarray(y))()
        if values.dtype != object:
            return None
        y = list(values)
    if not _is_tag_list_sequence(y):
        return None
    if len({len(t) for t in y}) == 1 and not isinstance(y[0], set | frozenset):
        try:
            values = np.asarray(y, dtype=float)
        except (TypeError, ValueError):
            return list(y)
        if np.isin(values, (0, 1)).all():
            return None  # rows of 0/1: an indicator matrix
    return list(y)
