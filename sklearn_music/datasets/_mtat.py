"""MagnaTagATune clips and tags from a local copy."""

from __future__ import annotations

import os
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..utils import expand_path, format_items
from ._base import (
    FILE_CHECK_CONSTRAINTS,
    SPLITS,
    build_frame,
    first_duplicates,
    read_id_list,
)

__all__ = ["load_mtat"]

#: Split of the standard protocol by the first character of ``mp3_path``:
#: folders 0-b for training, c for validation, d-f for testing.
_STANDARD_SPLIT = {
    **{folder: "train" for folder in "0123456789ab"},
    "c": "valid",
    **{folder: "test" for folder in "def"},
}

#: Extensions stripped from the file names in split lists.
_LIST_EXTENSIONS = (".mp3", ".npy", ".wav", ".flac", ".ogg")


def _read_annotations(path: str) -> tuple[pd.DataFrame, list[str]]:
    """Read and check ``annotations_final.csv``; return it and its tag names."""
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"MagnaTagATune annotations not found: {path!r}. Expected the "
            "annotations_final.csv of the dataset in root."
        )
    ann = pd.read_csv(path, sep="\t")
    columns = [str(c) for c in ann.columns]
    if len(columns) < 3 or columns[0] != "clip_id" or columns[-1] != "mp3_path":
        shown = format_items(columns, limit=3)
        raise ValueError(
            f"{path!r} is not a MagnaTagATune annotations file: expected "
            "tab-separated columns clip_id, one 0/1 column per tag, mp3_path; "
            f"found {len(columns)} column(s) {shown}."
        )
    tag_names = columns[1:-1]
    values = ann[tag_names]
    bad = [t for t in tag_names if not values[t].isin((0, 1)).all()]
    if bad:
        raise ValueError(
            f"Tag columns of {path!r} must hold only 0 and 1; these do not: "
            f"{format_items(bad)}."
        )
    ids = ann["clip_id"]
    if not pd.api.types.is_integer_dtype(ids):
        raise ValueError(f"The clip_id column of {path!r} must hold integers.")
    dups = first_duplicates(ids.tolist())
    if dups:
        raise ValueError(f"Duplicate clip ids in {path!r}: {format_items(dups)}.")
    mp3 = ann["mp3_path"]
    empty = ann.loc[mp3.isna() | (mp3.astype(str).str.strip() == ""), "clip_id"]
    if len(empty):
        raise ValueError(
            f"Clips with no mp3_path in {path!r}: clip_id {format_items(empty)}."
        )
    return ann, tag_names


def _audio_dir(root: str) -> str:
    """``root`` if the folders 0-f are in it, else ``root/mp3`` if it exists."""
    if any(os.path.isdir(os.path.join(root, folder)) for folder in _STANDARD_SPLIT):
        return root
    mp3 = os.path.join(root, "mp3")
    return mp3 if os.path.isdir(mp3) else root


def _list_key(entry):
    """Clip id (int) or file-name stem (str) that a split-list entry names."""
    if isinstance(entry, Integral):
        return int(entry)
    entry = str(entry).strip()
    if entry.isdigit():
        return int(entry)
    name = os.path.basename(entry.split("\t")[-1].strip())
    stem, ext = os.path.splitext(name)
    return stem if ext.lower() in _LIST_EXTENSIONS else name


def _splits_from_lists(ann: pd.DataFrame, lists: dict) -> np.ndarray:
    """Split of every clip named by the user's lists; ``None`` elsewhere."""
    unknown = sorted(set(lists) - set(SPLITS))
    if unknown:
        raise ValueError(
            f"Split lists are keyed by {', '.join(map(repr, SPLITS))}; got "
            f"{format_items(unknown)}."
        )
    row_of = {cid: i for i, cid in enumerate(ann["clip_id"].tolist())}
    stems = [
        os.path.splitext(os.path.basename(p))[0] for p in ann["mp3_path"].astype(str)
    ]
    row_of.update({stem: i for i, stem in enumerate(stems)})
    split = np.full(len(ann), None, dtype=object)
    for name in SPLITS:
        if name not in lists:
            continue
        keys = [_list_key(e) for e in read_id_list(lists[name], what=f"{name!r}")]
        unmatched = [k for k in keys if k not in row_of]
        if unmatched:
            raise ValueError(
                f"{len(unmatched)} entries of the {name!r} list name no clip of "
                f"annotations_final.csv: {format_items(unmatched)}. Entries are "
                "clip ids or mp3 file names (any folder, .mp3 or .npy)."
            )
        rows = [row_of[k] for k in keys]
        taken = [ann["clip_id"].iat[r] for r in rows if split[r] is not None]
        if taken:
            raise ValueError(
                f"Clips listed in {name!r} and in another split (or twice): "
                f"clip_id {format_items(taken)}."
            )
        split[rows] = name
    return split


@validate_params(
    {
        "root": [str, os.PathLike],
        "n_tags": [Interval(Integral, 1, None, closed="left"), None],
        "split": [StrOptions({"standard", "all"}), dict],
        "drop_untagged": ["boolean"],
        **FILE_CHECK_CONSTRAINTS,
        "return_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_mtat(
    root: str | os.PathLike,
    *,
    n_tags: int | None = 50,
    split: str | dict = "standard",
    drop_untagged: bool = False,
    on_missing: str = "raise",
    on_unreadable: str = "warn",
    check_audio: bool = False,
    return_y: bool = False,
):
    """List the clips of a local copy of MagnaTagATune with their top tags.

    MagnaTagATune (Law et al., 2009) holds 25,863 clips of about 29 s, in
    16 folders ``0`` to ``f``, annotated with 188 tags. Nothing is
    downloaded and no audio is decoded: the function reads the annotations,
    keeps the most frequent tags, builds the path of every clip and checks
    that the file is there.

    Parameters
    ----------
    root : str or path-like
        Folder holding ``annotations_final.csv`` and the mp3 folders ``0`` to
        ``f`` (directly, or in ``root/mp3``).
    n_tags : int or None, default=50
        Keep the ``n_tags`` most frequent tags over all clips; ties are
        broken by the order of the columns of ``annotations_final.csv``.
        ``None`` keeps all tags.
    split : {"standard", "all"} or dict, default="standard"
        ``"standard"``: folders ``0``-``b`` for training, ``c`` for
        validation, ``d``-``f`` for testing, all clips kept. ``"all"``: all
        clips, with no split (``split`` is ``None``). A dict such as
        ``{"train": ..., "valid": ..., "test": ...}``: the clips named by
        each list, and only those; a list is a path to a ``.npy`` file or a
        text file (one entry per line), or an array-like. Entries are clip
        ids or mp3 file names, with or without folder, ending in ``.mp3`` or
        ``.npy``; ``"index<TAB>path"`` entries as in the ``train.npy``,
        ``valid.npy`` and ``test.npy`` of Won et al. (2020) are read by
        their path.
    drop_untagged : bool, default=False
        Leave out the clips that have none of the kept tags. The standard
        split keeps them (close to a fifth of the clips for 50 tags); the
        published split lists of Won et al. (2020) have none.
    on_missing : {"raise", "warn", "skip"}, default="raise"
        What to do with clips whose mp3 file does not exist: raise an
        :class:`~sklearn_music.AudioFileNotFoundError` naming them, leave
        them out with a warning, or leave them out silently.
    on_unreadable : {"raise", "warn", "skip"}, default="warn"
        What to do with clips whose file is empty (MagnaTagATune has a few
        0-byte mp3 files) or, with ``check_audio=True``, cannot be opened:
        raise an :class:`~sklearn_music.AudioDecodeError`, leave them out
        with a warning, or leave them out silently.
    check_audio : bool, default=False
        Also open the header of every file with libsndfile (no decoding).
    return_y : bool, default=False
        Also return the tag indicator matrix and the tag names.

    Returns
    -------
    df : pandas.DataFrame
        One row per clip, sorted by split (train, valid, test) and then by
        clip id, with columns:

        - ``clip_id`` (int): the clip id of ``annotations_final.csv``;
        - ``path`` (str): the mp3 file;
        - ``tags`` (list of str): the clip's kept tags, most frequent first;
        - ``split`` (str or None): ``"train"``, ``"valid"``, ``"test"``, or
          ``None`` with ``split="all"``.

        ``df.attrs["tag_names"]`` lists the kept tags, most frequent first;
        ``df.attrs["missing"]`` and ``df.attrs["unreadable"]`` list the
        paths that were left out.
    Y : ndarray of shape (n_clips, n_tags), dtype int
        Only with ``return_y=True``: ``Y[i, j]`` is 1 when clip ``i`` has tag
        ``tag_names[j]``.
    tag_names : ndarray of shape (n_tags,), dtype str
        Only with ``return_y=True``: the kept tags, most frequent first.

    Raises
    ------
    FileNotFoundError
        If ``annotations_final.csv`` or a split list file does not exist.
    ValueError
        If the annotations are malformed or a split list names unknown or
        repeated clips.
    AudioFileNotFoundError
        If clips are missing and ``on_missing="raise"``.
    AudioDecodeError
        If files are unreadable and ``on_unreadable="raise"``.

    See Also
    --------
    load_msd_tags : Last.fm tags of Million Song Dataset tracks.

    Notes
    -----
    The tags are the 188 columns of ``annotations_final.csv`` as they are:
    synonyms such as "female", "woman" and "female vocal" are not merged,
    as in the usual top-50 benchmark. To feed a scikit-learn pipeline use
    ``X = df["path"]`` and ``y = df["tags"].tolist()`` (tag lists) or the
    indicator matrix ``Y``.

    References
    ----------
    .. [1] E. Law, K. West, M. Mandel, M. Bay and J. S. Downie, "Evaluation
       of algorithms using games: the case of music tagging", ISMIR 2009.
    .. [2] S. Dieleman and B. Schrauwen, "End-to-end learning for music
       audio", ICASSP 2014 (the standard split).
    .. [3] M. Won, A. Ferraro, D. Bogdanov and X. Serra, "Evaluation of
       CNN-based automatic music tagging models", SMC 2020.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_music.datasets import load_mtat
    >>> root = tempfile.mkdtemp()
    >>> rows = [("2", "1", "0", "c/a-0-29.mp3"), ("6", "1", "1", "f/b-30-59.mp3")]
    >>> with open(os.path.join(root, "annotations_final.csv"), "w") as f:
    ...     _ = f.write("clip_id\\tguitar\\tpiano\\tmp3_path\\n")
    ...     for row in rows:
    ...         _ = f.write("\\t".join(row) + "\\n")
    >>> for _, _, _, mp3 in rows:
    ...     os.makedirs(os.path.join(root, mp3[0]))
    ...     _ = open(os.path.join(root, mp3), "wb").write(b"ID3")
    >>> df, Y, tags = load_mtat(root, n_tags=2, return_y=True)
    >>> df[["clip_id", "tags", "split"]]
       clip_id             tags  split
    0        2         [guitar]  valid
    1        6  [guitar, piano]   test
    >>> Y, tags
    (array([[1, 0],
           [1, 1]]), array(['guitar', 'piano'], dtype='<U6'))
    """
    root = expand_path(root)
    csv = os.path.join(root, "annotations_final.csv")
    ann, all_tags = _read_annotations(csv)
    if n_tags is not None and n_tags > len(all_tags):
        raise ValueError(
            f"n_tags={n_tags} but {csv!r} has only {len(all_tags)} tags; pass "
            f"n_tags <= {len(all_tags)} or None."
        )
    indicator = ann[all_tags].to_numpy(dtype=np.int64)
    order = np.argsort(-indicator.sum(axis=0), kind="stable")
    keep = order if n_tags is None else order[:n_tags]
    tag_names = np.array([all_tags[j] for j in keep])
    Y = indicator[:, keep]

    mp3_paths = ann["mp3_path"].astype(str).tolist()
    if isinstance(split, dict):
        splits = _splits_from_lists(ann, split)
        selected = np.array([s is not None for s in splits], bool)
    elif split == "standard":
        folders = [p.split("/")[0] for p in mp3_paths]
        unknown = sorted({f for f in folders if f not in _STANDARD_SPLIT})
        if unknown:
            raise ValueError(
                f"mp3_path entries of {csv!r} must start with a folder 0-f for the "
                f"standard split; found folders {format_items(unknown)}."
            )
        splits = np.array([_STANDARD_SPLIT[f] for f in folders], dtype=object)
        selected = np.ones(len(ann), bool)
    else:
        splits = np.full(len(ann), None, dtype=object)
        selected = np.ones(len(ann), bool)
    if drop_untagged:
        selected &= Y.any(axis=1)

    audio_dir = _audio_dir(root)
    rows = np.flatnonzero(selected)
    return build_frame(
        {
            "clip_id": ann["clip_id"].to_numpy()[rows],
            "path": [os.path.join(audio_dir, mp3_paths[i]) for i in rows],
        },
        splits[rows],
        dataset="MagnaTagATune",
        root=audio_dir,
        on_missing=on_missing,
        on_unreadable=on_unreadable,
        check_audio=check_audio,
        Y=Y[rows],
        tag_names=tag_names,
        return_y=return_y,
    )
