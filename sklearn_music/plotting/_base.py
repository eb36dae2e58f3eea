"""Helpers shared by the displays."""

from __future__ import annotations

from sklearn.utils._optional_dependencies import check_matplotlib_support


def _axes(ax, caller: str):
    """``(ax, figure)``: the given axes, or new ones on a new figure."""
    check_matplotlib_support(caller)
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    return ax, ax.figure


def _final_estimator(estimator):
    """The last step of a pipeline (recursively), else the estimator itself."""
    from sklearn.pipeline import Pipeline

    while isinstance(estimator, Pipeline):
        estimator = estimator[-1]
    return estimator


def _format_count(value: float) -> str:
    """Compact label of a count or a frequency: 500, 2k, 1.5k, 3M."""
    value = float(value)
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"
