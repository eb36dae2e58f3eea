"""Genre-aware scores: method 2 of Adiyansjah et al. on cosine similarities.

:class:`CatalogueGenres` encodes the genres of a catalogue once;
:class:`GenreScore` turns the cosine similarities of some queries into
genre-aware scores. Both searches of :mod:`._search` take a
:class:`GenreScore`: the exact one adjusts its score tiles in place, the
faiss one searches the tracks of the query's genre and the others
separately (with the bitmaps of :meth:`CatalogueGenres.bitmap`) and merges
them with :meth:`GenreScore.score`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

__all__ = ["RESTRICT_PENALTY", "CatalogueGenres", "GenreScore"]

# Score offset that ranks other-genre tracks after every track of the
# predicted genre in genre_mode="restrict" (cosine similarities span 2).
RESTRICT_PENALTY = 2.0


class CatalogueGenres:
    """The genres of a catalogue as integer codes.

    Parameters
    ----------
    genres : array-like of shape (n_tracks,)
        Genre label of each catalogue track; missing labels (None, NaN)
        match no query.

    Attributes
    ----------
    codes : ndarray of shape (n_tracks,)
        Code of each track's genre, -2 for a missing genre.
    labels : pandas.Index
        The genres in code order.
    """

    def __init__(self, genres):
        codes, uniques = pd.factorize(genres)
        codes[codes < 0] = -2  # a missing genre matches no query
        self.codes = codes
        self.labels = pd.Index(uniques)
        self._bitmaps = {}

    def encode(self, labels) -> np.ndarray:
        """Codes of genre ``labels``; -1 for a genre the catalogue lacks."""
        return self.labels.get_indexer(labels)

    def bitmap(self, code: int, same: bool) -> np.ndarray:
        """Packed bits (little-endian, one per track) of the tracks of genre
        ``code`` (``same=True``) or of all other tracks; built once."""
        key = (code, same)
        if key not in self._bitmaps:
            mask = self.codes == code
            self._bitmaps[key] = np.packbits(mask if same else ~mask, bitorder="little")
        return self._bitmaps[key]


@dataclass(frozen=True)
class GenreScore:
    """How the genre of each query changes its scores.

    With ``mode="rerank"`` the score of catalogue track ``c`` for query
    ``q`` is ``(1 - weight) * cos(q, c) + weight * match``, where ``match``
    is 1 when ``c`` has the genre of ``q``; with ``mode="restrict"`` it is
    ``cos(q, c)``, minus :data:`RESTRICT_PENALTY` for tracks of another
    genre (so they rank after every track of the genre).

    Parameters
    ----------
    catalogue : CatalogueGenres
        The genres of the catalogue.
    queries : ndarray of shape (n_queries,)
        Genre code of each query (see :meth:`CatalogueGenres.encode`).
    mode : {"rerank", "restrict"}
        How the genre enters the score.
    weight : float
        Weight of the genre match with ``mode="rerank"``.
    """

    catalogue: CatalogueGenres
    queries: np.ndarray
    mode: str
    weight: float

    def subset(self, rows) -> GenreScore:
        """The same scoring for the queries ``rows`` (an index or slice)."""
        return replace(self, queries=self.queries[rows])

    def adjust(self, S: np.ndarray, start: int) -> None:
        """Turn similarities into scores, in place.

        ``S`` (n_queries, w) holds the cosine similarities of the queries to
        catalogue tracks ``start .. start + w``.
        """
        c_codes = self.catalogue.codes[start : start + S.shape[1]]
        match = c_codes[np.newaxis, :] == self.queries[:, np.newaxis]
        if self.mode == "rerank":
            w = self.weight
            S *= np.float32(1 - w)
            np.add(S, np.float32(w), out=S, where=match)
        else:
            np.subtract(S, np.float32(RESTRICT_PENALTY), out=S, where=~match)

    def score(self, similarity: np.ndarray, *, same: bool) -> np.ndarray:
        """Scores of similarities to tracks of (``same``) or not of the genre."""
        if self.mode == "restrict":
            return similarity if same else similarity - np.float32(RESTRICT_PENALTY)
        w = np.float32(self.weight)
        return (1 - w) * similarity + w if same else (1 - w) * similarity

    def matches(self, indices: np.ndarray) -> np.ndarray:
        """Whether catalogue tracks ``indices`` (n_queries, k) have the genre
        of their query."""
        return self.catalogue.codes[indices] == self.queries[:, np.newaxis]
