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
    "disk_error",
    "format_table",
    "read_model",
    "write_file",
    "write_table",
]

PROG = "sklearn-music"


class CLIError(Exception):
    """An error in what the user asked for: one line on stderr, exit status 2."""


def _same_file(a: str, b: str) -> bool:
    """Whether the paths ``a`` and ``b`` name one file (links resolved)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links
    except OSError:
        return False


def check_output(
    path: str | os.PathLike,
    *,
    force: bool = False,
    inputs=(),
    option: str = "--output",
) -> Path:
    """The output file, checked before any work.

    Its folder must exist; an existing file is refused unless ``force``;
    one of ``inputs`` (the files the command reads) is refused even with
    ``force``, so that no input is ever overwritten.

    Parameters
    ----------
    path : str or path-like
        The output file.
    force : bool, default=False
        Allow replacing an existing file (``--force``).
    inputs : iterable of str, default=()
        The files the command reads.
    option : str, default="--output"
        The option that named ``path``, for the message.

    Returns
    -------
    out : pathlib.Path
        The output file.
    """
    out = Path(path)
    if not out.parent.is_dir():
        raise CLIError(f"the folder of the output file does not exist: '{out.parent}'")
    if out.is_dir():
        raise CLIError(f"the output is a folder, not a file: '{out}'")
    if os.path.lexists(out):
        for source in inputs:
            if _same_file(os.fspath(out), os.fspath(source)):
                raise CLIError(
                    f"{option} '{out}' is one of the input files; choose another "
                    "file (an input is never overwritten, even with --force)"
                )
        if not force:
            raise CLIError(
                f"{option} '{out}' exists; pass --force to replace it, or choose "
                "another file"
            )
    return out


def write_file(out: str | os.PathLike, write, *, force: bool = False) -> None:
    """Write ``out`` atomically with ``write(binary_file)``: a temporary file
    in its folder, flushed to disk, then renamed over ``out``; a failure
    leaves the previous file (or none) and names the file.

    Parameters
    ----------
    out : str or path-like
        The file.
    write : callable
        Fills the open binary file.
    force : bool, default=False
        Replace an existing file (else a :class:`CLIError`).
    """
    from ..utils import atomic_write

    try:
        atomic_write(out, write, overwrite=force)
    except FileExistsError:
        raise CLIError(
            f"'{out}' exists; pass --force to replace it, or choose another file"
        ) from None
    except OSError as exc:
        raise CLIError(f"could not write '{out}': {disk_error(exc)}") from None


def disk_error(exc: OSError) -> str:
    """What went wrong in a failed write, in words (a full disk is named)."""
    import errno

    if exc.errno == errno.ENOSPC:
        return "the disk is full (no file was left behind)"
    if exc.errno == errno.EDQUOT:
        return "the disk quota is exceeded (no file was left behind)"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"not allowed ({exc.strerror}); no file was left behind"
    return f"{exc.strerror or exc}"


def format_table(frame) -> str:
    """A plain-text table: text left-aligned, numbers right-aligned."""
    columns = []
    for name in frame.columns:
        values = frame[name].tolist()
        kind = frame[name].dtype.kind
        missing = frame[name].isna().tolist()  # rows of skipped files
        if kind == "f":
            cells = [f"{v:.3f}" for v in values]
        else:
            cells = [str(v) for v in values]
        cells = ["" if m else c for m, c in zip(missing, cells, strict=True)]
        width = max(len(str(name)), *(len(c) for c in cells))
        align = str.rjust if kind in "iuf" else str.ljust
        columns.append([align(str(name), width)] + [align(c, width) for c in cells])
    return "\n".join("  ".join(row).rstrip() for row in zip(*columns, strict=True))


def write_table(
    frame, csv: str | None, what: str, *, force: bool = False, inputs=()
) -> None:
    """Print ``frame`` as a table, or write it to ``csv`` (atomically; an
    existing file only with ``force``, never one of ``inputs``).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    csv : str or None
        The CSV file to write; None prints the table.
    what : str
        What a row is, as in ``"prediction"``, for the message naming the
        file.
    force : bool, default=False
        Replace an existing file (``--force``).
    inputs : iterable of str, default=()
        The files the command read, which are never overwritten.
    """
    if csv is None:
        print(format_table(frame))
        return
    check_output(csv, force=force, inputs=inputs, option="--csv")
    text = frame.to_csv(index=False, float_format="%.4f").encode("utf-8")
    write_file(csv, lambda f: f.write(text), force=force)
    print(f"wrote {len(frame)} {what}{'' if len(frame) == 1 else 's'} to {csv}")


def read_model(path: str | os.PathLike, *, trust_pickle: bool = False) -> dict:
    """Read a model file with :func:`sklearn_music._model_file.load_model`.

    A file written by another version of sklearn-music gets a note on
    stderr; a missing or unusable file is a :class:`CLIError`.

    Parameters
    ----------
    path : str or path-like
        The model file.
    trust_pickle : bool, default=False
        Also read a joblib/pickle file (``--trust-pickle``); unpickling runs
        any code stored in it.

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
            return load_model(path, trust_pickle=trust_pickle)
    except (FileNotFoundError, ModelFileError) as exc:
        message = str(exc).replace(
            "trust_pickle=True (CLI: --trust-pickle)", "--trust-pickle"
        )
        raise CLIError(message) from exc
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
