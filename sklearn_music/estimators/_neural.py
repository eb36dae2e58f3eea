"""The four reference architectures as scikit-learn estimators.

Each estimator class names its architecture (``_architecture``, a key of
:data:`~sklearn_music.models.ARCHITECTURES`); :func:`estimator_class` goes
the other way.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..models import (
    Conv1DModule,
    Conv2DModule,
    CRNNModule,
    DielemanModule,
    SampleCNNModule,
    get_architecture,
)
from ._base import MusicNet

__all__ = [
    "CRNNClassifier",
    "Conv1DClassifier",
    "Conv2DTagger",
    "DielemanClassifier",
    "SampleCNNClassifier",
    "estimator_class",
]

_TRAINING_PARAMS = """\
    param_budget : float or None, default=None
        Trainable-parameter budget. ``None`` uses the paper's default widths;
        one of ``1e5, 2.5e5, 5e5, 1e6, 3e6`` uses exactly the widths of Choi
        et al. (2017), Table 1; any other number scales the widths so the
        parameter count lands within 2 % of it (see
        :func:`~sklearn_music.models.architecture_for_budget`). The count is
        in ``n_params_`` after fit.
    chunk_size : int or None, default=None
        Length along time of the training crops and prediction chunks ({unit}).
        ``None`` uses the shortest training clip. Training draws one random
        crop of every clip per epoch; prediction averages the probabilities
        of chunks that cover each whole clip.
    max_chunks : int or None, default=None
        Upper bound on the chunks averaged per clip at prediction time.
    threshold : float, default=0.5
        Multi-label only: ``predict`` marks a tag when its probability is at
        least this.
    criterion : torch loss class or None, default=None
        ``None`` chooses ``CrossEntropyLoss`` (multi-class) or
        ``BCEWithLogitsLoss`` (multi-label); the module returns logits.
    optimizer : torch optimizer class, default=torch.optim.Adam
        Optimizer; set its options with ``optimizer__*`` (skorch style).
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=20
        Maximum number of epochs.
    batch_size : int, default=16
        Clips per training batch (and chunks per prediction batch).
    train_split : float, callable or None, default=0.2
        Validation fraction (stratified for single-label targets; validation
        uses centre crops), any skorch ``train_split`` callable, or ``None`` to
        train on everything (which disables early stopping and the LR
        schedule).
    patience : int or None, default=5
        Early stopping on the validation loss after this many epochs without
        improvement; the best weights are restored. ``None`` disables it.
    lr_schedule : {{"plateau", "cosine"}} or None, default="plateau"
        Halve the LR when the validation loss plateaus, or cosine annealing
        over ``max_epochs``.
    spec_augment : bool, default=False
        SpecAugment-style frequency and time masking of training crops
        (spectrogram models only).
    mixup_alpha : float, default=0.0
        Mixup of training batches with a Beta(alpha, alpha) weight; 0 disables.
    amp : bool, default=False
        Mixed precision (bfloat16 autocast) on CUDA; ignored on the CPU.
    callbacks : list of skorch callbacks or None, default=None
        Extra callbacks, as in skorch.
    checkpoint_dir : str, path-like or None, default=None
        Directory for resumable training. ``fit`` saves the training state
        (weights, optimizer, history, LR schedule, early-stopping counters
        and the random generators) after every epoch, atomically, in a
        subdirectory named after a hash of the training data and the
        parameters (``checkpoint_dir_``), so the clones fitted in parallel by
        a grid search never collide. A later ``fit`` of the same data with
        the same parameters resumes from the last saved epoch and, on the
        CPU, ends with the same weights as an uninterrupted run; if training
        had finished, the model is restored without training. ``device``,
        ``verbose`` and ``callbacks`` do not count as parameters here.
        ``partial_fit`` neither reads nor writes checkpoints. See
        :ref:`scaling`.
    device : str, default="cpu"
        "cpu", "cuda", "cuda:N" or "auto" (CUDA when available).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, crops, augmentation and the
        validation split; with an int, CPU training is reproducible (with
        the same number of PyTorch threads).
    verbose : int, default=1
        Print the skorch epoch table (one line per epoch, with the losses,
        validation accuracy and time) when > 0, as skorch does by default;
        ``verbose=0`` trains silently.
    **kwargs
        Any other skorch ``NeuralNet`` argument, and ``module__*`` values that
        override the architecture (widths, dropout, ...).
"""

_ATTRIBUTES = """\
    Attributes
    ----------
    classes_ : ndarray
        Class labels, or tag names (indices for an indicator-matrix ``y``).
    multilabel_ : bool
        Whether ``y`` was multi-label.
    n_features_in_ : int
        {features}
    chunk_size_ : int
        Crop and chunk length used.
    n_params_ : int
        Trainable parameters of the built module.
    module_ : torch.nn.Module
        The trained network.
    history_ : skorch.History
        Per-epoch losses and timings.
    checkpoint_dir_ : str
        The checkpoint directory of the last ``fit`` (only with
        ``checkpoint_dir``).
"""


def _doc(summary: str, *, unit: str, features: str, extra: str = "", tail: str):
    return (
        summary
        + "\n\n    Parameters\n    ----------\n"
        + extra
        + _TRAINING_PARAMS.format(unit=unit)
        + "\n"
        + _ATTRIBUTES.format(features=features)
        + tail
    )


_SPEC_FEATURES = "Number of mel bands seen in fit."

_MODULE_DOC = """\
    module : torch.nn.Module class or instance, default={default}
        The network. A class is built as ``module({shape}, **widths,
        **module__kwargs)``: the shape arguments come from the data, the
        widths from ``param_budget`` (registered architectures only, see
        :data:`~sklearn_music.models.ARCHITECTURES`). Any other module class
        whose constructor takes these shape arguments works too (without
        ``param_budget``; size it with ``module__*``); it should return logits
        ``(batch, n_outputs)``, and may have ``embed`` (for
        :meth:`transform`) and ``min_input_length`` (1 if absent). An
        instance is trained as it was built.
"""
_SPEC_SHAPE = "n_mels=..., n_outputs=..."


class CRNNClassifier(MusicNet):
    _architecture = "crnn"

    def __init__(self, *, module=CRNNModule, **kwargs):
        super().__init__(module, **kwargs)


CRNNClassifier.__doc__ = _doc(
    """Convolutional recurrent network (Choi et al. 2017) for music
    classification and tagging.

    Four 3x3 convolution blocks summarise local spectro-temporal patterns and
    a two-layer GRU reads the resulting sequence; its last hidden state feeds
    the output layer. Takes spectrograms ``(n_clips, n_mels, n_frames)`` (the
    output of :class:`~sklearn_music.features.MelSpectrogram`), multi-class
    labels or multi-label tags.
""",
    unit="frames",
    features=_SPEC_FEATURES,
    extra=_MODULE_DOC.format(default="CRNNModule", shape=_SPEC_SHAPE),
    tail="""
    See Also
    --------
    Conv2DTagger, Conv1DClassifier, SampleCNNClassifier

    References
    ----------
    .. [1] K. Choi, G. Fazekas, M. Sandler and K. Cho, "Convolutional recurrent
       neural networks for music classification", ICASSP 2017.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_music.datasets import make_music
    >>> from sklearn_music.estimators import CRNNClassifier
    >>> from sklearn_music.features import MelSpectrogram
    >>> X, y = make_music(24, n_classes=2, duration=3.0, random_state=0)
    >>> pipe = make_pipeline(
    ...     MelSpectrogram(n_mels=96),
    ...     CRNNClassifier(param_budget=1e5, max_epochs=2, random_state=0, verbose=0),
    ... )
    >>> pipe.fit(X, y).predict(X[:3]).shape
    (3,)
""",
)


class Conv2DTagger(MusicNet):
    _architecture = "conv2d"

    def __init__(self, *, module=Conv2DModule, **kwargs):
        super().__init__(module, **kwargs)


Conv2DTagger.__doc__ = _doc(
    """Fully convolutional 2-D network (Choi et al. 2016) for music tagging.

    Five 3x3 convolution blocks with max-pooling reduce the spectrogram to a
    1x1 map that feeds the output layer. Works for multi-label tagging (its
    original task) and multi-class classification.
""",
    unit="frames",
    features=_SPEC_FEATURES,
    extra=_MODULE_DOC.format(default="Conv2DModule", shape=_SPEC_SHAPE),
    tail="""
    See Also
    --------
    CRNNClassifier, Conv1DClassifier

    References
    ----------
    .. [1] K. Choi, G. Fazekas and M. Sandler, "Automatic tagging using deep
       convolutional neural networks", ISMIR 2016.
""",
)


class Conv1DClassifier(MusicNet):
    _architecture = "conv1d"

    def __init__(self, *, module=Conv1DModule, **kwargs):
        super().__init__(module, **kwargs)


Conv1DClassifier.__doc__ = _doc(
    """1-D convolutional network along time (Dieleman & Schrauwen 2014).

    Convolutions with 1x8 kernels run along time on every mel band; two fully
    connected layers combine the bands. The "k1c2" model of Choi et al.
    (2017), Table 1.
""",
    unit="frames",
    features=_SPEC_FEATURES,
    extra=_MODULE_DOC.format(default="Conv1DModule", shape=_SPEC_SHAPE),
    tail="""
    See Also
    --------
    CRNNClassifier, Conv2DTagger

    References
    ----------
    .. [1] S. Dieleman and B. Schrauwen, "End-to-end learning for music audio",
       ICASSP 2014.
""",
)


class DielemanClassifier(MusicNet):
    _architecture = "dieleman"

    def __init__(self, *, module=DielemanModule, **kwargs):
        super().__init__(module, **kwargs)


DielemanClassifier.__doc__ = _doc(
    """1-D CNN whose first layer spans all mel bands (Dieleman & Schrauwen
    2014).

    The mel bands are the input channels of 1-D convolutions along time, so
    each first-layer kernel is an ``n_mels x 8`` patch over the whole
    spectrum (the "1-D CNN" of Nam et al. 2019). Unlike
    :class:`Conv1DClassifier` (Choi et al. 2017), whose ``1 x 8`` kernels
    scan every band separately, its kernels learn spectral shapes that can be
    drawn and ranked by the tags that activate them (see
    :ref:`inspection`). Global temporal pooling (mean and max) takes clips
    of any length. See :class:`~sklearn_music.models.DielemanModule`.
""",
    unit="frames",
    features=_SPEC_FEATURES,
    extra=_MODULE_DOC.format(default="DielemanModule", shape=_SPEC_SHAPE),
    tail="""
    See Also
    --------
    Conv1DClassifier, CRNNClassifier

    References
    ----------
    .. [1] S. Dieleman and B. Schrauwen, "End-to-end learning for music audio",
       ICASSP 2014.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_music.datasets import make_music
    >>> from sklearn_music.estimators import DielemanClassifier
    >>> from sklearn_music.features import MelSpectrogram
    >>> X, y = make_music(24, n_classes=2, duration=2.0, random_state=0)
    >>> pipe = make_pipeline(
    ...     MelSpectrogram(n_mels=64),
    ...     DielemanClassifier(
    ...         param_budget=2e4, max_epochs=2, random_state=0, verbose=0
    ...     ),
    ... )
    >>> pipe.fit(X, y).predict(X[:3]).shape
    (3,)
    >>> tuple(pipe[-1].module_.first_layer.weight.shape)
    (23, 64, 8)
""",
)


class _WaveformNet(MusicNet):
    """A :class:`MusicNet` on raw audio: ``X`` is anything the input layer
    reads (a 2-D waveform array, ragged clips, file paths), at ``sr``.

    Subclasses define ``sr`` and ``pcm_scale`` in ``__init__``.
    """

    _parameter_constraints: dict = {
        **MusicNet._parameter_constraints,
        "sr": [Interval(Integral, 1, None, closed="left")],
        "pcm_scale": [
            None,
            StrOptions({"dtype"}),
            Interval(Real, 0, None, closed="neither"),
        ],
    }

    def _check_X(self, X, *, reset: bool):
        """Validate audio ``X``; return ``(clips, lengths)`` (waveforms and
        their lengths in samples); ``n_features_in_`` is the clip length of
        a 2-D array (see :func:`~sklearn_music._io.check_clip_length`)."""
        from .._io import check_audio_input, check_clip_length

        source = check_audio_input(X, sr=self.sr, pcm_scale=self.pcm_scale)
        check_clip_length(self, X, source, reset=reset)
        clips = [source[i] for i in range(len(source))]
        lengths = np.array([c.size for c in clips], dtype=np.int64)
        return clips, lengths

    def _module_shape_kwargs(self) -> dict:
        return {"n_outputs": len(self.classes_)}

    def _augmentation(self):
        return None  # SpecAugment masks spectrograms


class SampleCNNClassifier(_WaveformNet):
    _architecture = "samplecnn"

    def __init__(
        self,
        *,
        module=SampleCNNModule,
        sr=22050,
        pcm_scale=None,
        chunk_size=59049,
        **kwargs,
    ):
        super().__init__(module, chunk_size=chunk_size, **kwargs)
        self.sr = sr
        self.pcm_scale = pcm_scale


SampleCNNClassifier.__doc__ = _doc(
    """Sample-level CNN on raw waveforms (Lee et al. 2017).

    A strided convolution and nine blocks of size-3 convolutions with
    max-pooling by 3 turn 59,049 samples (2.7 s at 22,050 Hz) into one frame.
    Takes audio in any form the input layer reads: a 2-D waveform array,
    ragged clips or file paths (decoded at ``sr``).
""",
    unit="samples; default 59049",
    features="Clip length in samples of a 2-D array seen in fit (informational).",
    extra=_MODULE_DOC.format(default="SampleCNNModule", shape="n_outputs=...")
    + """\
    sr : int, default=22050
        Sampling rate of array input; files are resampled to it.
    pcm_scale : "dtype", float or None, default=None
        How integer sample arrays are scaled (see
        :func:`~sklearn_music.check_audio_input`).
""",
    tail="""
    See Also
    --------
    CRNNClassifier

    References
    ----------
    .. [1] J. Lee, J. Park, K. L. Kim and J. Nam, "Sample-level deep
       convolutional neural networks for music auto-tagging using raw
       waveforms", SMC 2017.
""",
)


def estimator_class(architecture: str) -> type:
    """The neural estimator class of a registered architecture.

    Parameters
    ----------
    architecture : str
        A key of :data:`sklearn_music.models.ARCHITECTURES` (``"crnn"``,
        ``"conv2d"``, ...).

    Returns
    -------
    cls : type
        The estimator class whose ``_architecture`` is ``architecture``
        (e.g. :class:`CRNNClassifier` for ``"crnn"``).

    Examples
    --------
    >>> from sklearn_music.estimators import estimator_class
    >>> estimator_class("crnn").__name__
    'CRNNClassifier'
    """
    get_architecture(architecture)  # a clear error for unknown keys
    for name in __all__:
        cls = globals()[name]
        if isinstance(cls, type) and cls._architecture == architecture:
            return cls
    raise ValueError(f"no estimator is registered for architecture {architecture!r}")
