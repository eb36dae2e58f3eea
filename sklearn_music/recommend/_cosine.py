"""Nearest catalogue tracks by cosine similarity, optionally genre-aware."""

from __future__ import annotations

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

from ._catalogue import (
    check_embedder_output,
    concat_labels,
    in_chunks,
    normalize_rows,
    query_batch,
)
from ._genre import CatalogueGenres, GenreScore
from ._ids import catalogue_id_kind, check_new_ids, new_ids, rows_of
from ._recommend import RecommendMixin
from ._search import (
    _TILE,  # noqa: F401 (the tests size catalogues by it)
    ExactSearch,
    FaissSearch,
    faiss_kind,
    import_faiss,
)

__all__ = ["CosineRecommender"]


class CosineRecommender(RecommendMixin, BaseEstimator):
    """Recommend the catalogue tracks most similar to a query track.

    A content-based recommender shaped like
    :class:`~sklearn.neighbors.NearestNeighbors`: :meth:`fit` stores a
    catalogue of track embeddings, L2-normalised, and :meth:`kneighbors`
    returns, for each query, the catalogue tracks of highest cosine
    similarity. :meth:`recommend` wraps it into a :class:`pandas.DataFrame` of
    catalogue ids, for one query, several, or a listening profile of several
    seed tracks, optionally re-ranked for diversity and without the tracks
    already heard. With an ``embedder`` (a fitted transformer or pipeline,
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
    compare_methods : Compare method 1 and method 2 on labelled queries,
        with a paired significance test.

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
                ensure_all_finite=False,  # normalize_rows names the bad rows
                reset=reset,
            )
            return normalize_rows(E, "X")
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
        E = in_chunks(self.embedder.transform, X, self.chunk_size)
        check_embedder_output(E, X, None if reset else self.embeddings_.shape[1])
        return normalize_rows(E, "the embeddings of X")

    def _predict_genres(self, X) -> np.ndarray:
        check_is_fitted(
            self.genre_classifier,
            msg=(
                "The genre_classifier %(name)s is not fitted. CosineRecommender "
                "uses it as is and never fits it: fit it first."
            ),
        )
        return in_chunks(self.genre_classifier.predict, X, self.chunk_size)

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
        search = FaissSearch(
            self.algorithm,
            ivf_n_lists=self.ivf_n_lists,
            hnsw_m=self.hnsw_m,
            hnsw_ef_construction=self.hnsw_ef_construction,
        )
        self.index_ = search.build(E).index

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
            returned by :meth:`recommend`. All of one type (integers,
            strings, or another hashable type such as
            :class:`pathlib.Path`), stored as given; booleans and missing
            values are refused. Defaults to the row numbers.

        Returns
        -------
        self : object
            The fitted recommender.
        """
        return self._fit(X, y, ids)

    def _fit(self, X, y, ids):
        if self.algorithm != "exact":
            import_faiss()  # fail before embedding a large catalogue
        for name in ("ids_", "genres_", "embeddings_", "index_", "_cache"):
            if name in self.__dict__:  # a refit forgets the old catalogue
                delattr(self, name)
        E = self._embed(X, reset=True)
        n = E.shape[0]
        ids = new_ids(ids, n, 0)
        check_new_ids(ids, None)
        self.genres_ = self._new_genres(X, y, n)
        self._check_genre_method()
        self.embeddings_ = E
        self.ids_ = ids
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
            catalogue, of the type of the catalogue's ids. Defaults to the
            next row numbers (integers).

        Returns
        -------
        self : object
            The recommender, with the new tracks appended.

        Raises
        ------
        ValueError
            If an id is repeated or already in the catalogue, missing, a
            boolean, or not of the type of the catalogue's ids (the
            offending ids are named); nothing is added then.
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
        kind = catalogue_id_kind(self.ids_)
        ids = new_ids(ids, n, self.n_samples_fit_, catalogue_kind=kind)
        check_new_ids(ids, self._id_index())
        genres = None if self.genres_ is None else self._new_genres(X, y, n)
        self.embeddings_ = np.concatenate([self.embeddings_, E])
        self.ids_ = concat_labels(self.ids_, ids)
        if genres is not None:
            self.genres_ = concat_labels(self.genres_, np.asarray(genres))
        self.n_samples_fit_ = self.embeddings_.shape[0]
        if self.index_ is not None:
            FaissSearch(faiss_kind(self.index_), index=self.index_).add(E)
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

    def _rows_of(self, wanted: pd.Index) -> np.ndarray:
        """Catalogue rows of the tracks ``wanted``; all of them must be known
        (and of the type of the catalogue's ids)."""
        return rows_of(self._id_index(), wanted)

    def _catalogue_genres(self) -> CatalogueGenres:
        return self._cached("genres", lambda: CatalogueGenres(self.genres_))

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

    def _queries(self, X, rows):
        """Normalised queries, the catalogue rows they exclude, and their
        genre-aware scoring (None with ``method="cosine"``).

        ``X`` holds new queries; when it is None the catalogue rows ``rows``
        are the queries (all of them when ``rows`` is None).
        """
        use_genre = self.method == "genre"
        if use_genre:
            self._check_genre_method()
        if X is None:
            take = slice(None) if rows is None else rows  # a slice takes views
            Q = self.embeddings_[take]
            exclude = np.arange(self.n_samples_fit_)[take]
            codes = self._catalogue_genres().codes[take] if use_genre else None
        else:
            Q, exclude, codes = self._embed(X, reset=False), None, None
            if use_genre:
                if self.genre_classifier is None:
                    raise ValueError(
                        "method='genre' needs a genre_classifier to predict the "
                        "genre of new queries; y given to fit only labels the "
                        "catalogue (kneighbors(X=None) and recommend(track) work "
                        "without one)."
                    )
                codes = self._catalogue_genres().encode(self._predict_genres(X))
        genre = None
        if codes is not None:
            genre = GenreScore(
                self._catalogue_genres(), codes, self.genre_mode, self.genre_weight
            )
        return Q, exclude, genre

    def _search(self):
        """The search of the catalogue that ``algorithm`` asks for."""
        exact = ExactSearch(chunk_size=self.chunk_size).build(self.embeddings_)
        if self.algorithm == "exact":
            return exact
        fitted = "exact" if self.index_ is None else faiss_kind(self.index_)
        if fitted != self.algorithm:
            raise ValueError(
                f"algorithm={self.algorithm!r} was set after fitting with "
                f"algorithm={fitted!r}: fit again to build the index."
            )
        return FaissSearch(
            self.algorithm,
            ivf_n_probe=self.ivf_n_probe,
            hnsw_ef_search=self.hnsw_ef_search,
            index=self.index_,
            fallback=exact,
        )

    def _neighbours(self, X, k, rows=None):
        """The queries (as in :meth:`_queries`), their genre scoring, and the
        scores and catalogue rows of their ``k`` best tracks, best first."""
        Q, exclude, genre = self._queries(X, rows)
        scores, indices = self._search().search(Q, k, exclude=exclude, genre=genre)
        return Q, genre, scores, indices

    def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
        """Find the nearest catalogue tracks of each query.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_dims) or (n_dims,), or audio, \
default=None
            Query embeddings, or with ``embedder`` query audio. One track
            may be given alone: without ``embedder`` a 1-D array is one
            embedding; with ``embedder``, ``X`` is always audio, and a 1-D
            array (or list of numbers) is one waveform and a ``str`` or
            :class:`os.PathLike` one file. A single query gives a batch of
            one, shaped as for a list of one. ``None`` queries every
            catalogue track, each excluded from its own neighbours.
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
        if X is not None:
            X, _ = query_batch(X, audio=self.embedder is not None)
        k = self._check_n_neighbors(n_neighbors, catalogue_queries=X is None)
        _, _, scores, indices = self._neighbours(X, k)
        if not return_distance:
            return indices
        return np.maximum(1 - scores, 0, dtype=np.float32), indices

    def kneighbors_graph(self, X=None, n_neighbors=None, mode="connectivity"):
        """Sparse graph of each query's nearest catalogue tracks.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_dims) or (n_dims,), or audio, \
default=None
            Queries, as in :meth:`kneighbors` (one track alone gives one
            row); ``None`` for the catalogue.
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

    # ------------------------------------------------------------------
    # persistence and tags

    def __getstate__(self):
        state = super().__getstate__().copy()  # may be self.__dict__ itself
        state.pop("_cache", None)
        if state.get("index_") is not None:
            faiss = import_faiss()
            state["index_"] = faiss.serialize_index(state["index_"])
            state["_index_serialized"] = True
        return state

    def __setstate__(self, state):
        if state.pop("_index_serialized", False):
            faiss = import_faiss()
            state["index_"] = faiss.deserialize_index(state["index_"])
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # a HNSW graph built on several threads depends on their timing
        tags.non_deterministic = self.algorithm == "hnsw"
        return tags
