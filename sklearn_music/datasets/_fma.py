"""Free Music Archive (FMA) tracks and genres from a local copy."""

from __future__ import annotations

import ast
import os

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import StrOptions, validate_params

from ..utils import expand_path, format_items
from ._base import FILE_CHECK_CONSTRAINTS, build_frame

__all__ = ["load_fma"]

#: Subsets, each containing the smaller ones; "full" has the tracks of
#: "large" untrimmed.
_SUBSETS = ("small", "medium", "large", "full")

#: Values of ``('set', 'split')`` and the split names used by all loaders.
_SPLIT_NAMES = {"training": "train", "validation": "valid", "test": "test"}


def _read_tracks(path: str, target: str) -> pd.DataFrame:
    """Read ``tracks.csv`` (two header rows) and check the columns we use."""
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"FMA metadata not found: {path!r}. Pass as metadata_root the "
            "folder of fma_metadata.zip, with tracks.csv and genres.csv."
        )
    try:
        tracks = pd.read_csv(path, index_col=0, header=[0, 1], low_memory=False)
    except (ValueError, IndexError) as exc:
        raise ValueError(
            f"Could not read {path!r} as the FMA tracks table (two header rows: "
            f"('set', 'split'), ('track', 'genre_top'), ...): {exc}"
        ) from exc
    needed = [("set", "subset"), ("set", "split"), ("track", target)]
    absent = [c for c in needed if c not in tracks.columns]
    if absent:
        raise ValueError(
            f"{path!r} lacks the column(s) {format_items(absent)} of the FMA tracks "
            "table; read it with pandas.read_csv(path, index_col=0, header=[0, 1]) "
            "to check it."
        )
    if not pd.api.types.is_integer_dtype(tracks.index):
        raise ValueError(f"The track ids (first column) of {path!r} must be integers.")
    return tracks


def _read_genre_titles(path: str) -> dict[int, str]:
    """Map genre id to title from ``genres.csv``."""
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"FMA genre table not found: {path!r}. It is in fma_metadata.zip "
            "beside tracks.csv."
        )
    genres = pd.read_csv(path, index_col=0)
    if "title" not in genres.columns or not pd.api.types.is_integer_dtype(genres.index):
        raise ValueError(
            f"{path!r} is not the FMA genre table: expected columns genre_id, "
            f"#tracks, parent, title, top_level; found "
            f"{format_items([genres.index.name, *genres.columns])}."
        )
    return {int(i): str(t) for i, t in genres["title"].items()}


def _genre_lists(column: pd.Series, titles: dict[int, str], where: str) -> list:
    """Parse ``"[1, 38]"`` strings into lists of genre titles."""
    out, bad, unknown = [], [], set()
    for track_id, text in column.items():
        try:
            ids = ast.literal_eval(text) if isinstance(text, str) else None
        except (ValueError, SyntaxError):
            ids = None
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            bad.append(track_id)
            out.append([])
            continue
        unknown.update(i for i in ids if i not in titles)
        out.append([titles.get(i) for i in ids])
    if bad:
        raise ValueError(
            f"Column {column.name!r} of {where!r} must hold lists of genre ids "
            f"such as '[1, 38]'; it does not for track(s) {format_items(bad)}."
        )
    if unknown:
        raise ValueError(
            f"Genre ids used in {where!r} but absent from genres.csv: "
            f"{format_items(sorted(unknown))}."
        )
    return out


def _check_values(values: pd.Series, allowed, what: str, where: str) -> None:
    bad = sorted({str(v) for v in values.unique()} - set(allowed))
    if bad:
        raise ValueError(
            f"Unexpected {what} value(s) in {where!r}: {format_items(bad)}; "
            f"expected {format_items(allowed)}."
        )


@validate_params(
    {
        "root": [str, os.PathLike],
        "metadata_root": [str, os.PathLike],
        "subset": [StrOptions(set(_SUBSETS))],
        "target": [StrOptions({"auto", "genre_top", "genres", "genres_all"})],
        **FILE_CHECK_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def load_fma(
    root: str | os.PathLike,
    metadata_root: str | os.PathLike,
    *,
    subset: str = "small",
    target: str = "auto",
    on_missing: str = "raise",
    on_unreadable: str = "warn",
    check_audio: bool = False,
) -> pd.DataFrame:
    """List the tracks of a local copy of FMA with their genres and split.

    The Free Music Archive dataset (Defferrard et al., 2017) comes in four
    subsets: ``small`` (8,000 clips of 30 s, 8 balanced genres),
    ``medium`` (25,000 clips, 16 unbalanced genres), ``large`` (106,574
    clips, 161 genres) and ``full`` (the same tracks untrimmed). Nothing
    is downloaded and no audio is decoded: the function reads the metadata,
    builds the path of every track and checks that the file is there.

    Parameters
    ----------
    root : str or path-like
        Audio folder of the subset, e.g. ``fma_small``, laid out as
        ``root/000/000002.mp3``: the track id on six digits, in a folder
        named by its first three.
    metadata_root : str or path-like
        Folder of ``fma_metadata.zip``, with ``tracks.csv`` and
        ``genres.csv``.
    subset : {"small", "medium", "large", "full"}, default="small"
        Tracks of this subset, which includes the smaller ones (the
        ``('set', 'subset')`` column is at most ``subset``).
    target : {"auto", "genre_top", "genres", "genres_all"}, default="auto"
        The labels. ``"genre_top"``: the track's top-level genre (one per
        track), in a ``label`` column; tracks without one (only in the
        large and full subsets) are left out. ``"genres"``: the genres the
        artist gave the track, and ``"genres_all"``: those and all their
        parent genres, as lists of genre titles in a ``tags`` column.
        ``"auto"`` is ``"genre_top"`` for small and medium (single-label
        benchmarks) and ``"genres_all"`` for large and full.
    on_missing : {"raise", "warn", "skip"}, default="raise"
        What to do with tracks whose mp3 file does not exist: raise an
        :class:`~sklearn_music.AudioFileNotFoundError` naming them, leave
        them out with a warning, or leave them out silently.
    on_unreadable : {"raise", "warn", "skip"}, default="warn"
        What to do with tracks whose file is empty or, with
        ``check_audio=True``, cannot be opened: raise an
        :class:`~sklearn_music.AudioDecodeError`, leave them out with a
        warning, or leave them out silently.
    check_audio : bool, default=False
        Also open the header of every file with libsndfile (no decoding).
        Some FMA files hold no audio at all (in ``fma_small``: 099134,
        108925 and 133297); this finds them at load time instead of when
        a pipeline decodes them.

    Returns
    -------
    df : pandas.DataFrame
        One row per track, sorted by split (train, valid, test) and then by
        track id, with columns:

        - ``track_id`` (int);
        - ``path`` (str): the mp3 file;
        - ``label`` (str) with ``target="genre_top"``, or ``tags`` (list of
          str) with ``"genres"`` and ``"genres_all"``;
        - ``split`` (str): ``"train"``, ``"valid"`` or ``"test"``, the
          official split (``training``, ``validation``, ``test`` in
          ``tracks.csv``).

        ``df.attrs["missing"]`` and ``df.attrs["unreadable"]`` list the
        paths that were left out.

    Raises
    ------
    FileNotFoundError
        If ``tracks.csv`` or ``genres.csv`` does not exist.
    ValueError
        If the metadata is malformed (columns, subsets, splits, genre ids).
    AudioFileNotFoundError
        If tracks are missing and ``on_missing="raise"``.
    AudioDecodeError
        If files are unreadable and ``on_unreadable="raise"``.

    See Also
    --------
    load_gtzan : GTZAN genre collection.

    Notes
    -----
    The official split keeps each artist in one split and balances the
    genres; it is the one the FMA baselines report on. Besides the three
    files with no audio, three clips of ``fma_small`` (098565, 098567 and
    098569) hold less than 30 s of audio; they are kept.

    References
    ----------
    .. [1] M. Defferrard, K. Benzi, P. Vandergheynst and X. Bresson, "FMA: a
       dataset for music analysis", ISMIR 2017.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from sklearn_music.datasets import load_fma
    >>> meta, audio = tempfile.mkdtemp(), tempfile.mkdtemp()
    >>> columns = pd.MultiIndex.from_tuples(
    ...     [("set", "split"), ("set", "subset"), ("track", "genre_top"),
    ...      ("track", "genres_all")]
    ... )
    >>> tracks = pd.DataFrame(
    ...     [["training", "small", "Hip-Hop", "[21]"],
    ...      ["test", "small", "Pop", "[10]"]],
    ...     index=pd.Index([2, 140], name="track_id"), columns=columns,
    ... )
    >>> tracks.to_csv(os.path.join(meta, "tracks.csv"))
    >>> pd.DataFrame(
    ...     {"#tracks": [1, 1], "parent": [0, 0], "title": ["Pop", "Hip-Hop"],
    ...      "top_level": [10, 21]},
    ...     index=pd.Index([10, 21], name="genre_id"),
    ... ).to_csv(os.path.join(meta, "genres.csv"))
    >>> for tid in tracks.index:
    ...     folder = os.path.join(audio, f"{tid:06d}"[:3])
    ...     os.makedirs(folder, exist_ok=True)
    ...     _ = open(os.path.join(folder, f"{tid:06d}.mp3"), "wb").write(b"ID3")
    >>> load_fma(audio, meta)[["track_id", "label", "split"]]
       track_id    label  split
    0         2  Hip-Hop  train
    1       140      Pop   test
    """
    root = expand_path(root)
    metadata_root = expand_path(metadata_root)
    if target == "auto":
        target = "genre_top" if subset in ("small", "medium") else "genres_all"
    where = os.path.join(metadata_root, "tracks.csv")
    tracks = _read_tracks(where, target)

    subsets = tracks[("set", "subset")]
    _check_values(subsets, _SUBSETS[:3], "('set', 'subset')", where)
    if subset != "full":
        allowed = _SUBSETS[: _SUBSETS.index(subset) + 1]
        tracks = tracks[subsets.isin(allowed).to_numpy()]
    splits = tracks[("set", "split")]
    _check_values(splits, list(_SPLIT_NAMES), "('set', 'split')", where)

    if target == "genre_top":
        tracks = tracks[tracks[("track", "genre_top")].notna().to_numpy()]
        labels = ("label", tracks[("track", "genre_top")].astype(str).tolist())
    else:
        titles = _read_genre_titles(os.path.join(metadata_root, "genres.csv"))
        lists = _genre_lists(tracks[("track", target)], titles, where)
        labels = ("tags", pd.Series(lists, dtype=object))

    ids = tracks.index.to_numpy(dtype=np.int64)
    return build_frame(
        {
            "track_id": ids,
            "path": [os.path.join(root, f"{t:06d}"[:3], f"{t:06d}.mp3") for t in ids],
            labels[0]: labels[1],
        },
        [_SPLIT_NAMES[s] for s in tracks[("set", "split")]],
        dataset=f"FMA {subset}",
        root=root,
        on_missing=on_missing,
        on_unreadable=on_unreadable,
        check_audio=check_audio,
    )
