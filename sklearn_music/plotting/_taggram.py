"""Taggram: a tagger's probabilities over time, tags by time."""

from __future__ import annotations

from numbers import Integral

import numpy as np

from ..utils import format_items
from ._base import _axes

__all__ = ["TaggramDisplay"]


def _select_tags(values, names, tags):
    """Column indices to draw: all, the ``tags`` with the highest mean, or
    the named ones."""
    if tags is None:
        return np.arange(len(names))
    if isinstance(tags, Integral) and not isinstance(tags, bool):
        if tags < 1:
            raise ValueError(f"tags as a number must be >= 1; got {tags}.")
        return np.argsort(-values.mean(axis=0), kind="stable")[:tags]
    lookup = {str(n): j for j, n in enumerate(names)}
    unknown = [t for t in tags if str(t) not in lookup]
    if unknown:
        raise ValueError(
            f"Unknown tag(s) {format_items(unknown)}; the tags are "
            f"[{format_items(names)}]."
        )
    return np.array([lookup[str(t)] for t in tags], dtype=int)


class TaggramDisplay:
    """Probabilities of every tag (or class) over time: a tags x time heat map.

    Create it with :meth:`from_estimator` (from a fitted model and one
    recording) or :meth:`from_over_time` (from one result of
    ``predict_proba_over_time`` or
    :func:`~sklearn_music.segments.predict_over_time`). Each column of the
    heat map is one chunk, from its start to its end time; overlapping chunks
    (``hop`` shorter than a chunk) are drawn from one start to the next.
    Optionally the waveform or the spectrogram is drawn above, on the same
    time axis.

    Parameters
    ----------
    probabilities : ndarray of shape (n_chunks, n_tags)
        Probability of each tag in each chunk.
    start_s : ndarray of shape (n_chunks,)
        Start of each chunk in seconds, increasing.
    end_s : ndarray of shape (n_chunks,)
        End of each chunk in seconds.
    tags : array-like of shape (n_tags,)
        Tag (or class) names.
    waveform : ndarray of shape (n_samples,), default=None
        The recording, drawn above the taggram when given (with ``sr``).
    sr : int, default=None
        Sampling rate of ``waveform``.
    name : str, default=None
        Title of the plot.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the taggram.
    audio_ax_ : matplotlib Axes or None
        Axes with the waveform or spectrogram, if drawn.
    figure_ : matplotlib Figure
        Figure containing the plot.
    mesh_ : matplotlib QuadMesh
        The heat map; ``mesh_.get_array()`` holds the drawn probabilities
        (tags by chunks).

    See Also
    --------
    sklearn_music.segments.predict_over_time : Outputs over time of a model.
    SpectrogramDisplay : One clip's spectrogram.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_music.plotting import TaggramDisplay
    >>> p = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
    >>> display = TaggramDisplay(
    ...     p, start_s=np.array([0.0, 3.0, 6.0]), end_s=np.array([3.0, 6.0, 9.0]),
    ...     tags=["rock", "jazz"]).plot()
    >>> display.mesh_.get_array().shape
    (2, 3)
    """

    def __init__(
        self, probabilities, *, start_s, end_s, tags, waveform=None, sr=None, name=None
    ):
        self.probabilities = probabilities
        self.start_s = start_s
        self.end_s = end_s
        self.tags = tags
        self.waveform = waveform
        self.sr = sr
        self.name = name

    def _checked(self):
        P = np.asarray(self.probabilities, dtype=float)
        start = np.asarray(self.start_s, dtype=float)
        end = np.asarray(self.end_s, dtype=float)
        names = np.asarray(self.tags, dtype=object)
        if P.ndim != 2 or P.shape[0] == 0:
            raise ValueError(
                f"probabilities must be 2-D (n_chunks, n_tags); got shape {P.shape}."
            )
        if start.shape != (P.shape[0],) or end.shape != (P.shape[0],):
            raise ValueError(
                f"start_s and end_s need one value per chunk ({P.shape[0]}); got "
                f"shapes {start.shape} and {end.shape}."
            )
        if np.any(np.diff(start) <= 0) or np.any(end <= start):
            raise ValueError(
                "chunk start times must increase and each chunk must end after "
                "it starts."
            )
        if names.shape != (P.shape[1],):
            raise ValueError(
                f"tags must name the {P.shape[1]} columns; got {names.size} names."
            )
        return P, start, end, names

    def plot(
        self,
        ax=None,
        *,
        tags=None,
        audio="waveform",
        cmap="viridis",
        colorbar=True,
        name=None,
        **kwargs,
    ):
        """Draw the taggram.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes for the taggram; ``None`` creates a figure (with a second
            axes above for the audio, when there is a waveform to draw).
        tags : int, list of str or None, default=None
            Draw every tag (``None``), the ``tags`` tags with the highest mean
            probability (most probable on top), or the named tags in the
            given order.
        audio : {"waveform", "spectrogram"} or None, default="waveform"
            What to draw above the taggram when ``waveform`` was given, on a
            new figure only.
        cmap : str or matplotlib Colormap, default="viridis"
            Colour map of the probabilities (from 0 to 1).
        colorbar : bool, default=True
            Add a colour bar.
        name : str, default=None
            Title; ``None`` uses the ``name`` given at construction.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.pcolormesh`.

        Returns
        -------
        display : TaggramDisplay
            The object itself, with ``ax_``, ``audio_ax_``, ``figure_`` and
            ``mesh_`` set.
        """
        P, start, end, names = self._checked()
        if audio not in ("waveform", "spectrogram", None):
            raise ValueError(
                f"audio must be 'waveform', 'spectrogram' or None; got {audio!r}."
            )
        columns = _select_tags(P, names, tags)
        self.audio_ax_ = None
        if ax is None and self.waveform is not None and audio is not None:
            if self.sr is None:
                raise ValueError("sr is needed to draw the waveform.")
            import matplotlib.pyplot as plt

            fig, (top, ax) = plt.subplots(
                2, 1, sharex=True, figsize=(8, 5), height_ratios=(1, 2)
            )
            self._draw_audio(top, audio)
            self.audio_ax_ = top
        ax, fig = _axes(ax, f"{type(self).__name__}.plot")
        # one column per chunk, from its start to the next start (or its end)
        edges = np.append(start, end[-1])
        kwargs.setdefault("rasterized", True)
        kwargs.setdefault("vmin", 0.0)
        kwargs.setdefault("vmax", 1.0)
        rows = np.arange(len(columns) + 1) - 0.5
        self.mesh_ = ax.pcolormesh(
            edges, rows, P[:, columns].T, cmap=cmap, shading="flat", **kwargs
        )
        ax.set_yticks(np.arange(len(columns)))
        ax.set_yticklabels([str(names[j]) for j in columns])
        ax.set_ylim(len(columns) - 0.5, -0.5)  # first tag on top
        ax.set_xlim(edges[0], edges[-1])
        ax.set_xlabel("Time (s)")
        title = self.name if name is None else name
        if title is not None:
            (self.audio_ax_ or ax).set_title(title)
        if colorbar:
            fig.colorbar(self.mesh_, ax=ax, label="Probability")
        self.ax_, self.figure_ = ax, fig
        return self

    def _draw_audio(self, ax, audio: str):
        y = np.asarray(self.waveform, dtype=np.float32)
        if audio == "waveform":
            step = max(1, y.size // 4000)  # an envelope, not every sample
            n = y.size // step * step
            blocks = np.abs(y[:n]).reshape(-1, step).max(axis=1)
            t = (np.arange(blocks.size) + 0.5) * step / self.sr
            ax.fill_between(t, -blocks, blocks, color="0.4", linewidth=0)
            ax.set_ylabel("Amplitude")
            return
        from ..features import MelSpectrogram
        from ._spectrogram import SpectrogramDisplay

        SpectrogramDisplay.from_transformer(
            MelSpectrogram(sr=self.sr, n_mels=64), [y], ax=ax, colorbar=False
        )
        ax.set_xlabel("")

    @classmethod
    def from_over_time(cls, result, *, waveform=None, sr=None, name=None, **plot_kw):
        """Plot one clip's result of ``predict_proba_over_time``.

        Parameters
        ----------
        result : OverTime
            One element of the list that
            :meth:`~sklearn_music.estimators.CRNNClassifier.predict_proba_over_time`
            or :func:`~sklearn_music.segments.predict_over_time` returns.
        waveform : ndarray of shape (n_samples,), default=None
            The recording, to draw above.
        sr : int, default=None
            Its sampling rate.
        name : str, default=None
            Title.
        **plot_kw : dict
            Passed to :meth:`plot` (``tags``, ``audio``, ``ax``, ...).

        Returns
        -------
        display : TaggramDisplay
        """
        display = cls(
            result.values,
            start_s=result.start_s,
            end_s=result.end_s,
            tags=result.columns,
            waveform=waveform,
            sr=sr,
            name=name,
        )
        return display.plot(**plot_kw)

    @classmethod
    def from_estimator(cls, model, X, *, index=0, hop=None, name=None, **plot_kw):
        """Compute and plot the taggram of one recording.

        Parameters
        ----------
        model : Pipeline or MusicNet
            A fitted classifier or tagger: a pipeline from audio (front-end
            and network) or a waveform network (see
            :func:`~sklearn_music.segments.predict_over_time`).
        X : audio
            File paths or waveforms; only item ``index`` is read.
        index : int, default=0
            Which item to plot.
        hop : float or None, default=None
            Seconds between chunk starts; ``None`` is one chunk length.
        name : str, default=None
            Title; ``None`` names the file (or the clip index).
        **plot_kw : dict
            Passed to :meth:`plot` (``tags``, ``audio``, ``ax``, ...).

        Returns
        -------
        display : TaggramDisplay
        """
        from .._io import check_audio_input
        from ..segments import predict_over_time
        from ..segments._stream import _Geometry, _split_model
        from ..utils import is_path

        front, net = _split_model(model)
        sr = _Geometry(front, net).sr
        source = check_audio_input(X, sr=sr)
        if not 0 <= index < len(source):
            raise ValueError(f"index {index} is out of range for {len(source)} items.")
        item = source.items[index]
        result = predict_over_time(model, [item], kind="proba", hop=hop)[0]
        waveform = None
        if plot_kw.get("audio", "waveform") is not None:
            waveform = source[index]
        if name is None:
            name = str(item) if is_path(item) else f"clip {index}"
        return cls.from_over_time(
            result, waveform=waveform, sr=sr, name=name, **plot_kw
        )
