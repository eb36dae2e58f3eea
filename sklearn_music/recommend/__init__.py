"""Content-based recommendation: the catalogue tracks closest to a query.

:class:`CosineRecommender` stores a catalogue of track embeddings and finds,
for a query track, the catalogue tracks with the most similar embedding
(cosine similarity), optionally favouring tracks of the query's genre. It is
shaped like :class:`sklearn.neighbors.NearestNeighbors`.
"""

from ._cosine import CosineRecommender

__all__ = ["CosineRecommender"]
