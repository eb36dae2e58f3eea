"""Listening profiles: scores of catalogue tracks for several seed tracks.

A listener liked several tracks, the *seeds*. Two ways to score a catalogue
track ``c`` for all of them at once:

- ``"mean"``: the profile is the normalised mean ``p`` of the seed
  embeddings and ``c`` is scored as a query ``p`` would score it. As seeds
  and tracks have unit norm, ranking by ``cos(p, c)`` is ranking by the
  mean of the cosine similarities of ``c`` to the seeds.
- ``"max"`` ("closest to any"): ``c`` gets its best score over the seeds,
  so each seed brings its own neighbours, however far apart the seeds are.

With genre-aware scores (method 2) the profile of ``"mean"`` has the genre
most of its seeds have, and under ``"max"`` every seed keeps its own genre.
"""

from __future__ import annotations

import numpy as np

from ._catalogue import normalize_rows
from ._genre import GenreScore

__all__ = ["closest_to_any", "majority_code", "mean_profile"]


def mean_profile(Q: np.ndarray) -> np.ndarray:
    """The unit-norm mean ``(1, n_dims)`` of the unit seed rows ``Q``."""
    mean = Q.astype(np.float64).mean(axis=0, keepdims=True)
    if not np.any(np.abs(mean) > 1e-6):
        raise ValueError(
            "The seeds cancel out: their mean embedding is zero, so it has no "
            "direction. Use profile='max', which scores every track by its "
            "closest seed."
        )
    return normalize_rows(mean, "the mean of the seeds")


def majority_code(codes: np.ndarray) -> int:
    """The genre code most seeds have; among ties, the first seed's."""
    values, first, counts = np.unique(codes, return_index=True, return_counts=True)
    best = np.flatnonzero(counts == counts.max())
    return int(values[best[np.argmin(first[best])]])


def _scores(S: np.ndarray, same: np.ndarray, genre: GenreScore | None) -> np.ndarray:
    """Genre-aware scores of similarities ``S`` (``same``: genre matches)."""
    if genre is None:
        return S
    return np.where(same, genre.score(S, same=True), genre.score(S, same=False))


def closest_to_any(
    Q: np.ndarray,
    E: np.ndarray,
    candidates: np.ndarray,
    genre: GenreScore | None,
):
    """Score ``candidates`` by their best score over the seeds ``Q``.

    Parameters
    ----------
    Q : ndarray of shape (n_seeds, n_dims), dtype float32
        Unit-norm seed embeddings.
    E : ndarray of shape (n_tracks, n_dims), dtype float32
        Unit-norm catalogue embeddings.
    candidates : ndarray of shape (n_candidates,), dtype intp
        Catalogue rows to score: the union of the best tracks of each seed,
        which holds the best tracks of the profile.
    genre : GenreScore or None
        The genre-aware scoring of the seeds (one code per seed), or None
        for cosine similarity.

    Returns
    -------
    rows : ndarray of shape (n_candidates,)
        The candidates, best first (ties by catalogue row).
    scores : ndarray of shape (n_candidates,)
        Their best score over the seeds.
    similarity : ndarray of shape (n_candidates,)
        Their cosine similarity to the seed that gives that score.
    seed : ndarray of shape (n_candidates,)
        Index of that seed in ``Q``.
    matches : ndarray of shape (n_candidates,) or None
        Whether each has the genre of that seed (None without ``genre``).
    """
    S = Q @ E[candidates].T
    same = None
    if genre is not None:
        same = genre.catalogue.codes[candidates][np.newaxis] == genre.queries[:, None]
    scores = _scores(S, same, genre)
    seed = np.argmax(scores, axis=0)  # the first seed of ties
    cols = np.arange(len(candidates))
    best = scores[seed, cols]
    order = np.lexsort((candidates, -best))
    matches = None if same is None else same[seed, cols][order]
    return candidates[order], best[order], S[seed, cols][order], seed[order], matches
