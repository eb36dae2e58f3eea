"""Content-based recommendation: the catalogue tracks closest to a query.

:class:`CosineRecommender` stores a catalogue of track embeddings and finds,
for a query track (or a listening profile of several seed tracks), the
catalogue tracks with the most similar embedding (cosine similarity),
optionally favouring tracks of the query's genre, re-ranked for diversity
and without the tracks already heard. It is shaped like
:class:`sklearn.neighbors.NearestNeighbors`. :func:`compare_methods`
compares two of its rankings on labelled queries with a paired significance
test.
"""

from ._cosine import CosineRecommender
from ._evaluate import MethodComparison, compare_methods

__all__ = ["CosineRecommender", "MethodComparison", "compare_methods"]
