"""GTZAN genre collection from a local copy, with the fault-filtered split."""

from __future__ import annotations

import os
from importlib import resources

import pandas as pd
from sklearn.utils._param_validation import StrOptions, validate_params

from ..utils import expand_path
from ._base import FILE_CHECK_CONSTRAINTS, SPLITS, build_frame

__all__ = ["load_gtzan"]

#: The ten genres, each with 100 excerpts ``<genre>.00000`` to ``<genre>.00099``.
GTZAN_GENRES = (
    "blues", "classical", "country", "disco", "hiphop",
    "jazz", "metal", "pop", "reggae", "rock",
)  # fmt: skip

#: Where the genre folders may sit below ``root``, in the order tried.
_GENRE_PARENTS = (
    (),
    ("genres",),
    ("genres_original",),
    ("Data", "genres_original"),
)


def _genres_dir(root: str) -> str:
    """The folder of ``root`` that holds the genre folders."""
    if not os.path.isdir(root):
        raise FileNotFoundError(f"The GTZAN folder {root!r} does not exist.")
    for parts in _GENRE_PARENTS:
        candidate = os.path.join(root, *parts)
        if any(os.path.isdir(os.path.join(candidate, g)) for g in GTZAN_GENRES):
            return candidate
    tried = ", ".join(repr(os.path.join(root, *p)) for p in _GENRE_PARENTS)
    raise FileNotFoundError(
        f"No GTZAN genre folders (blues/, classical/, ...) found in {tried}. "
        "Pass the folder that holds genres/ (or genres_original/) or the genres "
        "folder itself."
    )


def _split_ids(split: str) -> list[str]:
    """Track ids of one split of the fault-filtered partition (package data)."""
    name = f"gtzan_filtered_{split}.txt"
    text = resources.files(__package__).joinpath("data", name).read_text("utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _audio_path(genres_dir: str, track_id: str) -> str:
    """Path of one excerpt: the ``.wav`` file, or the original ``.au`` if only
    that one exists."""
    genre = track_id.split(".")[0]
    path = os.path.join(genres_dir, genre, f"{track_id}.wav")
    if not os.path.exists(path):
        au = os.path.join(genres_dir, genre, f"{track_id}.au")
        if os.path.exists(au):
            return au
    return path


@validate_params(
    {
        "root": [str, os.PathLike],
        "split": [StrOptions({"filtered", "all"})],
        **FILE_CHECK_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def load_gtzan(
    root: str | os.PathLike,
    *,
    split: str = "filtered",
    on_missing: str = "raise",
    on_unreadable: str = "warn",
    check_audio: bool = True,
) -> pd.DataFrame:
    """List the excerpts of a local copy of GTZAN with their genre and split.

    GTZAN (Tzanetakis and Cook, 2002) holds 1,000 excerpts of 30 s, 100 in
    each of ten genres. Nothing is downloaded and no audio is decoded: the
    function builds the path of every excerpt and checks that the file is
    there.

    Parameters
    ----------
    root : str or path-like
        Folder of the local copy. Any of these layouts is found:
        ``root/genres/<genre>/<genre>.000NN.wav`` (the original archive),
        ``root/genres_original/...`` or ``root/Data/genres_original/...``
        (the Kaggle copy), or ``root/<genre>/...`` (``root`` is the genres
        folder). An excerpt stored as ``.au``, as in the original archive,
        is used when there is no ``.wav`` of it.
    split : {"filtered", "all"}, default="filtered"
        ``"filtered"``: the 930 excerpts of the fault-filtered partition of
        Kereliuk et al. (2015), 443 for training, 197 for validation and
        290 for testing, shipped with the package. ``"all"``: the 1,000
        excerpts, with no split (``split`` is ``None``).
    on_missing : {"raise", "warn", "skip"}, default="raise"
        What to do with excerpts whose file does not exist: raise an
        :class:`~sklearn_music.AudioFileNotFoundError` naming them, leave
        them out with a warning, or leave them out silently.
    on_unreadable : {"raise", "warn", "skip"}, default="warn"
        What to do with excerpts whose file is empty or, with
        ``check_audio=True``, cannot be opened: raise an
        :class:`~sklearn_music.AudioDecodeError`, leave them out with a
        warning, or leave them out silently.
    check_audio : bool, default=True
        Also open the header of every file with libsndfile (no decoding;
        well under a second for the whole dataset), which finds files that
        exist but are not audio, such as ``jazz.00054.wav`` in many copies.

    Returns
    -------
    df : pandas.DataFrame
        One row per excerpt, sorted by split (train, valid, test) and then
        by track id, with columns:

        - ``track_id`` (str): e.g. ``"blues.00029"``;
        - ``path`` (str): the audio file, ``root`` joined with its place in
          the layout;
        - ``label`` (str): the genre;
        - ``split`` (str or None): ``"train"``, ``"valid"`` or ``"test"``,
          or ``None`` with ``split="all"``.

        ``df.attrs["missing"]`` and ``df.attrs["unreadable"]`` list the
        paths that were left out.

    Raises
    ------
    FileNotFoundError
        If ``root`` holds no genre folder.
    AudioFileNotFoundError
        If excerpts are missing and ``on_missing="raise"``.
    AudioDecodeError
        If files are unreadable and ``on_unreadable="raise"``.

    See Also
    --------
    load_mtat : MagnaTagATune clips and tags.
    load_fma : Free Music Archive tracks and genres.

    Notes
    -----
    The fault-filtered partition leaves out the excerpts that Sturm (2013)
    found to be repeated, mislabelled or distorted, and keeps each artist
    within one split, so that accuracy is not inflated by artist and
    recording effects. It includes ``jazz.00054``, which is unreadable in
    many copies: with the defaults it is left out with a warning, so the
    training split then has 442 excerpts.

    References
    ----------
    .. [1] G. Tzanetakis and P. Cook, "Musical genre classification of audio
       signals", IEEE Trans. Speech and Audio Processing 10(5), 2002.
    .. [2] B. L. Sturm, "The GTZAN dataset: its contents, its faults, their
       effects on evaluation, and its future use", arXiv:1306.1461, 2013.
    .. [3] C. Kereliuk, B. L. Sturm and J. Larsen, "Deep learning and music
       adversaries", IEEE Trans. Multimedia 17(11), 2015.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, soundfile as sf
    >>> from sklearn_music.datasets import load_gtzan
    >>> root = tempfile.mkdtemp()
    >>> for genre in ["blues", "rock"]:
    ...     os.makedirs(os.path.join(root, "genres", genre))
    ...     for i in range(100):
    ...         name = os.path.join(root, "genres", genre, f"{genre}.{i:05d}.wav")
    ...         sf.write(name, np.zeros(10), 22050)
    >>> df = load_gtzan(root, split="all", on_missing="skip")
    >>> df[["track_id", "label", "split"]].head(2)
          track_id  label split
    0  blues.00000  blues  None
    1  blues.00001  blues  None
    >>> len(df)
    200
    """
    genres_dir = _genres_dir(expand_path(root))
    if split == "all":
        ids = [f"{g}.{i:05d}" for g in GTZAN_GENRES for i in range(100)]
        splits = [None] * len(ids)
    else:
        ids, splits = [], []
        for name in SPLITS:
            split_ids = _split_ids(name)
            ids += split_ids
            splits += [name] * len(split_ids)
    return build_frame(
        {
            "track_id": ids,
            "path": [_audio_path(genres_dir, t) for t in ids],
            "label": [t.split(".")[0] for t in ids],
        },
        splits,
        dataset="GTZAN",
        root=genres_dir,
        on_missing=on_missing,
        on_unreadable=on_unreadable,
        check_audio=check_audio,
    )
