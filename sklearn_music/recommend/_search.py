"""Top-k search of a catalogue of unit vectors by inner product.

Two searches share one interface:

- :class:`ExactSearch` scores every catalogue track (float32 matrix
  products in tiles, on threads), with memory independent of the catalogue
  size;
- :class:`FaissSearch` searches an approximate faiss index (an inverted
  file, "ivf", or a HNSW graph, "hnsw").

Each has ``build(E)`` for a new catalogue, ``add(E)`` to append tracks, and
``search(Q, k, *, exclude=None, genre=None)``, which returns the ``k`` best
scores of each query, best first, and the catalogue rows they belong to.
The rows of ``E`` and ``Q`` must be float32 and of unit norm, so inner
products are cosine similarities. ``exclude`` leaves one catalogue row out
of each query's neighbours (a catalogue track queried for its neighbours);
``genre`` (a ``GenreScore`` of ``_genre.py``) makes the scores genre-aware.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["ExactSearch", "FaissSearch", "faiss_kind", "import_faiss"]

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


def import_faiss():
    """The faiss module, or an ImportError that says how to install it."""
    try:
        import faiss
    except ImportError as exc:
        raise ImportError(
            "algorithm='hnsw' and algorithm='ivf' need the faiss library, which "
            "is not installed. Install it with `pip install faiss-cpu` (or `pip "
            "install 'sklearn-music[ann]'`), or use algorithm='exact'."
        ) from exc
    return faiss


def faiss_kind(index) -> str:
    """ "hnsw" or "ivf": the kind of a faiss index built by :class:`FaissSearch`."""
    return "hnsw" if hasattr(index, "hnsw") else "ivf"


_BLAS = None


def _blas_controller():
    """threadpoolctl's controller of the BLAS libraries, created once."""
    global _BLAS
    if _BLAS is None:
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController().select(user_api="blas")
    return _BLAS


# ---------------------------------------------------------------------------
# exact search


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


class ExactSearch:
    """Exact top-k search: every catalogue track is scored.

    Scores ``chunk_size`` queries against 4096 catalogue tracks at a time
    (fewer queries against more tracks) and keeps the best ``k`` of each
    query, so at most ``chunk_size x 4096`` float32 scores are held per
    thread, whatever the catalogue size. The blocks run on as many threads
    as BLAS would use, each with a single-threaded BLAS.

    Parameters
    ----------
    chunk_size : int, default=256
        Queries scored at once.

    Attributes
    ----------
    embeddings : ndarray of shape (n_tracks, n_dims), dtype float32, or None
        The catalogue (unit rows), used as is, not copied.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.recommend._search import ExactSearch
    >>> E = np.array([[1, 0], [0.6, 0.8], [0, 1]], dtype=np.float32)
    >>> scores, indices = ExactSearch().build(E).search(E[:1], 2)
    >>> indices
    array([[0, 1]])
    >>> ExactSearch().build(E).search(E[:1], 2, exclude=np.array([0]))[1]
    array([[1, 2]])
    """

    def __init__(self, *, chunk_size: int = 256):
        self.chunk_size = chunk_size
        self.embeddings = None

    def build(self, E: np.ndarray) -> ExactSearch:
        """Search the catalogue ``E`` (n_tracks, n_dims) from now on."""
        self.embeddings = E
        return self

    def add(self, E: np.ndarray) -> ExactSearch:
        """Append the tracks ``E`` to the catalogue."""
        self.embeddings = np.concatenate([self.embeddings, E])
        return self

    def search(self, Q, k, *, exclude=None, genre=None):
        """The ``k`` best catalogue tracks of each query.

        Parameters
        ----------
        Q : ndarray of shape (n_queries, n_dims), dtype float32
            Unit-norm queries.
        k : int
            Neighbours per query, at most the catalogue size (minus one with
            ``exclude``).
        exclude : ndarray of shape (n_queries,), default=None
            A catalogue row to leave out of each query's neighbours.
        genre : GenreScore, default=None
            Genre-aware scores instead of cosine similarities.

        Returns
        -------
        scores : ndarray of shape (n_queries, k), dtype float32
            Best first; ties in catalogue order.
        indices : ndarray of shape (n_queries, k), dtype intp
            Catalogue rows of the neighbours.
        """
        n, m = self.embeddings.shape[0], Q.shape[0]
        blas = _blas_controller()
        n_threads = max([lib["num_threads"] for lib in blas.info()], default=1)
        size = self.chunk_size
        chunks = [(a, min(a + size, m)) for a in range(0, m, size)]
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
                None if genre is None else genre.subset(slice(a, b)),
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

    def _scan(self, Q, k, exclude, genre, t_start, t_stop):
        """The ``k`` best catalogue tracks ``t_start .. t_stop`` of each query.

        Holds at most ``chunk_size * _TILE`` scores: ``chunk_size`` queries
        against ``_TILE`` tracks, or fewer queries against more tracks.
        Returns the best scores and indices, unsorted.
        """
        E = self.embeddings
        c = Q.shape[0]
        budget = self.chunk_size * _TILE
        tile = max(_BLOCK, budget // c // _BLOCK * _BLOCK)
        buffer = np.empty(min(budget, c * (t_stop - t_start)), dtype=np.float32)
        best_s = best_i = None
        for t0 in range(t_start, t_stop, tile):
            t1 = min(t0 + tile, t_stop)
            S = buffer[: c * (t1 - t0)].reshape(c, t1 - t0)
            np.matmul(Q, E[t0:t1].T, out=S)
            if genre is not None:
                genre.adjust(S, t0)
            if exclude is not None:
                rows = np.flatnonzero((exclude >= t0) & (exclude < t1))
                S[rows, exclude[rows] - t0] = -np.inf
            best_s, best_i = _merge_top_k(S, t0, k, best_s, best_i)
        return best_s, best_i


# ---------------------------------------------------------------------------
# approximate search


class FaissSearch:
    """Approximate top-k search with a faiss index on inner products.

    Needs the optional ``faiss`` package. Rows for which the index finds
    fewer than ``k`` tracks (a small genre, few probed lists) are answered
    by ``fallback``, an exact search of the same catalogue, when one is
    given; otherwise their missing entries have index -1 (and a meaningless
    score).

    Parameters
    ----------
    kind : {"ivf", "hnsw"}
        An inverted file (``IndexIVFFlat``: k-means lists, of which
        ``ivf_n_probe`` are scanned per query) or a graph
        (``IndexHNSWFlat``).
    ivf_n_lists : int or None, default=None
        k-means lists of the "ivf" index; None uses ``4 * sqrt(n_tracks)``,
        and at most one list per 39 tracks.
    ivf_n_probe : int, default=16
        Lists scanned per query (at most the number of lists).
    hnsw_m : int, default=16
        Neighbours per node of the HNSW graph.
    hnsw_ef_construction : int, default=40
        Candidate list size while building the HNSW graph.
    hnsw_ef_search : int, default=64
        Candidate list size of a HNSW search (at least ``k``).
    index : faiss.Index, default=None
        An index built by an earlier :meth:`build`, to search or grow.
    fallback : ExactSearch, default=None
        Exact search of the same catalogue for the rows the index cannot
        fill.

    Attributes
    ----------
    index : faiss.Index or None
        The index, after :meth:`build` or when given.
    """

    def __init__(
        self,
        kind: str,
        *,
        ivf_n_lists: int | None = None,
        ivf_n_probe: int = 16,
        hnsw_m: int = 16,
        hnsw_ef_construction: int = 40,
        hnsw_ef_search: int = 64,
        index=None,
        fallback: ExactSearch | None = None,
    ):
        if kind not in ("ivf", "hnsw"):
            raise ValueError(f"kind must be 'ivf' or 'hnsw'; got {kind!r}.")
        self.kind = kind
        self.ivf_n_lists = ivf_n_lists
        self.ivf_n_probe = ivf_n_probe
        self.hnsw_m = hnsw_m
        self.hnsw_ef_construction = hnsw_ef_construction
        self.hnsw_ef_search = hnsw_ef_search
        self.index = index
        self.fallback = fallback

    def build(self, E: np.ndarray) -> FaissSearch:
        """Build the index of the catalogue ``E`` (n_tracks, n_dims)."""
        faiss = import_faiss()
        n, d = E.shape
        if self.kind == "hnsw":
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
        self.index = index
        return self

    def add(self, E: np.ndarray) -> FaissSearch:
        """Append the tracks ``E`` to the index (and to ``fallback``)."""
        self.index.add(E)
        if self.fallback is not None:
            self.fallback.add(E)
        return self

    def search(self, Q, k, *, exclude=None, genre=None):
        """The ``k`` best catalogue tracks of each query, as far as the
        index finds them.

        Parameters and returns as :meth:`ExactSearch.search`. With
        ``genre``, each query searches the index restricted to the tracks
        of its genre, and with ``mode="rerank"`` also to the other tracks,
        and the lists are merged by score.
        """
        k_ask = k + (exclude is not None)
        if genre is None:
            scores, indices = self._query(Q, k_ask)
        else:
            scores, indices = self._query_by_genre(Q, k_ask, genre)
        if exclude is not None:  # drop the query track, or else the last one
            keep = indices != exclude[:, np.newaxis]
            keep[keep.all(axis=1), -1] = False
            scores = scores[keep].reshape(-1, k)
            indices = indices[keep].reshape(-1, k)
        missing = np.flatnonzero((indices < 0).any(axis=1))
        if missing.size and self.fallback is not None:
            scores[missing], indices[missing] = self.fallback.search(
                Q[missing],
                k,
                exclude=None if exclude is None else exclude[missing],
                genre=None if genre is None else genre.subset(missing),
            )
        return scores, indices.astype(np.intp)

    def _query(self, Q, k, bitmap=None):
        """One faiss search, restricted to the tracks of ``bitmap`` if given."""
        faiss = import_faiss()
        if self.kind == "hnsw":
            params = faiss.SearchParametersHNSW()
            params.efSearch = max(self.hnsw_ef_search, k)
        else:
            params = faiss.SearchParametersIVF()
            params.nprobe = min(self.ivf_n_probe, self.index.nlist)
        selector = None  # params holds a bare pointer: keep it (and the bits) alive
        if bitmap is not None:
            selector = faiss.IDSelectorBitmap(self.index.ntotal, faiss.swig_ptr(bitmap))
            params.sel = selector
        return self.index.search(np.ascontiguousarray(Q), k, params=params)

    def _query_by_genre(self, Q, k, genre):
        """Search the tracks of each query's genre (and, to rerank, the
        others) and merge the lists by genre-aware score."""
        scores = np.full((Q.shape[0], k), -np.inf, dtype=np.float32)
        indices = np.full((Q.shape[0], k), -1, dtype=np.int64)
        for code in np.unique(genre.queries):
            rows = np.flatnonzero(genre.queries == code)
            s_in, i_in = self._query(Q[rows], k, genre.catalogue.bitmap(code, True))
            if genre.mode == "restrict":
                s, i = s_in, i_in
            else:
                s_out, i_out = self._query(
                    Q[rows], k, genre.catalogue.bitmap(code, False)
                )
                s = np.concatenate(
                    [genre.score(s_in, same=True), genre.score(s_out, same=False)],
                    axis=1,
                )
                i = np.concatenate([i_in, i_out], axis=1)
                s[i < 0] = -np.inf
                order = np.argsort(-s, axis=1, kind="stable")[:, :k]
                s = np.take_along_axis(s, order, axis=1)
                i = np.take_along_axis(i, order, axis=1)
            scores[rows], indices[rows] = s, i
        return scores, indices
