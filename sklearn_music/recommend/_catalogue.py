"""The input side of a catalogue: unit-norm embeddings, ids and labels.

Functions :class:`~sklearn_music.recommend.CosineRecommender` uses to turn
what :meth:`fit`, :meth:`partial_fit` and the queries receive into the
float32 unit rows that the searches of :mod:`._search` take, and to keep the
ids and genres of the catalogue consistent as it grows.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from ..utils import format_items

__all__ = [
    "check_embedder_output",
    "check_new_ids",
    "concat_labels",
    "in_chunks",
    "n_items",
    "new_ids",
    "normalize_rows",
]


def normalize_rows(E: np.ndarray, what: str) -> np.ndarray:
    """L2-normalise the rows of ``E`` to float32, refusing zero and non-finite rows.

    Rows are scaled by their largest magnitude before the norm is taken, so
    very large or very small (but non-zero) float64 rows neither overflow nor
    underflow. ``what`` names ``E`` in the errors.
    """
    out = np.empty(E.shape, dtype=np.float32)
    for start in range(0, E.shape[0], 65536):
        block = E[start : start + 65536].astype(np.float64)  # a copy
        finite = np.isfinite(block).all(axis=1)
        if not finite.all():
            rows = start + np.flatnonzero(~finite)
            raise ValueError(
                f"{what} contains NaN or infinity in row(s) {format_items(rows)}: "
                "cosine similarity needs finite embeddings."
            )
        scale = np.abs(block).max(axis=1) if block.shape[1] else np.zeros(len(block))
        zero = scale == 0
        if zero.any():
            rows = start + np.flatnonzero(zero)
            raise ValueError(
                f"Row(s) {format_items(rows)} of {what} are zero vectors: their "
                "cosine similarity to any track is undefined. Remove them (a "
                "silent clip or an all-zero embedding has no direction)."
            )
        block /= scale[:, np.newaxis]
        block /= np.sqrt(np.einsum("ij,ij->i", block, block))[:, np.newaxis]
        out[start : start + len(block)] = block
    return out


def n_items(X) -> int:
    """Number of tracks in ``X`` (an array, a data frame or a list)."""
    return X.shape[0] if hasattr(X, "shape") else len(X)


def in_chunks(func, X, chunk_size: int) -> np.ndarray:
    """``func(X)`` applied to ``chunk_size`` items of ``X`` at a time."""
    if isinstance(X, str | os.PathLike) or n_items(X) <= chunk_size:
        return np.asarray(func(X))
    n = n_items(X)
    parts = []
    for start in range(0, n, chunk_size):
        rows = slice(start, min(start + chunk_size, n))
        parts.append(np.asarray(func(X.iloc[rows] if hasattr(X, "iloc") else X[rows])))
    return np.concatenate(parts)


def check_embedder_output(E: np.ndarray, X, n_dims: int | None) -> None:
    """Check that ``embedder.transform(X)`` gave one numeric row per track of
    ``X``, of ``n_dims`` dimensions unless that is None."""
    if E.ndim != 2:
        raise ValueError(
            f"embedder.transform must return a 2-D array (n_tracks, n_dims); "
            f"got an array of shape {E.shape}."
        )
    if E.dtype.kind not in "fiub":
        raise ValueError(
            f"embedder.transform must return numbers; got dtype {E.dtype}."
        )
    if not isinstance(X, str | os.PathLike) and E.shape[0] != n_items(X):
        raise ValueError(
            f"embedder.transform must return one embedding per track: X has "
            f"{n_items(X)} tracks, the embedder returned {E.shape[0]} rows."
        )
    if n_dims is not None and E.shape[1] != n_dims:
        raise ValueError(
            f"The embedder returned {E.shape[1]}-dimensional embeddings, but "
            f"the catalogue holds {n_dims}-dimensional "
            f"ones (expected {n_dims}, got {E.shape[1]})."
        )


def new_ids(ids, n: int, start: int) -> np.ndarray:
    """The ids of ``n`` new tracks: ``ids``, by default ``start, start + 1, ...``."""
    if ids is None:
        return np.arange(start, start + n)
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.shape[0] != n:
        raise ValueError(
            f"ids must hold one id per track of X: expected shape ({n},), "
            f"got {ids.shape}."
        )
    return ids


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


def concat_labels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Concatenate id or genre arrays; object dtype for mixed kinds."""
    same_kind = a.dtype.kind == b.dtype.kind or {a.dtype.kind, b.dtype.kind} <= {
        "i",
        "u",
    }
    if same_kind and a.dtype.kind in "iuU":
        return np.concatenate([a, b])
    return np.concatenate([a.astype(object), b.astype(object)])
