"""Predictions over time of a whole model on audio of any length, streamed.

:func:`predict_over_time` takes a fitted model (a pipeline whose last step
is a neural estimator, or a waveform estimator alone) and audio (files or
arrays) and returns per clip the outputs of consecutive chunks with their
times (:class:`~sklearn_music.estimators.OverTime`). A file is decoded, and
its spectrogram computed, one window of about ``window`` seconds at a time,
so an hour-long recording takes the memory of one window, not of the file.
"""

from __future__ import annotations

import copy
import math
import os
from numbers import Real

import numpy as np

from .._io import check_audio_input, load_audio
from ..estimators._over_time import OverTime, over_time_frame, over_time_starts
from ..utils import is_path

__all__ = ["predict_over_time"]

_KINDS = ("auto", "proba", "embedding", "predict")


def _split_model(model):
    """``(front_end or None, network)`` of a fitted model."""
    from sklearn.pipeline import Pipeline

    from ..estimators._base import MusicNet

    if isinstance(model, Pipeline):
        net = model[-1]
        front = model[:-1] if len(model) > 1 else None
    else:
        net, front = model, None
    if not isinstance(net, MusicNet):
        raise ValueError(
            "predict_over_time needs a neural estimator of sklearn_music (or a "
            f"pipeline ending in one); got {type(net).__name__}."
        )
    net.check_is_fitted()
    waveform = hasattr(net, "sr")
    if front is None and not waveform:
        raise ValueError(
            f"{type(net).__name__} reads spectrograms: pass the whole fitted "
            "pipeline (front-end and network), so that audio can be turned into "
            "spectrograms window by window."
        )
    if front is not None and waveform:
        raise ValueError(
            f"{type(net).__name__} reads waveforms; pass it without the steps "
            "before it."
        )
    return front, net


class _Geometry:
    """Sampling rate, samples per step of the network's input, and the
    audio context each side of a window that a step needs."""

    def __init__(self, front, net):
        if front is None:
            self.sr, self.hop, self.context = int(net.sr), 1, 0
            self.front = None
            return
        first = front[0]
        if not hasattr(first, "resolved_params"):
            raise ValueError(
                "predict_over_time streams spectrogram front-ends; the first step "
                f"of the pipeline is {type(first).__name__}."
            )
        params = first.resolved_params()
        self.sr, self.hop = int(params["sr"]), int(params["hop_length"])
        # the longest window a frame reads: the FFT, or about a second (CQT)
        self.context = int(params.get("n_fft", self.sr)) // 2
        self.front = copy.deepcopy(front)
        if "duration" in first.get_params():
            # the whole recording, not the first `duration` seconds
            self.front[0].set_params(duration=None)

    @property
    def rate(self) -> float:
        return self.sr / self.hop

    def n_steps(self, n_samples: int) -> int:
        """Steps of the network input for ``n_samples`` of audio."""
        return n_samples if self.front is None else 1 + n_samples // self.hop


class _Reader:
    """One item of the input, read by sample ranges at ``sr``."""

    def __init__(self, item, sr: int, name: str):
        self.item, self.sr, self.name = item, sr, name
        if is_path(item):
            import soundfile as sf

            try:
                info = sf.info(os.fspath(item))
            except Exception as exc:
                raise OSError(f"Could not read {name}: {exc}") from exc
            self.n_samples = round(info.frames * sr / info.samplerate)
        else:
            self.n_samples = int(np.shape(item)[-1])

    def read(self, start: int, stop: int) -> np.ndarray:
        if not is_path(self.item):
            return np.asarray(self.item[start:stop], dtype=np.float32)
        return load_audio(
            self.item,
            sr=self.sr,
            offset=start / self.sr,
            duration=(stop - start) / self.sr,
        )


def _network_input(geometry, net, audio: np.ndarray) -> np.ndarray:
    """What the network reads for a window of audio."""
    if geometry.front is None:
        return audio
    clips, _ = net._check_X(geometry.front.transform([audio]), reset=False)
    return clips[0]


def _item_over_time(reader, geometry, net, forward, *, kind, hop, window):
    chunk = int(net.chunk_size_)
    total = geometry.n_steps(reader.n_samples)
    starts = over_time_starts(total, chunk, hop)
    per_window = max(1, math.ceil(window * geometry.rate / hop))
    context_steps = math.ceil(geometry.context / geometry.hop)
    pieces = []
    for first in range(0, len(starts), per_window):
        group = starts[first : first + per_window]
        begin = max(0, int(group[0]) - context_steps) * geometry.hop
        stop = (int(group[-1]) + chunk) * geometry.hop + geometry.context
        stop = min(reader.n_samples, stop)
        clip = _network_input(geometry, net, reader.read(begin, stop))
        offset = begin // geometry.hop
        if clip.shape[-1] < net._min_input_length():
            raise ValueError(
                f"{reader.name} is too short for {type(net).__name__}: "
                f"{clip.shape[-1]} {net._unit}, fewer than the "
                f"{net._min_input_length()} it needs."
            )
        # the step count from the file header may overshoot by a step or two
        local = np.minimum(group - offset, max(0, clip.shape[-1] - chunk))
        pieces.append(net._clip_over_time(clip, offset, local, forward, geometry.rate))
    values = np.concatenate([p[2] for p in pieces])
    columns = net._over_time_columns(kind, values.shape[1])
    return OverTime(
        np.concatenate([p[0] for p in pieces]),
        np.concatenate([p[1] for p in pieces]),
        values,
        columns,
    )


def predict_over_time(
    model, X, *, kind="auto", hop=None, window=60.0, as_frame=False, verbose=0
):
    """Outputs of a model on consecutive chunks of audio of any length.

    Each item of ``X`` is read, and turned into the network's input (a
    spectrogram, or the waveform itself), in windows of about ``window``
    seconds; the network runs on a regular grid of chunks of its
    ``chunk_size_``, one every ``hop`` seconds. Memory use is that of one
    window, whatever the length of the recording.

    Parameters
    ----------
    model : Pipeline or MusicNet
        A fitted pipeline whose first step is a spectrogram front-end and
        whose last step is a neural estimator, or a fitted waveform estimator
        (e.g. :class:`~sklearn_music.estimators.SampleCNNClassifier`).
    X : audio
        File paths, a 2-D waveform array or a list of 1-D waveforms (see
        :ref:`input_formats`); files are resampled to the model's rate.
    kind : {"auto", "proba", "embedding", "predict"}, default="auto"
        What each chunk gives: class or tag probabilities, the
        penultimate-layer embedding, or the predicted targets of a regressor.
        ``"auto"`` is ``"proba"`` for classifiers and taggers and
        ``"predict"`` for regressors.
    hop : float or None, default=None
        Seconds between chunk starts; ``None`` is one chunk length.
    window : float, default=60.0
        About how many seconds of audio are decoded and transformed at once.
    as_frame : bool, default=False
        Return one tidy :class:`pandas.DataFrame` (columns ``clip``,
        ``start_s``, ``end_s`` and one per output) instead of a list.
    verbose : int, default=0
        Show a progress bar over the items.

    Returns
    -------
    results : list of OverTime or pandas.DataFrame
        Per item, the chunks' start and end seconds and their outputs.

    Notes
    -----
    Each window is decoded with the audio a frame at its edges needs
    (half an FFT each side), so the frames equal those of the whole file
    except where the front-end normalises per clip (``top_db`` or
    ``ref="max"``), which then applies per window, and where a file is
    resampled, whose filter restarts at every window.
    """
    from tqdm.auto import tqdm

    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}; got {kind!r}.")
    if not isinstance(window, Real) or isinstance(window, bool) or not window > 0:
        raise ValueError(
            f"window must be a positive number of seconds; got {window!r}."
        )
    front, net = _split_model(model)
    if kind == "auto":
        kind = "proba" if hasattr(net, "classes_") else "predict"
    if kind == "proba" and not hasattr(net, "classes_"):
        raise ValueError(
            f"{type(net).__name__} has no probabilities; use kind='predict'."
        )
    if kind == "predict" and hasattr(net, "classes_"):
        raise ValueError(
            f"kind='predict' is for regressors; {type(net).__name__} gives "
            "kind='proba'."
        )
    geometry = _Geometry(front, net)
    hop_steps = net._hop_steps(hop, geometry.rate)
    forward = net._over_time_forward("embed" if kind == "embedding" else kind)
    kind = "embed" if kind == "embedding" else kind
    reads_audio = net if front is None else front[0]
    source = check_audio_input(
        X, sr=geometry.sr, pcm_scale=getattr(reads_audio, "pcm_scale", None)
    )
    results = []
    for i in tqdm(range(len(source)), disable=not verbose, leave=False, unit="clip"):
        item = source.items[i]
        reader = _Reader(item, geometry.sr, source.describe(i))
        results.append(
            _item_over_time(
                reader, geometry, net, forward, kind=kind, hop=hop_steps, window=window
            )
        )
    if as_frame:
        names = [os.fspath(x) if is_path(x) else i for i, x in enumerate(source.items)]
        return over_time_frame(results, names)
    return results
