"""Nearest catalogue tracks by cosine similarity, optionally genre-aware."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

__all__ = ["CosineRecommender"]

# Exact search holds the scores of at most ``chunk_size`` queries against
# ``_TILE`` catalogue tracks at a time (fewer queries against more tracks), so
# its memory does not grow with the catalogue.
_TILE = 4096
# Columns per group of the group-maximum preselection in ``_merge_top_k``.
_BLOCK = 16
# k-means of the IVF index: iterations, and tracks per list it is trained on
# (a random subset of the catalogue beyond that).
_IVF_NITER = 10
_IVF_TRAIN_PER_LIST = 64
# Score offset that ranks other-genre tracks after every track of the
# predicted genre in genre_mode="restrict" (cosine similarities span 2).
_RESTRICT_PENALTY = 2.0


def _import_faiss():
    try:
        import faiss
    except ImportError as exc:
        raise ImportError(
            "algorithm='hnsw' and algorithm='ivf' need the faiss library, which "
            "is not installed. Install it with `pip install faiss-cpu` (or `pip "
            "install 'sklearn-music[ann]'`), or use algorithm='exact'."
        ) from exc
    return faiss


_BLAS = None


def _blas_controller():
    """threadpoolctl's controller of the BLAS libraries, created once."""
    global _BLAS
    if _BLAS is None:
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController().select(user_api="blas")
    return _BLAS


def _describe_rows(rows: np.ndarray) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:10])
    more = f" and {rows.size - 10} more" if rows.size > 10 else ""
    return f"{shown}{more}"


def _normalize(E: np.ndarray, what: str) -> np.ndarray:
    """L2-normalise the rows of ``E`` to float32, refusing zero and non-finite rows.

    Rows are scaled by their largest magnitude before the norm is taken, so
    very large or very small (but non-zero) float64 rows neither overflow nor
    underflow.
    """
    out = np.empty(E.shape, dtype=np.float32)
    for start in range(0, E.shape[0], 65536):
        block = E[start : start + 65536].astype(np.float64)  # a copy
        finite = np.isfinite(block).all(axis=1)
        if not finite.all():
            rows = start + np.flatnonzero(~finite)
            raise ValueError(
                f"{what} contains NaN or infinity in row(s) {_describe_rows(rows)}: "
                "cosine similarity needs finite embeddings."
            )
        scale = np.abs(block).max(axis=1) if block.shape[1] else np.zeros(len(block))
        zero = scale == 0
        if zero.any():
            rows = start + np.flatnonzero(zero)
            raise ValueError(
                f"Row(s) {_describe_rows(rows)} of {what} are zero vectors: their "
                "cosine similarity to any track is undefined. Remove them (a "
                "silent clip or an all-zero embedding has no direction)."
            )
        block /= scale[:, np.newaxis]
        block /= np.sqrt(np.einsum("ij,ij->i", block, block))[:, np.newaxis]
        out[start : start + len(block)] = block
    return out


def _k_largest(vals, idx, k):
    """The ``k`` largest entries of each row of ``vals`` (and their ``idx``)."""
    n = vals.shape[1]
    if n > k:
        part = np.argpartition(vals, n - k, axis=1)[:, n - k :]
        vals = np.take_along_axis(vals, part, axis=1)
        idx = np.take_along_axis(idx, part, axis=1)
    return vals, idx


def _merge_top_k(S, offset, k, best_s, best_i):
    """Merge the ``k`` best columns of a score tile into the running best.

    ``S`` (c, w) holds the scores of catalogue tracks ``offset .. offset + w``;
    ``best_s`` and ``best_i`` (c, k) are the ``k`` best scores and indices so
    far, in no order (or None on the first tile).

    Partitioning every row of the tile would cost more than the matrix
    product that made it. Instead the columns are split into ``n_groups``
    strided groups of ``_BLOCK`` (column ``j`` is in group ``j % n_groups``),
    whose maxima are one vectorised reduction. The ``k``-th largest group
    maximum of a row is at most its ``k``-th best score (``k`` groups each
    hold an entry that large), and so is the ``k``-th best score so far: only
    entries at or above the larger of the two bounds can enter the top
    ``k``, and they lie in the few groups whose maximum reaches it.
    """
    c, w = S.shape
    n_groups = w // _BLOCK
    if n_groups <= 2 * k:  # a narrow tile: partition it whole
        cols = np.broadcast_to(np.arange(w), (c, w))
        # a copy: S is a buffer that the next tile overwrites
        vals, idx = _k_largest(S if w > k else S.copy(), cols + offset, k)
        if best_s is None:
            return vals, idx
        return _k_largest(
            np.concatenate([best_s, vals], axis=1),
            np.concatenate([best_i, idx], axis=1),
            k,
        )
    head = n_groups * _BLOCK
    group_max = S[:, :head].reshape(c, _BLOCK, n_groups).max(axis=1)
    bound = np.partition(group_max, n_groups - k, axis=1)[:, n_groups - k]
    if best_s is not None:
        bound = np.maximum(bound, best_s.min(axis=1))
    rows, groups = np.divmod(
        np.flatnonzero(group_max >= bound[:, np.newaxis]), n_groups
    )
    cols = groups[:, np.newaxis] + n_groups * np.arange(_BLOCK)
    vals = S[rows[:, np.newaxis], cols]
    keep = vals >= bound[rows, np.newaxis]
    parts = [
        (np.broadcast_to(rows[:, np.newaxis], cols.shape)[keep], cols[keep], vals[keep])
    ]
    if head < w:  # the last columns, which make no whole group
        tail = S[:, head:]
        r, j = np.nonzero(tail >= bound[:, np.newaxis])
        parts.append((r, head + j, tail[r, j]))
    cand_rows = np.concatenate([p[0] for p in parts])
    cand_idx = np.concatenate([p[1] for p in parts]) + offset
    cand_vals = np.concatenate([p[2] for p in parts])
    if best_s is not None:
        cand_rows = np.concatenate([np.repeat(np.arange(c), k), cand_rows])
        cand_idx = np.concatenate([best_i.ravel(), cand_idx])
        cand_vals = np.concatenate([best_s.ravel(), cand_vals])
    # scatter the candidates (at least k per row) into padded rows
    order = np.argsort(cand_rows, kind="stable")
    cand_rows = cand_rows[order]
    counts = np.bincount(cand_rows, minlength=c)
    position = np.arange(cand_rows.size) - (np.cumsum(counts) - counts)[cand_rows]
    dense_s = np.full((c, counts.max()), -np.inf, dtype=S.dtype)
    dense_i = np.full((c, counts.max()), -1, dtype=np.intp)
    dense_s[cand_rows, position] = cand_vals[order]
    dense_i[cand_rows, position] = cand_idx[order]
    return _k_largest(dense_s, dense_i, k)


def _sort_rows(vals, idx):
    """Sort each row by decreasing score, ties by increasing index."""
    order = np.lexsort((idx, -vals), axis=1)
    return np.take_along_axis(vals, order, axis=1), np.take_along_axis(
        idx, order, axis=1
    )


def _n_items(X) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _in_chunks(func, X, chunk_size: int) -> np.ndarray:
    """``func(X)`` applied to ``chunk_size`` items of ``X`` at a time."""
    if isinstance(X, str | os.PathLike) or _n_items(X) <= chunk_size:
        return np.asarray(func(X))
    n = _n_items(X)
    parts = []
    for start in range(0, n, chunk_size):
        rows = slice(start, min(start + chunk_size, n))
        parts.append(np.asarray(func(X.iloc[rows] if hasattr(X, "iloc") else X[rows])))
    return np.concatenate(parts)


def _concat_labels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Concatenate id or genre arrays; object dtype for mixed kinds."""
    same_kind = a.dtype.kind == b.dtype.kind or {a.dtype.kind, b.dtype.kind} <= {
        "i",
        "u",
    }
    if same_kind and a.dtype.kind in "iuU":
        return np.concatenate([a, b])
    return np.concatenate([a.astype(object), b.astype(object)])


class CosineRecommender(BaseEstimator):
    """Recommend the catalogue tracks most similar to a query track.

    A content-based recommender shaped like
    :class:`~sklearn.neighbors.NearestNeighbors`: :meth:`fit` stores a
    catalogue of track embeddings, L2-normalised, and :meth:`kneighbors`
    returns, for each query, the catalogue tracks of highest cosine
    similarity. :meth:`recommend` wraps it into a :class:`pandas.DataFrame` of
    catalogue ids. With an ``embedder`` (a fitted transformer or pipeline,
    e.g. a mel spectrogram followed by a
    :class:`~sklearn_music.estimators.CRNNClassifier`, whose ``transform``
    gives the penultimate-layer embedding), every method takes audio instead
    of embeddings.

    Two rankings follow the two methods of Adiyansjah et al. [1]_:

    - ``method="cosine"`` (method 1): the score of catalogue track ``c`` for
      query ``q`` is the cosine similarity ``cos(q, c)``.
    - ``method="genre"`` (method 2): the genre of the query, predicted by
      ``genre_classifier``, is used too. With ``genre_mode="rerank"`` the
      score is ``(1 - genre_weight) * cos(q, c) + genre_weight * match``
      where ``match`` is 1 if the genre of ``c`` equals the predicted genre
      of ``q`` and 0 otherwise. With ``genre_mode="restrict"`` only tracks of
      the predicted genre are recommended, by cosine similarity.

    Parameters
    ----------
    n_neighbors : int, default=5
        Number of neighbours returned by :meth:`kneighbors` and
        :meth:`recommend` when not given there.
    method : {"cosine", "genre"}, default="cosine"
        Ranking: cosine similarity only, or cosine similarity combined with
        the genre predicted for the query (see above and the Notes).
    genre_weight : float, default=0.5
        Weight ``w`` in [0, 1] of the genre match in
        ``score = (1 - w) * cosine_similarity + w * match`` with
        ``method="genre"`` and ``genre_mode="rerank"``. 0 ranks by cosine
        similarity alone; any ``w > 2/3`` ranks every track of the predicted
        genre first, like ``genre_mode="restrict"``. Read at query time.
    genre_mode : {"rerank", "restrict"}, default="rerank"
        How ``method="genre"`` uses the genre: "rerank" adds the weighted
        match to the score; "restrict" ranks the tracks of the predicted
        genre by cosine similarity before all other tracks, which
        :meth:`kneighbors` returns only to fill its fixed number of
        neighbours when the genre has too few tracks (with distances above
        2) and :meth:`recommend` leaves out. Read at query time.
    embedder : estimator or None, default=None
        A **fitted** transformer (or pipeline) whose ``transform`` maps the
        input of this recommender to embeddings ``(n_tracks, n_dims)``. It
        is used as is and never fitted or cloned by this recommender.
        ``None`` means ``X`` already holds the embeddings.
    genre_classifier : estimator or None, default=None
        A **fitted** classifier whose ``predict`` takes the same input as
        this recommender (audio when ``embedder`` is set, otherwise the
        embedding matrix; chain the embedder in a pipeline to classify
        embeddings) and returns one genre label per track. It predicts the
        genre of new queries with ``method="genre"``, and the genres of the
        catalogue when ``y`` is not given to :meth:`fit`.
    algorithm : {"exact", "ivf", "hnsw"}, default="exact"
        "exact" scores every catalogue track (float32 matrix products in
        blocks). "ivf" and "hnsw" search an approximate faiss index on inner
        products, much faster on large catalogues: "ivf" an inverted file
        (``IndexIVFFlat``: k-means lists, of which ``ivf_n_probe`` are
        scanned per query), "hnsw" a graph (``IndexHNSWFlat``), slower to
        build. Both need the optional ``faiss`` package (``pip install
        faiss-cpu``). Setting "exact" after fitting with an index searches
        the same catalogue exactly.
    chunk_size : int, default=256
        Queries scored at once by the exact search, and tracks passed at
        once through ``embedder`` and ``genre_classifier``. The exact search
        holds at most ``chunk_size x 4096`` float32 similarities per thread
        (4 MiB at the default), whatever the catalogue size. Read at query
        time.
    ivf_n_lists : int or None, default=None
        Number of k-means lists of the "ivf" index. None uses
        ``4 * sqrt(n_tracks)`` (about 4,000 for a million tracks), and at
        most one list per 39 tracks.
    ivf_n_probe : int, default=16
        Lists scanned per query by the "ivf" index: the recall / latency
        trade-off. Read at query time, so it can be tuned with
        :meth:`set_params` without rebuilding the index.
    hnsw_m : int, default=16
        Neighbours per node of the HNSW graph (faiss's ``M``): larger values
        raise recall and memory (``8 * hnsw_m`` bytes per track) and slow
        the build.
    hnsw_ef_construction : int, default=40
        Candidate list size while building the HNSW graph: larger values
        build a better graph, more slowly.
    hnsw_ef_search : int, default=64
        Candidate list size of a HNSW search (at least the number of
        neighbours asked for): the recall / latency trade-off. Read at query
        time, so it can be tuned with :meth:`set_params` without rebuilding
        the index.

    Attributes
    ----------
    embeddings_ : ndarray of shape (n_tracks, n_dims), dtype float32
        The catalogue embeddings, each scaled to unit L2 norm.
    ids_ : ndarray of shape (n_tracks,)
        Catalogue id of each track: ``ids`` given to :meth:`fit` and
        :meth:`partial_fit`, by default the row number in the catalogue.
    genres_ : ndarray of shape (n_tracks,) or None
        Genre of each catalogue track: ``y`` given to :meth:`fit`, else the
        predictions of ``genre_classifier``, else None.
    n_samples_fit_ : int
        Number of tracks in the catalogue.
    index_ : faiss.Index or None
        The faiss index of the catalogue with ``algorithm="ivf"`` or
        ``"hnsw"``, otherwise None.
    n_features_in_ : int
        Number of features (embedding dimensions) seen during :meth:`fit`.
        Defined only without ``embedder``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit`. Defined only when `X`
        has feature names that are all strings and there is no
        ``embedder``.

    See Also
    --------
    sklearn.neighbors.NearestNeighbors : The same interface for any metric.
    sklearn_music.estimators.CRNNClassifier : Its ``transform`` gives track
        embeddings for this recommender.

    Notes
    -----
    The exact search computes float32 cosine similarities of ``chunk_size``
    queries against 4096 catalogue tracks at a time (fewer queries against
    more tracks) and keeps the best ``n_neighbors`` of each query: it finds
    the same neighbours as ``NearestNeighbors(metric="cosine",
    algorithm="brute")`` several times faster, and its memory does not grow
    with the catalogue. The blocks run on as many threads as BLAS would use
    (:mod:`threadpoolctl` or ``OPENBLAS_NUM_THREADS`` set them), each with a
    single-threaded BLAS.

    With ``method="genre"``, the genres of the catalogue come from ``y``
    (or ``genre_classifier``) at fit time. The genre of a new query is
    ``genre_classifier.predict``; a catalogue track used as a query
    (``kneighbors(X=None)``, ``recommend(track)``) keeps its catalogue
    genre. The genre bonus uses the predicted label only, not its
    probability. Distances returned by :meth:`kneighbors` are always
    ``1 - score``: the cosine distance with ``method="cosine"``.

    With an approximate ``algorithm`` and ``method="genre"``, each query searches
    the index twice, restricted to the tracks of its predicted genre and to
    the other tracks, and the two lists are merged by score. Rows for which
    the index returns fewer than ``n_neighbors`` tracks are answered by the
    exact search.

    :meth:`partial_fit` appends tracks (and grows the faiss index) without
    touching the tracks already stored. Fitted recommenders pickle, index
    included; see :ref:`recommendation` for saving with :mod:`joblib`.
    :func:`sklearn.base.clone` clones ``embedder`` and ``genre_classifier``
    as parameters, which unfits them: wrap them in
    :class:`sklearn.frozen.FrozenEstimator` to use the recommender in
    :class:`~sklearn.model_selection.GridSearchCV` and the like.

    References
    ----------
    .. [1] Adiyansjah, A. A. S. Gunawan and D. Suhartono, "Music recommender
       system based on genre using convolutional recurrent neural networks",
       Procedia Computer Science, 157, pp. 99-109, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.recommend import CosineRecommender
    >>> embeddings = np.array(
    ...     [[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-1.0, 0.0]]
    ... )
    >>> rec = CosineRecommender(n_neighbors=2).fit(
    ...     embeddings, ids=["a", "b", "c", "d"]
    ... )
    >>> distances, indices = rec.kneighbors([[0.6, 0.8]])
    >>> indices
    array([[1, 2]])
    >>> distances.round(2)
    array([[0.04, 0.2 ]], dtype=float32)
    >>> rec.recommend("a")
      id  similarity
    0  b         0.8
    1  c         0.0
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "method": [StrOptions({"cosine", "genre"})],
        "genre_weight": [Interval(Real, 0, 1, closed="both")],
        "genre_mode": [StrOptions({"rerank", "restrict"})],
        "embedder": [HasMethods(["transform"]), None],
        "genre_classifier": [HasMethods(["predict"]), None],
        "algorithm": [StrOptions({"exact", "ivf", "hnsw"})],
        "chunk_size": [Interval(Integral, 1, None, closed="left")],
        "ivf_n_lists": [Interval(Integral, 1, None, closed="left"), None],
        "ivf_n_probe": [Interval(Integral, 1, None, closed="left")],
        "hnsw_m": [Interval(Integral, 2, None, closed="left")],
        "hnsw_ef_construction": [Interval(Integral, 1, None, closed="left")],
        "hnsw_ef_search": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        n_neighbors=5,
        method="cosine",
        genre_weight=0.5,
        genre_mode="rerank",
        embedder=None,
        genre_classifier=None,
        algorithm="exact",
        chunk_size=256,
        ivf_n_lists=None,
        ivf_n_probe=16,
        hnsw_m=16,
        hnsw_ef_construction=40,
        hnsw_ef_search=64,
    ):
        self.n_neighbors = n_neighbors
        self.method = method
        self.genre_weight = genre_weight
        self.genre_mode = genre_mode
        self.embedder = embedder
        self.genre_classifier = genre_classifier
        self.algorithm = algorithm
        self.chunk_size = chunk_size
        self.ivf_n_lists = ivf_n_lists
        self.ivf_n_probe = ivf_n_probe
        self.hnsw_m = hnsw_m
        self.hnsw_ef_construction = hnsw_ef_construction
        self.hnsw_ef_search = hnsw_ef_search

    # ------------------------------------------------------------------
    # input

    def _embed(self, X, *, reset: bool) -> np.ndarray:
        """Unit-norm float32 embeddings of ``X`` (through ``embedder`` if set)."""
        if self.embedder is None:
            E = validate_data(
                self,
                X,
                dtype=[np.float32, np.float64],
                ensure_all_finite=False,  # _normalize names the bad rows
                reset=reset,
            )
            return _normalize(E, "X")
        check_is_fitted(
            self.embedder,
            msg=(
                "The embedder %(name)s is not fitted. CosineRecommender uses "
                "its embedder as is and never fits it: fit it first."
            ),
        )
        if reset:
            for name in ("n_features_in_", "feature_names_in_"):
                if hasattr(self, name):
                    delattr(self, name)
        E = _in_chunks(self.embedder.transform, X, self.chunk_size)
        if E.ndim != 2:
            raise ValueError(
                f"embedder.transform must return a 2-D array (n_tracks, n_dims); "
                f"got an array of shape {E.shape}."
            )
        if E.dtype.kind not in "fiub":
            raise ValueError(
                f"embedder.transform must return numbers; got dtype {E.dtype}."
            )
        if not isinstance(X, str | os.PathLike) and E.shape[0] != _n_items(X):
            raise ValueError(
                f"embedder.transform must return one embedding per track: X has "
                f"{_n_items(X)} tracks, the embedder returned {E.shape[0]} rows."
            )
        if not reset and E.shape[1] != self.embeddings_.shape[1]:
            raise ValueError(
                f"The embedder returned {E.shape[1]}-dimensional embeddings, but "
                f"the catalogue holds {self.embeddings_.shape[1]}-dimensional "
                f"ones (expected {self.embeddings_.shape[1]}, got {E.shape[1]})."
            )
        return _normalize(E, "the embeddings of X")

    def _predict_genres(self, X) -> np.ndarray:
        check_is_fitted(
            self.genre_classifier,
            msg=(
                "The genre_classifier %(name)s is not fitted. CosineRecommender "
                "uses it as is and never fits it: fit it first."
            ),
        )
        return _in_chunks(self.genre_classifier.predict, X, self.chunk_size)

    def _new_genres(self, X, y, n: int):
        """Genres of ``n`` new tracks: ``y``, else predicted, else None."""
        if y is not None:
            y = column_or_1d(y, warn=True)
            check_consistent_length(np.empty(n), y)
            return y
        if self.genre_classifier is not None:
            genres = self._predict_genres(X)
            if genres.shape != (n,):
                raise ValueError(
                    f"genre_classifier.predict must return one label per track: "
                    f"expected shape ({n},), got {genres.shape}."
                )
            return genres
        return None

    def _new_ids(self, ids, n: int, start: int) -> np.ndarray:
        if ids is None:
            return np.arange(start, start + n)
        ids = np.asarray(ids)
        if ids.ndim != 1 or ids.shape[0] != n:
            raise ValueError(
                f"ids must hold one id per track of X: expected shape ({n},), "
                f"got {ids.shape}."
            )
        return ids

    def _check_duplicate_ids(self, new_ids: np.ndarray) -> None:
        index = pd.Index(new_ids)
        within = index[index.duplicated()].unique()
        if len(within):
            raise ValueError(
                f"ids must be unique; repeated within this batch: {list(within)[:10]}."
            )
        if hasattr(self, "ids_"):
            clash = index[self._id_index().get_indexer(index) >= 0]
            if len(clash):
                raise ValueError(
                    f"ids already in the catalogue: {list(clash)[:10]}. Every "
                    "track must have a unique id."
                )

    def _check_genre_method(self) -> None:
        if self.method == "genre" and self.genres_ is None:
            raise ValueError(
                "method='genre' needs the genres of the catalogue: pass y to fit "
                "or give a fitted genre_classifier."
            )

    # ------------------------------------------------------------------
    # fitting

    def _build_index(self, E: np.ndarray) -> None:
        if self.algorithm == "exact":
            self.index_ = None
            return
        faiss = _import_faiss()
        n, d = E.shape
        if self.algorithm == "hnsw":
            index = faiss.IndexHNSWFlat(d, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = self.hnsw_ef_construction
        else:
            n_lists = self.ivf_n_lists
            if n_lists is None:
                n_lists = max(1, min(round(4 * np.sqrt(n)), n // 39))
            elif n_lists > n:
                raise ValueError(
                    f"ivf_n_lists={n_lists} is larger than the catalogue ({n} "
                    "tracks): every k-means list needs at least one track."
                )
            index = faiss.IndexIVFFlat(
                faiss.IndexFlatIP(d), d, n_lists, faiss.METRIC_INNER_PRODUCT
            )
            index.cp.niter = _IVF_NITER
            index.cp.max_points_per_centroid = _IVF_TRAIN_PER_LIST
            index.cp.min_points_per_centroid = 1  # small catalogues are fine
            index.train(E)
        index.add(E)
        self.index_ = index

    @_fit_context(
        # embedder and genre_classifier are fitted estimators used as is
        prefer_skip_nested_validation=True
    )
    def fit(self, X, y=None, *, ids=None):
        """Store the catalogue: the embeddings, ids and genres of its tracks.

        Parameters
        ----------
        X : array-like of shape (n_tracks, n_dims), or audio
            Embeddings of the catalogue tracks, or with ``embedder`` the
            audio it takes (waveforms or file paths, see
            :ref:`input_formats`). No row may be all zeros.
        y : array-like of shape (n_tracks,), default=None
            Genre label of each track, used by ``method="genre"`` and shown
            by :meth:`recommend`. Without it, ``genre_classifier`` (if set)
            predicts the genres.
        ids : array-like of shape (n_tracks,), default=None
            Unique id of each track (e.g. a file path or a database key),
            returned by :meth:`recommend`. Defaults to the row numbers.

        Returns
        -------
        self : object
            The fitted recommender.
        """
        return self._fit(X, y, ids)

    def _fit(self, X, y, ids):
        if self.algorithm != "exact":
            _import_faiss()  # fail before embedding a large catalogue
        for name in ("ids_", "genres_", "embeddings_", "index_", "_cache"):
            if name in self.__dict__:  # a refit forgets the old catalogue
                delattr(self, name)
        E = self._embed(X, reset=True)
        n = E.shape[0]
        new_ids = self._new_ids(ids, n, 0)
        self._check_duplicate_ids(new_ids)
        self.genres_ = self._new_genres(X, y, n)
        self._check_genre_method()
        self.embeddings_ = E
        self.ids_ = new_ids
        self.n_samples_fit_ = n
        self._build_index(E)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, *, ids=None):
        """Add tracks to the catalogue, keeping the tracks already stored.

        The first call on an unfitted recommender is :meth:`fit`.

        Parameters
        ----------
        X : array-like of shape (n_tracks, n_dims), or audio
            Embeddings (or audio, with ``embedder``) of the new tracks, with
            the dimension of the catalogue.
        y : array-like of shape (n_tracks,), default=None
            Genres of the new tracks. Required when the catalogue has genres
            and there is no ``genre_classifier``; refused when the catalogue
            has none.
        ids : array-like of shape (n_tracks,), default=None
            Unique ids of the new tracks, none of them already in the
            catalogue. Defaults to the next row numbers.

        Returns
        -------
        self : object
            The recommender, with the new tracks appended.

        Raises
        ------
        ValueError
            If an id is repeated or already in the catalogue (all such ids
            are named); nothing is added then.
        """
        if not hasattr(self, "embeddings_"):
            return self._fit(X, y, ids)
        if self.genres_ is None and y is not None:
            raise ValueError(
                "The catalogue was fitted without genres, so y cannot be given "
                "for new tracks: give genres for all tracks or none."
            )
        if self.genres_ is not None and y is None and self.genre_classifier is None:
            raise ValueError(
                "The catalogue has genres: pass y for the new tracks (or set "
                "a fitted genre_classifier to predict them)."
            )
        E = self._embed(X, reset=False)
        n = E.shape[0]
        new_ids = self._new_ids(ids, n, self.n_samples_fit_)
        self._check_duplicate_ids(new_ids)
        genres = None if self.genres_ is None else self._new_genres(X, y, n)
        self.embeddings_ = np.concatenate([self.embeddings_, E])
        self.ids_ = _concat_labels(self.ids_, new_ids)
        if genres is not None:
            self.genres_ = _concat_labels(self.genres_, np.asarray(genres))
        self.n_samples_fit_ = self.embeddings_.shape[0]
        if self.index_ is not None:
            self.index_.add(E)
        self._cache = {}
        return self

    # ------------------------------------------------------------------
    # lookups, cached and rebuilt after unpickling or partial_fit

    def _cached(self, key, build):
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            cache[key] = build()
        return cache[key]

    def _id_index(self) -> pd.Index:
        return self._cached("ids", lambda: pd.Index(self.ids_))

    def _genre_codes(self) -> tuple[np.ndarray, pd.Index]:
        """Integer code of each catalogue genre, and the genres in code order."""

        def build():
            codes, uniques = pd.factorize(self.genres_)
            codes[codes < 0] = -2  # a missing genre matches no query
            return codes, pd.Index(uniques)

        return self._cached("genres", build)

    def _genre_selector(self, code: int, same: bool):
        """A faiss selector of the catalogue tracks of (or not of) a genre."""

        def build():
            faiss = _import_faiss()
            mask = self._genre_codes()[0] == code
            bits = np.packbits(mask if same else ~mask, bitorder="little")
            return faiss.IDSelectorBitmap(mask.shape[0], faiss.swig_ptr(bits)), bits

        return self._cached(("selector", code, same), build)[0]

    # ------------------------------------------------------------------
    # search

    def _check_n_neighbors(self, n_neighbors, *, catalogue_queries: bool) -> int:
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        if isinstance(k, bool) or not isinstance(k, Integral) or k < 1:
            raise ValueError(f"n_neighbors must be a positive integer; got {k!r}.")
        n = self.n_samples_fit_
        if catalogue_queries and k > n - 1:
            raise ValueError(
                f"n_neighbors={k} is larger than the {n - 1} other tracks of the "
                f"catalogue ({n} tracks; a catalogue track is never its own "
                "neighbour)."
            )
        if k > n:
            raise ValueError(
                f"n_neighbors={k} is larger than the catalogue ({n} tracks)."
            )
        return int(k)

    def _queries(self, X):
        """Normalised queries, catalogue rows to exclude, and query genre codes."""
        use_genre = self.method == "genre"
        if use_genre:
            self._check_genre_method()
        if X is None:
            n = self.n_samples_fit_
            codes = self._genre_codes()[0] if use_genre else None
            return self.embeddings_, np.arange(n), codes
        Q = self._embed(X, reset=False)
        codes = None
        if use_genre:
            if self.genre_classifier is None:
                raise ValueError(
                    "method='genre' needs a genre_classifier to predict the genre "
                    "of new queries; y given to fit only labels the catalogue "
                    "(kneighbors(X=None) and recommend(track) work without one)."
                )
            codes = self._genre_codes()[1].get_indexer(self._predict_genres(X))
        return Q, None, codes

    def _adjust_scores(self, S, q_codes, c_codes) -> None:
        """Turn cosine similarities into genre-aware scores, in place."""
        match = c_codes[np.newaxis, :] == q_codes[:, np.newaxis]
        if self.genre_mode == "rerank":
            w = self.genre_weight
            S *= np.float32(1 - w)
            np.add(S, np.float32(w), out=S, where=match)
        else:
            np.subtract(S, np.float32(_RESTRICT_PENALTY), out=S, where=~match)

    def _scan(self, Q, k, exclude, q_codes, t_start, t_stop):
        """The ``k`` best catalogue tracks ``t_start .. t_stop`` of each query.

        Holds at most ``chunk_size * _TILE`` scores: ``chunk_size`` queries
        against ``_TILE`` tracks, or fewer queries against more tracks.
        Returns the best scores and indices, unsorted.
        """
        E = self.embeddings_
        c = Q.shape[0]
        budget = self.chunk_size * _TILE
        tile = max(_BLOCK, budget // c // _BLOCK * _BLOCK)
        buffer = np.empty(min(budget, c * (t_stop - t_start)), dtype=np.float32)
        c_codes = self._genre_codes()[0] if q_codes is not None else None
        best_s = best_i = None
        for t0 in range(t_start, t_stop, tile):
            t1 = min(t0 + tile, t_stop)
            S = buffer[: c * (t1 - t0)].reshape(c, t1 - t0)
            np.matmul(Q, E[t0:t1].T, out=S)
            if q_codes is not None:
                self._adjust_scores(S, q_codes, c_codes[t0:t1])
            if exclude is not None:
                rows = np.flatnonzero((exclude >= t0) & (exclude < t1))
                S[rows, exclude[rows] - t0] = -np.inf
            best_s, best_i = _merge_top_k(S, t0, k, best_s, best_i)
        return best_s, best_i

    def _search_exact(self, Q, k, exclude, q_codes):
        """Exact top ``k``: query chunks (and catalogue parts) on threads.

        BLAS is limited to one thread meanwhile, and the chunks run on as
        many threads as BLAS had: many mid-sized matrix products each
        split over all cores stall whenever one core is busy elsewhere.
        """
        n, m = self.n_samples_fit_, Q.shape[0]
        if q_codes is not None:
            self._genre_codes()  # fill the cache before the threads read it
        blas = _blas_controller()
        n_threads = max([lib["num_threads"] for lib in blas.info()], default=1)
        chunks = [
            (a, min(a + self.chunk_size, m)) for a in range(0, m, self.chunk_size)
        ]
        n_parts = 1  # few queries: split the catalogue between threads too
        if len(chunks) < n_threads:
            n_parts = max(1, min(n_threads, n // max(_TILE, k + 1)))
        edges = np.linspace(0, n, n_parts + 1).astype(int)

        def run(item):
            (a, b), part = item
            return self._scan(
                Q[a:b],
                k,
                None if exclude is None else exclude[a:b],
                None if q_codes is None else q_codes[a:b],
                edges[part],
                edges[part + 1],
            )

        items = [(chunk, part) for chunk in chunks for part in range(n_parts)]
        with blas.limit(limits=1):
            if n_threads == 1 or len(items) == 1:
                found = [run(item) for item in items]
            else:
                with ThreadPoolExecutor(min(n_threads, len(items))) as pool:
                    found = list(pool.map(run, items))
        scores = np.empty((m, k), dtype=np.float32)
        indices = np.empty((m, k), dtype=np.intp)
        for i, (a, b) in enumerate(chunks):
            parts = found[i * n_parts : (i + 1) * n_parts]
            best = _k_largest(
                np.concatenate([p[0] for p in parts], axis=1),
                np.concatenate([p[1] for p in parts], axis=1),
                k,
            )
            scores[a:b], indices[a:b] = _sort_rows(*best)
        return scores, indices

    def _faiss_search(self, Q, k, selector=None):
        faiss = _import_faiss()
        if self.algorithm == "hnsw":
            params = faiss.SearchParametersHNSW()
            params.efSearch = max(self.hnsw_ef_search, k)
        else:
            params = faiss.SearchParametersIVF()
            params.nprobe = min(self.ivf_n_probe, self.index_.nlist)
        if selector is not None:
            params.sel = selector
        return self.index_.search(np.ascontiguousarray(Q), k, params=params)

    def _search_faiss(self, Q, k, exclude, q_codes):
        k_ask = k + (exclude is not None)
        if q_codes is None:
            scores, indices = self._faiss_search(Q, k_ask)
        else:
            scores = np.full((Q.shape[0], k_ask), -np.inf, dtype=np.float32)
            indices = np.full((Q.shape[0], k_ask), -1, dtype=np.int64)
            for code in np.unique(q_codes):
                rows = np.flatnonzero(q_codes == code)
                s_in, i_in = self._faiss_search(
                    Q[rows], k_ask, self._genre_selector(code, True)
                )
                if self.genre_mode == "restrict":
                    s, i = s_in, i_in
                else:
                    w = np.float32(self.genre_weight)
                    s_out, i_out = self._faiss_search(
                        Q[rows], k_ask, self._genre_selector(code, False)
                    )
                    s = np.concatenate([(1 - w) * s_in + w, (1 - w) * s_out], axis=1)
                    i = np.concatenate([i_in, i_out], axis=1)
                    s[i < 0] = -np.inf
                    order = np.argsort(-s, axis=1, kind="stable")[:, :k_ask]
                    s = np.take_along_axis(s, order, axis=1)
                    i = np.take_along_axis(i, order, axis=1)
                scores[rows], indices[rows] = s, i
        if exclude is not None:  # drop the query track, or else the last one
            keep = indices != exclude[:, np.newaxis]
            keep[keep.all(axis=1), -1] = False
            scores = scores[keep].reshape(-1, k)
            indices = indices[keep].reshape(-1, k)
        missing = np.flatnonzero((indices < 0).any(axis=1))
        if missing.size:  # the index found too few tracks: search exactly
            sub_exclude = None if exclude is None else exclude[missing]
            sub_codes = None if q_codes is None else q_codes[missing]
            scores[missing], indices[missing] = self._search_exact(
                Q[missing], k, sub_exclude, sub_codes
            )
        return scores, indices.astype(np.intp)

    def _search(self, Q, k, exclude, q_codes):
        if self.algorithm == "exact":
            return self._search_exact(Q, k, exclude, q_codes)
        fitted = "exact" if self.index_ is None else self._index_kind()
        if fitted != self.algorithm:
            raise ValueError(
                f"algorithm={self.algorithm!r} was set after fitting with "
                f"algorithm={fitted!r}: fit again to build the index."
            )
        return self._search_faiss(Q, k, exclude, q_codes)

    def _index_kind(self) -> str:
        return "hnsw" if hasattr(self.index_, "hnsw") else "ivf"

    def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
        """Find the nearest catalogue tracks of each query.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_dims), or audio, default=None
            Query embeddings, or with ``embedder`` query audio. ``None``
            queries every catalogue track, each excluded from its own
            neighbours.
        n_neighbors : int, default=None
            Number of neighbours; defaults to the ``n_neighbors`` parameter.
            At most the catalogue size (minus one when ``X`` is None).
        return_distance : bool, default=True
            Whether to return the distances.

        Returns
        -------
        neigh_dist : ndarray of shape (n_queries, n_neighbors), dtype float32
            ``1 - score``: the cosine distance ``1 - cos`` with
            ``method="cosine"``, increasing along each row. Only returned if
            ``return_distance=True``.
        neigh_ind : ndarray of shape (n_queries, n_neighbors)
            Row numbers of the neighbours in the catalogue (``ids_[neigh_ind]``
            gives their ids).
        """
        check_is_fitted(self)
        k = self._check_n_neighbors(n_neighbors, catalogue_queries=X is None)
        Q, exclude, q_codes = self._queries(X)
        scores, indices = self._search(Q, k, exclude, q_codes)
        if not return_distance:
            return indices
        return np.maximum(1 - scores, 0, dtype=np.float32), indices

    def kneighbors_graph(self, X=None, n_neighbors=None, mode="connectivity"):
        """Sparse graph of each query's nearest catalogue tracks.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_dims), or audio, default=None
            Queries, as in :meth:`kneighbors`; ``None`` for the catalogue.
        n_neighbors : int, default=None
            Number of neighbours; defaults to the ``n_neighbors`` parameter.
        mode : {"connectivity", "distance"}, default="connectivity"
            "connectivity" stores ones, "distance" the distances of
            :meth:`kneighbors`.

        Returns
        -------
        A : sparse matrix of shape (n_queries, n_tracks)
            CSR matrix; ``A[i, j]`` is set when catalogue track ``j`` is a
            neighbour of query ``i``.
        """
        from scipy.sparse import csr_matrix

        check_is_fitted(self)
        if mode not in ("connectivity", "distance"):
            raise ValueError(
                f'Unsupported mode, must be one of "connectivity", or "distance" '
                f"but got {mode!r} instead"
            )
        distances, indices = self.kneighbors(X, n_neighbors, return_distance=True)
        n_queries, k = indices.shape
        data = np.ones(n_queries * k) if mode == "connectivity" else distances.ravel()
        indptr = np.arange(0, n_queries * k + 1, k)
        return csr_matrix(
            (data, indices.ravel(), indptr), shape=(n_queries, self.n_samples_fit_)
        )

    def recommend(self, track=None, n=None, *, X=None):
        """Recommend catalogue tracks as a table of ids and scores.

        Pass either ``track``, catalogue id(s) (the track itself is never
        recommended), or ``X``, new queries.

        Parameters
        ----------
        track : object or list of objects, default=None
            One catalogue id, or a list of ids for several queries.
        n : int, default=None
            Number of recommendations per query; defaults to the
            ``n_neighbors`` parameter.
        X : array-like or audio, default=None
            New queries: one embedding (1-D) or a matrix of them; with
            ``embedder``, one waveform or file path, or a collection of them.

        Returns
        -------
        recommendations : pandas.DataFrame
            One row per recommended track, best first within each query,
            with columns ``query`` (only for several queries: the id of a
            ``track``, or the row number in ``X``), ``id``, ``similarity``
            (cosine similarity), ``score`` (only with ``method="genre"``:
            the genre-aware score) and ``genre`` (only when the catalogue has
            genres). With ``genre_mode="restrict"`` tracks of other genres
            are left out, so a query may get fewer than ``n`` rows.
        """
        check_is_fitted(self)
        if (track is None) == (X is None):
            raise ValueError(
                "recommend needs exactly one of track (catalogue ids) and X (new "
                f"embeddings or audio); got {'neither' if X is None else 'both'}."
            )
        if track is not None:
            single = np.ndim(track) == 0
            wanted = pd.Index([track] if single else list(track))
            positions = self._id_index().get_indexer(wanted)
            if (positions < 0).any():
                raise ValueError(
                    f"Unknown track id(s) {list(wanted[positions < 0])[:10]}: "
                    "track takes catalogue ids; pass new queries as X=..."
                )
            k = self._check_n_neighbors(n, catalogue_queries=True)
            Q = self.embeddings_[positions]
            q_codes = None
            if self.method == "genre":
                self._check_genre_method()
                q_codes = self._genre_codes()[0][positions]
            scores, indices = self._search(Q, k, positions, q_codes)
            query_labels = wanted.to_numpy()
        else:
            single = (
                isinstance(X, str | os.PathLike)
                or (isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype.kind in "fiu")
                or (
                    self.embedder is None and not hasattr(X, "iloc") and np.ndim(X) == 1
                )
            )
            if single:
                X = [X] if self.embedder is not None else np.reshape(X, (1, -1))
            k = self._check_n_neighbors(n, catalogue_queries=False)
            Q, _, q_codes = self._queries(X)
            scores, indices = self._search(Q, k, None, q_codes)
            query_labels = np.arange(Q.shape[0])
        similarity = np.einsum("ij,ikj->ik", Q, self.embeddings_[indices])
        table = {
            "query": np.repeat(query_labels, k),
            "id": self.ids_[indices.ravel()],
            "similarity": similarity.ravel(),
        }
        if self.method == "genre":
            table["score"] = scores.ravel()
        if self.genres_ is not None:
            table["genre"] = self.genres_[indices.ravel()]
        frame = pd.DataFrame(table)
        if self.method == "genre" and self.genre_mode == "restrict":
            same = self._genre_codes()[0][indices] == q_codes[:, np.newaxis]
            frame = frame[same.ravel()].reset_index(drop=True)
        if single:
            frame = frame.drop(columns="query")
        return frame

    # ------------------------------------------------------------------
    # persistence and tags

    def __getstate__(self):
        state = super().__getstate__().copy()  # may be self.__dict__ itself
        state.pop("_cache", None)
        if state.get("index_") is not None:
            faiss = _import_faiss()
            state["index_"] = faiss.serialize_index(state["index_"])
            state["_index_serialized"] = True
        return state

    def __setstate__(self, state):
        if state.pop("_index_serialized", False):
            faiss = _import_faiss()
            state["index_"] = faiss.deserialize_index(state["index_"])
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # a HNSW graph built on several threads depends on their timing
        tags.non_deterministic = self.algorithm == "hnsw"
        return tags
