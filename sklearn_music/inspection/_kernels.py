"""First-layer kernels and the tags that activate them (Nam et al. 2019)."""

from __future__ import annotations

from numbers import Integral

import numpy as np

from .._targets import ClassEncoder
from ._network import first_convolution, first_layer_outputs, network_input

__all__ = [
    "first_layer_kernels",
    "kernel_activation_map",
    "kernel_activations",
    "kernel_tag_ranking",
    "kernel_tag_scores",
]

_REDUCE = ("mean", "max")


def first_layer_kernels(estimator) -> np.ndarray:
    """The first-layer kernels of a spectrogram network, as small spectrograms.

    Parameters
    ----------
    estimator : fitted neural estimator or Pipeline ending in one
        A spectrogram model (:class:`~sklearn_music.estimators.DielemanClassifier`,
        :class:`~sklearn_music.estimators.Conv1DClassifier`,
        :class:`~sklearn_music.estimators.CRNNClassifier`, ...). Its first
        convolution is the module's ``first_layer`` if it has one, else its
        first ``Conv1d`` or ``Conv2d`` layer.

    Returns
    -------
    kernels : ndarray of shape (n_kernels, height, width), float32
        Frequency (lowest band first) by time. A 1-D convolution over the mel
        bands (:class:`~sklearn_music.models.DielemanModule`) gives
        ``height = n_mels``; a 2-D one its kernel height (1 for the per-band
        kernels of :class:`~sklearn_music.models.Conv1DModule`, 3 for the
        3 x 3 kernels of the CRNN).

    Raises
    ------
    ValueError
        If the estimator is not a fitted spectrogram network, or its first
        2-D convolution reads more than one input channel.

    Examples
    --------
    >>> from sklearn_music.datasets import make_music
    >>> from sklearn_music.estimators import DielemanClassifier
    >>> from sklearn_music.features import MelSpectrogram
    >>> from sklearn_music.inspection import first_layer_kernels
    >>> X, y = make_music(8, n_classes=2, duration=1.0, random_state=0)
    >>> S = MelSpectrogram(n_mels=32).fit_transform(X)
    >>> net = DielemanClassifier(max_epochs=1, verbose=0, random_state=0).fit(S, y)
    >>> first_layer_kernels(net).shape
    (32, 32, 8)
    """
    inp = network_input(estimator, "first_layer_kernels")
    layer = first_convolution(inp.module)
    weight = layer.weight.detach().float().cpu().numpy()
    if weight.ndim == 3:  # Conv1d: (out, n_mels, time)
        return weight
    if weight.shape[1] != 1:
        raise ValueError(
            f"the first convolution of {type(inp.module).__name__} reads "
            f"{weight.shape[1]} input channels, so its kernels are not "
            "spectrogram patches."
        )
    return weight[:, 0]


def _check_reduce(reduce):
    if reduce not in _REDUCE:
        raise ValueError(f"reduce must be 'mean' or 'max'; got {reduce!r}.")


def kernel_activations(estimator, X, *, reduce="mean") -> np.ndarray:
    """How strongly each first-layer kernel responds to each clip.

    The response of a kernel to a clip is its first-layer output (the
    convolution, before normalisation and non-linearity) averaged (or
    maximised) over all positions in time and frequency.

    Parameters
    ----------
    estimator : fitted neural estimator or Pipeline ending in one
        A spectrogram model; for a pipeline, ``X`` goes through its front-end.
    X : array-like
        Clips in any form the estimator (or pipeline) reads.
    reduce : {"mean", "max"}, default="mean"
        How the output is summarised over positions.

    Returns
    -------
    activations : ndarray of shape (n_clips, n_kernels)
    """
    _check_reduce(reduce)
    inp = network_input(estimator, "kernel_activations")
    rows = []
    for clip in inp.clips(X):
        out = first_layer_outputs(inp, clip).reshape(
            first_convolution(inp.module).out_channels, -1
        )
        rows.append(out.mean(axis=1) if reduce == "mean" else out.max(axis=1))
    return np.asarray(rows, dtype=np.float64)


def kernel_tag_scores(estimator, X, y, *, reduce="mean", normalize=True):
    """Mean activation of every first-layer kernel over the clips of each tag.

    Nam et al. (2019) look at the first-layer kernels of a 1-D CNN that
    scans the whole spectrum and rank, for each kernel, the tags whose clips
    activate it most. This computes the table behind that ranking;
    :func:`kernel_tag_ranking` sorts it.

    Parameters
    ----------
    estimator : fitted neural estimator or Pipeline ending in one
        A spectrogram model (any: the tags need not be the ones it learned).
    X : array-like
        Clips in any form the estimator (or pipeline) reads.
    y : array-like of shape (n_clips,), tag lists or indicator matrix
        Labels of the clips: one label each (genres), tag lists, or a 0/1
        matrix of shape ``(n_clips, n_tags)`` (a DataFrame's columns name
        the tags).
    reduce : {"mean", "max"}, default="mean"
        Summary of a kernel's output over a clip (:func:`kernel_activations`).
    normalize : bool, default=True
        Standardise each kernel's responses over the clips (zero mean, unit
        variance) before averaging, so that scores of different kernels are
        comparable: a score is then how many standard deviations the tag's
        clips lie above the kernel's average response. The ranking of tags
        for one kernel does not depend on it.

    Returns
    -------
    scores : pandas.DataFrame of shape (n_kernels, n_tags)
        ``scores.loc[k, tag]``: mean response of kernel ``k`` over the clips
        labelled ``tag`` (NaN for a tag without clips). The index is the
        kernel number, the columns the tags.

    See Also
    --------
    kernel_tag_ranking : The top tags of every kernel.
    KernelTagDisplay : Draw the table.
    """
    import pandas as pd

    A = kernel_activations(estimator, X, reduce=reduce)
    encoder = ClassEncoder("kernel_tag_scores")
    Y = np.asarray(encoder.fit_transform(y, n_samples=A.shape[0]))
    tags = encoder.classes_
    if encoder.multilabel_ and hasattr(y, "columns"):  # an indicator DataFrame
        tags = np.asarray(y.columns)
    if not encoder.multilabel_:
        Y = np.eye(len(tags))[Y.astype(np.int64)]
    if normalize:
        std = A.std(axis=0)
        A = (A - A.mean(axis=0)) / np.where(std > 0, std, 1.0)
    counts = Y.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = (A.T @ Y) / counts  # (n_kernels, n_tags)
    return pd.DataFrame(
        table,
        index=pd.RangeIndex(A.shape[1], name="kernel"),
        columns=pd.Index(list(tags), name="tag"),
    )


def kernel_tag_ranking(scores, *, n_top=5):
    """The tags that activate each kernel most, best first.

    Parameters
    ----------
    scores : pandas.DataFrame of shape (n_kernels, n_tags)
        Output of :func:`kernel_tag_scores`.
    n_top : int, default=5
        Tags kept per kernel (all if there are fewer).

    Returns
    -------
    ranking : pandas.DataFrame
        One row per kernel and rank with columns ``kernel``, ``rank`` (1 for
        the most activating tag), ``tag`` and ``score``. Tags without clips
        (NaN scores) are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_music.inspection import kernel_tag_ranking
    >>> scores = pd.DataFrame([[0.1, 0.9, -0.5], [1.2, -0.3, 0.0]],
    ...                       columns=["jazz", "rock", "pop"])
    >>> kernel_tag_ranking(scores, n_top=2)
       kernel  rank   tag  score
    0       0     1  rock    0.9
    1       0     2  jazz    0.1
    2       1     1  jazz    1.2
    3       1     2   pop    0.0
    """
    import pandas as pd

    if not hasattr(scores, "columns"):
        raise ValueError(
            "scores must be the DataFrame of kernel_tag_scores (kernels x tags); "
            f"got {type(scores).__name__}."
        )
    if isinstance(n_top, bool) or not isinstance(n_top, Integral) or n_top < 1:
        raise ValueError(f"n_top must be an integer >= 1; got {n_top!r}.")
    rows = []
    values = scores.to_numpy(dtype=float)
    tags = list(scores.columns)
    for row, kernel in enumerate(scores.index):
        order = [j for j in np.argsort(-values[row], kind="stable")]
        order = [j for j in order if np.isfinite(values[row, j])][:n_top]
        for rank, j in enumerate(order, start=1):
            rows.append((kernel, rank, tags[j], values[row, j]))
    return pd.DataFrame(rows, columns=["kernel", "rank", "tag", "score"])


def kernel_activation_map(estimator, X, *, kernel, index=0) -> np.ndarray:
    """Where in one clip a first-layer kernel responds, as a spectrogram mask.

    Parameters
    ----------
    estimator : fitted neural estimator or Pipeline ending in one
        A spectrogram model.
    X : array-like
        Clips in any form the estimator (or pipeline) reads.
    kernel : int
        The kernel (output channel of the first convolution).
    index : int, default=0
        The clip of ``X``.

    Returns
    -------
    weights : ndarray of shape (n_mels, n_frames), values in [0, 1]
        The kernel's rectified response, scaled to a maximum of 1. A 2-D
        first layer gives it per time-frequency position; for a 1-D layer
        over all mel bands (one response per frame), the response over time
        is spread over the bands in proportion to the kernel's positive
        weights, i.e. where in frequency the kernel looks for energy. Use it
        as ``weights`` of :func:`auralise` to hear what the kernel responds
        to.
    """
    inp = network_input(estimator, "kernel_activation_map")
    layer = first_convolution(inp.module)
    n_kernels = layer.out_channels
    if isinstance(kernel, bool) or not isinstance(kernel, Integral):
        raise ValueError(f"kernel must be an integer; got {kernel!r}.")
    if not 0 <= kernel < n_kernels:
        raise ValueError(
            f"kernel must be in [0, {n_kernels}) for the {n_kernels} first-layer "
            f"kernels; got {kernel}."
        )
    clips = inp.clips(X)
    if isinstance(index, bool) or not isinstance(index, Integral):
        raise ValueError(f"index must be an integer; got {index!r}.")
    if not 0 <= index < len(clips):
        raise ValueError(f"index must be in [0, {len(clips)}); got {index}.")
    clip = clips[index]
    out = np.maximum(first_layer_outputs(inp, clip)[kernel], 0.0)
    if out.ndim == 1:  # one response per frame: spread it by the kernel
        profile = np.maximum(first_layer_kernels(estimator)[kernel].sum(axis=1), 0)
        out = np.outer(profile, out)
    out = _resize(out, clip.shape)
    peak = out.max()
    return (out / peak if peak > 0 else out).astype(np.float32)


def _resize(values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of a 2-D map to ``shape`` (a layer with
    'same' padding keeps the shape, so this is usually a no-op)."""
    if values.shape == tuple(shape):
        return values
    rows = np.minimum(
        (np.arange(shape[0]) * values.shape[0]) // shape[0], values.shape[0] - 1
    )
    cols = np.minimum(
        (np.arange(shape[1]) * values.shape[1]) // shape[1], values.shape[1] - 1
    )
    return values[np.ix_(rows, cols)]
