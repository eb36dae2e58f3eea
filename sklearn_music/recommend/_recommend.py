"""Tables of recommendations: one query each, or one listening profile.

:class:`RecommendMixin` gives :class:`~sklearn_music.recommend.CosineRecommender`
its :meth:`recommend` method. It turns queries (catalogue ids, new
embeddings or audio) into ranked candidate tracks with the search of the
estimator, leaves out excluded tracks, re-ranks for diversity (:mod:`._mmr`)
and writes the table of ids. Several seeds form one profile through
:mod:`._profile`.
"""

from __future__ import annotations

from dataclasses import replace
from numbers import Real

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ._catalogue import query_batch
from ._genre import GenreScore
from ._ids import rows_of
from ._mmr import candidate_pool, mmr_select
from ._profile import closest_to_any, majority_code, mean_profile

__all__ = ["RecommendMixin"]

_PROFILES = (None, "mean", "max")


def _check_options(profile, diversity) -> float:
    if profile not in _PROFILES:
        raise ValueError(
            f"profile must be None (one query per track), 'mean' or 'max'; "
            f"got {profile!r}."
        )
    if (
        isinstance(diversity, bool)
        or not isinstance(diversity, Real)
        or not 0 <= diversity <= 1
    ):
        raise ValueError(
            f"diversity must be a number in [0, 1] (0: plain ranking, 1: the "
            f"most dissimilar tracks); got {diversity!r}."
        )
    return float(diversity)


class RecommendMixin:
    """The :meth:`recommend` method of a fitted recommender.

    It needs the catalogue (``embeddings_``, ``ids_``, ``genres_``) and the
    query machinery of :class:`CosineRecommender`: ``_rows_of``,
    ``_queries``, ``_neighbours``, ``_search`` and ``_check_n_neighbors``.
    """

    def recommend(
        self,
        track=None,
        n=None,
        *,
        X=None,
        profile=None,
        diversity=0.0,
        exclude=None,
    ):
        """Recommend catalogue tracks as a table of ids and scores.

        Pass ``track``, catalogue id(s), or ``X``, new queries (or, with a
        ``profile``, both). Without ``profile`` every track is its own
        query; with it, all of them are the seeds of one listening profile.

        Parameters
        ----------
        track : object or list of objects, default=None
            One catalogue id, or a list of ids. A catalogue track is never
            recommended for itself, nor, with a ``profile``, any seed.
        n : int, default=None
            Number of recommendations per query (or for the profile);
            defaults to the ``n_neighbors`` parameter.
        X : array-like or audio, default=None
            New queries, in any form :meth:`kneighbors` takes: one
            embedding (1-D) or a matrix of them; with ``embedder``, one
            waveform or file path, or a collection of them.
        profile : {None, "mean", "max"}, default=None
            How several tracks make one query. None: each track (id or row
            of ``X``) is a separate query. "mean": the normalised mean of
            the seed embeddings is the query (ranking by the mean cosine
            similarity to the seeds). "max", *closest to any*: a track
            scores its best score over the seeds, so each seed brings its
            own neighbours. With ``method="genre"``, "mean" uses the genre
            most seeds have and "max" the genre of each seed.
        diversity : float, default=0.0
            Weight ``lambda`` in [0, 1] of maximal marginal relevance [1]_:
            the tracks are taken one at a time, each maximising
            ``(1 - lambda) * score - lambda * max_s cos(track, s)`` over
            the tracks ``s`` already taken, among the ``max(100, 10 * n)``
            best-scored tracks. 0 keeps the plain ranking exactly; 1 takes
            the best track, then each time the track least similar to those
            taken (one per group of near-duplicates).
        exclude : object or list of objects, default=None
            Catalogue ids never to recommend, e.g. the tracks already heard.
            Ids that are not in the catalogue are ignored.

        Returns
        -------
        recommendations : pandas.DataFrame
            One row per recommended track, best first within each query,
            with columns ``query`` (only for several queries without
            ``profile``: the id of a ``track``, or the row number in
            ``X``), ``id``, ``similarity`` (cosine similarity to the query,
            to the mean profile, or with "max" to the closest seed),
            ``score`` (only with ``method="genre"``: the genre-aware score)
            and ``genre`` (only when the catalogue has genres), and with
            "max" ``seed``, that closest seed (its id, or ``"X[i]"`` for row
            ``i`` of ``X``). With ``genre_mode="restrict"`` tracks of other genres
            are left out, so a query may get fewer than ``n`` rows.

        Raises
        ------
        ValueError
            If an id of ``track`` is not in the catalogue, or if fewer than
            ``n`` tracks are left once the query, the seeds and ``exclude``
            are left out.

        References
        ----------
        .. [1] J. Carbonell and J. Goldstein, "The use of MMR,
           diversity-based reranking for reordering documents and producing
           summaries", Proc. ACM SIGIR, pp. 335-336, 1998.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_music.recommend import CosineRecommender
        >>> E = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
        >>> rec = CosineRecommender(n_neighbors=2).fit(E, ids=["a", "b", "c", "d"])
        >>> rec.recommend("a")["id"].tolist()
        ['b', 'd']
        >>> rec.recommend(["a", "c"], profile="max")["id"].tolist()
        ['b', 'd']
        >>> rec.recommend("a", exclude=["b"])["id"].tolist()
        ['d', 'c']
        """
        check_is_fitted(self)
        diversity = _check_options(profile, diversity)
        if profile is None and (track is None) == (X is None):
            raise ValueError(
                "recommend needs exactly one of track (catalogue ids) and X (new "
                f"embeddings or audio); got {'neither' if X is None else 'both'}."
            )
        if track is None and X is None:
            raise ValueError(
                f"profile={profile!r} needs seeds: catalogue ids as track, new "
                "tracks as X, or both."
            )
        single = False
        rows = labels = None
        if track is not None:
            single = np.ndim(track) == 0
            if not single and not len(track):
                raise ValueError("track is empty: pass at least one catalogue id.")
            rows = self._rows_of([track] if single else list(track))
            labels = self.ids_[rows]  # the ids as the catalogue holds them
        if X is not None:
            X, single = query_batch(X, audio=self.embedder is not None)
        if exclude is None:
            excluded = np.empty(0, dtype=np.intp)
        else:
            wanted = [exclude] if np.ndim(exclude) == 0 else list(exclude)
            excluded = np.unique(rows_of(self._id_index(), wanted, strict=False))
        if profile is None:
            return self._recommend_each(rows, labels, X, single, n, diversity, excluded)
        return self._recommend_profile(rows, labels, X, profile, n, diversity, excluded)

    # ------------------------------------------------------------------

    def _n_left(self, n: int, excluded: np.ndarray, own=None) -> None:
        """Check that ``n`` tracks are left for every query once
        ``excluded`` and the query's ``own`` catalogue row are left out."""
        left = self.n_samples_fit_ - len(excluded)
        if own is not None and not np.isin(own, excluded).all():
            left -= 1
        if n > left:
            raise ValueError(
                f"n={n} is larger than the {left} tracks left to recommend: "
                f"{self.n_samples_fit_ - left} of the {self.n_samples_fit_} "
                "catalogue tracks are left out (the query or the seeds "
                "themselves, and exclude)."
            )

    def _recommend_each(self, rows, labels, X, single, n, diversity, excluded):
        """One ranking per track of ``track`` or ``X``."""
        catalogue = rows is not None
        k = self._check_n_neighbors(n, catalogue_queries=catalogue)
        self._n_left(k, excluded, rows)
        n_search = self.n_samples_fit_ - catalogue
        k_ask = min(n_search, candidate_pool(k, diversity) + len(excluded))
        Q, genre, scores, indices = self._neighbours(X, k_ask, rows)
        if not catalogue:
            labels = np.arange(Q.shape[0])
        keep = ~np.isin(indices, excluded)
        if self.method == "genre" and self.genre_mode == "restrict":
            keep &= genre.matches(indices)
        if diversity == 0:
            keep &= np.cumsum(keep, axis=1) <= k
            q, j = np.nonzero(keep)
        else:
            q, j = [], []
            for i in range(Q.shape[0]):
                cand = np.flatnonzero(keep[i])[: candidate_pool(k, diversity)]
                E = self.embeddings_[indices[i, cand]]
                chosen = cand[mmr_select(scores[i, cand], E, k, diversity)]
                q.append(np.full(len(chosen), i))
                j.append(chosen)
            empty = [np.empty(0, dtype=np.intp)]
            q, j = np.concatenate(q + empty), np.concatenate(j + empty)
        found = indices[q, j]
        similarity = np.einsum("ij,ij->i", Q[q], self.embeddings_[found])
        columns = {"query": labels[q]} if not single else {}
        return self._table(columns, found, similarity, scores[q, j])

    def _recommend_profile(self, rows, labels, X, profile, n, diversity, excluded):
        """One ranking for all the seeds of ``track`` and ``X`` together."""
        parts = [self._queries(None, rows)] if rows is not None else []
        if X is not None:
            parts.append(self._queries(X, None))
        Q = np.concatenate([p[0] for p in parts])
        genre = None
        if self.method == "genre":
            genre = GenreScore(
                self._catalogue_genres(),
                np.concatenate([p[2].queries for p in parts]),
                self.genre_mode,
                self.genre_weight,
            )
        n_tracks = 0 if rows is None else len(rows)
        seed_labels = np.empty(len(Q), dtype=object)
        seed_labels[:n_tracks] = [] if rows is None else labels
        seed_labels[n_tracks:] = [f"X[{i}]" for i in range(len(Q) - n_tracks)]
        if rows is not None:
            excluded = np.union1d(excluded, rows)
        k = self._check_n_neighbors(n, catalogue_queries=False)
        self._n_left(k, excluded)
        pool = candidate_pool(k, diversity)
        k_ask = min(self.n_samples_fit_, pool + len(excluded))
        search = self._search()
        seed = None
        if profile == "mean":
            q = mean_profile(Q)
            if genre is not None:
                genre = replace(genre, queries=np.array([majority_code(genre.queries)]))
            scores, found = (a[0] for a in search.search(q, k_ask, genre=genre))
            similarity = self.embeddings_[found] @ q[0]
            matches = None if genre is None else genre.matches(found[np.newaxis])[0]
        else:
            _, found = search.search(Q, k_ask, genre=genre)
            found, scores, similarity, seed, matches = closest_to_any(
                Q, self.embeddings_, np.unique(found[found >= 0]), genre
            )
        keep = ~np.isin(found, excluded)
        if self.method == "genre" and self.genre_mode == "restrict":
            keep &= matches
        cand = np.flatnonzero(keep)[:pool]
        E = self.embeddings_[found[cand]]
        chosen = cand[mmr_select(scores[cand], E, k, diversity)]
        table = self._table({}, found[chosen], similarity[chosen], scores[chosen])
        if seed is not None:
            table["seed"] = seed_labels[seed[chosen]]
        return table

    def _table(self, columns: dict, found, similarity, scores) -> pd.DataFrame:
        """The recommendation table of catalogue rows ``found``."""
        table = {**columns, "id": self.ids_[found], "similarity": similarity}
        if self.method == "genre":
            table["score"] = scores
        if self.genres_ is not None:
            table["genre"] = self.genres_[found]
        return pd.DataFrame(table)
