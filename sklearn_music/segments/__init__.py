"""Music over time: outputs per segment of a recording, and thumbnails.

- :func:`predict_over_time`: probabilities, embeddings or regression
  outputs of a fitted model on consecutive chunks of audio of any length,
  decoded and transformed in windows (bounded memory).
- :func:`thumbnail`: the most representative segment of each track, by
  repetition (a self-similarity matrix, no model) or from a model's
  embeddings or confidence over time.
- :func:`make_song`: a generated song whose chorus comes back three times,
  with its sections' times (to evaluate thumbnails).
- :func:`make_tempo_music`: generated clips with a known tempo (a
  regression target).
- :func:`self_similarity`: the chroma and mel self-similarity matrix the
  repetition strategy reads.
"""

from ._songs import make_song, make_tempo_music
from ._stream import predict_over_time
from ._thumbnail import STRATEGIES, self_similarity, thumbnail

__all__ = [
    "STRATEGIES",
    "make_song",
    "make_tempo_music",
    "predict_over_time",
    "self_similarity",
    "thumbnail",
]
