"""Audio inputs named on the command line: files, folders, class folder trees
and CSV files of paths with labels, tags or genres."""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ._common import CLIError, check_task, read_model

__all__ = [
    "find_audio",
    "model_and_audio",
    "read_catalogue",
    "read_labelled",
    "skipped_rows",
    "usable_audio",
]


def _audio_extensions() -> tuple[str, ...]:
    from .._io import AUDIO_EXTENSIONS

    return AUDIO_EXTENSIONS


def _scan_folder(folder: Path) -> list[Path]:
    """Audio files under ``folder``, recursively, sorted; hidden ones skipped."""
    extensions = _audio_extensions()
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder).parts
        if any(part.startswith(".") for part in relative):
            continue
        if path.suffix.lower() in extensions and path.is_file():
            found.append(path)
    return sorted(found)


def _no_audio(folder) -> CLIError:
    return CLIError(
        f"no audio files ({', '.join(_audio_extensions())}) found in folder '{folder}'"
    )


def find_audio(inputs: Sequence[str | os.PathLike]) -> list[str]:
    """Audio files named by command-line inputs.

    Parameters
    ----------
    inputs : sequence of str or path-like
        Files (kept as given, whatever their extension) and folders (searched
        recursively for files with an audio extension, in sorted order;
        hidden files and folders are skipped).

    Returns
    -------
    files : list of str
        The files, in the order of ``inputs``.

    Raises
    ------
    CLIError
        If an input does not exist or a folder holds no audio file.
    """
    files: list[str] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = _scan_folder(path)
            if not found:
                raise _no_audio(item)
            files += [str(p) for p in found]
        elif path.is_file():
            files.append(str(path))
        else:
            raise CLIError(f"no such file or folder: '{item}'")
    return files


def _split_tags(value, row: int, source) -> list[str]:
    """Tags of one CSV cell: ``a;b;c``, or a Python list such as ``['a', 'b']``."""
    text = value.strip()  # an empty cell has no tags
    if text.startswith("[") and text.endswith("]"):
        try:
            tags = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise CLIError(
                f"row {row} of '{source}': cannot read the tags {value!r}"
            ) from None
        return [str(t).strip() for t in tags if str(t).strip()]
    return [t.strip() for t in text.split(";") if t.strip()]


def _read_csv(path: Path):
    import pandas as pd

    try:  # every cell as text: labels such as "01" or "NA" stay as written
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise CLIError(f"cannot read CSV file '{path}': {e}") from None
    if "path" not in frame.columns:
        raise CLIError(
            f"'{path}' needs a 'path' column; its columns are {list(frame.columns)}"
        )
    missing_path = (frame["path"].str.strip() == "").to_numpy().nonzero()[0]
    if missing_path.size:
        raise CLIError(f"row {int(missing_path[0]) + 1} of '{path}' has no path")
    root = path.parent
    files = [str(p if Path(p).is_absolute() else root / p) for p in frame["path"]]
    absent = [f for f in files if not Path(f).is_file()]
    if len(absent) == 1:
        raise CLIError(f"a file listed in '{path}' does not exist: '{absent[0]}'")
    if absent:
        raise CLIError(
            f"{len(absent)} of the {len(files)} files listed in '{path}' do not "
            f"exist, the first: '{absent[0]}'"
        )
    return frame, files


def read_labelled(source: str | os.PathLike):
    """Audio files and their labels (or tags) from a class folder tree or a CSV.

    Parameters
    ----------
    source : str or path-like
        A folder with one subfolder per class (``root/<label>/**/<file>``;
        audio files directly in ``root`` are skipped with a note on stderr),
        or a CSV file with a ``path`` column and a ``label`` column or a
        ``tags`` column of ``;``-separated tags.

    Returns
    -------
    files : list of str
        Audio files, sorted by class folder and path for a folder tree, in
        row order for a CSV.
    targets : list
        One label per file, or one list of tags per file.
    multilabel : bool
        Whether ``targets`` are tag lists.
    """
    root = Path(source)
    if root.is_dir():
        found = _scan_folder(root)
        if not found:
            raise _no_audio(source)
        files = [p for p in found if len(p.relative_to(root).parts) > 1]
        if not files:
            raise CLIError(
                f"'{source}' has audio files but no class folders: put the files "
                "of every class in a subfolder named after it (root/<label>/...)"
            )
        if len(files) < len(found):
            print(
                f"note: {len(found) - len(files)} audio file(s) directly in "
                f"'{source}' are in no class folder and are not used",
                file=sys.stderr,
            )
        labels = [p.relative_to(root).parts[0] for p in files]
        return [str(p) for p in files], labels, False
    if not root.is_file():
        raise CLIError(f"no such file or folder: '{source}'")
    if root.suffix.lower() != ".csv":
        raise CLIError(
            f"'{source}' is neither a folder of class folders nor a .csv file"
        )
    frame, files = _read_csv(root)
    has_label, has_tags = "label" in frame.columns, "tags" in frame.columns
    if has_label == has_tags:
        which = "both" if has_label else "neither"
        raise CLIError(
            f"'{source}' must have a 'label' column (single-label) or a 'tags' "
            f"column (multi-label), not {which}; its columns are "
            f"{list(frame.columns)}"
        )
    if has_tags:
        tags = [
            _split_tags(v, i + 1, source) for i, v in enumerate(frame["tags"].tolist())
        ]
        return files, tags, True
    empty = (frame["label"].str.strip() == "").to_numpy().nonzero()[0]
    if empty.size:
        raise CLIError(f"row {int(empty[0]) + 1} of '{source}' has no label")
    return files, frame["label"].str.strip().tolist(), False


def read_catalogue(source: str):
    """Catalogue files, their display ids and genres (or None).

    Parameters
    ----------
    source : str
        A folder searched recursively for audio files, or a CSV file with a
        ``path`` column and optionally ``genre`` or ``label``.

    Returns
    -------
    files : list of str
        The audio files.
    ids : list of str
        Their ids: the path relative to the folder, or as written in the CSV.
    genres : array or None
        The CSV's ``genre`` (else ``label``) column; for a class folder tree
        (every file in a subfolder of ``source``, at least two subfolders),
        the name of each file's subfolder; else None.
    """
    root = Path(source)
    if root.is_dir():
        files = _scan_folder(root)
        if not files:
            raise _no_audio(source)
        parts = [p.relative_to(root).parts for p in files]
        ids = [p.relative_to(root).as_posix() for p in files]
        genres = None
        folders = {part[0] for part in parts if len(part) > 1}
        if all(len(part) > 1 for part in parts) and len(folders) > 1:
            import numpy as np

            genres = np.asarray([part[0] for part in parts], dtype=object)
        return [str(p) for p in files], ids, genres
    if not root.is_file():
        raise CLIError(f"no such file or folder: '{source}'")
    if root.suffix.lower() != ".csv":
        raise CLIError(f"'{source}' is neither a folder nor a .csv file")
    frame, files = _read_csv(root)
    genres = None
    for column in ("genre", "label"):
        if column in frame.columns:
            genres = frame[column].to_numpy()
            break
    return files, frame["path"].tolist(), genres


def model_and_audio(args, *, multilabel: bool) -> tuple[dict, list[str]]:
    """The model file and audio files of ``predict`` and ``tag``.

    Parameters
    ----------
    args : argparse.Namespace
        With ``model``, ``inputs``, ``device``, ``n_jobs`` and ``verbose``.
    multilabel : bool
        Whether the subcommand needs a tagger (else a classifier).

    Returns
    -------
    bundle : dict
        The model file's content, its pipeline set up for ``args.device``,
        ``args.n_jobs`` and ``args.verbose``.
    files : list of str
        The audio files.
    """
    from .._model_file import configure_model

    bundle = read_model(args.model, trust_pickle=args.trust_pickle)
    check_task(bundle, args.model, multilabel=multilabel)
    files = find_audio(args.inputs)
    configure_model(
        bundle["pipeline"], device=args.device, n_jobs=args.n_jobs, verbose=args.verbose
    )
    return bundle, files


def usable_audio(files, targets=None, *, on_error: str, n_jobs=None, what="file"):
    """The audio files a command can use, as ``--on-error`` says.

    Parameters
    ----------
    files : list of str
        Audio files.
    targets : list or None, default=None
        Labels, tag lists or genres aligned with ``files``, filtered with them.
    on_error : {"raise", "skip"}
        "raise" returns everything unchecked: the first unusable file stops
        the command later with an error naming it. "skip" decodes every file
        once (:func:`~sklearn_music.check_audio_files` with ``full=True``),
        leaves out those that cannot be used and lists them on stderr.
    n_jobs : int or None, default=None
        Threads decoding files.
    what : str, default="file"
        What a file is, for the note on stderr (``"catalogue file"``).

    Returns
    -------
    files : list of str
        The usable files, in order.
    targets : list or None
        Their targets.
    skipped : pandas.DataFrame
        One row per skipped file: ``path`` and ``error`` (the message).

    Raises
    ------
    AudioInputError
        With "skip", when no file is usable.
    """
    import warnings

    import pandas as pd

    if on_error == "raise":
        return files, targets, pd.DataFrame({"path": [], "error": []})
    from .._io import check_audio_files

    with warnings.catch_warnings():  # the note below lists them instead
        warnings.simplefilter("ignore", UserWarning)
        kept, kept_targets, report = check_audio_files(
            list(files), targets, full=True, on_error="warn", n_jobs=n_jobs
        )
    skipped = pd.DataFrame(
        {
            "path": [files[i] for i in report["index"]],
            "error": [" ".join(str(m).split()) for m in report["message"]],
        }
    )
    if len(skipped):
        n = len(skipped)
        print(
            f"note: skipped {n} {what}{'' if n == 1 else 's'} that cannot be "
            "used (--on-error skip):",
            file=sys.stderr,
        )
        for path, error in zip(skipped["path"], skipped["error"], strict=True):
            print(f"  {path}: {error}", file=sys.stderr)
    kept = [str(f) for f in kept]
    if kept_targets is not None:
        kept_targets = list(kept_targets)
    return kept, kept_targets, skipped


def skipped_rows(table, skipped, files):
    """``table`` (one row per used file, column ``path``) with a row for every
    skipped file too, in the order of ``files``, and an ``error`` column.

    The other cells of a skipped file's row are missing (empty in the
    printed table and in a CSV file). Without skipped files ``table`` is
    returned unchanged.
    """
    import pandas as pd

    if not len(skipped):
        return table
    table = table.copy()
    for name in table.columns:  # integers stay integers next to empty cells
        if table[name].dtype.kind in "iu":
            table[name] = table[name].astype("Int64")
    table["error"] = ""
    extra = pd.DataFrame({"path": skipped["path"], "error": skipped["error"]})
    merged = pd.concat([table, extra], ignore_index=True)
    order = {f: i for i, f in enumerate(files)}
    position = merged["path"].map(order)
    return merged.iloc[position.argsort(kind="stable")].reset_index(drop=True)
