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
    ShortChunkResNetModule,
    get_architecture,
)
from ._base import MusicNet

__all__ = [
    "CRNNClassifier",
    "Conv1DClassifier",
    "Conv2DTagger",
    "DielemanClassifier",
    "SampleCNNClassifier",
    "ShortChunkCNNClassifier",
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
    chunk_size : int or None, default={chunk_default}
        Length along time of the training crops and prediction chunks
        ({unit}), and so the minimum input length: {minimum}. ``None`` uses
        the shortest training clip. Training draws ``crops_per_clip`` random
        crops of every clip per epoch; prediction averages the probabilities
        (or embeddings) of overlapping chunks that cover each whole clip.
    max_chunks : int or None, default=None
        Upper bound on the chunks averaged per clip at prediction time.
    crops_per_clip : int, default=4
        Random crops of every training clip per epoch (short-chunk training,
        as Won et al. 2020 do).
    chunk_hop : float in (0, 1], default=0.5
        Largest step between the starts of the chunks that prediction and
        validation average over, as a fraction of ``chunk_size`` (0.5: chunks
        overlap by half).
    short : {{"pad", "repeat", "skip", "raise"}}, default="pad"
        What happens to a clip shorter than ``chunk_size`` (a one-shot
        sample, a short preview), the same in ``fit``, ``predict``,
        ``predict_proba``, ``transform`` and everything built on them (the
        recommender, the command line). ``"pad"`` appends silence up to
        ``chunk_size`` ({pad}); ``"repeat"`` repeats the clip until it is long
        enough; ``"skip"`` leaves such clips out of ``fit`` with a warning
        that names them (``y`` stays aligned), while the prediction methods
        still return one row per clip, computed from the padded clip, and
        warn which ones; ``"raise"`` raises a ``ValueError`` naming the
        clip, its length in seconds and the minimum in seconds.
{rate}    threshold : float, default=0.5
        Multi-label only: ``predict`` marks a tag when its probability is at
        least this.
    criterion : torch loss class or None, default=None
        ``None`` chooses ``CrossEntropyLoss`` (multi-class, with
        ``label_smoothing``) or ``BCEWithLogitsLoss`` (multi-label); the
        module returns logits.
    optimizer : torch optimizer class, default=torch.optim.AdamW
        Optimizer (AdamW: Adam with decoupled weight decay, 0.01 by
        default); set its options with ``optimizer__*`` (skorch style), e.g.
        ``optimizer__weight_decay=0.05``.
    lr : float, default=1e-3
        Peak learning rate.
    max_epochs : int, default=30
        Maximum number of epochs (passes of ``crops_per_clip`` crops of
        every clip).
    batch_size : int, default=32
        Crops per training batch (and chunks per prediction batch).
    train_split : float, callable or None, default=0.2
        Validation fraction (stratified for single-label targets; validation
        averages the chunks of every held-out clip, as prediction does), any
        skorch ``train_split`` callable, or ``None`` to train on everything
        (which disables early stopping and the plateau schedule).
    patience : int or None, default=10
        Early stopping after this many epochs without improvement of the
        monitored quantity; the best epoch's weights are restored. ``None``
        disables it.
    monitor : {{"metric", "loss"}}, default="metric"
        What early stopping watches: the validation metric
        (``valid_acc``, clip accuracy, for single-label targets;
        ``valid_auc``, macro ROC-AUC over the tags, for multi-label) or the
        validation loss.
    lr_schedule : {{"warmup_cosine", "plateau", "cosine"}} or None, \
default="warmup_cosine"
        Linear warm-up over ``warmup_epochs`` then cosine decay to 0 at
        ``max_epochs``; halving the LR when the validation loss plateaus;
        or cosine annealing over ``max_epochs``.
    warmup_epochs : int, default=2
        Warm-up epochs of ``lr_schedule="warmup_cosine"``.
    label_smoothing : float in [0, 1), default=0.0
        Label smoothing of the training targets (multi-class: as
        ``CrossEntropyLoss``; multi-label: targets ``y * (1 - s) + s / 2``).
    spec_augment : bool, default={spec_augment}
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


_RATE_DOC = """\
    frame_rate : float, default=22050 / 512
        Frames per second of the input spectrograms (``sr / hop_length`` of
        the front-end; the default is that of
        :class:`~sklearn_music.features.MelSpectrogram`). Only used to state
        lengths in seconds in messages.
"""

_SPEC_LENGTHS = {
    "unit": "frames",
    "chunk_default": "128",
    "minimum": "128 frames, 2.97 s at 22,050 Hz and hop 512",
    "pad": "the clip's lowest value, the floor of a log spectrogram",
    "rate": _RATE_DOC,
    "spec_augment": "True",
}


def _doc(summary: str, *, lengths: dict, features: str, extra: str = "", tail: str):
    return (
        summary.rstrip()
        + "\n\n    Minimum input length at the defaults: "
        + lengths["minimum"]
        + " (``chunk_size``); shorter clips follow ``short`` (padded by"
        + " default). Longer clips of any length are cropped for training"
        + " and averaged over chunks for prediction."
        + "\n\n    Parameters\n    ----------\n"
        + extra
        + _TRAINING_PARAMS.format(**lengths)
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
    lengths=_SPEC_LENGTHS,
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
    lengths=_SPEC_LENGTHS,
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
    """1-D convolutional network along time, per mel band (Choi et al. 2017).

    Convolutions with 1x8 kernels run along time on every mel band; two fully
    connected layers combine the bands: the "k1c2" Conv1D baseline of Choi et
    al. (2017), Table 1. For the network of Dieleman & Schrauwen (2014), whose
    first-layer kernels span all mel bands, see :class:`DielemanClassifier`.
""",
    lengths=_SPEC_LENGTHS,
    features=_SPEC_FEATURES,
    extra=_MODULE_DOC.format(default="Conv1DModule", shape=_SPEC_SHAPE),
    tail="""
    See Also
    --------
    CRNNClassifier, Conv2DTagger, DielemanClassifier

    References
    ----------
    .. [1] K. Choi, G. Fazekas, M. Sandler and K. Cho, "Convolutional
       recurrent neural networks for music classification", ICASSP 2017.
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
    lengths=_SPEC_LENGTHS,
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


class ShortChunkCNNClassifier(MusicNet):
    _architecture = "shortchunk"

    def __init__(self, *, module=ShortChunkResNetModule, **kwargs):
        super().__init__(module, **kwargs)


ShortChunkCNNClassifier.__doc__ = _doc(
    """Short-chunk CNN with residual blocks (Won et al. 2020) for music
    classification and tagging.

    Seven residual blocks of 3x3 convolutions with stride 2 reduce a ~3 s
    mel-spectrogram chunk to a small map; a global max, a dense layer and the
    output layer follow (see
    :class:`~sklearn_music.models.ShortChunkResNetModule`). It was the best
    model of Won et al.'s comparison of tagging CNNs; like them, it trains on
    random short crops and predicts by averaging the chunks of each clip.
    The default widths are a quarter of the paper's (about 0.6M parameters,
    fast on a CPU); ``param_budget`` scales them (``param_budget=1.2e7`` is
    about the paper's size).
""",
    lengths=_SPEC_LENGTHS,
    features=_SPEC_FEATURES,
    extra=_MODULE_DOC.format(default="ShortChunkResNetModule", shape=_SPEC_SHAPE),
    tail="""
    See Also
    --------
    Conv2DTagger, CRNNClassifier

    References
    ----------
    .. [1] M. Won, A. Ferraro, D. Bogdanov and X. Serra, "Evaluation of
       CNN-based automatic music tagging models", SMC 2020.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_music.datasets import make_music
    >>> from sklearn_music.estimators import ShortChunkCNNClassifier
    >>> from sklearn_music.features import MelSpectrogram
    >>> X, y = make_music(24, n_classes=2, duration=4.0, random_state=0)
    >>> pipe = make_pipeline(
    ...     MelSpectrogram(n_mels=64),
    ...     ShortChunkCNNClassifier(
    ...         param_budget=5e4, max_epochs=2, random_state=0, verbose=0
    ...     ),
    ... )
    >>> pipe.fit(X, y).predict(X[:3]).shape
    (3,)
""",
)


class _WaveformNet(MusicNet):
    """A :class:`MusicNet` on raw audio: ``X`` is anything the input layer
    reads (a 2-D waveform array, ragged clips, file paths), at ``sr``.

    Subclasses define ``sr`` and ``pcm_scale`` in ``__init__``.
    """

    # waveform networks count time in samples at ``sr``: no ``frame_rate``
    _parameter_constraints: dict = {
        **{
            k: v
            for k, v in MusicNet._parameter_constraints.items()
            if k != "frame_rate"
        },
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

    def _pad_value(self, clip) -> float:
        return 0.0  # silence of a waveform


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
    lengths={
        "unit": "samples",
        "chunk_default": "59049",
        "minimum": "59,049 samples, 2.68 s at 22,050 Hz",
        "pad": "zeros",
        "rate": "",
        "spec_augment": "True (ignored: it masks spectrograms)",
    },
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
