"""Predictions and embeddings over time: one row per chunk of each clip.

The estimators average their outputs over the chunks that cover a clip
(:func:`~._data.average_over_chunks`). :class:`OverTimeMixin` keeps the
chunks apart instead: it runs the network on a regular grid of chunks of
``chunk_size_`` (one every ``hop`` seconds, the last one ending at the end of
the clip) and returns, per clip, the start and end time of every chunk and
the network's output for it (:class:`OverTime`). :func:`over_time_frame`
turns a list of them into one tidy :class:`pandas.DataFrame`.

The chunks go through the network ``batch_size`` at a time, so the memory
used besides the input is one batch and the (small) per-chunk outputs. For
audio files longer than memory allows, see
:func:`sklearn_music.segments.predict_over_time`, which decodes and computes
the front-end in windows too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from numbers import Real

import numpy as np
import torch

from ..utils import release_pages

__all__ = ["OverTime", "OverTimeMixin", "over_time_frame", "over_time_starts"]


@dataclass
class OverTime:
    """The outputs of a network on consecutive chunks of one clip.

    Attributes
    ----------
    start_s : ndarray of shape (n_chunks,)
        Start time of each chunk in seconds (from the start of the clip).
    end_s : ndarray of shape (n_chunks,)
        End time of each chunk in seconds.
    values : ndarray of shape (n_chunks, n_columns)
        The output for each chunk: probabilities, embeddings or predicted
        targets.
    columns : ndarray of shape (n_columns,)
        The name of each column of ``values``: the classes or tags, the
        targets, or ``"emb_0"``, ``"emb_1"``, ... for embeddings.
    """

    start_s: np.ndarray
    end_s: np.ndarray
    values: np.ndarray
    columns: np.ndarray

    def __len__(self) -> int:
        return len(self.start_s)

    def to_frame(self, clip=0):
        """This clip as a tidy table.

        Parameters
        ----------
        clip : object, default=0
            The value of the ``clip`` column (an index or a file name).

        Returns
        -------
        frame : pandas.DataFrame
            Columns ``clip``, ``start_s``, ``end_s`` and one per column of
            ``values``; one row per chunk.
        """
        import pandas as pd

        frame = pd.DataFrame(self.values, columns=[str(c) for c in self.columns])
        frame.insert(0, "end_s", self.end_s)
        frame.insert(0, "start_s", self.start_s)
        frame.insert(0, "clip", [clip] * len(self))
        return frame


def over_time_frame(results, clips=None):
    """Tidy table of the chunk outputs of several clips.

    Parameters
    ----------
    results : list of OverTime
        The output of ``predict_proba_over_time``, ``transform_over_time`` or
        ``predict_over_time``.
    clips : sequence or None, default=None
        The value of the ``clip`` column for each result (e.g. file names);
        ``None`` numbers the clips from 0.

    Returns
    -------
    frame : pandas.DataFrame
        Columns ``clip``, ``start_s``, ``end_s`` and one per class, tag,
        target or embedding dimension; one row per chunk, clip after clip.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_music.estimators import OverTime, over_time_frame
    >>> r = OverTime(np.array([0.0, 3.0]), np.array([3.0, 6.0]),
    ...              np.array([[0.9, 0.1], [0.2, 0.8]]), np.array(["rock", "jazz"]))
    >>> over_time_frame([r], clips=["song.wav"])
           clip  start_s  end_s  rock  jazz
    0  song.wav      0.0    3.0   0.9   0.1
    1  song.wav      3.0    6.0   0.2   0.8
    """
    import pandas as pd

    results = list(results)
    if clips is None:
        clips = range(len(results))
    clips = list(clips)
    if len(clips) != len(results):
        raise ValueError(
            f"clips names {len(clips)} clips, but there are {len(results)} results."
        )
    if not results:
        raise ValueError("over_time_frame needs at least one result.")
    frames = [r.to_frame(c) for r, c in zip(results, clips, strict=True)]
    return pd.concat(frames, ignore_index=True)


def over_time_starts(length: int, chunk: int, hop: int) -> np.ndarray:
    """Start positions of the chunks of a clip on a regular grid.

    Chunks of ``chunk`` steps start every ``hop`` steps; if the last of them
    ends before the clip does, one more chunk ends exactly at the end, so
    every step of the clip is covered. A clip shorter than ``chunk`` is one
    chunk of its own length (start 0).

    Parameters
    ----------
    length : int
        Length of the clip (frames or samples).
    chunk : int
        Chunk length.
    hop : int
        Steps between chunk starts.

    Returns
    -------
    starts : ndarray of int64
    """
    if length <= chunk:
        return np.zeros(1, dtype=np.int64)
    starts = np.arange(0, length - chunk + 1, hop, dtype=np.int64)
    if starts[-1] + chunk < length:
        starts = np.append(starts, length - chunk)
    return starts


def chunk_outputs(clip, starts, length: int, forward, *, batch_size: int, device):
    """``forward`` of the chunks ``clip[..., s:s + length]`` for ``s`` in
    ``starts``, ``batch_size`` chunks at a time; ``(n_chunks, n_out)``."""
    out = []
    with torch.no_grad():
        for first in range(0, len(starts), batch_size):
            part = starts[first : first + batch_size]
            batch = np.stack([clip[..., s : s + length] for s in part])
            release_pages(clip)  # memory-mapped input: drop the read pages
            x = torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32))
            out.append(forward(x.to(device)).float().cpu().numpy())
    return np.concatenate(out).astype(np.float32)


class OverTimeMixin:
    """Outputs per chunk, over time, for the neural estimators.

    Mixed into :class:`~sklearn_music.estimators.MusicNet`: every neural
    estimator gets :meth:`predict_proba_over_time` (classifiers and taggers),
    :meth:`predict_over_time` (regressors) and :meth:`transform_over_time`.
    """

    def _frame_rate(self, frame_rate):
        """Steps of the input's time axis per second."""
        if frame_rate is None:
            # the estimator's own frame_rate (spectrograms), else its sr
            frame_rate = getattr(self, "frame_rate", None) or getattr(self, "sr", None)
        if frame_rate is None:
            raise ValueError(
                f"{type(self).__name__} reads spectrograms, whose frame rate it "
                "does not know: pass frame_rate=sr / hop_length of the front-end "
                "(e.g. 22050 / 512), or call "
                "sklearn_music.segments.predict_over_time on the whole pipeline."
            )
        if not isinstance(frame_rate, Real) or not frame_rate > 0:
            raise ValueError(
                f"frame_rate must be a positive number; got {frame_rate!r}."
            )
        return float(frame_rate)

    def _hop_steps(self, hop, rate: float) -> int:
        """``hop`` seconds in input steps (``chunk_size_`` for None)."""
        if hop is None:
            return int(self.chunk_size_)
        if not isinstance(hop, Real) or isinstance(hop, bool) or not hop > 0:
            raise ValueError(f"hop must be a positive number of seconds; got {hop!r}.")
        return max(1, round(hop * rate))

    def _over_time_forward(self, kind: str):
        """The batch function of ``kind`` ("proba", "embed" or "predict")."""
        self.check_is_fitted()
        if kind == "embed":
            module = self._unwrapped_module()
            if not callable(getattr(module, "embed", None)):
                raise TypeError(
                    f"transform_over_time returns the module's embedding, but "
                    f"{type(module).__name__} has no embed method."
                )
        self.module_.eval()
        return partial(self._forward_chunks, embed=kind == "embed")

    def _over_time_columns(self, kind: str, n_columns: int) -> np.ndarray:
        if kind == "embed":
            return np.array([f"emb_{j}" for j in range(n_columns)])
        return np.asarray(self._output_names())

    def _output_names(self):
        """Names of the output columns: the classes (see regressors)."""
        return self.classes_

    def _clip_over_time(
        self, clip, offset: int, starts, forward, rate: float, length=None
    ):
        """One clip's chunks at ``starts`` (relative to ``clip``; reported
        ``offset`` steps later) as ``(start_s, end_s, values)``; no chunk
        ends after ``length`` steps (the clip before any padding)."""
        chunk = min(int(self.chunk_size_), clip.shape[-1])
        values = chunk_outputs(
            clip,
            starts,
            chunk,
            forward,
            batch_size=self.batch_size,
            device=self._compute_device(),
        )
        begin = np.asarray(starts) + offset
        end = begin + chunk
        if length is not None:
            end = np.minimum(end, offset + length)
        return begin / rate, end / rate, values

    def _over_time(self, X, kind: str, hop, frame_rate, as_frame: bool):
        rate = self._frame_rate(frame_rate)
        hop_steps = self._hop_steps(hop, rate)
        forward = self._over_time_forward(kind)
        clips, lengths = self._check_X(X, reset=False)
        original = lengths
        if hasattr(self, "_short_clips"):  # the estimator's policy for short clips
            clips, lengths, _ = self._short_clips(X, clips, lengths, fitting=False)
        else:
            self._check_min_length(lengths)
        results = []
        for clip, length, n in zip(clips, lengths, original, strict=True):
            starts = over_time_starts(int(length), int(self.chunk_size_), hop_steps)
            begin, end, values = self._clip_over_time(
                clip, 0, starts, forward, rate, length=int(n)
            )
            columns = self._over_time_columns(kind, values.shape[1])
            results.append(OverTime(begin, end, values, columns))
        return over_time_frame(results) if as_frame else results

    def _check_min_length(self, lengths):
        minimum = self._min_input_length()
        too_short = np.flatnonzero(np.asarray(lengths) < minimum)
        if too_short.size:
            i, unit = int(too_short[0]), self._unit
            raise ValueError(
                f"Clip {i} of X has {int(lengths[i])} {unit}, fewer than the "
                f"{minimum} {unit} {type(self.module_).__name__} needs."
            )

    def predict_proba_over_time(self, X, *, hop=None, frame_rate=None, as_frame=False):
        """Class (or tag) probabilities of consecutive chunks of each clip.

        Parameters
        ----------
        X : array-like
            Spectrograms (or waveforms), as in ``fit``.
        hop : float or None, default=None
            Seconds between chunk starts; ``None`` is one chunk length
            (``chunk_size_``, chunks side by side). The last chunk of a clip
            ends at its end (see :func:`over_time_starts`).
        frame_rate : float or None, default=None
            Input steps per second: ``sr / hop_length`` of the front-end for
            spectrograms (required), the sampling rate for waveforms
            (default ``sr``).
        as_frame : bool, default=False
            Return one tidy :class:`pandas.DataFrame` (see
            :func:`over_time_frame`) instead of a list.

        Returns
        -------
        results : list of OverTime or pandas.DataFrame
            Per clip, the chunks' start and end seconds and their
            probabilities (columns follow ``classes_``).
        """
        if not hasattr(self, "classes_"):
            self.check_is_fitted()
            raise AttributeError(
                f"{type(self).__name__} predicts values, not probabilities; use "
                "predict_over_time."
            )
        return self._over_time(X, "proba", hop, frame_rate, as_frame)

    def transform_over_time(self, X, *, hop=None, frame_rate=None, as_frame=False):
        """Penultimate-layer embeddings of consecutive chunks of each clip.

        Parameters are those of :meth:`predict_proba_over_time`.

        Returns
        -------
        results : list of OverTime or pandas.DataFrame
            Per clip, the chunks' start and end seconds and their embeddings
            (columns ``emb_0``, ``emb_1``, ...).
        """
        return self._over_time(X, "embed", hop, frame_rate, as_frame)
