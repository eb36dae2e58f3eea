"""ROC and precision-recall curves of every tag of a tagger."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import precision_recall_curve, roc_curve
from sklearn.utils.validation import check_is_fitted

from .._targets import as_tag_lists
from ..metrics import auc_per_tag, check_tagging_targets
from ..utils import format_items
from ._base import _axes, _final_estimator

__all__ = ["TagCurveDisplay"]

_KINDS = {
    "roc": ("ROC-AUC", "False positive rate", "True positive rate"),
    "pr": ("PR-AUC", "Recall", "Precision"),
}


def _check_kind(kind):
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'roc' or 'pr'; got {kind!r}.")


def _select(tags, names: list[str], support: np.ndarray, defined: np.ndarray):
    """Column indices of the tags to draw."""
    if tags is None:
        return list(range(len(names)))
    if isinstance(tags, Integral) and not isinstance(tags, bool):
        if tags < 1:
            raise ValueError(f"tags as a number must be >= 1; got {tags}.")
        order = np.argsort(-support, kind="stable")
        return [int(j) for j in order if defined[j]][:tags]
    if isinstance(tags, str) or not hasattr(tags, "__iter__"):
        raise ValueError(
            "tags must be None, a number of tags (the most frequent) or a list "
            f"of tag names or column indices; got {tags!r}."
        )
    lookup = {n: j for j, n in enumerate(names)}
    selected = []
    for tag in tags:
        if isinstance(tag, Integral) and not isinstance(tag, bool | np.bool_):
            if not 0 <= tag < len(names):
                raise ValueError(
                    f"tag index {tag} is out of range for {len(names)} tags."
                )
            selected.append(int(tag))
        elif str(tag) in lookup:
            selected.append(lookup[str(tag)])
        else:
            raise ValueError(
                f"Unknown tag {tag!r}; the tags are [{format_items(names)}]."
            )
    if not selected:
        raise ValueError("tags is empty; name at least one tag.")
    return selected


class TagCurveDisplay:
    """ROC or precision-recall curve of every tag.

    One curve per tag (or per class, one-vs-rest, for a multi-class
    classifier), its area in the legend, and the macro average of the area
    over all tags in the title. The areas are those of
    :func:`~sklearn_music.metrics.roc_auc_per_tag` and
    :func:`~sklearn_music.metrics.pr_auc_per_tag` (average precision), and
    the macro average that of :func:`~sklearn_music.metrics.tagging_roc_auc`
    or :func:`~sklearn_music.metrics.tagging_pr_auc`. Tags whose curve is
    undefined (no positive clip, or for ROC no negative one) are left out with
    a warning.

    Create it with :meth:`from_estimator` or :meth:`from_predictions`.

    Parameters
    ----------
    xs : list of ndarray
        False positive rates (``kind="roc"``) or recalls (``kind="pr"``) of
        each drawn tag.
    ys : list of ndarray
        True positive rates or precisions of each drawn tag.
    auc : ndarray of shape (n_drawn,)
        ROC-AUC or PR-AUC of each drawn tag.
    tag_names : list of str
        Name of each drawn tag.
    kind : {"roc", "pr"}, default="roc"
        Which curves these are.
    macro_auc : float, default=None
        Macro average of the area over all tags with a defined curve, shown in
        the title.
    n_tags : int, default=None
        Number of tags in ``macro_auc``, shown in the title.
    prevalence : ndarray of shape (n_drawn,), default=None
        Fraction of clips having each tag: the chance level of precision,
        drawn for ``kind="pr"``.
    name : str, default=None
        Name of the model, in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the curves.
    figure_ : matplotlib Figure
        Figure containing the curves.
    lines_ : list of matplotlib Line2D
        One curve per drawn tag, labelled ``"<tag> (<metric> = 0.87)"``.
    chance_level_ : list of matplotlib Line2D
        The diagonal (ROC) or one prevalence line per tag (PR); empty when
        not drawn.

    See Also
    --------
    sklearn.metrics.RocCurveDisplay : ROC curve of a binary problem.
    sklearn.metrics.PrecisionRecallDisplay : Precision-recall curve of a
        binary problem.
    sklearn_music.metrics.tagging_report : Every tagging metric in one table.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_music.plotting import TagCurveDisplay
    >>> Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    >>> S = np.array([[0.9, 0.2], [0.3, 0.6], [0.4, 0.1], [0.2, 0.3]])
    >>> display = TagCurveDisplay.from_predictions(
    ...     Y, S, tag_names=["drums", "piano"]
    ... )
    >>> [line.get_label() for line in display.lines_]
    ['drums (ROC-AUC = 1.00)', 'piano (ROC-AUC = 0.50)']
    >>> display.ax_.get_title()
    'macro ROC-AUC = 0.75 (2 tags)'
    """

    def __init__(
        self,
        *,
        xs,
        ys,
        auc,
        tag_names,
        kind="roc",
        macro_auc=None,
        n_tags=None,
        prevalence=None,
        name=None,
    ):
        self.xs = xs
        self.ys = ys
        self.auc = auc
        self.tag_names = tag_names
        self.kind = kind
        self.macro_auc = macro_auc
        self.n_tags = n_tags
        self.prevalence = prevalence
        self.name = name

    def plot(self, ax=None, *, chance_level=True, name=None, **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure with one axes.
        chance_level : bool, default=True
            Draw what a random ranking gives: the diagonal for ROC curves,
            each tag's prevalence (dotted, in its colour) for PR curves.
        name : str, default=None
            Name of the model in the title; ``None`` uses the ``name`` given
            at construction.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot` for every curve.

        Returns
        -------
        display : TagCurveDisplay
            The object itself, with ``ax_``, ``figure_``, ``lines_`` and
            ``chance_level_`` set.
        """
        _check_kind(self.kind)
        n = len(self.tag_names)
        if not (len(self.xs) == len(self.ys) == len(self.auc) == n):
            raise ValueError(
                f"xs, ys, auc and tag_names must have one entry per tag; got "
                f"{len(self.xs)}, {len(self.ys)}, {len(self.auc)} and {n}."
            )
        ax, fig = _axes(ax, f"{type(self).__name__}.plot")
        metric, xlabel, ylabel = _KINDS[self.kind]
        if self.kind == "pr":
            kwargs.setdefault("drawstyle", "steps-post")
        self.lines_ = []
        for x, y, auc, tag in zip(
            self.xs, self.ys, self.auc, self.tag_names, strict=True
        ):
            (line,) = ax.plot(x, y, label=f"{tag} ({metric} = {auc:0.2f})", **kwargs)
            self.lines_.append(line)
        self.chance_level_ = []
        if chance_level and self.kind == "roc":
            self.chance_level_ = ax.plot(
                [0, 1], [0, 1], color="0.6", linestyle="--", label="chance (0.50)"
            )
        elif chance_level and self.prevalence is not None:
            for line, p in zip(self.lines_, self.prevalence, strict=True):
                self.chance_level_.append(
                    ax.axhline(p, color=line.get_color(), linestyle=":", alpha=0.7)
                )
        ax.set(xlabel=xlabel, ylabel=ylabel, xlim=(-0.01, 1.01), ylim=(-0.01, 1.01))
        ax.set_aspect("equal")
        ax.legend(loc="lower right" if self.kind == "roc" else "lower left")
        title = self.name if name is None else name
        parts = [] if title is None else [str(title)]
        if self.macro_auc is not None:
            parts.append(f"macro {metric} = {self.macro_auc:0.2f}")
        if parts:
            count = "" if self.n_tags is None else f" ({self.n_tags} tags)"
            ax.set_title(": ".join(parts) + count)
        self.ax_, self.figure_ = ax, fig
        return self

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_score,
        *,
        kind="roc",
        tag_names=None,
        tags=None,
        labels=None,
        name=None,
        ax=None,
        chance_level=True,
        **kwargs,
    ):
        """Plot the curves of every tag from true tags and scores.

        Parameters
        ----------
        y_true : array-like of shape (n_clips, n_tags) or (n_clips,)
            True tags as a binary indicator matrix (a DataFrame's columns
            name the tags), or class labels of a multi-class problem (each
            class is a tag, one-vs-rest; see ``labels``).
        y_score : array-like of shape (n_clips, n_tags) or list of n_tags \
arrays of shape (n_clips, 2)
            Scores of every tag, e.g. ``predict_proba``; the list form is
            that of scikit-learn's multi-output classifiers.
        kind : {"roc", "pr"}, default="roc"
            ROC curves or precision-recall curves.
        tag_names : array-like of shape (n_tags,), default=None
            Names of the tags in column order. ``None``: the DataFrame
            columns of ``y_true``, the class labels, or the column indices.
        tags : int or list of str or int, default=None
            Tags to draw: ``None`` all of them, a number ``n`` the ``n`` most
            frequent ones in ``y_true`` (most frequent first), or a list of
            tag names or column indices. The macro average in the title is
            always over all tags.
        labels : array-like of shape (n_tags,), default=None
            For class labels in ``y_true``: the classes in the column order
            of ``y_score`` (a classifier's ``classes_``).
        name : str, default=None
            Name of the model, in the title.
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure.
        chance_level : bool, default=True
            Draw the chance level; see :meth:`plot`.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot` for every curve.

        Returns
        -------
        display : TagCurveDisplay
            The display, drawn.
        """
        _check_kind(kind)
        Y, S, names = check_tagging_targets(
            y_true, y_score, labels=labels, tag_names=tag_names
        )
        auc = auc_per_tag(Y, S, kind=kind)
        defined = ~np.isnan(auc)
        if not defined.any():
            need = "a positive clip" if kind == "pr" else "positive and negative clips"
            raise ValueError(f"No tag has {need} in y_true; there is no curve to draw.")
        support = Y.sum(axis=0)
        selected = _select(tags, names, support, defined)
        undefined = [names[j] for j in selected if not defined[j]]
        if undefined:
            warnings.warn(
                f"The {_KINDS[kind][0]} of tags {undefined} is undefined (no "
                f"positive{'' if kind == 'pr' else ' or no negative'} clip); their "
                "curves are left out.",
                UndefinedMetricWarning,
                stacklevel=2,
            )
        selected = [j for j in selected if defined[j]]
        if not selected:
            raise ValueError("None of the requested tags has a defined curve.")
        xs, ys = [], []
        for j in selected:
            if kind == "roc":
                x, y, _ = roc_curve(Y[:, j], S[:, j])
            else:
                y, x, _ = precision_recall_curve(Y[:, j], S[:, j])
            xs.append(x)
            ys.append(y)
        display = cls(
            xs=xs,
            ys=ys,
            auc=auc[selected],
            tag_names=[names[j] for j in selected],
            kind=kind,
            macro_auc=float(np.mean(auc[defined])),
            n_tags=int(defined.sum()),
            prevalence=support[selected] / Y.shape[0],
            name=name,
        )
        return display.plot(ax=ax, chance_level=chance_level, **kwargs)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        kind="roc",
        tag_names=None,
        tags=None,
        name=None,
        ax=None,
        chance_level=True,
        **kwargs,
    ):
        """Plot the curves of every tag of a fitted tagger or classifier.

        Parameters
        ----------
        estimator : estimator or Pipeline
            Fitted, with ``predict_proba`` and ``classes_``: a multi-label
            tagger (curves per tag) or a multi-class classifier (curves per
            class, one-vs-rest).
        X : array-like
            Input of ``estimator.predict_proba``: audio for a pipeline,
            spectrograms for a bare network.
        y : array-like of shape (n_clips, n_tags) or (n_clips,), or list of \
lists of tags
            True tags as an indicator matrix or tag lists (multi-label), or
            class labels (multi-class).
        kind : {"roc", "pr"}, default="roc"
            ROC curves or precision-recall curves.
        tag_names : array-like of shape (n_tags,), default=None
            Names of the tags; ``None`` uses ``estimator.classes_``.
        tags : int or list of str or int, default=None
            Tags to draw; see :meth:`from_predictions`.
        name : str, default=None
            Name of the model in the title; ``None`` uses the class name of
            the estimator (of a pipeline's last step).
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure.
        chance_level : bool, default=True
            Draw the chance level; see :meth:`plot`.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot` for every curve.

        Returns
        -------
        display : TagCurveDisplay
            The display, drawn.
        """
        check_is_fitted(estimator)
        if not hasattr(estimator, "predict_proba"):
            raise ValueError(
                f"{type(estimator).__name__} has no predict_proba; the curves "
                "need a score for every tag."
            )
        classes = getattr(estimator, "classes_", None)
        y_score = estimator.predict_proba(X)
        labels = None
        tag_lists = as_tag_lists(y)
        if tag_lists is not None:
            from sklearn.preprocessing import MultiLabelBinarizer

            if classes is None:
                raise ValueError(
                    "y holds lists of tags, but the estimator has no classes_ to "
                    "give the column of each tag."
                )
            unknown = sorted({t for tags_ in tag_lists for t in tags_} - set(classes))
            if unknown:
                raise ValueError(f"y has tags the estimator does not know: {unknown}.")
            y = MultiLabelBinarizer(classes=classes).fit_transform(tag_lists)
        elif np.ndim(y) == 1:
            labels = classes
        if tag_names is None and classes is not None and np.ndim(classes) == 1:
            if np.ndim(y) != 2 or getattr(y, "columns", None) is None:
                tag_names = classes
        if name is None:
            name = type(_final_estimator(estimator)).__name__
        return cls.from_predictions(
            y,
            y_score,
            kind=kind,
            tag_names=tag_names,
            tags=tags,
            labels=labels,
            name=name,
            ax=ax,
            chance_level=chance_level,
            **kwargs,
        )
