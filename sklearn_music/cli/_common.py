"""What the subcommands share: the error type, output files and tables, and
reading model files."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

__all__ = [
    "PROG",
    "CLIError",
    "check_output",
    "check_task",
    "format_table",
    "read_model",
    "write_table",
]

PROG = "sklearn-music"


class CLIError(Exception):
    """An error in what the user asked for: one line on stderr, exit status 2."""


def check_output(path: str | os.PathLike) -> Path:
    """The output file, whose folder must exist (checked before any work)."""
    out = Path(path)
    if not out.parent.is_dir():
        raise CLIError(f"the folder of the output file does not exist: '{out.parent}'")
    if out.is_dir():
        raise CLIError(f"the output is a folder, not a file: '{out}'")
    return out


def format_table(frame) -> str:
    """A plain-text table: text left-aligned, numbers right-aligned."""
    columns = []
    for name in frame.columns:
        values = frame[name].tolist()
        kind = frame[name].dtype.kind
        if kind == "f":
            cells = [f"{v:.3f}" for v in values]
        else:
            cells = [str(v) for v in values]
        width = max(len(str(name)), *(len(c) for c in cells))
        align = str.rjust if kind in "iuf" else str.ljust
        columns.append([align(str(name), width)] + [align(c, width) for c in cells])
    return "\n".join("  ".join(row).rstrip() for row in zip(*columns, strict=True))


def write_table(frame, csv: str | None, what: str) -> None:
    """Print ``frame`` as a table, or write it to ``csv``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    csv : str or None
        The CSV file to write; None prints the table.
    what : str
        What a row is, as in ``"prediction"``, for the message naming the
        file.
    """
    if csv is None:
        print(format_table(frame))
        return
    frame.to_csv(csv, index=False, float_format="%.4f")
    print(f"wrote {len(frame)} {what}{'' if len(frame) == 1 else 's'} to {csv}")


def read_model(path: str | os.PathLike) -> dict:
    """Read a model file with :func:`sklearn_music._model_file.load_model`.

    A file written by another version of sklearn-music gets a note on
    stderr; a missing or unusable file is a :class:`CLIError`.

    Parameters
    ----------
    path : str or path-like
        The model file.

    Returns
    -------
    bundle : dict
        The pipeline and its metadata.
    """
    from .._model_file import ModelFileError, ModelVersionWarning, load_model

    caught: list = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ModelVersionWarning)
            return load_model(path)
    except (FileNotFoundError, ModelFileError) as exc:
        raise CLIError(str(exc)) from exc
    finally:  # notes come before the error they may explain
        for w in caught:
            if issubclass(w.category, ModelVersionWarning):
                print(f"note: {w.message}", file=sys.stderr)
            else:
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def check_task(bundle: dict, path: str, *, multilabel: bool) -> None:
    """Refuse a tagger where a classifier is needed, and the reverse.

    Parameters
    ----------
    bundle : dict
        What :func:`read_model` returned.
    path : str
        The model file, for the message.
    multilabel : bool
        Whether the subcommand needs a multi-label model.
    """
    if multilabel and bundle["task"] != "multilabel":
        raise CLIError(
            f"'{path}' is a single-label classifier ({bundle['model']}); use "
            f"`{PROG} predict` (`tag` needs a model fitted on tags)"
        )
    if not multilabel and bundle["task"] == "multilabel":
        raise CLIError(
            f"'{path}' is a multi-label tagger ({bundle['model']}); use `{PROG} tag`"
        )
