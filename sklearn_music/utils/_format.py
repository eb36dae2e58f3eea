"""Messages that name the items at fault: ``'a', 'b' and 3 more``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

__all__ = ["format_items"]


def _show(item) -> str:
    if isinstance(item, str):
        return repr(str(item))  # also for numpy strings
    if isinstance(item, int | np.integer) and not isinstance(item, bool):
        return str(int(item))
    return repr(item)


def format_items(
    items: Iterable,
    *,
    limit: int = 10,
    show: Callable[[object], str] = _show,
    sep: str = ", ",
) -> str:
    """List at most ``limit`` items and count the rest.

    Parameters
    ----------
    items : iterable
        The items (file paths, row numbers, tag names, ...).
    limit : int, default=10
        How many items are shown.
    show : callable, default=repr for strings, str for integers
        Formats one item.
    sep : str, default=", "
        Separator between the shown items.

    Returns
    -------
    text : str
        E.g. ``"'a.wav', 'b.wav' and 3 more"`` or ``"0, 4, 7"``.

    Examples
    --------
    >>> from sklearn_music.utils import format_items
    >>> format_items(["a.wav", "b.wav", "c.wav"], limit=2)
    "'a.wav', 'b.wav' and 1 more"
    >>> format_items(range(3))
    '0, 1, 2'
    """
    items = list(items)
    shown = sep.join(show(item) for item in items[:limit])
    if len(items) > limit:
        shown += f" and {len(items) - limit} more"
    return shown
