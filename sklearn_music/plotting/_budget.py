"""Test score against the parameter budget of a grid search."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from numbers import Real

import numpy as np
from sklearn.exceptions import NotFittedError

from ._base import _axes, _format_count

__all__ = ["BudgetCurveDisplay"]

_BUDGET = "param_budget"


def _cv_results(search):
    if isinstance(search, Mapping):
        return search
    if hasattr(search, "cv_results_"):
        return search.cv_results_
    if hasattr(search, "param_grid") or hasattr(search, "param_distributions"):
        raise NotFittedError(
            f"This {type(search).__name__} instance is not fitted yet. Call 'fit' "
            "with appropriate arguments before plotting its results."
        )
    raise ValueError(
        "search must be a fitted GridSearchCV or RandomizedSearchCV or its "
        f"cv_results_ dict; got {type(search).__name__}."
    )


def _budget_param(cv: Mapping, budget_param) -> str:
    params = [k[len("param_") :] for k in cv if k.startswith("param_")]
    if budget_param is not None:
        if budget_param not in params:
            raise ValueError(
                f"budget_param={budget_param!r} is not a searched parameter; the "
                f"search has {params}."
            )
        return budget_param
    found = [p for p in params if p == _BUDGET or p.endswith(f"__{_BUDGET}")]
    if not found:
        raise ValueError(
            f"The search has no {_BUDGET} parameter (such as clf__{_BUDGET}) to "
            f"plot the scores against; its parameters are {params}. Pass "
            "budget_param to name another numeric parameter."
        )
    if len(found) > 1:
        raise ValueError(
            f"The search has several budget parameters {found}; choose one with "
            "budget_param."
        )
    return found[0]


def _metric(cv: Mapping, search, metric) -> str:
    available = sorted(k[len("mean_test_") :] for k in cv if k.startswith("mean_test_"))
    if metric is None:
        if "score" in available:
            return "score"
        refit = getattr(search, "refit", None)
        if isinstance(refit, str) and refit in available:
            return refit
        raise ValueError(
            f"The search scored several metrics {available}; choose one with metric."
        )
    if metric not in available:
        raise ValueError(
            f"metric={metric!r} was not scored by the search; it scored {available}."
        )
    return metric


def _short(value) -> str:
    """Label of a parameter value: the class name of an estimator or a
    class (a grid over ``clf`` or ``module``), else its repr."""
    if isinstance(value, type):
        return value.__name__
    if hasattr(value, "get_params"):
        return type(value).__name__
    return repr(value)


def _group_key(value):
    """Plain values group by their repr; objects (estimators, modules) by
    identity, since a grid repeats the same instance in every candidate."""
    if value is None or isinstance(value, Real | str | tuple | type):
        return repr(value)
    return id(value)


def _labels(others: dict, keep, groups: dict) -> list[str]:
    """One legend label per group of candidates: ``name=value, ...``. Class
    names stand for estimators unless two groups would then share a label;
    groups that still do are numbered."""
    first = [idx[0] for idx in groups.values()]
    position = {int(i): pos for pos, i in enumerate(keep)}
    for value_label in (_short, repr):
        labels = [
            ", ".join(f"{p}={value_label(v[position[i]])}" for p, v in others.items())
            for i in first
        ]
        if len(set(labels)) == len(labels):
            return labels
    return [f"{label} ({k + 1})" for k, label in enumerate(labels)]


def _values(column) -> list:
    """Values of a ``param_*`` column; ``None`` where the candidate lacks it."""
    mask = np.ma.getmaskarray(column)
    data = np.ma.getdata(column)
    return [None if m else v for v, m in zip(data, mask, strict=True)]


class BudgetCurveDisplay:
    """Mean test score against the parameter budget of a search.

    The comparison of Choi et al. (2017): the same architectures at 0.1M to
    3M trainable parameters. Draws the mean cross-validated test score of
    every budget of a :class:`~sklearn.model_selection.GridSearchCV` with its
    standard deviation over folds as a band, on a log axis of budgets; one
    line for every combination of the other searched parameters (e.g. one per
    architecture or front-end). The budgets of the paper's Table 1
    (:data:`~sklearn_music.models.TABLE1`) inside the plotted range are
    marked.

    Create it with :meth:`from_cv_results`.

    Parameters
    ----------
    budgets : list of ndarray
        Budgets of every line, increasing.
    mean_scores : list of ndarray
        Mean test score at each budget of every line.
    std_scores : list of ndarray
        Standard deviation of the test score over folds.
    labels : list of str or None, default=None
        Legend label of every line: the values of the other parameters.
        ``None`` for a single unlabelled line.
    metric : str, default="score"
        Name of the score, for the y label.
    budget_param : str, default="param_budget"
        Name of the budget parameter, for the x label.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the curves.
    figure_ : matplotlib Figure
        Figure containing the curves.
    lines_ : list of matplotlib Line2D
        Mean test score of every line.
    fill_between_ : list of matplotlib PolyCollection
        Bands of plus and minus one standard deviation; empty when not drawn.
    table1_lines_ : list of matplotlib Line2D
        Vertical lines at the Table 1 budgets.

    See Also
    --------
    sklearn_music.models.architecture_for_budget : Layer widths for a budget.
    sklearn.model_selection.ValidationCurveDisplay : Score against any one
        parameter, from ``validation_curve``.

    References
    ----------
    Choi, K., Fazekas, G., Sandler, M., & Cho, K. (2017). Convolutional
    recurrent neural networks for music classification. ICASSP.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_music.plotting import BudgetCurveDisplay
    >>> cv_results = {
    ...     "param_clf__param_budget": np.ma.array([1e5, 2.5e5, 5e5]),
    ...     "mean_test_score": np.array([0.61, 0.68, 0.70]),
    ...     "std_test_score": np.array([0.03, 0.02, 0.02]),
    ... }
    >>> display = BudgetCurveDisplay.from_cv_results(cv_results)
    >>> display.lines_[0].get_xdata().tolist()
    [100000.0, 250000.0, 500000.0]
    >>> display.ax_.get_xscale()
    'log'
    """

    def __init__(
        self,
        *,
        budgets,
        mean_scores,
        std_scores,
        labels=None,
        metric="score",
        budget_param=_BUDGET,
    ):
        self.budgets = budgets
        self.mean_scores = mean_scores
        self.std_scores = std_scores
        self.labels = labels
        self.metric = metric
        self.budget_param = budget_param

    def plot(self, ax=None, *, std=True, mark_table1=True, **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure with one axes.
        std : bool, default=True
            Draw a band of plus and minus one standard deviation.
        mark_table1 : bool, default=True
            Mark the budgets of Choi et al. (2017), Table 1 that fall in the
            plotted range.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot` for every line.

        Returns
        -------
        display : BudgetCurveDisplay
            The object itself, with ``ax_``, ``figure_``, ``lines_``,
            ``fill_between_`` and ``table1_lines_`` set.
        """
        n = len(self.budgets)
        labels = self.labels if self.labels is not None else [None] * n
        if not (len(self.mean_scores) == len(self.std_scores) == len(labels) == n):
            raise ValueError(
                "budgets, mean_scores, std_scores and labels must have one entry "
                "per line."
            )
        ax, fig = _axes(ax, f"{type(self).__name__}.plot")
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

        kwargs.setdefault("marker", "o")
        self.lines_, self.fill_between_, self.table1_lines_ = [], [], []
        for x, mean, sd, label in zip(
            self.budgets, self.mean_scores, self.std_scores, labels, strict=True
        ):
            (line,) = ax.plot(x, mean, label=label, **kwargs)
            self.lines_.append(line)
            if std:
                self.fill_between_.append(
                    ax.fill_between(
                        x,
                        np.asarray(mean) - sd,
                        np.asarray(mean) + sd,
                        color=line.get_color(),
                        alpha=0.2,
                    )
                )
        ax.set_xscale("log")
        every = np.unique(np.concatenate([np.asarray(b, float) for b in self.budgets]))
        ax.xaxis.set_major_locator(FixedLocator(every))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, pos: _format_count(v)))
        ax.xaxis.set_minor_formatter(NullFormatter())
        if mark_table1:
            from ..models import TABLE1

            paper = sorted({b for widths in TABLE1.values() for b in widths})
            inside = [b for b in paper if every[0] <= b <= every[-1]]
            label = "Choi et al. 2017 budgets"
            for budget in inside:
                self.table1_lines_.append(
                    ax.axvline(budget, color="0.6", linestyle=":", label=label)
                )
                label = None
        ax.set_xlabel(f"parameter budget ({self.budget_param})")
        ax.set_ylabel(f"mean test {self.metric}")
        if any(label is not None for label in labels) or self.table1_lines_:
            ax.legend()
        self.ax_, self.figure_ = ax, fig
        return self

    @classmethod
    def from_cv_results(
        cls,
        search,
        *,
        budget_param=None,
        metric=None,
        ax=None,
        std=True,
        mark_table1=True,
        **kwargs,
    ):
        """Plot the test score against the budget from a search's results.

        Parameters
        ----------
        search : fitted GridSearchCV or RandomizedSearchCV, or dict
            The search, or its ``cv_results_``. One searched parameter must be
            a parameter budget: ``param_budget`` of a neural estimator, or
            ``<step>__param_budget`` in a pipeline.
        budget_param : str, default=None
            The searched parameter to put on the x axis, as named in the grid.
            ``None`` finds the one ending in ``param_budget``.
        metric : str, default=None
            Scorer of a multi-metric search to plot. ``None``: the single
            score, or the ``refit`` scorer.
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure.
        std : bool, default=True
            Draw a band of plus and minus one standard deviation over folds.
        mark_table1 : bool, default=True
            Mark the Table 1 budgets inside the plotted range.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot` for every line.

        Returns
        -------
        display : BudgetCurveDisplay
            The display, drawn.

        Notes
        -----
        Every other searched parameter that takes more than one value splits
        the candidates into lines, labelled with its values. Candidates whose
        budget is ``None`` (the module's default widths) or missing have no
        place on the axis and are left out, with a warning.
        """
        cv = _cv_results(search)
        budget_param = _budget_param(cv, budget_param)
        metric = _metric(cv, search, metric)
        budgets = _values(cv[f"param_{budget_param}"])
        mean = np.asarray(cv[f"mean_test_{metric}"], dtype=float)
        std_key = f"std_test_{metric}"
        sd = (
            np.asarray(cv[std_key], dtype=float)
            if std_key in cv
            else np.zeros_like(mean)
        )

        numeric = [
            isinstance(b, Real) and not isinstance(b, bool) and b > 0 for b in budgets
        ]
        bad = [b for b, ok in zip(budgets, numeric, strict=True) if not ok]
        if any(b is not None for b in bad):
            raise ValueError(
                f"{budget_param} must hold positive numbers of parameters; the "
                f"search tried {sorted({repr(b) for b in bad if b is not None})}."
            )
        if bad:
            warnings.warn(
                f"{len(bad)} candidate(s) without a {budget_param} value (None: the "
                "default widths) are left out of the plot.",
                UserWarning,
                stacklevel=2,
            )
        keep = np.flatnonzero(numeric)
        if keep.size == 0:
            raise ValueError(f"No candidate of the search has a {budget_param} value.")

        others = {}
        for key in cv:
            if key.startswith("param_") and key != f"param_{budget_param}":
                values = _values(cv[key])
                column = [values[i] for i in keep]
                if len({_group_key(v) for v in column}) > 1:
                    others[key[len("param_") :]] = column
        groups: dict[tuple, list[int]] = {}
        for pos, i in enumerate(keep):
            key = tuple(_group_key(v[pos]) for v in others.values())
            groups.setdefault(key, []).append(int(i))
        labels = _labels(others, keep, groups)
        xs, means, sds = [], [], []
        for idx in groups.values():
            order = np.argsort([budgets[i] for i in idx], kind="stable")
            idx = [idx[k] for k in order]
            xs.append(np.array([float(budgets[i]) for i in idx]))
            means.append(mean[idx])
            sds.append(sd[idx])
        display = cls(
            budgets=xs,
            mean_scores=means,
            std_scores=sds,
            labels=labels if others else None,
            metric=metric,
            budget_param=budget_param,
        )
        return display.plot(ax=ax, std=std, mark_table1=mark_table1, **kwargs)
