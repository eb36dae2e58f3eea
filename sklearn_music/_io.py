"""Audio input layer shared by every transformer and estimator.

Every component that consumes audio accepts the same three kinds of ``X``:

1. a 2-D float array ``(n_clips, n_samples)`` of mono waveforms at the
   component's ``sr``;
2. a sequence of 1-D float arrays of different lengths (ragged clips);
3. a sequence of audio file paths (``list``, ``ndarray`` of ``str``,
   :class:`pandas.Series` or a one-column :class:`pandas.DataFrame`); files are
   decoded lazily, downmixed to mono and resampled to ``sr`` with soxr.

:func:`check_audio_input` validates the container eagerly (shape, missing
files) and returns an :class:`AudioSource`, which decodes and validates each
item only when it is asked for. Every error names the offending item (clip
index or file path) and what was expected.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from numbers import Integral, Real

import numpy as np

from ._decode import MAX_DURATION, load_audio, load_audio_hashed
from ._errors import (
    AudioDecodeError,
    AudioFileNotFoundError,
    AudioInputError,
    AudioTypeError,
)
from ._filecheck import (
    Problems,
    check_on_problem,
    file_problem,
    handle_problems,
)
from .utils import format_items, is_path

__all__ = [
    "AudioDecodeError",
    "AudioFileNotFoundError",
    "AudioInputError",
    "AudioSource",
    "AudioTypeError",
    "check_audio_files",
    "check_audio_input",
    "load_audio",
]

#: File extensions we expect soundfile/libsndfile to decode.
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".opus", ".mp3", ".aiff", ".aif")


def _describe(item, index: int) -> str:
    if is_path(item):
        return f"file {os.fspath(item)!r} (item {index})"
    return f"clip {index}"


def _pcm_divisor(dtype: np.dtype, pcm_scale, where: str) -> tuple[float, float]:
    """Return ``(offset, divisor)`` mapping integer PCM of ``dtype`` to floats."""
    if pcm_scale is None:
        raise AudioInputError(
            f"{where} holds integer samples ({dtype}) but no scale was stated. "
            "Convert to float in [-1, 1] yourself (e.g. x / 32768 for 16-bit PCM) "
            "or set pcm_scale='dtype' (full scale of the integer type) or a number."
        )
    if isinstance(pcm_scale, str):  # "dtype"
        info = np.iinfo(dtype)
        if info.min == 0:  # unsigned PCM is offset binary
            half = (int(info.max) + 1) / 2
            return half, half
        return 0.0, float(-int(info.min))
    return 0.0, float(pcm_scale)


def _validate_clip(y, where: str, pcm_scale) -> np.ndarray:
    """Check one waveform and return it as contiguous float32."""
    y = np.asarray(y)
    if y.dtype == object:
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise AudioTypeError(
                f"{where} is not numeric audio: an object array whose elements "
                f"cannot be converted to float ({exc})."
            ) from exc
    if y.ndim != 1:
        raise AudioInputError(
            f"{where} has shape {y.shape}; expected a 1-D mono waveform "
            "(n_samples,). Downmix multi-channel audio first, e.g. y.mean(axis=0)."
        )
    if y.size == 0:
        raise AudioInputError(f"{where} is empty (0 samples).")
    kind = y.dtype.kind
    if kind in "iu":
        offset, divisor = _pcm_divisor(y.dtype, pcm_scale, where)
        y = (y.astype(np.float64) - offset) / divisor
    elif kind == "b":
        raise AudioInputError(f"{where} has boolean samples; expected float audio.")
    elif kind == "c":
        raise AudioInputError(
            f"Complex data not supported: {where} has complex samples; expected "
            "real audio."
        )
    elif kind != "f":
        raise AudioInputError(f"{where} has dtype {y.dtype}; expected float audio.")
    finite = np.isfinite(y)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        raise AudioInputError(
            f"{where} contains NaN or infinite samples (first at sample {bad})."
        )
    y = np.ascontiguousarray(y, dtype=np.float32)
    if not y.any():
        raise AudioInputError(
            f"{where} is silent (all {y.size} samples are zero); a silent clip "
            "usually means a failed decode or an empty track. Remove it or "
            "replace it with real audio."
        )
    return y


class AudioSource(Sequence):
    """A validated, lazily decoded sequence of mono float32 waveforms.

    Use :func:`check_audio_input` to build one. Indexing decodes (for paths)
    and validates a single item; :meth:`iter_batches` walks the items in order
    in fixed-size batches, decoding each batch in parallel.

    Parameters
    ----------
    items : list
        1-D arrays and/or file paths.
    sr : int
        Sampling rate that arrays are assumed to have and files are resampled to.
    duration : float or None
        Files are read for at most this many seconds (bounded memory); arrays
        are returned whole, cropping is left to the caller.
    pcm_scale : None, "dtype" or float
        How integer samples map to floats; ``None`` rejects integer input.
    positions : list of int or None
        Position of each item in the user's original ``X`` (for error
        messages of a :meth:`subset`); ``None`` means ``0 .. len(items) - 1``.
    max_duration : float or None, default=3600.0
        Seconds of audio one file may decode to (see :func:`load_audio`).

    Attributes
    ----------
    digests : dict or None
        None, or (set by the spectrogram cache) a dict that decoding fills
        with the content digest of every file it decodes, by position: the
        digest of the very bytes decoded (see
        :func:`~sklearn_music._decode.load_audio_hashed`). A :meth:`subset`
        shares it.
    """

    def __init__(
        self,
        items,
        *,
        sr,
        duration=None,
        pcm_scale=None,
        positions=None,
        max_duration=MAX_DURATION,
    ):
        self.items = items
        self.sr = sr
        self.duration = duration
        self.pcm_scale = pcm_scale
        self.positions = positions
        self.max_duration = max_duration
        self.digests = None

    def __len__(self) -> int:
        return len(self.items)

    def describe(self, index: int) -> str:
        """Human-readable name of item ``index`` for error messages."""
        position = index if self.positions is None else self.positions[index]
        return _describe(self.items[index], position)

    def subset(self, indices) -> AudioSource:
        """The items at ``indices`` as a new source, e.g. to ship to a worker.

        Error messages keep naming each item by its position in the original
        input.
        """
        indices = list(indices)
        positions = (
            indices if self.positions is None else [self.positions[i] for i in indices]
        )
        sub = AudioSource(
            [self.items[i] for i in indices],
            sr=self.sr,
            duration=self.duration,
            pcm_scale=self.pcm_scale,
            positions=positions,
            max_duration=self.max_duration,
        )
        sub.digests = self.digests
        return sub

    def __getitem__(self, index: int) -> np.ndarray:
        item = self.items[index]
        if not is_path(item):
            return item  # validated by check_audio_input
        span = {"sr": self.sr, "duration": self.duration}
        if self.digests is None:
            y = load_audio(item, **span, max_duration=self.max_duration)
        else:
            y, digest = load_audio_hashed(item, **span, max_duration=self.max_duration)
            position = index if self.positions is None else self.positions[index]
            self.digests[position] = digest
        return _validate_clip(y, self.describe(index), self.pcm_scale)

    @property
    def has_paths(self) -> bool:
        """Whether any item is a file path (decoding is worth parallelising)."""
        return any(is_path(item) for item in self.items)

    def iter_batches(
        self, batch_size: int, *, n_jobs: int | None = None
    ) -> Iterator[tuple[range, list[np.ndarray]]]:
        """Yield ``(indices, waveforms)`` in input order, ``batch_size`` at a time.

        File decoding within a batch runs on ``n_jobs`` threads (libsndfile and
        soxr release the GIL); in-memory arrays are only validated. The joblib
        backend is the one active in the calling thread (a Dask cluster under
        ``joblib.parallel_backend("dask")``), even when the batches are then
        drawn on another thread.
        """
        from joblib import Parallel

        parallel = None
        if self.has_paths and n_jobs not in (None, 1):
            # created here, not in the generator: joblib's backend setting is
            # per thread, and the batches may be drawn on a prefetch thread
            parallel = Parallel(n_jobs=n_jobs, prefer="threads")
        return self._batches(batch_size, parallel)

    def _batches(self, batch_size: int, parallel) -> Iterator:
        """The generator of :meth:`iter_batches`."""
        from joblib import delayed

        n = len(self)
        for start in range(0, n, batch_size):
            idx = range(start, min(start + batch_size, n))
            if parallel is None:
                clips = [self[i] for i in idx]
            else:
                clips = parallel(delayed(self.__getitem__)(i) for i in idx)
            yield idx, clips


def _items_from_container(X) -> list:
    """Turn any accepted container into a list of items (arrays or paths)."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        pd = None
    if pd is not None and isinstance(X, pd.DataFrame):
        if X.shape[1] > 1 and all(
            pd.api.types.is_numeric_dtype(dtype) for dtype in X.dtypes
        ):
            return _items_from_container(X.to_numpy())  # rows are waveforms
        if X.shape[1] != 1:
            raise AudioInputError(
                f"A DataFrame input must have one column of audio (file paths or "
                f"arrays) or only numeric columns (one waveform per row); got "
                f"{X.shape[1]} columns {list(X.columns)}. Select the audio column, "
                "e.g. X=df['path']."
            )
        X = X.iloc[:, 0]
    if pd is not None and isinstance(X, pd.Series):
        return list(X.to_numpy())
    if is_path(X):
        raise AudioInputError(
            f"X is a single path {os.fspath(X)!r}; pass a list of paths, e.g. [path]."
        )
    if hasattr(X, "tocsr") or type(X).__module__.startswith("scipy.sparse"):
        raise AudioInputError(
            "Sparse input is not supported: audio must be a dense 2-D array "
            "(n_clips, n_samples), a list of 1-D waveforms or a list of file paths."
        )
    if isinstance(X, np.ndarray):
        if X.ndim == 2 and X.dtype.kind not in "US":
            if X.shape[1] == 0:
                raise AudioInputError(
                    f"X has 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                    "required: every clip needs at least one sample."
                )
            return list(X)
        if X.ndim == 1 and (X.dtype == object or X.dtype.kind in "US"):
            return [str(x) if isinstance(x, np.str_) else x for x in X]
        if X.ndim == 1:
            raise AudioInputError(
                f"X is a 1-D array of {X.shape[0]} numbers. Reshape your data: "
                "audio input must be a 2-D array (n_clips, n_samples), a list of "
                "1-D waveforms or a list of file paths; wrap a single clip as "
                "X[np.newaxis, :]."
            )
        hint = ""
        if X.ndim == 3 and min(X.shape[1], X.shape[2]) <= 8:
            axis = 1 if X.shape[1] <= X.shape[2] else 2
            hint = (
                " For multi-channel audio, downmix first, e.g. "
                f"X.mean(axis={axis}) for {X.shape[axis]} channels on axis {axis}."
            )
        raise AudioInputError(
            f"X has shape {X.shape}; expected a 2-D array (n_clips, n_samples) of "
            "mono waveforms, a list of 1-D waveforms, or a list of file paths." + hint
        )
    if isinstance(X, Sequence) or hasattr(X, "__array__"):
        if hasattr(X, "__array__") and not isinstance(X, Sequence):
            return _items_from_container(np.asarray(X))
        return list(X)
    raise AudioTypeError(
        f"Cannot read audio from an object of type {type(X).__name__}; expected a "
        "2-D array, a list of 1-D arrays or a list of file paths."
    )


def check_clip_length(estimator, X, source: AudioSource, *, reset: bool) -> None:
    """Record or check the common clip length of in-memory waveforms.

    When every clip given to ``fit`` is an in-memory array of one length (a
    2-D array, or a list of equal-length clips), that length is what
    scikit-learn calls ``n_features_in_`` and is recorded (``reset``);
    otherwise (ragged clips, file paths) it is forgotten. Afterwards a 2-D
    array of another width is refused, with a message saying how to pass
    clips of other lengths: lists of clips and paths are never refused.

    Parameters
    ----------
    estimator : estimator
        The component; ``n_features_in_`` is set on it.
    X : object
        The audio input.
    source : AudioSource
        ``X`` as checked by :func:`check_audio_input`.
    reset : bool
        Whether this is ``fit``.
    """
    is_2d = isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "fiuO"
    if reset:
        lengths = {None if is_path(c) else len(c) for c in source.items}
        if len(lengths) == 1 and None not in lengths:
            estimator.n_features_in_ = lengths.pop()
        elif hasattr(estimator, "n_features_in_"):
            del estimator.n_features_in_
        return
    expected = getattr(estimator, "n_features_in_", None)
    if is_2d and expected is not None and X.shape[1] != expected:
        raise AudioInputError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is "
            f"expecting {expected} features as input: a 2-D array holds clips of "
            f"one length, and fit saw {expected} samples per clip. Pass clips of "
            "other lengths as a list of 1-D arrays (or file paths). If these "
            "clips last as long as those of fit, check their sampling rate: "
            f"arrays are taken to be at sr={source.sr} Hz "
            f"({X.shape[1] / source.sr:.2f} s per clip here, "
            f"{expected / source.sr:.2f} s in fit); resample them to "
            f"{source.sr} Hz, or pass the files, which are resampled."
        )


def _check_item(item, i: int, pcm_scale):
    """A path as ``str`` (not opened), or an in-memory clip validated now."""
    if is_path(item):
        return os.fspath(item)
    if item is None or (isinstance(item, float) and np.isnan(item)):
        raise AudioInputError(f"Item {i} of X is missing (got {item!r}).")
    if isinstance(item, bytes | dict | set):
        raise AudioTypeError(
            f"Item {i} of X has type {type(item).__name__}; expected a 1-D "
            "waveform array or a file path."
        )
    if np.ndim(item) == 0:
        raise AudioTypeError(
            f"Item {i} of X is a scalar ({item!r}); expected a 1-D waveform "
            "array or a file path. A 1-D list of numbers is one clip: wrap it "
            "as [clip]."
        )
    # in-memory audio is cheap to check now, before any work starts
    return _validate_clip(item, f"clip {i}", pcm_scale)


def check_audio_input(
    X,
    *,
    sr: int,
    duration: float | None = None,
    pcm_scale=None,
    max_duration: float | None = MAX_DURATION,
) -> AudioSource:
    """Validate an audio collection and wrap it as a lazy :class:`AudioSource`.

    The container is checked eagerly: its shape, the type of every item, and
    the existence of every file path (so a typo is reported before hours of
    processing), and every in-memory waveform (empty, NaN, silent, integer
    PCM). Files are decoded, and then checked the same way, only when an item
    is read.

    Parameters
    ----------
    X : array-like, sequence of arrays, or sequence of paths
        See the module documentation for accepted forms.
    sr : int
        Sampling rate of array input and target rate for files.
    duration : float or None, default=None
        Maximum seconds decoded from each file.
    pcm_scale : None, "dtype" or float, default=None
        How integer samples are scaled to floats; ``None`` rejects them.
    max_duration : float or None, default=3600.0
        Seconds of audio one file may decode to (one hour by default; a
        longer file is an error naming it unless ``duration`` reads a part
        of it); ``None`` lifts the bound. In-memory clips are not bounded.

    Returns
    -------
    source : AudioSource
        Lazy sequence of validated float32 waveforms, in input order.

    Raises
    ------
    AudioInputError
        If the container or an item has the wrong shape or type.
    AudioFileNotFoundError
        If any path does not exist (all missing paths are listed).
    """
    if not isinstance(sr, Integral) or sr <= 0:
        raise AudioInputError(f"sr must be a positive integer; got {sr!r}.")
    if pcm_scale is not None and not (
        pcm_scale == "dtype" or (isinstance(pcm_scale, Real) and pcm_scale > 0)
    ):
        raise AudioInputError(
            f"pcm_scale must be None, 'dtype' or a positive number; got {pcm_scale!r}."
        )
    items = _items_from_container(X)
    if len(items) == 0:
        raise AudioInputError("X contains no audio (0 items); expected at least 1.")
    missing = []
    for i, item in enumerate(items):
        items[i] = item = _check_item(item, i, pcm_scale)
        if is_path(item) and os.path.isdir(item):
            raise AudioInputError(
                f"item {i} of X, {str(item)!r}, is a folder, not an audio file. "
                "Pass the audio files in it instead (e.g. "
                "sorted(pathlib.Path(folder).rglob('*.wav')))."
            )
        if is_path(item) and not os.path.isfile(item):
            missing.append(item)
    if missing:
        raise AudioFileNotFoundError(
            f"{len(missing)} audio file(s) not found: {format_items(missing, limit=5)}",
            missing[0],
        )
    return AudioSource(
        items,
        sr=int(sr),
        duration=duration,
        pcm_scale=pcm_scale,
        max_duration=max_duration,
    )


def _item_problem(item, index: int, *, full: bool, pcm_scale) -> Exception | None:
    """Why item ``index`` cannot be used (the error to raise), or None."""
    try:
        item = _check_item(item, index, pcm_scale)
        if not is_path(item):
            return None
        where = _describe(item, index)
        if not full:
            return file_problem(item, depth="frames", where=where)
        _validate_clip(load_audio(item, sr=None), where, pcm_scale)
    except (ValueError, TypeError, OSError, RuntimeError) as exc:
        return exc
    return None


def check_audio_files(
    X,
    y=None,
    *,
    full: bool = False,
    on_error: str = "raise",
    pcm_scale=None,
    n_jobs: int | None = None,
    verbose: int = 0,
):
    """Find the unusable items of an audio collection before a long fit.

    Opens every file (in parallel threads) and checks it can be read: it
    exists, libsndfile recognises its header and it is not empty; with
    ``full=True`` every file is decoded to the end and checked like the
    transformers check it (no NaN, not silent), which also finds truncated
    files. In-memory clips are validated as by the transformers.

    A transformer in a :class:`~sklearn.pipeline.Pipeline` cannot drop a row
    without misaligning ``y``, so filtering happens here, before the
    pipeline, on ``X`` and ``y`` together: with ``on_error="raise"`` (default)
    one error lists every bad item; with ``on_error="warn"`` they are removed
    from both ``X`` and ``y``, a warning gives their number, and the returned
    report names each one with its error.

    Parameters
    ----------
    X : sequence of paths, array-like or pandas object
        Audio collection in any form the transformers accept (see
        :ref:`input_formats`).
    y : array-like of shape (n_items,) or (n_items, n_outputs), default=None
        Targets aligned with ``X`` (labels, an indicator matrix or tag
        lists); filtered like ``X``.
    full : bool, default=False
        Decode every file completely. Slower (about the cost of decoding the
        collection once), but the only way to find files whose header is
        intact and whose audio data is cut off or damaged.
    on_error : {"raise", "warn", "skip"}, default="raise"
        What to do when items are unusable, in the words of the dataset
        loaders' ``on_missing``: "raise" raises one error listing them;
        "warn" leaves them out with a warning. "skip" leaves them out with
        the same warning here (it did before "warn" existed, and still does;
        the loaders' "skip" is silent). Either way the report lists them.
    pcm_scale : None, "dtype" or float, default=None
        How integer sample arrays are scaled, as in the transformers.
    n_jobs : int, default=None
        Threads opening files. ``None`` means 1, -1 all cores.
    verbose : int, default=0
        Show a progress bar over items when > 0.

    Returns
    -------
    X_checked : same type as X
        ``X`` itself when every item is usable, else its usable items in
        order: an array or pandas object (with its index) as given, a list
        for a list or tuple.
    y_checked : same type as y, or None
        ``y`` restricted to the same items.
    report : pandas.DataFrame
        One row per skipped item, with columns ``index`` (position in ``X``),
        ``path`` (None for in-memory clips), ``error`` (exception class) and
        ``message``. Empty when nothing was skipped.

    Raises
    ------
    AudioInputError
        With ``on_error="raise"``, when any item is unusable; the message
        lists them (the first 50 in full) and its ``report`` attribute holds
        the report. Otherwise, when no item is usable.

    Warns
    -----
    UserWarning
        With ``on_error="warn"`` or ``"skip"``, when items were left out.

    See Also
    --------
    load_audio : Decode one file.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> from sklearn_music import check_audio_files
    >>> folder = tempfile.mkdtemp()
    >>> good = os.path.join(folder, "good.wav")
    >>> sf.write(good, np.sin(np.arange(8000) * 0.05), 8000)
    >>> bad = os.path.join(folder, "bad.wav")
    >>> with open(bad, "wb") as f:
    ...     _ = f.write(b"not audio")
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     X, y, report = check_audio_files([good, bad], ["rock", "jazz"],
    ...                                      on_error="warn")
    >>> [os.path.basename(p) for p in X], y
    (['good.wav'], ['rock'])
    >>> report[["index", "error"]]
       index             error
    0      1  AudioDecodeError
    """
    from sklearn.utils import _safe_indexing
    from sklearn.utils.validation import _num_samples

    check_on_problem(on_error, "on_error")
    items = _items_from_container(X)
    n = len(items)
    if n == 0:
        raise AudioInputError("X contains no audio (0 items); expected at least 1.")
    if y is not None and _num_samples(y) != n:
        raise ValueError(
            f"X and y have inconsistent numbers of items: {n} and {_num_samples(y)}."
        )
    problems = _find_problems(
        items, full=full, pcm_scale=pcm_scale, n_jobs=n_jobs, verbose=verbose
    )
    report = _problem_report(items, problems)
    if not problems:
        return X, y, report

    def error():
        hint = "No item is usable."
        if on_error == "raise":
            hint = "Pass on_error='warn' to drop them from X and y and get a report."
        shown = format_items((e for _, e in problems), limit=50, show=_bullet, sep="")
        error = AudioInputError(
            f"{len(problems)} of {n} audio item(s) cannot be used:{shown}\n"
            f"{hint} The error's report attribute lists them all."
        )
        error.report = report
        return error

    def warning():
        names = (
            repr(os.path.basename(p)) if p else f"clip {i}"
            for i, p in zip(report["index"], report["path"], strict=True)
        )
        return (
            f"Skipped {len(problems)} of {n} audio item(s) that cannot be used "
            f"({format_items(names, limit=3, show=str)}); the returned report "
            "lists each one with its error. X and y keep the same remaining items."
        )

    action = "warn" if on_error == "skip" else on_error  # "skip" always warned
    if len(problems) == n:
        action = "raise"
    handle_problems(Problems(problems, action, error, warning), stacklevel=2)
    bad = {i for i, _ in problems}
    keep = [i for i in range(n) if i not in bad]
    X_checked = _safe_indexing(X, keep)
    y_checked = None if y is None else _safe_indexing(y, keep)
    return X_checked, y_checked, report


def _bullet(error: Exception) -> str:
    return f"\n  - {error}"


def _find_problems(items, *, full, pcm_scale, n_jobs, verbose) -> list:
    """``(index, error)`` of every unusable item, checked on ``n_jobs`` threads."""
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    def check(i):
        return _item_problem(items[i], i, full=full, pcm_scale=pcm_scale)

    n = len(items)
    if n_jobs in (None, 1):
        results = (check(i) for i in range(n))
    else:
        results = Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator")(
            delayed(check)(i) for i in range(n)
        )
    bar = tqdm(
        results, total=n, desc="check_audio_files", unit="item", disable=not verbose
    )
    return [(i, exc) for i, exc in enumerate(bar) if exc is not None]


def _problem_report(items, problems):
    """The report of :func:`check_audio_files`: one row per unusable item."""
    import pandas as pd

    return pd.DataFrame(
        {
            "index": pd.Series([i for i, _ in problems], dtype="int64"),
            "path": pd.Series(
                [
                    os.fspath(items[i]) if is_path(items[i]) else None
                    for i, _ in problems
                ],
                dtype=object,
            ),
            "error": pd.Series([type(e).__name__ for _, e in problems], dtype=object),
            "message": pd.Series([str(e) for _, e in problems], dtype=object),
        }
    )
