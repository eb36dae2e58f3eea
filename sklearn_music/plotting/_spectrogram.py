"""Spectrogram of one clip with its axes in seconds and Hz."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _num_samples

from ..features import (
    CQTSpectrogram,
    MelSpectrogram,
    STFTSpectrogram,
    frame_lengths,
)
from ..utils import is_path
from ._base import _axes, _format_count

__all__ = ["SpectrogramDisplay"]

_Y_AXES = ("mel", "linear", "cqt", None)


def _check_y_axis(y_axis):
    if y_axis not in _Y_AXES:
        raise ValueError(
            f"y_axis must be 'mel', 'linear', 'cqt' or None; got {y_axis!r}."
        )


def _frequency_scale(y_axis, htk: bool):
    """``(forward, inverse)``: Hz to a coordinate in which the bins are evenly
    spaced, and back."""
    import librosa

    if y_axis == "mel":
        return (
            lambda f: librosa.hz_to_mel(f, htk=htk),
            lambda m: librosa.mel_to_hz(m, htk=htk),
        )
    if y_axis == "cqt":
        return np.log2, np.exp2
    return (lambda f: f), (lambda f: f)


def _edges(centres: np.ndarray, forward=None, inverse=None) -> np.ndarray:
    """Boundaries of the cells around ``centres``: midpoints (in the
    coordinate given by ``forward``), the outer ones half a step outside."""
    t = centres if forward is None else np.asarray(forward(centres), dtype=float)
    if t.size == 1:
        step = np.array([1.0])
    else:
        step = np.diff(t)
    inner = t[:-1] + step / 2
    edges = np.concatenate([[t[0] - step[0] / 2], inner, [t[-1] + step[-1] / 2]])
    return edges if inverse is None else np.asarray(inverse(edges), dtype=float)


def _nice_ticks(lo: float, hi: float, forward, max_ticks: int = 8) -> list[float]:
    """Frequencies 1, 2, 5 x 10**k between ``lo`` and ``hi``, at least
    1/``max_ticks`` of the axis apart on the scale ``forward``."""
    candidates = [
        m * 10.0**k for k in range(0, 6) for m in (1, 2, 5) if lo <= m * 10.0**k <= hi
    ]
    span = float(forward(hi) - forward(lo))
    ticks: list[float] = []
    for value in sorted(candidates, reverse=True):
        if not ticks or float(forward(ticks[-1]) - forward(value)) >= span / max_ticks:
            ticks.append(value)
    return sorted(ticks)


def _value_label(p: dict) -> str:
    log = p.get("log", "db")
    if log in ("db", "db20"):
        return "dB"
    if log == "log1p":
        return f"log10(1 + {p.get('log_gain', 1.0):g} S)"
    power = p.get("power", 2.0)
    return {1.0: "magnitude", 2.0: "power"}.get(power, f"magnitude ** {power:g}")


def _one_clip(S, index) -> np.ndarray:
    """Clip ``index`` of a spectrogram batch (or the 2-D spectrogram itself),
    without the NaN padding frames at its end."""
    S = np.asarray(S)
    if S.ndim == 2:
        S = S[np.newaxis]
        if index != 0:
            raise ValueError(
                f"S is one spectrogram of shape {S.shape[1:]}, so index must be 0; "
                f"got index={index!r}."
            )
    elif S.ndim != 3:
        raise ValueError(
            "S must be one spectrogram (n_bins, n_frames) or a batch (n_clips, "
            f"n_bins, n_frames); got an array of shape {S.shape}."
        )
    _check_index(index, S.shape[0])
    if not np.issubdtype(S.dtype, np.number) or np.iscomplexobj(S):
        raise ValueError(f"S must hold real numbers; got dtype {S.dtype}.")
    n_valid = int(frame_lengths(S[index : index + 1])[0])
    if n_valid == 0:
        raise ValueError(f"Clip {index} of S is all padding (NaN); nothing to show.")
    return S[index, :, :n_valid]


def _check_index(index, n_clips: int) -> None:
    if (
        not isinstance(index, Integral)
        or isinstance(index, bool)
        or not 0 <= index < n_clips
    ):
        raise ValueError(
            f"index must be an int in [0, {n_clips}) for {n_clips} clip(s); got "
            f"{index!r}."
        )


class SpectrogramDisplay:
    """Spectrogram of one clip, time in seconds and frequency in Hz.

    Create it with :meth:`from_transformer` (from audio and a spectrogram
    transformer) or :meth:`from_spectrogram` (from an array you already
    have). The frequency axis keeps the bins evenly spaced, as the model sees
    them (a mel axis for mel spectrograms, a log axis for constant-Q ones),
    and labels it in Hz at the bins' centre frequencies. Trailing NaN frames,
    which mark the padding after the end of a shorter clip (see
    :func:`~sklearn_music.features.frame_lengths`), are cropped; any other
    NaN value is drawn blank.

    Parameters
    ----------
    spectrogram : ndarray of shape (n_bins, n_frames)
        Values of one clip, lowest frequency first.
    times : ndarray of shape (n_frames,)
        Centre of every frame in seconds.
    frequencies : ndarray of shape (n_bins,), default=None
        Centre frequency of every bin in Hz, increasing. ``None`` labels the
        bins by their index.
    y_axis : {"mel", "linear", "cqt"} or None, default="mel"
        Spacing of the bins: on the mel scale, linear in Hz (STFT), or
        logarithmic (constant-Q). ``None`` when ``frequencies`` is ``None``.
    htk : bool, default=False
        With ``y_axis="mel"``: the bins follow the HTK mel formula instead of
        Slaney's.
    value_label : str, default="dB"
        Label of the colour bar.
    name : str, default=None
        Title of the plot.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the spectrogram.
    figure_ : matplotlib Figure
        Figure containing the spectrogram.
    mesh_ : matplotlib QuadMesh
        The drawn spectrogram; ``mesh_.get_array()`` holds ``spectrogram``.
    colorbar_ : matplotlib Colorbar or None
        The colour bar, or ``None`` when it was not drawn.

    See Also
    --------
    sklearn_music.features.MelSpectrogram : Log-mel spectrogram transformer.
    sklearn_music.features.frame_lengths : Valid frames of each clip.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_music.datasets import make_music
    >>> from sklearn_music.features import MelSpectrogram
    >>> from sklearn_music.plotting import SpectrogramDisplay
    >>> X, y = make_music(2, duration=2.0, random_state=0)
    >>> mel = MelSpectrogram(n_mels=64)
    >>> display = SpectrogramDisplay.from_transformer(mel, X, index=1)
    >>> display.spectrogram.shape
    (64, 87)
    >>> display.ax_.get_xlabel(), display.ax_.get_ylabel()
    ('Time (s)', 'Frequency (Hz)')
    """

    def __init__(
        self,
        spectrogram,
        *,
        times,
        frequencies=None,
        y_axis="mel",
        htk=False,
        value_label="dB",
        name=None,
    ):
        self.spectrogram = spectrogram
        self.times = times
        self.frequencies = frequencies
        self.y_axis = y_axis
        self.htk = htk
        self.value_label = value_label
        self.name = name

    def plot(self, ax=None, *, cmap="magma", colorbar=True, name=None, **kwargs):
        """Draw the spectrogram.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure with one axes.
        cmap : str or matplotlib Colormap, default="magma"
            Colour map.
        colorbar : bool, default=True
            Add a colour bar labelled ``value_label``.
        name : str, default=None
            Title; ``None`` uses the ``name`` given at construction.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.pcolormesh` (``vmin``,
            ``vmax``, ``norm``...).

        Returns
        -------
        display : SpectrogramDisplay
            The object itself, with ``ax_``, ``figure_``, ``mesh_`` and
            ``colorbar_`` set.
        """
        S = np.asarray(self.spectrogram)
        times = np.asarray(self.times, dtype=float)
        if S.ndim != 2 or times.shape != (S.shape[1],):
            raise ValueError(
                "spectrogram must be 2-D (n_bins, n_frames) and times hold one "
                f"value per frame; got shapes {S.shape} and {times.shape}."
            )
        _check_y_axis(self.y_axis)
        ax, fig = _axes(ax, f"{type(self).__name__}.plot")
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

        time_edges = _edges(times)
        if self.frequencies is None or self.y_axis is None or S.shape[0] < 2:
            freq_edges = np.arange(S.shape[0] + 1) - 0.5
            ylabel, forward, inverse = "Frequency bin", None, None
        else:
            freqs = np.asarray(self.frequencies, dtype=float)
            if freqs.shape != (S.shape[0],) or np.any(np.diff(freqs) <= 0):
                raise ValueError(
                    f"frequencies must increase and hold one value per bin "
                    f"({S.shape[0]}); got shape {freqs.shape}."
                )
            forward, inverse = _frequency_scale(self.y_axis, self.htk)
            freq_edges = _edges(freqs, forward, inverse)
            ylabel = "Frequency (Hz)"

        kwargs.setdefault("rasterized", True)
        self.mesh_ = ax.pcolormesh(
            time_edges, freq_edges, S, cmap=cmap, shading="flat", **kwargs
        )
        if self.y_axis == "cqt" and forward is not None:
            ax.set_yscale("log", base=2)
        elif self.y_axis == "mel" and forward is not None:
            ax.set_yscale("function", functions=(forward, inverse))
        ax.set_ylim(freq_edges[0], freq_edges[-1])
        ax.set_xlim(time_edges[0], time_edges[-1])
        if forward is not None:
            if self.y_axis in ("mel", "cqt"):
                lo, hi = freq_edges[0], freq_edges[-1]
                ax.yaxis.set_major_locator(FixedLocator(_nice_ticks(lo, hi, forward)))
                ax.yaxis.set_minor_locator(NullLocator())
            ax.yaxis.set_major_formatter(
                FuncFormatter(lambda value, pos: _format_count(value))
            )
        ax.set_xlabel("Time (s)")
        ax.set_ylabel(ylabel)
        title = self.name if name is None else name
        if title is not None:
            ax.set_title(title)
        self.colorbar_ = None
        if colorbar:
            self.colorbar_ = fig.colorbar(self.mesh_, ax=ax, label=self.value_label)
        self.ax_, self.figure_ = ax, fig
        return self

    @classmethod
    def from_transformer(
        cls,
        transformer,
        X,
        *,
        index=0,
        name=None,
        ax=None,
        cmap="magma",
        colorbar=True,
        **kwargs,
    ):
        """Plot the spectrogram that a transformer computes for one clip.

        Only the selected clip is transformed. The axes follow the
        transformer's parameters (:meth:`resolved_params`): frame times from
        ``sr`` and ``hop_length``, mel band centres from ``n_mels``, ``fmin``,
        ``fmax`` and ``htk``, STFT bin frequencies from ``n_fft``, constant-Q
        bin frequencies from ``fmin`` and ``bins_per_octave``; the colour bar
        is labelled after ``log``.

        Parameters
        ----------
        transformer : MelSpectrogram, STFTSpectrogram or CQTSpectrogram
            The front-end; it needs no fitting.
        X : array-like of shape (n_samples,) or (n_clips, n_samples), list \
of arrays or of paths, or a path
            One clip, or a collection of clips in any input format the
            transformer accepts (see :ref:`input_formats`).
        index : int, default=0
            Clip of ``X`` to show (0 for a single clip).
        name : str, default=None
            Title of the plot.
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure.
        cmap : str or matplotlib Colormap, default="magma"
            Colour map.
        colorbar : bool, default=True
            Add a colour bar.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.pcolormesh`.

        Returns
        -------
        display : SpectrogramDisplay
            The display, drawn.
        """
        kinds = (MelSpectrogram, STFTSpectrogram, CQTSpectrogram)
        if not isinstance(transformer, kinds):
            raise ValueError(
                "transformer must be a MelSpectrogram, STFTSpectrogram or "
                f"CQTSpectrogram; got {type(transformer).__name__}. Use "
                "SpectrogramDisplay.from_spectrogram for other spectrograms."
            )
        if is_path(X) or (isinstance(X, np.ndarray) and X.ndim == 1):
            _check_index(index, 1)
            clips = [X]
        else:
            _check_index(index, _num_samples(X))
            clips = _safe_indexing(X, [index])
        S = transformer.transform(clips)
        p = transformer.resolved_params()
        sr, hop = p["sr"], p["hop_length"]
        offset = 0.0
        if isinstance(transformer, CQTSpectrogram):
            import librosa

            y_axis = "cqt"
            freqs = librosa.cqt_frequencies(
                S.shape[1], fmin=p["fmin"], bins_per_octave=p["bins_per_octave"]
            )
        else:
            if not p["center"]:  # frame t starts, rather than centres, at t * hop
                offset = p["n_fft"] / 2 / sr
            if isinstance(transformer, MelSpectrogram):
                import librosa

                y_axis = "mel"
                freqs = librosa.mel_frequencies(
                    S.shape[1] + 2, fmin=p["fmin"], fmax=p["fmax"], htk=p["htk"]
                )[1:-1]
            else:
                y_axis = "linear"
                freqs = np.arange(S.shape[1]) * sr / p["n_fft"]
        S = _one_clip(S, 0)
        display = cls(
            S,
            times=np.arange(S.shape[1]) * hop / sr + offset,
            frequencies=freqs,
            y_axis=y_axis,
            htk=bool(p.get("htk", False)),
            value_label=_value_label(p),
            name=name,
        )
        return display.plot(ax=ax, cmap=cmap, colorbar=colorbar, **kwargs)

    @classmethod
    def from_spectrogram(
        cls,
        S,
        *,
        sr=22050,
        hop_length=512,
        y_axis="mel",
        fmin=None,
        fmax=None,
        htk=False,
        bins_per_octave=12,
        index=0,
        value_label="dB",
        name=None,
        ax=None,
        cmap="magma",
        colorbar=True,
        **kwargs,
    ):
        """Plot a spectrogram array.

        Frame ``t`` is taken to be centred at ``t * hop_length / sr`` seconds
        (``center=True``, the transformers' default).

        Parameters
        ----------
        S : ndarray of shape (n_bins, n_frames) or (n_clips, n_bins, n_frames)
            One spectrogram, or a batch such as the output of
            :class:`~sklearn_music.features.MelSpectrogram`. Frames that are
            NaN at the end of the clip are padding and are cropped.
        sr : int, default=22050
            Sampling rate of the audio in Hz.
        hop_length : int, default=512
            Samples between frames.
        y_axis : {"mel", "linear", "cqt"} or None, default="mel"
            What the bins are: mel bands between ``fmin`` and ``fmax``
            (``htk`` formula or Slaney's), the ``n_bins = 1 + n_fft // 2``
            bins of an STFT, or constant-Q bins from ``fmin`` with
            ``bins_per_octave``. ``None`` labels bins by index.
        fmin : float, default=None
            Lowest mel filter frequency (``None``: 0), or centre of the lowest
            constant-Q bin (``None``: C1, 32.70 Hz).
        fmax : float, default=None
            Highest mel filter frequency. ``None``: ``sr / 2``.
        htk : bool, default=False
            HTK mel formula (``y_axis="mel"``).
        bins_per_octave : int, default=12
            Constant-Q bins per octave (``y_axis="cqt"``).
        index : int, default=0
            Clip of a batch to show.
        value_label : str, default="dB"
            Label of the colour bar.
        name : str, default=None
            Title of the plot.
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure.
        cmap : str or matplotlib Colormap, default="magma"
            Colour map.
        colorbar : bool, default=True
            Add a colour bar.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.pcolormesh`.

        Returns
        -------
        display : SpectrogramDisplay
            The display, drawn.
        """
        _check_y_axis(y_axis)
        for label, value in (("sr", sr), ("hop_length", hop_length)):
            if not isinstance(value, Real) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{label} must be a positive number; got {value!r}.")
        S = _one_clip(S, index)
        n_bins = S.shape[0]
        freqs = None
        if y_axis == "mel":
            import librosa

            fmin = 0.0 if fmin is None else fmin
            fmax = sr / 2 if fmax is None else fmax
            if not 0 <= fmin < fmax:
                raise ValueError(
                    f"fmin and fmax must satisfy 0 <= fmin < fmax; got fmin={fmin}, "
                    f"fmax={fmax}."
                )
            freqs = librosa.mel_frequencies(n_bins + 2, fmin=fmin, fmax=fmax, htk=htk)
            freqs = freqs[1:-1]
        elif y_axis == "linear":
            freqs = np.linspace(0, sr / 2, n_bins)
        elif y_axis == "cqt":
            import librosa

            fmin = librosa.note_to_hz("C1") if fmin is None else fmin
            if fmin <= 0:
                raise ValueError(f"fmin must be positive for y_axis='cqt'; got {fmin}.")
            freqs = librosa.cqt_frequencies(
                n_bins, fmin=fmin, bins_per_octave=bins_per_octave
            )
        display = cls(
            S,
            times=np.arange(S.shape[1]) * hop_length / sr,
            frequencies=freqs,
            y_axis=y_axis,
            htk=htk,
            value_label=value_label,
            name=name,
        )
        return display.plot(ax=ax, cmap=cmap, colorbar=colorbar, **kwargs)
