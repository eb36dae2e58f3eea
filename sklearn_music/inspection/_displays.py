"""Displays of the inspection tools: kernels, kernel-tag scores, saliency and
auralisation (scikit-learn's ``*Display`` pattern)."""

from __future__ import annotations

from numbers import Integral

import numpy as np

from ._auralise import _check_mel, _one_clip, auralise
from ._kernels import first_layer_kernels, kernel_tag_ranking, kernel_tag_scores
from ._saliency import _saliency

__all__ = [
    "AuralisationDisplay",
    "KernelDisplay",
    "KernelTagDisplay",
    "SaliencyDisplay",
]


def _grid(ax, n: int, n_cols: int, caller: str, figsize=None):
    """``(axes, figure)``: ``n`` axes, given or on a new figure (``figsize``
    defaults to a small panel per axes)."""
    from sklearn.utils._optional_dependencies import check_matplotlib_support

    check_matplotlib_support(caller)
    import matplotlib.pyplot as plt

    if ax is not None:
        axes = np.asarray(ax, dtype=object).ravel()
        if axes.size < n:
            raise ValueError(f"ax must hold at least {n} axes; got {axes.size}.")
        return axes[:n], axes[0].figure
    n_cols = max(1, min(n_cols, n))
    n_rows = -(-n // n_cols)
    if figsize is None:
        figsize = (1.6 * n_cols, 1.9 * n_rows)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=figsize, squeeze=False)
    axes = axes.ravel()
    for extra in axes[n:]:
        extra.set_visible(False)
    return axes[:n], fig


def _time_axis(n_frames: int, sr, hop_length):
    """Frame edges in seconds (or frame numbers) and the axis label."""
    if sr is None or hop_length is None:
        return (-0.5, n_frames - 0.5), "Frame"
    step = hop_length / sr
    return (-0.5 * step, (n_frames - 0.5) * step), "Time (s)"


def _draw_tf(ax, values, *, sr, hop_length, cmap, symmetric, label, title):
    values = np.asarray(values, dtype=float)
    (t0, t1), xlabel = _time_axis(values.shape[1], sr, hop_length)
    kwargs = {}
    if symmetric:
        peak = float(np.nanmax(np.abs(values))) if values.size else 0.0
        kwargs = {"vmin": -peak, "vmax": peak} if peak > 0 else {}
    image = ax.imshow(
        values,
        origin="lower",
        aspect="auto",
        interpolation="nearest",
        cmap=cmap,
        extent=(t0, t1, -0.5, values.shape[0] - 0.5),
        **kwargs,
    )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Mel band")
    if title:
        ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, label=label)
    return image


class KernelDisplay:
    """First-layer kernels of a spectrogram network, frequency by time.

    Each kernel is drawn as a small spectrogram patch (lowest band at the
    bottom) in a diverging colour map centred on zero: red where the kernel
    looks for energy, blue where it looks for its absence.

    Parameters
    ----------
    kernels : ndarray of shape (n_kernels, height, width)
        As returned by :func:`first_layer_kernels`.
    titles : list of str, default=None
        One title per kernel (e.g. its top tags); ``None`` numbers them.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        One axes per kernel.
    figure_ : matplotlib Figure
    images_ : list of matplotlib AxesImage

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_music.inspection import KernelDisplay
    >>> display = KernelDisplay(np.random.default_rng(0).normal(size=(6, 16, 8)))
    >>> len(display.plot(n_cols=3).images_)
    6
    """

    def __init__(self, kernels, *, titles=None):
        self.kernels = kernels
        self.titles = titles

    def plot(self, ax=None, *, n_cols=8, cmap="RdBu_r"):
        """Draw one panel per kernel.

        Parameters
        ----------
        ax : array of matplotlib Axes, default=None
            At least one axes per kernel; ``None`` makes a grid.
        n_cols : int, default=8
            Columns of the grid.
        cmap : str or matplotlib Colormap, default="RdBu_r"
            Colour map (each kernel is centred on zero).

        Returns
        -------
        display : KernelDisplay
        """
        kernels = np.asarray(self.kernels, dtype=float)
        if kernels.ndim != 3 or kernels.shape[0] == 0:
            raise ValueError(
                "kernels must have shape (n_kernels, height, width); got "
                f"{kernels.shape}."
            )
        titles = self.titles
        if titles is None:
            titles = [f"kernel {k}" for k in range(kernels.shape[0])]
        if len(titles) != kernels.shape[0]:
            raise ValueError(
                f"titles must hold one entry per kernel ({kernels.shape[0]}); got "
                f"{len(titles)}."
            )
        axes, fig = _grid(ax, kernels.shape[0], n_cols, f"{type(self).__name__}.plot")
        self.images_ = []
        for axis, kernel, title in zip(axes, kernels, titles, strict=True):
            peak = float(np.abs(kernel).max()) or 1.0
            self.images_.append(
                axis.imshow(
                    kernel,
                    origin="lower",
                    aspect="auto",
                    interpolation="nearest",
                    cmap=cmap,
                    vmin=-peak,
                    vmax=peak,
                )
            )
            axis.set_title(str(title), fontsize="small")
            axis.set_xticks([])
            axis.set_yticks([])
        axes[0].set_ylabel("frequency")
        axes[0].set_xlabel("time")
        self.axes_, self.figure_ = axes, fig
        return self

    @classmethod
    def from_estimator(
        cls, estimator, *, kernels=None, ranking=None, ax=None, n_cols=8, cmap="RdBu_r"
    ):
        """Plot the first-layer kernels of a fitted network.

        Parameters
        ----------
        estimator : fitted neural estimator or Pipeline ending in one
            A spectrogram model (see :func:`first_layer_kernels`).
        kernels : int, list of int or None, default=None
            Which kernels: the first ``kernels`` of them, the listed ones, or
            all.
        ranking : pandas.DataFrame, default=None
            Output of :func:`kernel_tag_ranking`: each kernel is titled with
            its top tags.
        ax : array of matplotlib Axes, default=None
            Axes to draw on; ``None`` makes a grid.
        n_cols : int, default=8
            Columns of the grid.
        cmap : str or matplotlib Colormap, default="RdBu_r"
            Colour map.

        Returns
        -------
        display : KernelDisplay
        """
        weights = first_layer_kernels(estimator)
        chosen = _choose_kernels(kernels, weights.shape[0])
        titles = [f"kernel {k}" for k in chosen]
        if ranking is not None:
            for i, k in enumerate(chosen):
                top = ranking.loc[ranking["kernel"] == k].sort_values("rank")["tag"]
                if len(top):
                    titles[i] = f"{k}: " + ", ".join(map(str, top.iloc[:3]))
        display = cls(weights[chosen], titles=titles)
        return display.plot(ax=ax, n_cols=n_cols, cmap=cmap)


def _choose_kernels(kernels, n: int) -> list[int]:
    if kernels is None:
        return list(range(n))
    if isinstance(kernels, Integral) and not isinstance(kernels, bool):
        if kernels < 1:
            raise ValueError(f"kernels as a number must be >= 1; got {kernels}.")
        return list(range(min(int(kernels), n)))
    chosen = [int(k) for k in kernels]
    bad = [k for k in chosen if not 0 <= k < n]
    if bad or not chosen:
        raise ValueError(
            f"kernels must list kernel numbers in [0, {n}); got {list(kernels)!r}."
        )
    return chosen


class KernelTagDisplay:
    """Kernel-tag activation scores as a heatmap, top tags marked.

    Rows are first-layer kernels, columns tags; a dot marks the tag that
    activates each kernel most (Nam et al. 2019).

    Parameters
    ----------
    scores : pandas.DataFrame of shape (n_kernels, n_tags)
        Output of :func:`kernel_tag_scores`.

    Attributes
    ----------
    ranking_ : pandas.DataFrame
        :func:`kernel_tag_ranking` of ``scores`` (top ``n_top`` per kernel).
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    image_ : matplotlib AxesImage
    """

    def __init__(self, scores):
        self.scores = scores

    def plot(self, ax=None, *, n_top=3, cmap="viridis"):
        """Draw the heatmap.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure.
        n_top : int, default=3
            Top tags per kernel kept in ``ranking_``.
        cmap : str or matplotlib Colormap, default="viridis"
            Colour map.

        Returns
        -------
        display : KernelTagDisplay
        """
        self.ranking_ = kernel_tag_ranking(self.scores, n_top=n_top)
        axes, fig = _grid(ax, 1, 1, f"{type(self).__name__}.plot", (6.4, 4.8))
        ax = axes[0]
        values = self.scores.to_numpy(dtype=float)
        self.image_ = ax.imshow(values, aspect="auto", cmap=cmap, interpolation="none")
        tags = [str(t) for t in self.scores.columns]
        ax.set_xticks(range(len(tags)), tags, rotation=60, ha="right")
        ax.set_ylabel("Kernel")
        ax.set_xlabel("Tag")
        col = {t: j for j, t in enumerate(self.scores.columns)}
        best = self.ranking_[self.ranking_["rank"] == 1]
        rows = {k: i for i, k in enumerate(self.scores.index)}
        ax.scatter(
            [col[t] for t in best["tag"]],
            [rows[k] for k in best["kernel"]],
            marker="o",
            s=12,
            color="white",
            edgecolors="black",
            linewidths=0.5,
        )
        fig.colorbar(self.image_, ax=ax, label="mean activation")
        self.ax_, self.figure_ = ax, fig
        return self

    @classmethod
    def from_estimator(
        cls, estimator, X, y, *, reduce="mean", normalize=True, n_top=3, ax=None
    ):
        """Compute :func:`kernel_tag_scores` and plot them.

        Parameters
        ----------
        estimator : fitted neural estimator or Pipeline ending in one
            A spectrogram model.
        X : array-like
            Clips.
        y : labels, tag lists or indicator matrix
            Tags of the clips.
        reduce : {"mean", "max"}, default="mean"
            Summary of a kernel's output over a clip.
        normalize : bool, default=True
            Standardise each kernel's responses over the clips first.
        n_top : int, default=3
            Top tags per kernel in ``ranking_``.
        ax : matplotlib Axes, default=None
            Axes to draw on.

        Returns
        -------
        display : KernelTagDisplay
        """
        scores = kernel_tag_scores(estimator, X, y, reduce=reduce, normalize=normalize)
        return cls(scores).plot(ax=ax, n_top=n_top)


class SaliencyDisplay:
    """A clip's spectrogram and its saliency for one class or tag.

    Create it with :meth:`from_estimator`. The top panel shows the
    spectrogram the network read, the bottom one the saliency
    (:func:`saliency_map`) in a diverging colour map: red regions raise the
    class's score, blue ones lower it.

    Parameters
    ----------
    spectrogram : ndarray of shape (n_mels, n_frames)
    saliency : ndarray of shape (n_mels, n_frames)
    target : label, default=None
        The class or tag, for the title.
    method : str, default=None
        The saliency method, for the title.
    sr, hop_length : int, default=None
        Put the time axis in seconds (from the pipeline's MelSpectrogram);
        ``None`` numbers frames.

    Attributes
    ----------
    axes_ : ndarray of two matplotlib Axes
    figure_ : matplotlib Figure
    images_ : list of two matplotlib AxesImage
    """

    def __init__(
        self, spectrogram, saliency, *, target=None, method=None, sr=None,
        hop_length=None,
    ):  # fmt: skip
        self.spectrogram = spectrogram
        self.saliency = saliency
        self.target = target
        self.method = method
        self.sr = sr
        self.hop_length = hop_length

    def plot(self, ax=None, *, cmap="magma", saliency_cmap="RdBu_r"):
        """Draw the spectrogram above its saliency.

        Parameters
        ----------
        ax : pair of matplotlib Axes, default=None
            Axes for the two panels; ``None`` creates a figure.
        cmap : str, default="magma"
            Colour map of the spectrogram.
        saliency_cmap : str, default="RdBu_r"
            Colour map of the saliency (centred on zero).

        Returns
        -------
        display : SaliencyDisplay
        """
        S, sal = np.asarray(self.spectrogram), np.asarray(self.saliency)
        if S.ndim != 2 or sal.shape != S.shape:
            raise ValueError(
                "spectrogram and saliency must be 2-D arrays of one shape; got "
                f"{S.shape} and {sal.shape}."
            )
        axes, fig = _grid(ax, 2, 1, f"{type(self).__name__}.plot", (6.4, 5.2))
        times = {"sr": self.sr, "hop_length": self.hop_length}
        what = "" if self.target is None else f" for {self.target!r}"
        how = "" if self.method is None else f" ({self.method})"
        self.images_ = [
            _draw_tf(axes[0], S, cmap=cmap, symmetric=False, label="input",
                     title="Input spectrogram", **times),
            _draw_tf(axes[1], sal, cmap=saliency_cmap, symmetric=True,
                     label="saliency", title=f"Saliency{what}{how}", **times),
        ]  # fmt: skip
        fig.tight_layout()
        self.axes_, self.figure_ = axes, fig
        return self

    @classmethod
    def from_estimator(
        cls, estimator, X, *, target=None, index=0, method="gradient_x_input",
        patch_size=(8, 8), ax=None,
    ):  # fmt: skip
        """Compute a :func:`saliency_map` and plot it under the spectrogram.

        Parameters
        ----------
        estimator : fitted neural estimator or Pipeline ending in one
            A spectrogram model.
        X : array-like
            Clips in any form the estimator (or pipeline) reads.
        target : label or None, default=None
            Class or tag; ``None`` takes the highest-scoring one.
        index : int, default=0
            The clip of ``X``.
        method : {"gradient_x_input", "gradient", "occlusion"}, \
default="gradient_x_input"
            See :func:`saliency_map`.
        patch_size : (int, int), default=(8, 8)
            Occlusion patch (bands, frames).
        ax : pair of matplotlib Axes, default=None
            Axes to draw on.

        Returns
        -------
        display : SaliencyDisplay
        """
        saliency, clip, column, inp = _saliency(
            estimator, X, target=target, index=index, method=method,
            patch_size=patch_size, batch_size=32, caller="SaliencyDisplay",
        )  # fmt: skip
        mel = inp.mel_transformer()
        p = mel.resolved_params() if mel is not None else {}
        display = cls(
            clip, saliency, target=inp.classes()[column], method=method,
            sr=p.get("sr"), hop_length=p.get("hop_length"),
        )  # fmt: skip
        return display.plot(ax=ax)


class AuralisationDisplay:
    """Audio resynthesised from a weighted mel spectrogram, and what it came from.

    Create it with :meth:`from_spectrogram`. ``audio`` and ``sr`` are the
    sound (listen in a notebook with ``IPython.display.Audio(display.audio,
    rate=display.sr)``); the plot shows the weighted spectrogram that was
    inverted above the waveform.

    Parameters
    ----------
    audio : ndarray of shape (n_samples,)
    sr : int
    spectrogram : ndarray of shape (n_mels, n_frames)
        The weighted spectrogram (same log scale as the input).
    hop_length : int, default=None
        For the time axis of the spectrogram in seconds.

    Attributes
    ----------
    axes_ : ndarray of two matplotlib Axes
    figure_ : matplotlib Figure
    """

    def __init__(self, audio, *, sr, spectrogram, hop_length=None):
        self.audio = audio
        self.sr = sr
        self.spectrogram = spectrogram
        self.hop_length = hop_length

    def plot(self, ax=None, *, cmap="magma"):
        """Draw the weighted spectrogram and the waveform.

        Parameters
        ----------
        ax : pair of matplotlib Axes, default=None
            Axes for the two panels; ``None`` creates a figure.
        cmap : str, default="magma"
            Colour map of the spectrogram.

        Returns
        -------
        display : AuralisationDisplay
        """
        axes, fig = _grid(ax, 2, 1, f"{type(self).__name__}.plot", (6.4, 5.2))
        _draw_tf(axes[0], self.spectrogram, sr=self.sr, hop_length=self.hop_length,
                 cmap=cmap, symmetric=False, label="input",
                 title="Spectrogram heard")  # fmt: skip
        audio = np.asarray(self.audio, dtype=float)
        axes[1].plot(np.arange(audio.size) / self.sr, audio, linewidth=0.5)
        axes[1].set_xlabel("Time (s)")
        axes[1].set_ylabel("Amplitude")
        axes[1].set_title("Auralised audio")
        fig.tight_layout()
        self.axes_, self.figure_ = axes, fig
        return self

    @classmethod
    def from_spectrogram(
        cls, S, transformer, *, weights=None, index=0, n_iter=32, random_state=None,
        ax=None,
    ):  # fmt: skip
        """Auralise a (weighted) mel spectrogram (:func:`auralise`) and plot it.

        Parameters
        ----------
        S : ndarray of shape (n_mels, n_frames) or (n_clips, n_mels, n_frames)
            Output of ``transformer``.
        transformer : MelSpectrogram
            The transformer that computed ``S``.
        weights : ndarray of shape (n_mels, n_frames), default=None
            Saliency, kernel response or mask (see :func:`auralise`).
        index : int, default=0
            Clip of a batch ``S``.
        n_iter : int, default=32
            Griffin-Lim iterations.
        random_state : int or None, default=None
            Seeds the initial phase.
        ax : pair of matplotlib Axes, default=None
            Axes to draw on.

        Returns
        -------
        display : AuralisationDisplay
        """
        p = _check_mel(transformer)
        audio = auralise(
            S, transformer, weights=weights, index=index, n_iter=n_iter,
            random_state=random_state,
        )  # fmt: skip
        clip = _one_clip(S, index)
        shown = clip
        if weights is not None:
            w = np.maximum(np.asarray(weights, dtype=float), 0.0)
            w = w / w.max() if w.max() > 0 else w
            with np.errstate(divide="ignore"):
                shown = np.where(w > 0, clip + 10.0 * np.log10(w), np.nan)
            if p["log"] not in ("db", "db20"):
                shown = clip * w
        display = cls(audio, sr=p["sr"], spectrogram=shown, hop_length=p["hop_length"])
        return display.plot(ax=ax)
