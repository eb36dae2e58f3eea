"""Training curves of a skorch network: losses, scores and learning rate."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils.validation import check_is_fitted

from ._base import _final_estimator

__all__ = ["TrainingCurveDisplay"]

#: per-epoch keys of a skorch history that are not curves to draw
_NOT_SCORES = {"epoch", "dur", "train_loss", "valid_loss"}
_LR_KEY = "event_lr"  # what skorch's LRScheduler logs by default
_PANEL_HEIGHTS = {"loss": 3.0, "score": 2.0, "lr": 1.2}


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool | np.bool_)


def _column(rows: list[Mapping], key: str) -> np.ndarray:
    return np.array([float(r[key]) if _is_number(r.get(key)) else np.nan for r in rows])


def _check_history(history) -> list[Mapping]:
    if hasattr(history, "columns") and hasattr(history, "to_dict"):  # DataFrame
        rows = history.to_dict("records")
    else:
        rows = history.to_list() if hasattr(history, "to_list") else history
    if isinstance(rows, Mapping) or not hasattr(rows, "__len__"):
        raise ValueError(
            "history must be a skorch History, a list of per-epoch dicts or a "
            f"DataFrame; got {type(history).__name__}."
        )
    rows = list(rows)
    if not rows:
        raise ValueError("history is empty: the network has not trained an epoch.")
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ValueError(
                f"history must hold one dict per epoch; entry {i} is a "
                f"{type(row).__name__}."
            )
    return rows


class TrainingCurveDisplay:
    """Training curves of a neural estimator, epoch by epoch.

    Draws the training and validation loss, the validation scores logged by
    scoring callbacks (``valid_acc``, or any other ``EpochScoring``), and the
    learning rate when a scheduler changed it, in panels that share the epoch
    axis. A dotted line marks the best epoch: the last one with the lowest
    monitored value (``valid_loss`` by default), whose weights
    :class:`skorch.callbacks.EarlyStopping` with ``load_best=True`` restores,
    as the early stopping of the estimators of :mod:`sklearn_music.estimators`
    does.

    Create it with :meth:`from_estimator` or :meth:`from_history`.

    Parameters
    ----------
    epochs : ndarray of shape (n_epochs,)
        Epoch numbers (from 1).
    train_loss : ndarray of shape (n_epochs,)
        Mean training loss of every epoch; NaN where it was not logged.
    valid_loss : ndarray of shape (n_epochs,), default=None
        Mean validation loss, if the network had a validation split.
    scores : dict of str to ndarray of shape (n_epochs,), default=None
        Other logged numbers per epoch, e.g. ``{"valid_acc": ...}``.
    lr : ndarray of shape (n_epochs,), default=None
        Learning rate of every epoch, if it was logged.
    best_epoch : int, default=None
        Epoch to mark as the best one.
    monitor : str, default="valid_loss"
        Name of the curve that ``best_epoch`` is best in.
    name : str, default=None
        Title of the plot.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes of the losses.
    axes_ : dict of str to matplotlib Axes
        Every panel: ``"loss"``, and ``"score"`` and ``"lr"`` when drawn.
    figure_ : matplotlib Figure
        Figure containing the panels.
    lines_ : dict of str to matplotlib Line2D
        The curves, by history key (``"train_loss"``, ``"valid_loss"``, every
        score, ``"lr"``).
    best_lines_ : list of matplotlib Line2D
        The vertical lines that mark the best epoch, one per panel; empty when
        none is marked.

    See Also
    --------
    sklearn.model_selection.LearningCurveDisplay : Score against the number
        of training samples.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_music.plotting import TrainingCurveDisplay
    >>> history = [
    ...     dict(epoch=1, train_loss=1.2, valid_loss=1.1, valid_loss_best=True),
    ...     dict(epoch=2, train_loss=0.9, valid_loss=0.8, valid_loss_best=True),
    ...     dict(epoch=3, train_loss=0.7, valid_loss=0.9, valid_loss_best=False),
    ... ]
    >>> display = TrainingCurveDisplay.from_history(history)
    >>> display.best_epoch
    2
    >>> display.lines_["valid_loss"].get_ydata().tolist()
    [1.1, 0.8, 0.9]
    """

    def __init__(
        self,
        *,
        epochs,
        train_loss,
        valid_loss=None,
        scores=None,
        lr=None,
        best_epoch=None,
        monitor="valid_loss",
        name=None,
    ):
        self.epochs = epochs
        self.train_loss = train_loss
        self.valid_loss = valid_loss
        self.scores = scores
        self.lr = lr
        self.best_epoch = best_epoch
        self.monitor = monitor
        self.name = name

    def _panels(self, scores: bool, lr) -> list[str]:
        if lr not in ("auto", True, False):
            raise ValueError(f"lr must be 'auto', True or False; got {lr!r}.")
        panels = ["loss"]
        if scores and self.scores:
            panels.append("score")
        rates = None if self.lr is None else np.asarray(self.lr, dtype=float)
        if lr is True and rates is None:
            raise ValueError(
                "lr=True, but no learning rate was logged (history key "
                f"{_LR_KEY!r}, written by skorch's LRScheduler)."
            )
        varies = rates is not None and np.unique(rates[~np.isnan(rates)]).size > 1
        if lr is True or (lr == "auto" and varies):
            panels.append("lr")
        return panels

    def plot(self, ax=None, *, scores=True, lr="auto", mark_best=True, name=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            One axes per panel drawn: the losses, then the scores (if any and
            ``scores``), then the learning rate (per ``lr``). ``None`` creates
            a figure with the panels stacked over a shared epoch axis.
        scores : bool, default=True
            Draw the panel of the scores, when any were logged.
        lr : {"auto", True, False}, default="auto"
            Draw the panel of the learning rate: "auto" when it was logged and
            changed during training.
        mark_best : bool, default=True
            Mark ``best_epoch`` (when known) with a dotted line in every panel
            and a dot on the monitored curve.
        name : str, default=None
            Title; ``None`` uses the ``name`` given at construction.

        Returns
        -------
        display : TrainingCurveDisplay
            The object itself, with ``ax_``, ``axes_``, ``figure_``,
            ``lines_`` and ``best_lines_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        from matplotlib.ticker import MaxNLocator

        panels = self._panels(scores, lr)
        axes, fig = self._panel_axes(ax, panels)
        self.axes_ = dict(zip(panels, axes, strict=True))
        self.ax_, self.figure_ = self.axes_["loss"], fig

        epochs = np.asarray(self.epochs)
        curves = {"train_loss": self.train_loss, "valid_loss": self.valid_loss}
        self.lines_ = {}
        for key, values in curves.items():
            if values is not None:
                (self.lines_[key],) = self.ax_.plot(
                    epochs, values, marker=".", label=key.replace("_", " ")
                )
        self.ax_.set_ylabel("loss")
        if "score" in self.axes_:
            for key, values in self.scores.items():
                (self.lines_[key],) = self.axes_["score"].plot(
                    epochs, values, marker=".", label=key.replace("_", " ")
                )
            self.axes_["score"].set_ylabel("score")
            self.axes_["score"].legend()
        if "lr" in self.axes_:
            (self.lines_["lr"],) = self.axes_["lr"].plot(
                epochs, self.lr, color="0.3", drawstyle="steps-mid"
            )
            if np.nanmin(self.lr) > 0:
                self.axes_["lr"].set_yscale("log")
            self.axes_["lr"].set_ylabel("learning rate")

        self.best_lines_ = []
        if mark_best and self.best_epoch is not None:
            self._mark_best(epochs)
        for panel_ax in self.axes_.values():
            panel_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes[-1].set_xlabel("epoch")
        self.ax_.legend()
        title = self.name if name is None else name
        if title is not None:
            self.ax_.set_title(title)
        return self

    def _panel_axes(self, ax, panels: list[str]):
        """One axes per panel (a new figure when ``ax`` is None), and the
        figure."""
        if ax is None:
            import matplotlib.pyplot as plt

            fig, axes = plt.subplots(
                len(panels),
                1,
                sharex=True,
                squeeze=False,
                figsize=(6.4, 2.0 + 1.4 * len(panels)),
                height_ratios=[_PANEL_HEIGHTS[p] for p in panels],
                layout="constrained",
            )
            return list(axes[:, 0]), fig
        axes = list(np.ravel(np.asarray(ax, dtype=object)))
        if len(axes) != len(panels):
            raise ValueError(
                f"{type(self).__name__} draws {len(panels)} panel(s) "
                f"({', '.join(panels)}), so ax must hold {len(panels)} Axes; "
                f"got {len(axes)}. Turn panels off with scores=False or "
                "lr=False."
            )
        return axes, axes[0].figure

    def _mark_best(self, epochs: np.ndarray) -> None:
        """A dotted line at ``best_epoch`` in every panel (one legend entry)
        and a dot on the monitored curve."""
        label = f"best epoch ({self.best_epoch})"
        for panel_ax in self.axes_.values():
            line = panel_ax.axvline(
                self.best_epoch, color="0.5", linestyle=":", label=label
            )
            self.best_lines_.append(line)
            label = None  # one legend entry
        monitored = self.lines_.get(self.monitor)
        at_best = np.flatnonzero(epochs == self.best_epoch)
        if monitored is not None and at_best.size:
            monitored.axes.plot(
                self.best_epoch,
                monitored.get_ydata()[at_best[0]],
                "o",
                color=monitored.get_color(),
                markersize=7,
            )

    @classmethod
    def from_history(
        cls,
        history,
        *,
        monitor="valid_loss",
        name=None,
        ax=None,
        scores=True,
        lr="auto",
        mark_best=True,
    ):
        """Plot the curves of a skorch history.

        Parameters
        ----------
        history : skorch History, list of dict or DataFrame
            One dict (or row) per epoch, as ``net.history_``,
            ``net.history_.to_list()`` or a DataFrame made of it. Read:
            ``epoch``, ``train_loss``, ``valid_loss``, the flags
            ``<monitor>_best``, the learning rate ``event_lr`` (logged by
            :class:`skorch.callbacks.LRScheduler`), and as scores every other
            number except ``dur``, batch counts, other ``event_*`` entries and
            ``*_best`` flags.
        monitor : str, default="valid_loss"
            The value early stopping monitored: the best epoch is the last
            one flagged ``<monitor>_best``. Nothing is marked when the
            history has no such flags.
        name : str, default=None
            Title of the plot.
        ax : matplotlib Axes or array-like of Axes, default=None
            See :meth:`plot`.
        scores : bool, default=True
            Draw the panel of the scores.
        lr : {"auto", True, False}, default="auto"
            Draw the panel of the learning rate; see :meth:`plot`.
        mark_best : bool, default=True
            Mark the best epoch.

        Returns
        -------
        display : TrainingCurveDisplay
            The display, drawn.
        """
        rows = _check_history(history)
        keys = sorted({k for row in rows for k in row})
        if not {"train_loss", "valid_loss"} & set(keys):
            raise ValueError(
                "history has neither train_loss nor valid_loss, so there is no "
                f"training curve to draw; its keys are {keys}."
            )
        epochs = np.array([row.get("epoch", i + 1) for i, row in enumerate(rows)])
        valid_loss = _column(rows, "valid_loss") if "valid_loss" in keys else None
        score_keys = [
            k
            for k in keys
            if k not in _NOT_SCORES
            and not k.endswith(("_best", "_batch_count"))
            and not k.startswith("event_")
            and any(_is_number(row.get(k)) for row in rows)
        ]
        best_key = f"{monitor}_best"
        best_epoch = None
        if best_key in keys:
            flagged = [
                i
                for i, row in enumerate(rows)
                if isinstance(row.get(best_key), bool | np.bool_) and row[best_key]
            ]
            if flagged:
                best_epoch = int(epochs[flagged[-1]])
        display = cls(
            epochs=epochs,
            train_loss=_column(rows, "train_loss"),
            valid_loss=valid_loss,
            scores={k: _column(rows, k) for k in score_keys},
            lr=_column(rows, _LR_KEY) if _LR_KEY in keys else None,
            best_epoch=best_epoch,
            monitor=monitor,
            name=name,
        )
        return display.plot(ax=ax, scores=scores, lr=lr, mark_best=mark_best)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        monitor="valid_loss",
        name=None,
        ax=None,
        scores=True,
        lr="auto",
        mark_best=True,
    ):
        """Plot the training curves of a fitted neural estimator.

        Parameters
        ----------
        estimator : skorch NeuralNet, Pipeline or fitted search
            A fitted network with a ``history_`` (any estimator of
            :mod:`sklearn_music.estimators` but
            :class:`~sklearn_music.estimators.GaussianMixtureClassifier`, or
            any skorch net), a :class:`~sklearn.pipeline.Pipeline` ending
            with one, or a fitted search (its ``best_estimator_``).
        monitor : str, default="valid_loss"
            The value early stopping monitored; see :meth:`from_history`.
        name : str, default=None
            Title; ``None`` uses the network's class name.
        ax : matplotlib Axes or array-like of Axes, default=None
            See :meth:`plot`.
        scores : bool, default=True
            Draw the panel of the scores.
        lr : {"auto", True, False}, default="auto"
            Draw the panel of the learning rate; see :meth:`plot`.
        mark_best : bool, default=True
            Mark the best epoch.

        Returns
        -------
        display : TrainingCurveDisplay
            The display, drawn.
        """
        from sklearn.model_selection._search import BaseSearchCV

        if isinstance(estimator, BaseSearchCV):
            check_is_fitted(estimator)
            if not hasattr(estimator, "best_estimator_"):
                raise ValueError(
                    f"{type(estimator).__name__} was fitted with refit=False, so "
                    "it has no best_estimator_ whose training to show."
                )
            estimator = estimator.best_estimator_
        net = _final_estimator(estimator)
        if not hasattr(net, "history_"):
            raise ValueError(
                "estimator must be a skorch network with a history_ (such as "
                "CRNNClassifier) or a Pipeline ending with one; got "
                f"{type(net).__name__}."
            )
        check_is_fitted(net)
        if not len(net.history_):
            raise NotFittedError(
                f"This {type(net).__name__} instance has not trained an epoch "
                "yet; call 'fit' first."
            )
        return cls.from_history(
            net.history_,
            monitor=monitor,
            name=type(net).__name__ if name is None else name,
            ax=ax,
            scores=scores,
            lr=lr,
            mark_best=mark_best,
        )
