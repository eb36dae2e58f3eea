"""Retrieval and recommendation metrics on ranked neighbour lists.

The metrics take the labels of a catalogue and the ``(n_queries,
n_neighbors)`` index array returned by any ``kneighbors`` method (best match
first). A neighbour is *relevant* to a query when it shares the query's
label: the same label for single-label data, at least one common tag for a
multi-label indicator matrix.
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

__all__ = ["genre_consistency", "mean_average_precision", "precision_at_k"]

# Elements of the (queries, neighbours, tags) temporary of multi-label
# relevance computed at once; bounds its memory to a few MB.
_BLOCK_ELEMENTS = 1 << 22

_CONSTRAINTS = {
    "labels": ["array-like"],
    "neighbor_indices": ["array-like"],
    "k": [Interval(Integral, 1, None, closed="left"), None],
    "query_labels": ["array-like", None],
}


class _Retrieval:
    """Validated inputs: labels as 1-D labels or a bool indicator matrix,
    neighbour lists cut to ``k``, and whether the queries are the catalogue."""

    def __init__(self, labels, neighbor_indices, k, query_labels, *, single_label):
        self.items = _check_labels(labels, "labels", single_label=single_label)
        self.multilabel = self.items.ndim == 2
        nbr = _check_neighbors(neighbor_indices, self.items.shape[0])
        n_neighbors = nbr.shape[1]
        if k is None:
            k = n_neighbors
        elif k > n_neighbors:
            raise ValueError(
                f"k={k} is larger than the number of neighbours per query in "
                f"neighbor_indices: expected k <= {n_neighbors}, got k={k}."
            )
        self.k = k
        self.neighbors = nbr[:, :k]
        self.self_queries = query_labels is None
        if self.self_queries:
            _check_self_queries(nbr, self.items.shape[0])
            self.queries = self.items
        else:
            self.queries = self._check_queries(query_labels, nbr.shape[0], single_label)

    def _check_queries(self, query_labels, n_queries: int, single_label: bool):
        """``query_labels`` checked against the catalogue's ``labels``."""
        queries = _check_labels(query_labels, "query_labels", single_label=single_label)
        expected = (n_queries, *self.items.shape[1:])
        if queries.shape != expected:
            raise ValueError(
                "query_labels must hold one label (or indicator row) per "
                f"row of neighbor_indices, of the same kind as labels: "
                f"expected shape {expected}, got {queries.shape}."
            )
        kinds = {_kind(self.items), _kind(queries)}
        if kinds == {"text", "number"}:
            raise ValueError(
                "labels and query_labels must be labels of the same type; "
                f"got dtypes {self.items.dtype} and {queries.dtype}, which "
                "never compare equal."
            )
        return queries

    def relevance(self) -> np.ndarray:
        """``(n_queries, k)`` bool: neighbour ``j`` of query ``q`` shares its
        label."""
        nbr = self.neighbors
        if not self.multilabel:
            return self.items[nbr] == self.queries[:, None]
        n_tags = self.items.shape[1]
        rows = max(1, _BLOCK_ELEMENTS // (self.k * n_tags))
        rel = np.empty(nbr.shape, dtype=bool)
        for start in range(0, nbr.shape[0], rows):
            block = slice(start, start + rows)
            shared = self.items[nbr[block]] & self.queries[block, None, :]
            rel[block] = shared.any(axis=2)
        return rel

    def n_relevant(self) -> np.ndarray:
        """Number of catalogue items relevant to each query (the query itself
        left out when the queries are the catalogue)."""
        if not self.multilabel:
            values, counts = np.unique(self.items, return_counts=True)
            pos = np.clip(np.searchsorted(values, self.queries), 0, values.size - 1)
            n = np.where(values[pos] == self.queries, counts[pos], 0)
            return n - 1 if self.self_queries else n
        # Count per distinct tag set: catalogues repeat tag sets a lot.
        item_sets, item_counts = np.unique(self.items, axis=0, return_counts=True)
        query_sets, inverse = np.unique(self.queries, axis=0, return_inverse=True)
        item_sets = item_sets.astype(np.int64)
        rows = max(1, _BLOCK_ELEMENTS // max(1, item_sets.size))
        per_set = np.empty(query_sets.shape[0], dtype=np.int64)
        for start in range(0, query_sets.shape[0], rows):
            block = query_sets[start : start + rows].astype(np.int64)
            shares = (block @ item_sets.T) > 0
            per_set[start : start + rows] = shares @ item_counts
        n = per_set[inverse.ravel()]
        if self.self_queries:
            n = n - self.queries.any(axis=1)  # an item shares a tag with itself
        return n


def _check_neighbors(neighbor_indices, n_items: int) -> np.ndarray:
    """``neighbor_indices`` as a 2-D integer array of distinct valid indices."""
    nbr = np.asarray(neighbor_indices)
    if nbr.ndim != 2:
        raise ValueError(
            "neighbor_indices must be a 2-D array (n_queries, n_neighbors), "
            f"as returned by kneighbors; got shape {nbr.shape}."
        )
    if nbr.dtype.kind not in "iu":
        raise ValueError(
            f"neighbor_indices must hold integer indices; got dtype {nbr.dtype}."
        )
    if nbr.shape[0] == 0 or nbr.shape[1] == 0:
        raise ValueError(
            "neighbor_indices needs at least one query and one neighbour; "
            f"got shape {nbr.shape}."
        )
    bad = (nbr < 0) | (nbr >= n_items)
    if bad.any():
        q, j = np.argwhere(bad)[0]
        raise ValueError(
            f"neighbor_indices[{q}, {j}] = {nbr[q, j]} is not an index of "
            f"labels, which has {n_items} items (valid: 0 to {n_items - 1})."
        )
    ordered = np.sort(nbr, axis=1)
    repeated = ordered[:, 1:] == ordered[:, :-1]
    if repeated.any():
        q, j = np.argwhere(repeated)[0]
        raise ValueError(
            f"neighbor_indices[{q}] lists item {ordered[q, j]} more than "
            "once; a ranked list holds each item at most once."
        )
    return nbr


def _check_self_queries(nbr: np.ndarray, n_items: int) -> None:
    """With ``query_labels=None``: one row per catalogue item, none
    retrieving itself."""
    n_queries = nbr.shape[0]
    if n_queries != n_items:
        raise ValueError(
            f"neighbor_indices has {n_queries} rows but labels has "
            f"{n_items} items. With query_labels=None the queries are "
            "the catalogue items themselves, one row per item (as from "
            "kneighbors(X=None)); pass query_labels for other queries."
        )
    is_self = nbr == np.arange(n_queries)[:, None]
    if is_self.any():
        q = np.flatnonzero(is_self.any(axis=1))[0]
        raise ValueError(
            f"neighbor_indices[{q}] contains {q}, the query itself. "
            "With query_labels=None the queries are the catalogue "
            "items, which must not retrieve themselves: use "
            "kneighbors(X=None) (which leaves each item out of its own "
            "list), or pass query_labels when the queries are other "
            "clips."
        )


def _kind(y: np.ndarray) -> str:
    """Kind of label values: "text", "number", or "other" for object arrays,
    which can hold either."""
    if y.dtype.kind in "US":
        return "text"
    return "number" if y.dtype.kind in "biuf" else "other"


def _check_labels(labels, name: str, *, single_label: bool) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim == 2 and single_label:
        raise ValueError(
            f"{name} must hold one genre per item (1-D); got shape {y.shape}. "
            "For multi-label tags use precision_at_k or mean_average_precision, "
            "where neighbours sharing at least one tag are relevant."
        )
    if y.ndim not in (1, 2):
        raise ValueError(
            f"{name} must be 1-D (one label per item) or a 2-D indicator matrix "
            f"(n_items, n_tags); got shape {y.shape}."
        )
    if y.shape[0] == 0 or (y.ndim == 2 and y.shape[1] == 0):
        raise ValueError(f"{name} is empty: shape {y.shape}.")
    if y.ndim == 2:
        if y.dtype.kind not in "biuf" or not np.isin(y, (0, 1)).all():
            raise ValueError(
                f"A 2-D {name} must be a binary indicator matrix (0/1 or bool) "
                f"of shape (n_items, n_tags); got values such as "
                f"{np.setdiff1d(y, (0, 1))[:3]!r}."
            )
        return y.astype(bool)
    return y


@validate_params(_CONSTRAINTS, prefer_skip_nested_validation=True)
def precision_at_k(
    labels: ArrayLike,
    neighbor_indices: ArrayLike,
    *,
    k: int | None = None,
    query_labels: ArrayLike | None = None,
) -> float:
    """Fraction of the first ``k`` neighbours that share the query's label.

    For each query, precision@k is the number of relevant items among its
    first ``k`` neighbours divided by ``k``; the result is its mean over
    queries. An item is relevant to a query when it has the query's label
    (1-D ``labels``) or at least one of the query's tags (indicator
    ``labels``). It measures how useful the top of a recommendation list is,
    and needs no model: any ``kneighbors`` output will do.

    Parameters
    ----------
    labels : array-like of shape (n_items,) or (n_items, n_tags)
        Label of every catalogue item (any comparable values: str, int...),
        or a binary indicator matrix of tags.
    neighbor_indices : array-like of int of shape (n_queries, n_neighbors)
        Ranked neighbours of every query, best first, as indices into
        ``labels``: the second output of ``kneighbors``. Rows must not repeat
        an item.
    k : int, default=None
        Number of neighbours to evaluate, at most ``n_neighbors``. ``None``
        uses all of them.
    query_labels : array-like of shape (n_queries,) or (n_queries, n_tags), \
default=None
        Labels of the queries, of the same kind as ``labels``, when they are
        not catalogue items (``kneighbors(X_queries)``). ``None`` means that
        the queries are the catalogue itself, query ``i`` being item ``i``
        (``kneighbors()`` with ``X=None``, which leaves each item out of its
        own list); a row that contains its own item is an error.

    Returns
    -------
    precision : float
        Mean precision@k over queries, between 0 and 1.

    See Also
    --------
    mean_average_precision : Rewards relevant items ranked first.
    genre_consistency : The same for one genre per item, also averaged per
        genre.
    sklearn.neighbors.NearestNeighbors.kneighbors : Produces
        ``neighbor_indices``.

    Examples
    --------
    >>> from sklearn_music.metrics import precision_at_k
    >>> genres = ["rock", "rock", "jazz", "jazz", "rock"]
    >>> neighbors = [[1, 2], [4, 0], [3, 0], [0, 2], [1, 3]]  # kneighbors(X=None)
    >>> precision_at_k(genres, neighbors)  # (1/2 + 2/2 + 1/2 + 1/2 + 1/2) / 5
    0.6
    >>> precision_at_k(genres, neighbors, k=1)
    0.8
    >>> precision_at_k(genres, [[2, 3], [1, 2]], query_labels=["jazz", "pop"])
    0.5
    """
    r = _Retrieval(labels, neighbor_indices, k, query_labels, single_label=False)
    return float(r.relevance().mean())


@validate_params(_CONSTRAINTS, prefer_skip_nested_validation=True)
def mean_average_precision(
    labels: ArrayLike,
    neighbor_indices: ArrayLike,
    *,
    k: int | None = None,
    query_labels: ArrayLike | None = None,
) -> float:
    """Mean over queries of the average precision at ``k`` of the neighbours.

    Relevance is as in :func:`precision_at_k`: sharing the query's label, or
    at least one of its tags. With ``rel_j`` = 1 when neighbour ``j``
    (1-based) is relevant and ``P@j`` the precision of the first ``j``
    neighbours, the average precision of a query is

    .. math::

        \\mathrm{AP@}k = \\frac{1}{\\min(k, R)} \\sum_{j=1}^{k} P@j \\cdot rel_j

    where ``R`` is the number of catalogue items relevant to the query (not
    counting the query itself when the queries are the catalogue). This is
    the usual AP@k of retrieval and recommender evaluation: 1 when the
    first ``min(k, R)`` neighbours are all relevant, so a list is not
    penalised for the relevant items that could not fit in its ``k`` slots,
    but it is penalised both for missing relevant items and for ranking them
    late. Normalising by the number of relevant items *retrieved* instead
    would give a perfect score to a list with a single relevant item at
    rank 1; normalising by ``R`` (the TREC definition) would cap the score
    below 1 whenever ``R > k``.

    Parameters
    ----------
    labels : array-like of shape (n_items,) or (n_items, n_tags)
        Label of every catalogue item, or a binary indicator matrix of tags.
    neighbor_indices : array-like of int of shape (n_queries, n_neighbors)
        Ranked neighbours of every query, best first, as indices into
        ``labels`` (the second output of ``kneighbors``).
    k : int, default=None
        Length of the ranked list evaluated, at most ``n_neighbors``.
        ``None`` uses all neighbours.
    query_labels : array-like of shape (n_queries,) or (n_queries, n_tags), \
default=None
        Labels of external queries; ``None`` means that query ``i`` is
        catalogue item ``i``, as for :func:`precision_at_k`.

    Returns
    -------
    map : float
        Mean AP@k over the queries that have at least one relevant item in
        the catalogue (``R > 0``); queries without any, whose AP is undefined,
        are left out with an :class:`~sklearn.exceptions.UndefinedMetricWarning`
        (NaN if no query has one).

    See Also
    --------
    precision_at_k : Ignores the order within the first ``k``.
    sklearn.metrics.average_precision_score : Average precision of scores
        over a whole labelled set.

    Examples
    --------
    >>> from sklearn_music.metrics import mean_average_precision
    >>> genres = ["rock", "rock", "jazz", "jazz", "rock"]
    >>> neighbors = [[1, 2], [4, 0], [3, 0], [0, 2], [1, 3]]
    >>> # AP per query: 1/2 (R = 2), 2/2, 1/1, (1/2)/1, 1/2 (R = 2)
    >>> mean_average_precision(genres, neighbors)
    0.7
    """
    r = _Retrieval(labels, neighbor_indices, k, query_labels, single_label=False)
    rel = r.relevance()
    hits = np.cumsum(rel, axis=1)
    precision = hits / np.arange(1, r.k + 1)
    total = np.sum(precision * rel, axis=1)
    n_relevant = r.n_relevant()
    defined = n_relevant > 0
    if not defined.all():
        warnings.warn(
            f"{np.count_nonzero(~defined)} of {defined.size} queries have no "
            "relevant item in labels, so their average precision is undefined; "
            f"they are left out of the mean (first: query "
            f"{np.flatnonzero(~defined)[0]}).",
            UndefinedMetricWarning,
            stacklevel=3,
        )
    if not defined.any():
        return np.nan
    ap = total[defined] / np.minimum(r.k, n_relevant[defined])
    return float(ap.mean())


@validate_params(
    {**_CONSTRAINTS, "average": [StrOptions({"micro", "macro"}), None]},
    prefer_skip_nested_validation=True,
)
def genre_consistency(
    labels: ArrayLike,
    neighbor_indices: ArrayLike,
    *,
    k: int | None = None,
    query_labels: ArrayLike | None = None,
    average: str | None = "micro",
):
    """Mean fraction of recommended items in the genre of the query.

    A playlist-style check of a recommender or embedding: for each query
    (seed track), the fraction of its first ``k`` neighbours whose genre is
    the query's genre, averaged over queries.

    With ``average="micro"`` and true query genres this equals
    :func:`precision_at_k` on single labels. It differs in three ways:
    each item has exactly one genre (1-D ``labels``; multi-label tags are
    rejected, since "in the same genre" is then ambiguous); ``query_labels``
    may be *predicted* genres, to check that recommendations for unlabelled
    seeds stay in the genre a classifier gives them; and ``average="macro"``
    or ``None`` report it per genre, so that a large genre does not hide a
    small one whose recommendations drift.

    Parameters
    ----------
    labels : array-like of shape (n_items,)
        Genre of every catalogue item.
    neighbor_indices : array-like of int of shape (n_queries, n_neighbors)
        Ranked recommendations of every query, best first, as indices into
        ``labels`` (the second output of ``kneighbors``).
    k : int, default=None
        Number of recommendations evaluated, at most ``n_neighbors``.
        ``None`` uses all.
    query_labels : array-like of shape (n_queries,), default=None
        Genre of every query, true or predicted. ``None`` means that query
        ``i`` is catalogue item ``i`` (``kneighbors(X=None)``).
    average : {"micro", "macro"} or None, default="micro"
        "micro": mean over queries. "macro": unweighted mean over the query
        genres of the per-genre means. ``None``: a dict of per-genre means.

    Returns
    -------
    consistency : float or dict
        Between 0 and 1; with ``average=None`` a dict mapping each genre of
        the queries (sorted) to the mean consistency of its queries.

    See Also
    --------
    precision_at_k : The same for tags (shared tag) and single labels.
    mean_average_precision : Also rewards in-genre items ranked first.

    Examples
    --------
    >>> from sklearn_music.metrics import genre_consistency
    >>> genres = ["rock", "rock", "jazz", "jazz", "rock"]
    >>> neighbors = [[1, 2], [4, 0], [3, 0], [0, 2], [1, 3]]
    >>> genre_consistency(genres, neighbors)
    0.6
    >>> genre_consistency(genres, neighbors, average=None)
    {'jazz': 0.5, 'rock': 0.6666666666666666}
    >>> genre_consistency(genres, neighbors, average="macro")
    0.5833333333333333
    """
    r = _Retrieval(labels, neighbor_indices, k, query_labels, single_label=True)
    per_query = r.relevance().mean(axis=1)
    if average == "micro":
        return float(per_query.mean())
    genres, inverse = np.unique(r.queries, return_inverse=True)
    per_genre = np.bincount(inverse, weights=per_query) / np.bincount(inverse)
    if average == "macro":
        return float(per_genre.mean())
    return dict(zip(genres.tolist(), per_genre.tolist(), strict=True))
