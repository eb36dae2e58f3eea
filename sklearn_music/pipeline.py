"""Ready-made pipelines: a front-end and an estimator, as the CLI trains them.

:func:`make_music_pipeline` builds the unfitted scikit-learn
:class:`~sklearn.pipeline.Pipeline` of a model named by a short key: every
architecture registered in :data:`sklearn_music.models.ARCHITECTURES` (a mel
front-end and the network, or the network alone for waveform models), and
``"tzanetakis"`` (handcrafted features, scaling and one Gaussian mixture per
class). :func:`make_front_end` builds a front-end alone. ``sklearn-music fit``
and ``sklearn-music features`` call these functions.

Importing this module is cheap: scikit-learn, torch and the registries are
imported by the functions that need them.
"""

from __future__ import annotations

__all__ = [
    "FRONT_ENDS",
    "HANDCRAFTED_FRONT_ENDS",
    "MEL_PARAMS",
    "NETWORK_PARAMS",
    "make_front_end",
    "make_music_pipeline",
    "model_params",
    "pipeline_models",
]

#: Handcrafted feature sets of :func:`make_front_end` (``feature_set`` of
#: :class:`~sklearn_music.features.HandcraftedFeatures`).
HANDCRAFTED_FRONT_ENDS = ("tzanetakis", "extended")
#: Every kind :func:`make_front_end` builds: spectrograms, then feature sets.
FRONT_ENDS = ("mel", "stft", "cqt", *HANDCRAFTED_FRONT_ENDS)
#: Parameters of the mel front-end: spectrogram networks and ``kind="mel"``.
MEL_PARAMS = ("preset", "n_mels")
#: Training parameters of the networks.
NETWORK_PARAMS = ("param_budget", "max_epochs", "batch_size", "lr")

# the model that is not a registered network
_HANDCRAFTED_MODEL = "tzanetakis"
_AUDIO_PARAMS = ("sr", "duration")
_DEFAULT_SR = 22050


def pipeline_models() -> tuple[str, ...]:
    """The model keys :func:`make_music_pipeline` accepts.

    Returns
    -------
    models : tuple of str
        The keys of :data:`sklearn_music.models.ARCHITECTURES`, in registry
        order, then ``"tzanetakis"``.

    Examples
    --------
    >>> from sklearn_music.pipeline import pipeline_models
    >>> "crnn" in pipeline_models() and "tzanetakis" in pipeline_models()
    True
    """
    from .models import ARCHITECTURES

    return (*ARCHITECTURES, _HANDCRAFTED_MODEL)


def model_params(model: str) -> tuple[str, ...]:
    """The model parameters of :func:`make_music_pipeline` that ``model`` takes.

    The mel parameters (:data:`MEL_PARAMS`) apply to the spectrogram
    networks, the training parameters (:data:`NETWORK_PARAMS`) to every
    network, ``sr`` and ``duration`` to every model. Giving
    :func:`make_music_pipeline` a model parameter that its model does not
    take is an error. The run-time settings ``device``, ``n_jobs``,
    ``random_state`` and ``verbose`` are never refused: they apply where they
    mean something.

    Parameters
    ----------
    model : str
        One of :func:`pipeline_models`.

    Returns
    -------
    params : tuple of str
        Parameter names, in the order of the signature.

    Raises
    ------
    ValueError
        If ``model`` is unknown.

    Examples
    --------
    >>> from sklearn_music.pipeline import model_params
    >>> model_params("samplecnn")
    ('sr', 'duration', 'param_budget', 'max_epochs', 'batch_size', 'lr')
    >>> model_params("tzanetakis")
    ('sr', 'duration')
    """
    from .models import ARCHITECTURES

    if model == _HANDCRAFTED_MODEL:
        return _AUDIO_PARAMS
    if model not in ARCHITECTURES:
        raise ValueError(
            f"unknown model {model!r}; the known ones are {pipeline_models()}"
        )
    if ARCHITECTURES[model].input_kind == "spectrogram":
        return (*MEL_PARAMS, *_AUDIO_PARAMS, *NETWORK_PARAMS)
    return (*_AUDIO_PARAMS, *NETWORK_PARAMS)


def _refuse(given: dict, allowed, applies_to: str) -> None:
    """Raise a ValueError naming the parameters set in ``given`` that are not
    in ``allowed``."""
    names = [k for k, v in given.items() if v is not None and k not in allowed]
    if names:
        verb = "does" if len(names) == 1 else "do"
        raise ValueError(f"{' and '.join(names)} {verb} not apply to {applies_to}")


def make_front_end(
    kind: str = "mel",
    *,
    preset: str | None = None,
    n_mels: int | None = None,
    sr: int | None = None,
    duration: float | None = None,
    device: str | None = None,
    n_jobs: int | None = None,
    verbose: int | None = None,
):
    """An unfitted audio front-end: a spectrogram or a handcrafted feature set.

    Parameters
    ----------
    kind : {"mel", "stft", "cqt", "tzanetakis", "extended"}, default="mel"
        :class:`~sklearn_music.features.MelSpectrogram`,
        :class:`~sklearn_music.features.STFTSpectrogram` or
        :class:`~sklearn_music.features.CQTSpectrogram`, which return
        ``(n_clips, n_bins, n_frames)`` arrays; or
        :class:`~sklearn_music.features.HandcraftedFeatures` with this
        ``feature_set`` (30 or 518 features per clip).
    preset : str or None, default=None
        A key of :data:`sklearn_music.features.PRESETS` (``kind="mel"``
        only).
    n_mels : int or None, default=None
        Mel bands (``kind="mel"`` only; default: the preset's, else 128).
    sr : int or None, default=None
        Sampling rate audio is read at, in Hz (default: the preset's, else
        22050).
    duration : float or None, default=None
        Crop or pad every clip to this many seconds (None: whole clips).
    device : str or None, default=None
        Torch device of the spectrogram front-ends (``"cpu"``, ``"cuda"``,
        ``"auto"``, ...); None keeps the transformer's default, the CPU.
        Ignored by the handcrafted features, which run on the CPU.
    n_jobs : int or None, default=None
        Parallel workers for decoding files and computing features.
    verbose : int or None, default=None
        Progress bars when positive, none when 0; None keeps the
        transformer's default (a bar on long inputs).

    Returns
    -------
    front_end : transformer
        The unfitted transformer.

    Raises
    ------
    ValueError
        If ``kind`` is unknown, or ``preset`` or ``n_mels`` is given for a
        kind other than ``"mel"``.

    See Also
    --------
    make_music_pipeline : A front-end and a classifier in one pipeline.

    Examples
    --------
    >>> from sklearn_music.pipeline import make_front_end
    >>> make_front_end("mel", preset="won2020", n_mels=64)
    MelSpectrogram(n_mels=64, preset='won2020')
    >>> make_front_end("extended", sr=16000)
    HandcraftedFeatures(feature_set='extended', sr=16000)
    """
    from . import features

    if kind not in FRONT_ENDS:
        raise ValueError(f"unknown front-end {kind!r}; the known ones are {FRONT_ENDS}")
    if kind != "mel":
        _refuse({"preset": preset, "n_mels": n_mels}, (), f"front-end {kind!r}")
    common = dict(duration=duration, n_jobs=n_jobs)
    if verbose is not None:
        common["verbose"] = verbose
    if kind in HANDCRAFTED_FRONT_ENDS:
        return features.HandcraftedFeatures(
            feature_set=kind, sr=sr or _DEFAULT_SR, **common
        )
    common["sr"] = sr
    if device is not None:
        common["device"] = device
    if kind == "mel":
        return features.MelSpectrogram(preset=preset, n_mels=n_mels, **common)
    if kind == "stft":
        return features.STFTSpectrogram(**common)
    return features.CQTSpectrogram(**common)


def make_music_pipeline(
    model: str = "crnn",
    *,
    preset: str | None = None,
    n_mels: int | None = None,
    sr: int | None = None,
    duration: float | None = None,
    param_budget: float | None = None,
    max_epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    device: str | None = None,
    n_jobs: int | None = None,
    random_state=None,
    verbose: int | None = None,
):
    """An unfitted pipeline from audio to labels or tags, named by a key.

    The pipelines ``sklearn-music fit`` trains. A spectrogram network (every
    architecture of :data:`sklearn_music.models.ARCHITECTURES` whose input is
    a spectrogram, such as ``"crnn"``) gets a
    :class:`~sklearn_music.features.MelSpectrogram` front-end; a waveform
    network (``"samplecnn"``) reads the audio itself; ``"tzanetakis"`` is
    :class:`~sklearn_music.features.HandcraftedFeatures`,
    :class:`~sklearn.preprocessing.StandardScaler` and
    :class:`~sklearn_music.estimators.GaussianMixtureClassifier`. Every
    pipeline takes audio as file paths, arrays of waveforms or lists of both.

    Parameters that are None keep the default of the step they belong to.

    Parameters
    ----------
    model : str, default="crnn"
        A key of :data:`sklearn_music.models.ARCHITECTURES` (the network is
        ``sklearn_music.estimators.estimator_class(model)``) or
        ``"tzanetakis"``; :func:`pipeline_models` lists them.
    preset : str or None, default=None
        Mel front-end of a reference paper, a key of
        :data:`sklearn_music.features.PRESETS` (spectrogram networks only).
    n_mels : int or None, default=None
        Mel bands (spectrogram networks only; default: the preset's, else
        128).
    sr : int or None, default=None
        Sampling rate audio is read at, in Hz (default: the preset's, else
        22050).
    duration : float or None, default=None
        Read only the first ``duration`` seconds of every clip (None: whole
        clips). The mel and handcrafted front-ends pad shorter clips.
    param_budget : float or None, default=None
        Trainable parameters of the network, e.g. ``1e5`` (default: the
        paper's widths). Networks only, as are the next three.
    max_epochs : int or None, default=None
        Maximum training epochs (the estimator's default is 30; early
        stopping may end sooner).
    batch_size : int or None, default=None
        Clips per batch (the estimator's default is 32).
    lr : float or None, default=None
        Learning rate (default 1e-3).
    device : str or None, default=None
        Torch device of the network and the mel front-end (``"cpu"``,
        ``"cuda"``, ``"cuda:N"`` or ``"auto"``); None keeps their default,
        the CPU. Ignored by ``"tzanetakis"``.
    n_jobs : int or None, default=None
        Parallel workers of the front-end (decoding files, computing
        features).
    random_state : int or None, default=None
        Seed of the network (or of the Gaussian mixtures).
    verbose : int or None, default=None
        Progress bars and the epoch table when positive, none when 0; None
        keeps the steps' defaults (the epoch table, bars on long inputs).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Steps ``("mel", MelSpectrogram)`` and ``("clf", network)`` for a
        spectrogram network; ``("clf", network)``, after
        ``("audio", FunctionTransformer)`` when ``duration`` is given, for a
        waveform network; ``("features", HandcraftedFeatures)``,
        ``("scale", StandardScaler)`` and ``("clf",
        GaussianMixtureClassifier)`` for ``"tzanetakis"``.

    Raises
    ------
    ValueError
        If ``model`` is unknown, or a parameter is given for a model that does
        not take it (see :func:`model_params`).

    See Also
    --------
    make_front_end : A front-end alone.
    sklearn_music.estimators.estimator_class : The network of a key.

    Examples
    --------
    >>> from sklearn_music.pipeline import make_music_pipeline
    >>> pipe = make_music_pipeline("crnn", preset="won2020", param_budget=1e4)
    >>> [name for name, _ in pipe.steps]
    ['mel', 'clf']
    >>> pipe.named_steps["clf"].param_budget
    10000.0

    The handcrafted model trains in a second:

    >>> from sklearn_music.datasets import make_music
    >>> X, y = make_music(16, n_classes=2, duration=2.0, sr=16000,
    ...                   random_state=0)
    >>> pipe = make_music_pipeline("tzanetakis", sr=16000, random_state=0)
    >>> [type(step).__name__ for _, step in pipe.steps]
    ['HandcraftedFeatures', 'StandardScaler', 'GaussianMixtureClassifier']
    >>> pipe.fit(X, y).predict(X[:2]).shape
    (2,)
    """
    given = {
        "preset": preset, "n_mels": n_mels, "sr": sr, "duration": duration,
        "param_budget": param_budget, "max_epochs": max_epochs,
        "batch_size": batch_size, "lr": lr,
    }  # fmt: skip
    takes = model_params(model)
    _refuse(given, takes, f"model {model!r}")
    from sklearn.pipeline import Pipeline

    if model == _HANDCRAFTED_MODEL:
        return _handcrafted_pipeline(
            sr=sr, duration=duration, n_jobs=n_jobs, random_state=random_state,
            verbose=verbose,
        )  # fmt: skip
    from .estimators import estimator_class

    spectrogram = "n_mels" in takes
    options = {k: given[k] for k in NETWORK_PARAMS}
    options["device"] = device
    options["verbose"] = verbose
    if not spectrogram:
        options["sr"] = sr = sr or _DEFAULT_SR
    network = estimator_class(model)(
        **{k: v for k, v in options.items() if v is not None},
        random_state=random_state,
    )
    if spectrogram:
        mel = make_front_end(
            "mel", preset=preset, n_mels=n_mels, sr=sr, duration=duration,
            device=device, n_jobs=n_jobs, verbose=verbose,
        )  # fmt: skip
        # lengths in the network's messages in seconds of this front-end
        resolved = mel.resolved_params()
        network.set_params(frame_rate=resolved["sr"] / resolved["hop_length"])
        return Pipeline([("mel", mel), ("clf", network)])
    if duration is None:
        return Pipeline([("clf", network)])
    from sklearn.preprocessing import FunctionTransformer

    read = FunctionTransformer(_read_audio, kw_args={"sr": sr, "duration": duration})
    return Pipeline([("audio", read), ("clf", network)])


def _handcrafted_pipeline(*, sr, duration, n_jobs, random_state, verbose):
    """The ``"tzanetakis"`` pipeline: features, scaling, Gaussian mixtures."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from .estimators import GaussianMixtureClassifier

    features = make_front_end(
        _HANDCRAFTED_MODEL, sr=sr, duration=duration, n_jobs=n_jobs, verbose=verbose
    )
    return Pipeline(
        [
            ("features", features),
            ("scale", StandardScaler()),
            ("clf", GaussianMixtureClassifier(random_state=random_state)),
        ]
    )


def _read_audio(X, *, sr: int, duration: float | None):
    """Decode audio input to a list of waveforms (the first ``duration`` s).

    The function of the ``"audio"`` step of waveform pipelines. Model files
    refer to it by its qualified name: keep its name, place and signature.
    """
    from ._io import check_audio_input

    source = check_audio_input(X, sr=sr, duration=duration)
    return [source[i] for i in range(len(source))]
