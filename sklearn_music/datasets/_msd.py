"""Last.fm tags of Million Song Dataset tracks, joined to local audio previews."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import validate_params

from ..utils import expand_path, format_items
from ._base import (
    FILE_CHECK_CONSTRAINTS,
    SPLITS,
    build_frame,
    first_duplicates,
    read_id_list,
)

__all__ = ["load_msd_tags"]

#: The 50 Last.fm tags of the split of Choi et al. (2016), in the column order
#: of its ``{train,valid,test}_y.npy`` files (``tags.py`` of
#: github.com/keunwoochoi/MSD_split_for_tagging; the same list is
#: ``split/msd/50tagList.txt`` of github.com/minzwon/sota-music-tagging-models).
CHOI_TAGS = (
    "rock", "pop", "alternative", "indie", "electronic", "female vocalists",
    "dance", "00s", "alternative rock", "jazz", "beautiful", "metal",
    "chillout", "male vocalists", "classic rock", "soul", "indie rock",
    "Mellow", "electronica", "80s", "folk", "90s", "chill", "instrumental",
    "punk", "oldies", "blues", "hard rock", "ambient", "acoustic",
    "experimental", "female vocalist", "guitar", "Hip-Hop", "70s", "party",
    "country", "easy listening", "sexy", "catchy", "funk", "electro",
    "heavy metal", "Progressive rock", "60s", "rnb", "indie pop", "sad",
    "House", "happy",
)  # fmt: skip

#: Layout of the MSD audio previews: three folders named by the third to
#: fifth characters of the track id.
MSD_PATH_TEMPLATE = "{track_id[2]}/{track_id[3]}/{track_id[4]}/{track_id}.mp3"


def _from_choi_folder(folder: str):
    """Track ids, splits and indicator matrix of a Choi et al. split folder."""
    ids, splits, blocks = [], [], []
    for name in SPLITS:
        x = os.path.join(folder, f"{name}_x_msd_id.txt")
        y = os.path.join(folder, f"{name}_y.npy")
        if not os.path.isfile(x):
            continue
        if not os.path.isfile(y):
            raise FileNotFoundError(f"{x!r} has no matching tag matrix {y!r}.")
        split_ids = [str(t) for t in read_id_list(x, what=f"{name!r} track id")]
        Y = np.load(y, allow_pickle=False)
        if Y.shape != (len(split_ids), len(CHOI_TAGS)):
            raise ValueError(
                f"{y!r} has shape {Y.shape}; expected ({len(split_ids)}, "
                f"{len(CHOI_TAGS)}): one row per track id of {x!r} and one column "
                "per tag."
            )
        if not np.isin(Y, (0, 1)).all():
            raise ValueError(f"{y!r} must hold only 0 and 1.")
        ids += split_ids
        splits += [name] * len(split_ids)
        blocks.append(Y)
    if not ids:
        raise FileNotFoundError(
            f"No split files in {folder!r}: expected train_x_msd_id.txt and "
            "train_y.npy (and the same for valid and test), as in the split of "
            "Choi et al. (2016)."
        )
    return ids, splits, np.vstack(blocks), list(CHOI_TAGS), repr(folder)


def _read_table(path: str) -> pd.DataFrame:
    sep = "," if path.lower().endswith(".csv") else "\t"
    return pd.read_csv(path, sep=sep, dtype={"track_id": str})


def _from_table(table: pd.DataFrame, where: str, tag_sep: str):
    """Track ids, splits and indicator matrix of an annotation table."""
    if "track_id" not in table.columns:
        raise ValueError(
            f"The annotations {where} need a track_id column; found "
            f"{format_items(map(str, table.columns))}."
        )
    ids = table["track_id"].astype(str).tolist()
    if "split" in table.columns:
        splits = [None if pd.isna(s) else s for s in table["split"]]
        bad = sorted({str(s) for s in splits if s is not None} - set(SPLITS))
        if bad:
            raise ValueError(
                f"Unexpected split value(s) in the annotations {where}: "
                f"{format_items(bad)}; expected {format_items(SPLITS)}."
            )
    else:
        splits = [None] * len(ids)
    others = [c for c in table.columns if c not in ("track_id", "split")]
    if "tags" in table.columns:
        lists = []
        for value in table["tags"]:
            if isinstance(value, list | tuple | set | np.ndarray):
                tags = [str(t) for t in value]
            elif pd.isna(value):
                tags = []
            else:
                tags = [t.strip() for t in str(value).split(tag_sep)]
            lists.append([t for t in tags if t])
        counts = Counter(t for tags in lists for t in set(tags))
        tag_names = sorted(counts, key=lambda t: (-counts[t], t))
        column = {t: j for j, t in enumerate(tag_names)}
        Y = np.zeros((len(ids), len(tag_names)), dtype=np.int64)
        for i, tags in enumerate(lists):
            Y[i, [column[t] for t in tags]] = 1
    elif others:
        values = table[others]
        bad = [str(c) for c in others if not values[c].isin((0, 1)).all()]
        if bad:
            raise ValueError(
                f"Without a tags column, every column of the annotations {where} "
                "other than track_id and split must be a 0/1 tag indicator; these "
                f"are not: {format_items(bad)}."
            )
        tag_names = [str(c) for c in others]
        Y = values.to_numpy(dtype=np.int64)
    else:
        raise ValueError(
            f"The annotations {where} need a tags column (tags separated by "
            f"{tag_sep!r}) or one 0/1 column per tag."
        )
    return ids, splits, Y, tag_names, where


def _preview_paths(ids, audio_root: str, path_template) -> list[str]:
    """Path of the preview of every track id."""
    if isinstance(path_template, Mapping):
        unmapped = [t for t in ids if t not in path_template]
        if unmapped:
            raise ValueError(
                f"path_template has no entry for {len(unmapped)} track id(s): "
                f"{format_items(unmapped)}."
            )
        relative = [os.fspath(path_template[t]) for t in ids]
    elif callable(path_template):
        relative = [os.fspath(path_template(t)) for t in ids]
    else:
        relative = []
        for t in ids:
            try:
                relative.append(path_template.format(track_id=t))
            except (IndexError, KeyError, ValueError, AttributeError) as exc:
                raise ValueError(
                    f"path_template {path_template!r} does not fit track id {t!r} "
                    f"({type(exc).__name__}: {exc}); the template may only use "
                    "{track_id}, e.g. '{track_id[2]}/{track_id}.mp3'."
                ) from exc
    return [os.path.join(audio_root, p) for p in relative]


@validate_params(
    {
        "annotations": [str, os.PathLike, pd.DataFrame],
        "audio_root": [str, os.PathLike],
        "path_template": [str, Mapping, callable],
        "tag_sep": [str],
        **FILE_CHECK_CONSTRAINTS,
        "return_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_msd_tags(
    annotations: str | os.PathLike | pd.DataFrame,
    audio_root: str | os.PathLike,
    *,
    path_template=MSD_PATH_TEMPLATE,
    tag_sep: str = ",",
    on_missing: str = "raise",
    on_unreadable: str = "warn",
    check_audio: bool = False,
    return_y: bool = False,
):
    """List Million Song Dataset tracks with Last.fm tags and local previews.

    The Last.fm tags of the Million Song Dataset (Bertin-Mahieux et al.,
    2011) are the largest public music tagging benchmark; the audio is not
    part of the dataset, so each user has the previews they collected.
    Nothing is downloaded and no audio is decoded: the function reads the
    tag annotations, builds the path of every preview and checks that the
    file is there.

    Parameters
    ----------
    annotations : str, path-like or pandas.DataFrame
        The tags, in one of these forms:

        - a folder with the split of Choi et al. (2016):
          ``train_x_msd_id.txt``, ``valid_x_msd_id.txt``,
          ``test_x_msd_id.txt`` (one track id per line) and
          ``train_y.npy``, ``valid_y.npy``, ``test_y.npy`` (0/1 matrices,
          one column per tag of its 50-tag list, in that list's order);
          the splits present are loaded;
        - a ``.csv`` (comma-separated) or ``.tsv``/``.txt`` (tab-separated)
          file with a header, or a DataFrame, with a ``track_id`` column,
          an optional ``split`` column (``"train"``, ``"valid"``,
          ``"test"`` or empty) and either a ``tags`` column (tags separated
          by ``tag_sep``) or one 0/1 column per tag.
    audio_root : str or path-like
        Folder of the audio previews.
    path_template : str, mapping or callable, \
            default="{track_id[2]}/{track_id[3]}/{track_id[4]}/{track_id}.mp3"
        Where the preview of a track is, relative to ``audio_root``. A
        string is formatted with ``track_id``: the default gives
        ``A/A/R/TRAARKX128F4247A03.mp3``, the layout of the MSD's own
        per-track files. A
        mapping (e.g. a dict from track id to 7digital file such as
        ``"8/9/8947470.clip.mp3"``) or a callable gives the path of each
        track id.
    tag_sep : str, default=","
        Separator of the tags in a ``tags`` column.
    on_missing : {"raise", "warn", "skip"}, default="raise"
        What to do with tracks whose preview does not exist: raise an
        :class:`~sklearn_music.AudioFileNotFoundError` naming them, leave
        them out with a warning, or leave them out silently. The message
        counts the missing previews and names the first ones.
    on_unreadable : {"raise", "warn", "skip"}, default="warn"
        What to do with previews that are empty (there are a few 0-byte
        files among the MSD previews) or, with ``check_audio=True``,
        cannot be opened: raise an :class:`~sklearn_music.AudioDecodeError`,
        leave them out with a warning, or leave them out silently.
    check_audio : bool, default=False
        Also open the header of every file with libsndfile (no decoding).
    return_y : bool, default=False
        Also return the tag indicator matrix and the tag names.

    Returns
    -------
    df : pandas.DataFrame
        One row per track, sorted by split (train, valid, test, then none)
        and then by track id, with columns:

        - ``track_id`` (str);
        - ``path`` (str): the preview;
        - ``tags`` (list of str): the track's tags, in the order of
          ``tag_names``;
        - ``split`` (str or None).

        ``df.attrs["tag_names"]`` lists the tags: in column order for 0/1
        columns and for the split of Choi et al., else by decreasing
        frequency (ties by name). ``df.attrs["missing"]`` and
        ``df.attrs["unreadable"]`` list the paths that were left out.
    Y : ndarray of shape (n_tracks, n_tags), dtype int
        Only with ``return_y=True``: ``Y[i, j]`` is 1 when track ``i`` has
        tag ``tag_names[j]``.
    tag_names : ndarray of shape (n_tags,), dtype str
        Only with ``return_y=True``.

    Raises
    ------
    FileNotFoundError
        If ``annotations`` does not exist or a split folder lacks files.
    ValueError
        If the annotations are malformed, list a track twice, or
        ``path_template`` does not fit a track id.
    AudioFileNotFoundError
        If previews are missing and ``on_missing="raise"``.
    AudioDecodeError
        If previews are unreadable and ``on_unreadable="raise"``.

    See Also
    --------
    load_mtat : MagnaTagATune clips and tags.

    Notes
    -----
    The split of Choi et al. (2016) uses 50 frequent tags. The version of
    Won et al. (2020) keeps its tracks with at least 29.1 s of audio
    (201,680 for training, 11,774 for validation, 28,435 for testing); its
    lists are pickles, which this function never reads (unpickling runs
    code): convert them once to the text files above.

    References
    ----------
    .. [1] T. Bertin-Mahieux, D. P. W. Ellis, B. Whitman and P. Lamere, "The
       Million Song Dataset", ISMIR 2011.
    .. [2] K. Choi, G. Fazekas and M. Sandler, "Automatic tagging using deep
       convolutional neural networks", ISMIR 2016.
    .. [3] M. Won, A. Ferraro, D. Bogdanov and X. Serra, "Evaluation of
       CNN-based automatic music tagging models", SMC 2020.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from sklearn_music.datasets import load_msd_tags
    >>> audio = tempfile.mkdtemp()
    >>> table = pd.DataFrame(
    ...     {"track_id": ["TRAARKX128F4247A03", "TRBBXYZ12903CB1234"],
    ...      "tags": ["rock,indie", "rock"], "split": ["train", "test"]}
    ... )
    >>> for tid in table["track_id"]:
    ...     folder = os.path.join(audio, tid[2], tid[3], tid[4])
    ...     os.makedirs(folder)
    ...     _ = open(os.path.join(folder, tid + ".mp3"), "wb").write(b"ID3")
    >>> df = load_msd_tags(table, audio)
    >>> df[["track_id", "tags", "split"]]
                 track_id           tags  split
    0  TRAARKX128F4247A03  [rock, indie]  train
    1  TRBBXYZ12903CB1234         [rock]   test
    >>> os.path.relpath(df["path"][0], audio)
    'A/A/R/TRAARKX128F4247A03.mp3'
    """
    if isinstance(annotations, pd.DataFrame):
        parsed = _from_table(annotations, "DataFrame", tag_sep)
    else:
        path = expand_path(annotations)
        if os.path.isdir(path):
            parsed = _from_choi_folder(path)
        elif os.path.isfile(path):
            parsed = _from_table(_read_table(path), repr(path), tag_sep)
        else:
            raise FileNotFoundError(f"MSD tag annotations not found: {path!r}.")
    ids, splits, Y, tag_names, where = parsed
    dups = first_duplicates(ids)
    if dups:
        raise ValueError(
            f"Track ids listed more than once in the annotations {where}: "
            f"{format_items(dups)}."
        )
    tag_names = np.array(tag_names, dtype=str)
    audio_root = expand_path(audio_root)
    return build_frame(
        {"track_id": ids, "path": _preview_paths(ids, audio_root, path_template)},
        splits,
        dataset="MSD preview",
        root=audio_root,
        on_missing=on_missing,
        on_unreadable=on_unreadable,
        check_audio=check_audio,
        Y=Y,
        tag_names=tag_names,
        return_y=return_y,
    )
