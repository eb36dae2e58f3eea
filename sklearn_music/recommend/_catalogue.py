"""The input side of a catalogue: unit-norm embeddings, ids and labels.

Functions :class:`~sklearn_music.recommend.CosineRecommender` uses to turn
what :meth:`fit`, :meth:`partial_fit` and the queries receive into the
float32 unit rows that the searches of :mod:`._search` take, and to keep the
genres of the catalogue consistent as it grows (the ids are checked by
:mod:`._ids`).
"""

from __future__ import annotations

from numbers import Number

import numpy as np
import pandas as pd

from ..utils import format_items, is_path

__all__ = [
    "check_embedder_output",
    "concat_labels",
    "in_chunks",
    "n_items",
    "normalize_rows",
    "query_batch",
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


def query_batch(X, *, audio: bool):
    """Queries as a batch, and whether ``X`` was a single track.

    One rule for every query method. Without an embedder (``audio=False``)
    a 1-D array-like of numbers is one embedding and becomes a row of one;
    a path is refused (reading audio needs an embedder). With an embedder,
    ``X`` is always audio: a path, a 1-D NumPy array of numbers, or a list
    of numbers is one waveform and becomes a list of one clip. Anything else
    (2-D embeddings, a collection of clips or paths, a data frame) is
    already a batch and is returned as is.

    Parameters
    ----------
    X : object
        The queries given to ``kneighbors``, ``kneighbors_graph`` or
        ``recommend``.
    audio : bool
        Whether the recommender has an embedder, so that ``X`` is audio.

    Returns
    -------
    X : object
        The queries as a batch (2-D embeddings, or a collection of clips).
    single : bool
        Whether ``X`` was one track.
    """
    if is_path(X):
        if not audio:
            raise ValueError(
                f"X is a file path ({X!r}), but this recommender has no "
                "embedder to turn audio into embeddings: set embedder=... (a "
                "fitted transformer) or pass embeddings."
            )
        return [X], True
    if audio:
        waveform = isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype.kind in "fiu"
        numbers = (
            isinstance(X, list | tuple)
            and len(X) > 0
            and all(isinstance(v, Number) and np.ndim(v) == 0 for v in X)
        )
        if waveform or numbers:
            return [np.asarray(X)], True
        return X, False
    if isinstance(X, pd.Series):  # its index names the features
        return X.to_frame().T, True
    try:
        one_row = not hasattr(X, "iloc") and np.ndim(X) == 1
    except ValueError:  # a ragged list: validate_data names the problem
        one_row = False
    if one_row:
        return np.reshape(np.asarray(X), (1, -1)), True
    return X, False


def n_items(X) -> int:
    """Number of tracks in ``X`` (an array, a data frame or a list)."""
    return X.shape[0] if hasattr(X, "shape") else len(X)


def in_chunks(func, X, chunk_size: int) -> np.ndarray:
    """``func(X)`` applied to ``chunk_size`` items of ``X`` at a time."""
    if is_path(X) or n_items(X) <= chunk_size:
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
    if not is_path(X) and E.shape[0] != n_items(X):
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


def concat_labels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Concatenate id or genre arrays; object dtype for mixed kinds."""
    same_kind = a.dtype.kind == b.dtype.kind or {a.dtype.kind, b.dtype.kind} <= {
        "i",
        "u",
    }
    if same_kind and a.dtype.kind in "iuU":
        return np.concatenate([a, b])
    return np.concatenate([a.astype(object), b.astype(object)])
