"""Music over time: outputs per segment of a recording, and thumbnails.

- :func:`predict_over_time`: probabilities, embeddings or regression
  outputs of a fitted model on consecutive chunks of audio of any length,
  decoded and transformed in windows (bounded memory).
"""

from ._stream import predict_over_time

__all__ = ["predict_over_time"]
