"""Shared pieces of the local dataset loaders: file checks, lists, splits.

The loaders never download and never decode audio: they read the metadata,
build the path of every clip and check that the files are there. Each one
returns a :class:`pandas.DataFrame` with a ``path`` column that goes straight
into any sklearn-music transformer or estimator.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import StrOptions

from .._errors import AudioDecodeError, AudioFileNotFoundError
from .._filecheck import ON_PROBLEM, Problems, file_problem, handle_problems
from ..utils import expand_path, format_items, is_path

#: Split names, in the order rows are sorted.
SPLITS = ("train", "valid", "test")

#: ``validate_params`` constraints of the file-check parameters of every loader:
#: ``on_missing`` and ``on_unreadable`` take the vocabulary of
#: :func:`sklearn_music.check_audio_files` (see ``sklearn_music._filecheck``).
FILE_CHECK_CONSTRAINTS = {
    "on_missing": [StrOptions(set(ON_PROBLEM))],
    "on_unreadable": [StrOptions(set(ON_PROBLEM))],
    "check_audio": ["boolean"],
}


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
    silently (the vocabulary of ``sklearn_music._filecheck``, which also
    checks each file). All errors come before any warning. The paths dropped
    are kept in ``attrs["missing"]`` and ``attrs["unreadable"]`` of the
    returned frame. Messages name the files relative to ``root`` when it is
    given. Loaders call it through :func:`build_frame` inside
    ``validate_params``: the ``stacklevel`` of the warnings counts these
    frames, so that they point at the caller of the loader.
    """

    def names(bad):
        if root is None:
            return format_items(bad)
        return f"{format_items(os.path.relpath(p, root) for p in bad)} in {root!r}"

    paths = df["path"].tolist()
    depth = "header" if check_audio else "size"
    problems = [file_problem(p, depth=depth) for p in paths]
    missing = [
        p
        for p, e in zip(paths, problems, strict=True)
        if isinstance(e, AudioFileNotFoundError)
    ]
    unreadable = [
        p
        for p, e in zip(paths, problems, strict=True)
        if e is not None and not isinstance(e, AudioFileNotFoundError)
    ]
    n = len(paths)
    how = "are empty (0 bytes)"
    if check_audio:
        how = "are empty (0 bytes) or have no audio header libsndfile can read"
    handle_problems(
        Problems(
            missing,
            on_missing,
            error=lambda: AudioFileNotFoundError(
                f"{len(missing)} of the {n} {dataset} audio files are "
                f"missing: {names(missing)}. Check the dataset folder, or pass "
                "on_missing='warn' (or 'skip') to leave these clips out.",
                missing[0],
            ),
            warning=lambda: (
                f"Left out {len(missing)} of the {n} {dataset} clips whose "
                f"audio file is missing: {names(missing)}."
            ),
        ),
        Problems(
            unreadable,
            on_unreadable,
            error=lambda: AudioDecodeError(
                f"{len(unreadable)} of the {n} {dataset} audio files {how}: "
                f"{names(unreadable)}. Pass on_unreadable='warn' (or 'skip') to "
                "leave these clips out."
            ),
            warning=lambda: (
                f"Left out {len(unreadable)} of the {n} {dataset} clips whose "
                f"audio files {how}: {names(unreadable)}."
            ),
        ),
        stacklevel=5,  # check_files < build_frame < loader < validate_params
    )
    keep = np.array([e is None for e in problems], dtype=bool)
    out = df[keep].reset_index(drop=True) if not keep.all() else df
    out.attrs["missing"] = missing
    out.attrs["unreadable"] = unreadable
    return out


def check_inside(paths, root: str, *, ids, dataset: str) -> None:
    """Refuse paths that leave the dataset folder ``root``.

    Each path is made absolute and normalised (``..`` resolved, as the
    operating system would) and must lie inside ``root`` resolved the same
    way; metadata such as ``c/../../../etc/passwd`` or an absolute path can
    thus never make a loader (or ``check_audio``) open a file elsewhere.
    Symbolic links placed inside the dataset folder by its owner (say, to
    another disk) are followed as usual.

    Raises
    ------
    ValueError
        Naming the row (its id) and the path of the first offending rows.
    """
    base = os.path.join(os.path.abspath(os.fspath(root)), "")
    outside = [
        (clip_id, p)
        for clip_id, p in zip(ids, paths, strict=True)
        if not os.path.abspath(os.fspath(p)).startswith(base)
    ]
    if outside:
        shown = format_items(
            [f"row {_item(clip_id)!r} ({os.fspath(p)!r})" for clip_id, p in outside],
            limit=5,
            show=str,
        )
        raise ValueError(
            f"The {dataset} metadata points {len(outside)} row(s) outside the "
            f"dataset folder {os.fspath(root)!r} (refused, nothing was opened): "
            f"{shown}."
        )


def _item(value):
    """A NumPy scalar as the Python value it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


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
    check_inside(columns["path"], root, ids=columns[by], dataset=dataset)
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
    if is_path(source):
        path = expand_path(source)
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
