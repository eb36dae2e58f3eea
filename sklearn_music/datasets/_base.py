"""Shared pieces of the local dataset loaders: file checks, lists, splits.

The loaders never download and never decode audio: they read the metadata,
build the path of every clip and check that the files are there. Each one
returns a :class:`pandas.DataFrame` with a ``path`` column that goes straight
into any sklearn-music transformer or estimator.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
import soundfile as sf
from sklearn.utils._param_validation import StrOptions

from .._io import AudioDecodeError, AudioFileNotFoundError

#: Split names, in the order rows are sorted.
SPLITS = ("train", "valid", "test")

#: How many offending items an error or warning message names.
_N_LISTED = 10

#: What ``on_missing`` and ``on_unreadable`` accept.
ON_PROBLEM = ("raise", "warn", "skip")

#: ``validate_params`` constraints of the file-check parameters of every loader.
FILE_CHECK_CONSTRAINTS = {
    "on_missing": [StrOptions(set(ON_PROBLEM))],
    "on_unreadable": [StrOptions(set(ON_PROBLEM))],
    "check_audio": ["boolean"],
}


def _show(item) -> str:
    if isinstance(item, str):
        return repr(str(item))  # also for numpy strings
    if isinstance(item, int | np.integer):
        return str(int(item))
    return repr(item)


def format_items(items, *, limit: int = _N_LISTED) -> str:
    """``'a', 'b', 3`` with at most ``limit`` items and a count of the rest."""
    items = list(items)
    shown = ", ".join(_show(item) for item in items[:limit])
    if len(items) > limit:
        shown += f" and {len(items) - limit} more"
    return shown


def _unreadable(path: str, check_audio: bool) -> bool:
    """Whether ``path`` is empty or, with ``check_audio``, has no readable header."""
    if os.path.getsize(path) == 0:
        return True
    if not check_audio:
        return False
    try:
        sf.info(path)
    except (sf.LibsndfileError, RuntimeError, TypeError):
        return True
    return False


def check_files(
    df: pd.DataFrame,
    *,
    on_missing: str,
    on_unreadable: str,
    check_audio: bool,
    dataset: str,
    root: str | None = None,
) -> pd.DataFrame:
    """Check that every ``df["path"]`` exists and is usable; drop or raise.

    A file is *missing* when it does not exist and *unreadable* when it is
    empty (0 bytes) or, with ``check_audio``, when libsndfile cannot open
    its header (nothing is decoded). ``"raise"`` raises
    :class:`AudioFileNotFoundError` or :class:`AudioDecodeError` naming the
    files; ``"warn"`` drops them with a warning; ``"skip"`` drops them
    silently. The paths dropped are kept in ``attrs["missing"]`` and
    ``attrs["unreadable"]`` of the returned frame. Messages name the files
    relative to ``root`` when it is given. Loaders call it through
    :func:`build_frame`, which the ``stacklevel`` of the warnings counts.
    """

    def names(bad):
        if root is None:
            return format_items(bad)
        return f"{format_items(os.path.relpath(p, root) for p in bad)} in {root!r}"

    paths = df["path"].tolist()
    exists = np.fromiter((os.path.isfile(p) for p in paths), bool, len(paths))
    missing = [p for p, ok in zip(paths, exists, strict=True) if not ok]
    if missing and on_missing == "raise":
        raise AudioFileNotFoundError(
            f"{len(missing)} of the {len(paths)} {dataset} audio files are "
            f"missing: {names(missing)}. Check the dataset folder, or pass "
            "on_missing='warn' (or 'skip') to leave these clips out.",
            missing[0],
        )
    unusable = np.array(
        [
            ok and _unreadable(p, check_audio)
            for p, ok in zip(paths, exists, strict=True)
        ],
        bool,
    )
    unreadable = [p for p, bad in zip(paths, unusable, strict=True) if bad]
    how = "are empty (0 bytes)"
    if check_audio:
        how = "are empty (0 bytes) or have no audio header libsndfile can read"
    if unreadable and on_unreadable == "raise":
        raise AudioDecodeError(
            f"{len(unreadable)} of the {len(paths)} {dataset} audio files {how}: "
            f"{names(unreadable)}. Pass on_unreadable='warn' (or 'skip') to "
            "leave these clips out."
        )
    if missing and on_missing == "warn":
        warnings.warn(
            f"Left out {len(missing)} of the {len(paths)} {dataset} clips whose "
            f"audio file is missing: {names(missing)}.",
            UserWarning,
            stacklevel=4,
        )
    if unreadable and on_unreadable == "warn":
        warnings.warn(
            f"Left out {len(unreadable)} of the {len(paths)} {dataset} clips whose "
            f"audio files {how}: {names(unreadable)}.",
            UserWarning,
            stacklevel=4,
        )
    keep = exists & ~unusable
    out = df[keep].reset_index(drop=True) if not keep.all() else df
    out.attrs["missing"] = missing
    out.attrs["unreadable"] = unreadable
    return out


def build_frame(
    columns: dict,
    splits,
    *,
    dataset: str,
    root: str,
    on_missing: str,
    on_unreadable: str,
    check_audio: bool,
    Y: np.ndarray | None = None,
    tag_names: np.ndarray | None = None,
    return_y: bool = False,
):
    """The frame a loader returns: rows sorted and their files checked.

    Parameters
    ----------
    columns : dict
        The leading columns: the id column (rows are sorted by it within a
        split), ``path`` and any label column.
    splits : sequence of str or None
        The ``split`` column, which comes last.
    dataset, root, on_missing, on_unreadable, check_audio
        Passed to :func:`check_files`.
    Y : ndarray of shape (n_rows, n_tags), default=None
        Tag indicator matrix: adds a ``tags`` column (before ``split``) and
        ``attrs["tag_names"]``.
    tag_names : ndarray of shape (n_tags,), default=None
        Names of the columns of ``Y``.
    return_y : bool, default=False
        Also return the rows of ``Y`` kept, in the order of the frame, and
        ``tag_names``.

    Returns
    -------
    df : pandas.DataFrame
        The frame, with ``attrs["missing"]`` and ``attrs["unreadable"]``.
    Y : ndarray of shape (len(df), n_tags)
        Only with ``return_y=True``.
    tag_names : ndarray of shape (n_tags,)
        Only with ``return_y=True``.
    """
    by = next(iter(columns))
    columns = dict(columns)
    if Y is not None:
        columns["tags"] = pd.Series(
            [tag_names[row == 1].tolist() for row in Y], dtype=object
        )
        columns["_row"] = np.arange(len(Y))
    columns["split"] = pd.Series(splits, dtype=object)
    df = sort_rows(pd.DataFrame(columns), by)
    df = check_files(
        df,
        on_missing=on_missing,
        on_unreadable=on_unreadable,
        check_audio=check_audio,
        dataset=dataset,
        root=root,
    )
    if Y is None:
        return df
    Y = Y[df["_row"].to_numpy()]
    attrs = dict(df.attrs)
    df = df.drop(columns="_row")
    df.attrs = {"tag_names": tag_names.tolist(), **attrs}
    if return_y:
        return df, Y, tag_names
    return df


def sort_rows(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Sort by split (train, valid, test, then no split) and then by ``by``."""
    order = {name: i for i, name in enumerate(SPLITS)}
    rank = df["split"].map(lambda s: order.get(s, len(SPLITS)))
    index = np.lexsort((df[by].to_numpy(), rank.to_numpy()))
    return df.iloc[index].reset_index(drop=True)


def read_id_list(source, *, what: str) -> list:
    """Entries of a split list: a file (``.npy`` or text) or an array-like.

    A text file has one entry per line; blank lines and lines starting with
    ``#`` are ignored. A ``.npy`` file must hold a 1-D array of numbers or
    strings (pickled object arrays are refused).
    """
    if isinstance(source, str | os.PathLike):
        path = os.path.expanduser(os.fspath(source))
        if not os.path.isfile(path):
            raise FileNotFoundError(f"The {what} list file {path!r} does not exist.")
        if path.endswith(".npy"):
            try:
                entries = np.load(path, allow_pickle=False)
            except ValueError as exc:
                raise ValueError(
                    f"Could not read the {what} list {path!r}: {exc}. Expected a "
                    "1-D array of clip ids or file names."
                ) from exc
        else:
            with open(path, encoding="utf-8") as f:
                entries = [
                    line.strip()
                    for line in f
                    if line.strip() and not line.lstrip().startswith("#")
                ]
    else:
        entries = source
    entries = np.asarray(entries)
    if entries.ndim != 1:
        raise ValueError(
            f"The {what} list must be 1-D (one entry per clip); got shape "
            f"{entries.shape}."
        )
    return entries.tolist()


def first_duplicates(values: Iterable) -> list:
    """The values that occur more than once, in order of first repetition."""
    seen, dups = set(), []
    for value in values:
        if value in seen and value not in dups:
            dups.append(value)
        seen.add(value)
    return dups
