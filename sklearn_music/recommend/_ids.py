"""Catalogue ids: one type per catalogue, stored as given, never coerced.

The ids of a catalogue name its tracks in :meth:`recommend` and are looked
up with a :class:`pandas.Index`. Values of different types can compare (and
hash) equal, ``True == 1`` and ``1.0 == 1``, and a NumPy array of mixed
values turns them all into strings (``['a', 1]`` becomes ``['a', '1']``), so
every id of a catalogue must be of one *kind*:

- ``"integer"``: Python and NumPy integers (booleans are refused: ``True``
  and ``False`` equal 1 and 0);
- ``"string"``: Python and NumPy strings;
- any other hashable type (a :class:`pathlib.Path`, a float, ...), by its
  exact type.

Missing values (None, NaN) are refused. The checks run before anything is
stored, so a refused batch leaves the catalogue as it was.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd

from ..utils import format_items

__all__ = ["catalogue_id_kind", "check_new_ids", "new_ids", "rows_of"]

_PLURAL = {"integer": "integers", "string": "strings", "float": "floats"}


def _kind(value) -> str:
    """The kind of one id: "integer", "string", "bool", "missing" or a type."""
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, Integral):
        return "integer"
    if isinstance(value, str):
        return "string"
    if isinstance(value, float | np.floating):
        return "missing" if np.isnan(value) else "float"
    if isinstance(value, bytes):
        return "bytes"
    if value is None:
        return "missing"
    return type(value).__qualname__


def _describe(kind: str) -> str:
    return _PLURAL.get(kind, f"of type {kind}")


def _kinds(values: np.ndarray) -> np.ndarray:
    """The kind of every id of a 1-D array (vectorised for plain dtypes)."""
    dtype_kind = values.dtype.kind
    if dtype_kind in "iu":
        return np.full(values.shape, "integer", dtype=object)
    if dtype_kind == "U":
        return np.full(values.shape, "string", dtype=object)
    if dtype_kind == "b":
        return np.full(values.shape, "bool", dtype=object)
    return np.array([_kind(v) for v in values], dtype=object)


def catalogue_id_kind(ids: np.ndarray) -> str:
    """The kind of the ids of a catalogue (all of one kind)."""
    return str(_kinds(ids[:1])[0])


def _as_array(ids, n: int) -> np.ndarray:
    """``ids`` as a 1-D array of ``n`` values, of the types given."""
    if isinstance(ids, pd.Index | pd.Series):
        ids = ids.to_numpy()
    if not isinstance(ids, np.ndarray):
        values = list(ids)
        nested = [i for i, v in enumerate(values) if np.ndim(v) != 0]
        if nested:
            raise ValueError(
                f"ids must hold one id (a scalar) per track of X; item "
                f"{nested[0]} is a {type(values[nested[0]]).__name__}."
            )
        # fill an object array: np.asarray would coerce mixed values
        ids = np.empty(len(values), dtype=object)
        ids[:] = values
    if ids.ndim != 1 or ids.shape[0] != n:
        raise ValueError(
            f"ids must hold one id per track of X: expected shape ({n},), "
            f"got {ids.shape}."
        )
    return ids


def _compact(ids: np.ndarray, kind: str) -> np.ndarray:
    """Integer and string ids of an object array in a plain NumPy dtype."""
    if ids.dtype != object or kind not in ("integer", "string"):
        return ids
    try:
        return np.asarray(ids.tolist(), dtype=np.int64 if kind == "integer" else str)
    except OverflowError:  # integers beyond int64 stay Python ints
        return ids


def new_ids(ids, n: int, start: int, *, catalogue_kind: str | None = None):
    """The ids of ``n`` new tracks, checked to be of one kind.

    Parameters
    ----------
    ids : array-like of shape (n,) or None
        The ids given to ``fit`` or ``partial_fit``; None gives the row
        numbers ``start, start + 1, ...``.
    n : int
        Number of new tracks.
    start : int
        Row of the first new track in the catalogue.
    catalogue_kind : str or None, default=None
        Kind of the ids already in the catalogue, which the new ones must
        share; None for a new catalogue.

    Returns
    -------
    ids : ndarray of shape (n,)
        int64 for integers, a NumPy string array for strings, otherwise an
        object array holding the values given.

    Raises
    ------
    ValueError
        If an id is missing or a boolean, if the ids mix kinds, or if their
        kind is not the catalogue's; the offending ids are named.
    """
    default = ids is None
    ids = np.arange(start, start + n) if default else _as_array(ids, n)
    kinds = _kinds(ids)
    for bad, what, why in (
        ("missing", "Missing ids (None or NaN)", "every track needs an id"),
        (
            "bool",
            "Boolean ids",
            "True and False equal the integers 1 and 0, so they cannot be told "
            "apart from integer ids; use integers or strings",
        ),
    ):
        if (kinds == bad).any():
            raise ValueError(
                f"{what} at position(s) "
                f"{format_items(np.flatnonzero(kinds == bad))} of ids "
                f"({format_items(ids[kinds == bad])}): {why}."
            )
    present = list(dict.fromkeys(kinds))  # in order of first appearance
    if len(present) > 1:
        groups = "; ".join(
            f"{_describe(k)}: {format_items(ids[kinds == k], limit=3)}" for k in present
        )
        raise ValueError(
            "ids must all be of one type (values of different types, such as "
            f"1 and '1', are easily confused, and NumPy would turn them all "
            f"into strings); got {groups}. Convert them to one type, e.g. all "
            "to str."
        )
    kind = present[0] if present else catalogue_kind
    if catalogue_kind is not None and n and kind != catalogue_kind:
        hint = (
            " (without ids, partial_fit numbers the new tracks by row: pass ids=...)"
            if default
            else ""
        )
        raise ValueError(
            f"The ids of the catalogue are {_describe(catalogue_kind)}, but the "
            f"new ids {format_items(ids, limit=3)} are {_describe(kind)}{hint}: "
            "a catalogue holds ids of one type."
        )
    return _compact(ids, kind)


def check_new_ids(ids: np.ndarray, known: pd.Index | None) -> None:
    """Refuse ids repeated among ``ids`` or already ``known`` (the catalogue)."""
    index = pd.Index(ids)
    within = index[index.duplicated()].unique()
    if len(within):
        raise ValueError(
            f"ids must be unique; repeated within this batch: {list(within)[:10]}."
        )
    if known is not None:
        clash = index[known.get_indexer(index) >= 0]
        if len(clash):
            raise ValueError(
                f"ids already in the catalogue: {list(clash)[:10]}. Every "
                "track must have a unique id."
            )


def rows_of(known: pd.Index, wanted, *, strict: bool = True) -> np.ndarray:
    """Catalogue rows of the ids ``wanted`` (a list).

    With ``strict``, every id must be in the catalogue and of its kind (a
    ``True`` is not the id ``1``); otherwise unknown ids are dropped.
    """
    wanted = _as_array(wanted, len(wanted)) if len(wanted) else np.array([])
    rows = known.get_indexer(pd.Index(wanted, dtype=object))
    if len(known) and len(wanted):
        kind = catalogue_id_kind(known.to_numpy()[:1])
        rows[_kinds(wanted) != kind] = -1
    if not strict:
        return rows[rows >= 0]
    if (rows < 0).any():
        kind = catalogue_id_kind(known.to_numpy()[:1])
        raise ValueError(
            f"Unknown track id(s) {list(wanted[rows < 0])[:10]}: track takes "
            f"catalogue ids ({_describe(kind)} here); pass new queries as X=..."
        )
    return rows
