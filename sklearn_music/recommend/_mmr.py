"""Diversity re-ranking by maximal marginal relevance (MMR).

Carbonell and Goldstein's MMR builds a list one item at a time, each time
taking the candidate that is relevant to the query *and* unlike the items
already taken:

.. math::

    \\arg\\max_{c \\notin S} \\; (1 - \\lambda)\\,\\mathrm{rel}(c)
    - \\lambda \\max_{s \\in S} \\cos(c, s)

where ``S`` holds the items taken so far and ``lambda`` is the
``diversity`` of :meth:`CosineRecommender.recommend`.

References
----------
.. [1] J. Carbonell and J. Goldstein, "The use of MMR, diversity-based
   reranking for reordering documents and producing summaries", Proc. ACM
   SIGIR, pp. 335-336, 1998.
"""

from __future__ import annotations

import numpy as np

__all__ = ["candidate_pool", "mmr_select"]

# Candidates MMR chooses from: the best max(_POOL_MIN, _POOL_FACTOR * n)
# tracks by relevance.
_POOL_MIN = 100
_POOL_FACTOR = 10


def candidate_pool(n: int, diversity: float) -> int:
    """How many of the most relevant tracks the re-ranking of ``n`` sees."""
    return n if diversity == 0 else max(_POOL_MIN, _POOL_FACTOR * n)


def mmr_select(
    relevance: np.ndarray, embeddings: np.ndarray, n: int, diversity: float
) -> np.ndarray:
    """Positions of ``n`` candidates chosen by maximal marginal relevance.

    Parameters
    ----------
    relevance : ndarray of shape (n_candidates,)
        Score of each candidate for the query, sorted best first.
    embeddings : ndarray of shape (n_candidates, n_dims)
        Unit-norm embeddings of the candidates, so that inner products are
        cosine similarities.
    n : int
        Number of candidates to choose (all of them if there are fewer).
    diversity : float
        ``lambda`` in [0, 1]. 0 keeps the order of ``relevance`` exactly
        (the first ``n`` positions); 1 ignores relevance after the first
        pick and takes each time the candidate least similar to those
        already taken.

    Returns
    -------
    positions : ndarray of shape (min(n, n_candidates),), dtype intp
        Indices into the candidates, in the order taken. The first is
        always the most relevant candidate; ties go to the candidate ranked
        first.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.recommend._mmr import mmr_select
    >>> E = np.array([[1, 0], [1, 0], [0, 1]], dtype=np.float32)
    >>> relevance = np.array([0.9, 0.8, 0.5])
    >>> mmr_select(relevance, E, 2, diversity=0.0)
    array([0, 1])
    >>> mmr_select(relevance, E, 2, diversity=0.5)  # skips the duplicate
    array([0, 2])
    """
    m = len(relevance)
    n = min(n, m)
    if diversity == 0 or n <= 1:
        return np.arange(n)
    relevance = np.asarray(relevance, dtype=np.float64)
    embeddings = np.asarray(embeddings, dtype=np.float64)
    taken = np.zeros(m, dtype=bool)
    taken[0] = True
    positions = [0]
    closest = embeddings @ embeddings[0]  # similarity to the nearest taken
    for _ in range(n - 1):
        gain = (1 - diversity) * relevance - diversity * closest
        gain[taken] = -np.inf
        j = int(np.argmax(gain))  # the first of ties: the better ranked
        positions.append(j)
        taken[j] = True
        np.maximum(closest, embeddings @ embeddings[j], out=closest)
    return np.asarray(positions, dtype=np.intp)
