"""Music thumbnails: the most representative segment of each track.

Two kinds of strategy:

* **repetition** (no model): the segment that repeats most. Chroma (harmony)
  and log-mel (timbre) features are pooled to ``resolution`` seconds and
  compared all against all (a self-similarity matrix, SSM). A segment of
  ``duration`` seconds starting at frame ``i`` and one starting at ``j`` are
  as similar as the mean of the SSM along the diagonal from ``(i, j)``; the
  thumbnail is the segment with the largest total similarity to every
  non-overlapping segment (the *fitness* idea of Mueller, Jiang and Grosche,
  2013, without their path search). A chorus, which comes back several
  times, wins over a verse heard twice or an intro heard once.
* **model-based**, from the chunks of a fitted network over time
  (:func:`~sklearn_music.segments.predict_over_time`): ``"embedding"`` picks
  the segment whose mean embedding is closest (cosine) to the track's mean
  embedding, the most typical part of the track for that model;
  ``"confidence"`` the segment where the model's predictions are the most
  certain (the mean over its chunks of the top class probability, or for
  a tagger of ``|2p - 1|`` averaged over the tags).
"""

from __future__ import annotations

import os
from numbers import Real

import numpy as np

from .._io import check_audio_input, load_audio
from ..utils import is_path
from ._stream import predict_over_time

__all__ = ["STRATEGIES", "self_similarity", "thumbnail"]

#: The strategies of :func:`thumbnail`.
STRATEGIES = ("repetition", "embedding", "confidence")


def _pool(features: np.ndarray, size: int) -> np.ndarray:
    """Mean of consecutive blocks of ``size`` frames (the last may be short)."""
    n = features.shape[1]
    edges = np.arange(0, n, size)
    return np.add.reduceat(features, edges, axis=1) / np.diff(np.append(edges, n))


def _normalise(features: np.ndarray) -> np.ndarray:
    """Each dimension standardised over time, each frame to unit length."""
    f = features - features.mean(axis=1, keepdims=True)
    f /= f.std(axis=1, keepdims=True) + 1e-8
    return f / (np.linalg.norm(f, axis=0, keepdims=True) + 1e-8)


def self_similarity(y, sr: int, *, resolution: float = 0.5, n_mels: int = 32):
    """Self-similarity matrix of a track from chroma and log-mel features.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Mono waveform.
    sr : int
        Its sampling rate.
    resolution : float, default=0.5
        Seconds per row and column (features are averaged over blocks of
        about this length).
    n_mels : int, default=32
        Mel bands of the timbre features.

    Returns
    -------
    ssm : ndarray of shape (n_frames, n_frames)
        Cosine similarity of every pair of frames, in [-1, 1]: the mean of
        the chroma and the mel similarities.
    frame_s : float
        Seconds per frame.
    """
    import librosa

    hop = 512
    chroma = librosa.feature.chroma_stft(y=y, sr=sr, hop_length=hop)
    mel = librosa.power_to_db(
        librosa.feature.melspectrogram(y=y, sr=sr, hop_length=hop, n_mels=n_mels)
    )
    size = max(1, round(resolution * sr / hop))
    parts = [_normalise(_pool(f, size)) for f in (chroma, mel)]
    ssm = sum(p.T @ p for p in parts) / len(parts)
    return ssm, size * hop / sr


def _diagonal_means(ssm: np.ndarray, length: int) -> np.ndarray:
    """``D[i, j]``: mean of ``ssm[i + k, j + k]`` for ``k < length``."""
    n = ssm.shape[0]
    cum = np.zeros((n + 1, n + 1))
    for i in range(n):
        cum[i + 1, 1:] = cum[i, :-1] + ssm[i]
    m = n - length + 1
    return (cum[length : length + m, length : length + m] - cum[:m, :m]) / length


def repetition_scores(ssm: np.ndarray, length: int) -> np.ndarray:
    """How much the segment of ``length`` frames starting at each frame
    repeats: its total (positive) similarity to every segment that does not
    overlap it, each similarity measured along a diagonal of ``ssm``."""
    d = _diagonal_means(ssm, length)
    m = d.shape[0]
    idx = np.arange(m)
    far = np.abs(idx[:, None] - idx[None, :]) >= length
    return (np.clip(d, 0, None) * far).sum(axis=1)


def _window_scores(starts, ends, per_chunk, duration):
    """For each chunk ``a``: the mean of ``per_chunk`` over the chunks that
    fit in ``[starts[a], starts[a] + duration]``."""
    scores = np.full(len(starts), -np.inf)
    for a, begin in enumerate(starts):
        inside = (starts >= begin) & (ends <= begin + duration + 1e-9)
        if inside.any():
            scores[a] = per_chunk[inside].mean(axis=0).sum()
    return scores


def _model_thumbnail(result, strategy: str, duration: float, multilabel: bool):
    """``(start_s, score)`` of the best segment of one track's chunks."""
    values = result.values.astype(np.float64)
    if strategy == "embedding":
        mean = values.mean(axis=0)
        unit = values / (np.linalg.norm(values, axis=1, keepdims=True) + 1e-12)
        target = mean / (np.linalg.norm(mean) + 1e-12)
        # the mean of unit chunk vectors, compared with the track's direction
        per_chunk = unit * target
    elif multilabel:
        per_chunk = np.abs(2 * values - 1).mean(axis=1, keepdims=True)
    else:
        per_chunk = values.max(axis=1, keepdims=True)
    scores = _window_scores(result.start_s, result.end_s, per_chunk, duration)
    best = int(np.argmax(scores))
    return float(result.start_s[best]), float(scores[best])


def _track_length_s(item, sr: int) -> float:
    if is_path(item):
        import soundfile as sf

        info = sf.info(os.fspath(item))
        return info.frames / info.samplerate
    return np.shape(item)[-1] / sr


def _segment_audio(item, sr: int, start: float, stop: float) -> np.ndarray:
    if is_path(item):
        return load_audio(item, sr=sr, offset=start, duration=stop - start)
    return np.asarray(item[round(start * sr) : round(stop * sr)], dtype=np.float32)


def thumbnail(
    X,
    *,
    strategy="repetition",
    duration=30.0,
    model=None,
    sr=22050,
    resolution=0.5,
    hop=None,
    return_audio=False,
):
    """The most representative segment of each track.

    Parameters
    ----------
    X : audio
        File paths, a 2-D waveform array or a list of 1-D waveforms (see
        :ref:`input_formats`).
    strategy : {"repetition", "embedding", "confidence"}, default="repetition"
        ``"repetition"``: the segment that repeats most in the track, from a
        self-similarity matrix of chroma and mel features (no model).
        ``"embedding"``: the segment whose mean embedding is closest to the
        track's mean embedding. ``"confidence"``: the segment where the
        model's predictions are the most certain. See the module docs.
    duration : float, default=30.0
        Length of the thumbnail in seconds (the whole track if shorter).
    model : Pipeline or MusicNet or None, default=None
        A fitted neural model (as for
        :func:`~sklearn_music.segments.predict_over_time`), for the
        model-based strategies; a classifier or tagger for
        ``"confidence"``.
    sr : int, default=22050
        Sampling rate of array input and of the repetition features; with a
        model, its own rate is used.
    resolution : float, default=0.5
        Seconds per step of the self-similarity matrix (``"repetition"``).
    hop : float or None, default=None
        Seconds between model chunks (model-based strategies); ``None`` is
        half a chunk.
    return_audio : bool, default=False
        Add a column ``audio`` with each thumbnail's waveform (at ``sr``, or
        the model's rate).

    Returns
    -------
    thumbnails : pandas.DataFrame
        One row per track: ``clip`` (the path or the index), ``start_s``,
        ``end_s``, ``score`` (the strategy's score of the chosen segment),
        and ``audio`` with ``return_audio``.

    Examples
    --------
    Three 4-second verses, each a different tone, and a chord as the
    chorus after each of them:

    >>> import numpy as np
    >>> from sklearn_music.segments import thumbnail
    >>> sr = 8192
    >>> t = np.arange(4 * sr) / sr
    >>> def tone(*freqs):
    ...     return sum(np.sin(2 * np.pi * f * t) for f in freqs) / len(freqs)
    >>> chorus = tone(440, 554, 659)
    >>> song = np.concatenate([tone(300), chorus, tone(500), chorus, tone(700), chorus])
    >>> thumb = thumbnail([song], duration=4.0, sr=sr)
    >>> list(thumb.columns)
    ['clip', 'start_s', 'end_s', 'score']
    >>> float(thumb.start_s[0]) in (4.0, 12.0, 20.0)  # one of the choruses
    True
    """
    import pandas as pd

    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}; got {strategy!r}.")
    if not isinstance(duration, Real) or isinstance(duration, bool) or duration <= 0:
        raise ValueError(
            f"duration must be a positive number of seconds; got {duration!r}."
        )
    if strategy == "repetition":
        if model is not None:
            raise ValueError("strategy='repetition' uses no model; leave model=None.")
        return _thumbnails_by_repetition(X, duration, sr, resolution, return_audio)
    if model is None:
        raise ValueError(
            f"strategy={strategy!r} needs a fitted model (a pipeline ending in a "
            "neural estimator); strategy='repetition' needs none."
        )
    kind = "embedding" if strategy == "embedding" else "proba"
    from ._stream import _Geometry, _split_model

    front, net = _split_model(model)
    rate_sr = _Geometry(front, net).sr
    if hop is None:
        hop = net.chunk_size_ / _Geometry(front, net).rate / 2
    results = predict_over_time(model, X, kind=kind, hop=hop)
    source = check_audio_input(X, sr=rate_sr)
    multilabel = bool(getattr(net, "multilabel_", False))
    rows = []
    for i, result in enumerate(results):
        item = source.items[i]
        length = _track_length_s(item, rate_sr)
        start, score = _model_thumbnail(result, strategy, duration, multilabel)
        start = max(0.0, min(start, length - duration))
        rows.append(_row(item, i, start, min(length, start + duration), score))
        if return_audio:
            rows[-1]["audio"] = _segment_audio(item, rate_sr, start, rows[-1]["end_s"])
    return pd.DataFrame(rows)


def _row(item, i, start, end, score) -> dict:
    clip = os.fspath(item) if is_path(item) else i
    return {"clip": clip, "start_s": start, "end_s": end, "score": score}


def _thumbnails_by_repetition(X, duration, sr, resolution, return_audio):
    import pandas as pd

    source = check_audio_input(X, sr=sr)
    rows = []
    for i in range(len(source)):
        y = source[i]
        length = y.size / sr
        ssm, frame_s = self_similarity(y, sr, resolution=resolution)
        frames = max(1, round(duration / frame_s))
        if frames >= ssm.shape[0]:
            start, score = 0.0, 0.0
        else:
            scores = repetition_scores(ssm, frames)
            # the first of equally repeated segments (a chorus's first time)
            best = int(
                np.flatnonzero(scores >= scores.max() - 1e-3 * abs(scores.max()))[0]
            )
            start, score = best * frame_s, float(scores[best])
        start = max(0.0, min(start, length - duration))
        row = _row(source.items[i], i, start, min(length, start + duration), score)
        if return_audio:
            row["audio"] = y[round(start * sr) : round(row["end_s"] * sr)]
        rows.append(row)
    return pd.DataFrame(rows)
