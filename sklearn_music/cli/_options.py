"""Options shared by the subcommands, written once.

Every subcommand is added with :func:`add_subcommand`. Its parser is a
:class:`CommandParser`, which adds the subcommand's own arguments only when
that subcommand runs or shows its help: options whose choices come from the
library's registries (``--model``, ``--preset``) are read then, so that
``sklearn-music --help`` and the other subcommands do not import torch or
scikit-learn.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ._common import PROG

__all__ = [
    "CommandParser",
    "add_csv_option",
    "add_duration_option",
    "add_frontend_options",
    "add_inputs_argument",
    "add_model_file_option",
    "add_on_error_option",
    "add_seed_option",
    "add_subcommand",
    "common_options",
    "fraction",
    "n_jobs",
    "positive_float",
    "positive_int",
]


class CommandParser(argparse.ArgumentParser):
    """The parser of a subcommand, whose arguments are added on first use.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`argparse.ArgumentParser`.
    configure : callable, default=None
        ``configure(parser)`` adds the subcommand's arguments and sets its
        ``run`` default; it is called once, before the parser first parses
        arguments or formats its help or usage.
    """

    def __init__(self, *args, configure: Callable | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._configure = configure

    def _configure_once(self) -> None:
        configure, self._configure = self._configure, None
        if configure is not None:
            configure(self)

    def parse_known_args(self, args=None, namespace=None):
        self._configure_once()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._configure_once()
        return super().format_usage()

    def format_help(self) -> str:
        self._configure_once()
        return super().format_help()


def add_subcommand(
    subparsers,
    name: str,
    configure: Callable,
    *,
    help: str,
    description: str,
    parents: list[argparse.ArgumentParser],
) -> None:
    """Add subcommand ``name``, whose arguments ``configure`` adds when needed.

    Parameters
    ----------
    subparsers : argparse action
        What :meth:`~argparse.ArgumentParser.add_subparsers` returned, with
        ``parser_class=CommandParser``.
    name : str
        The subcommand.
    configure : callable
        ``configure(parser)``: adds the arguments and sets the ``run``
        default (the function that runs the subcommand with the parsed
        arguments).
    help : str
        One line for the list of subcommands.
    description : str
        The paragraph at the top of the subcommand's help.
    parents : list of argparse.ArgumentParser
        Parsers whose options the subcommand takes too (the common options).
    """
    subparsers.add_parser(
        name, configure=configure, parents=parents, help=help, description=description
    )


# ----------------------------------------------------------------------------
# value types


def _number(text: str, convert, what: str):
    """Convert an option value with ``convert`` (``int`` or ``float``).

    Parameters
    ----------
    text : str
        The value given on the command line.
    convert : callable
        ``int`` or ``float``.
    what : str
        The expected kind, as in ``"an integer"``, for the error message.

    Returns
    -------
    value : int or float
        The converted value.

    Raises
    ------
    argparse.ArgumentTypeError
        If ``convert`` fails.
    """
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


def positive_int(text: str) -> int:
    """An integer of at least 1."""
    value = _number(text, int, "an integer")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0."""
    value = _number(text, float, "a number")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def fraction(text: str) -> float:
    """A number strictly between 0 and 1."""
    value = _number(text, float, "a number")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def n_jobs(text: str) -> int:
    """A worker count: -1 (all cores) or a positive integer."""
    value = _number(text, int, "an integer")
    if value == 0:
        raise argparse.ArgumentTypeError("must be -1 (all cores) or a positive count")
    return value


# ----------------------------------------------------------------------------
# options


def common_options(
    *,
    device_default: str,
    threads_default: int | None = None,
    n_jobs_help: str = "parallel workers for decoding files and computing "
    "features (-1: all cores; default 1)",
) -> argparse.ArgumentParser:
    """Options every subcommand takes (accepted after the subcommand name).

    Parameters
    ----------
    device_default : str
        Default of ``--device``.
    threads_default : int or None, default=None
        Default of ``--threads`` (None: torch's choice).
    n_jobs_help : str
        Help of ``--n-jobs``, which says what the workers do.

    Returns
    -------
    parser : argparse.ArgumentParser
        A parent parser holding the group "common options".
    """
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("common options")
    group.add_argument(
        "--device",
        default=device_default,
        help="torch device: cpu, cuda, cuda:N or auto (CUDA when available; "
        f"default {device_default})",
    )
    group.add_argument(
        "--threads",
        type=positive_int,
        default=threads_default,
        metavar="N",
        help="torch CPU threads (default: "
        + (
            "torch's choice, usually one per core)"
            if threads_default is None
            else f"{threads_default}, fastest for the demo's small networks)"
        ),
    )
    group.add_argument(
        "--n-jobs", type=n_jobs, default=None, metavar="N", help=n_jobs_help
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="show progress bars and the epoch table of neural networks",
    )
    group.add_argument(
        "--force",
        action="store_true",
        help="replace output files that exist (an input file is never "
        "replaced); without it an existing output is an error",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of an error",
    )
    return common


def add_inputs_argument(parser: argparse.ArgumentParser) -> None:
    """Add to ``parser`` the ``INPUT`` arguments: audio files or folders."""
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="audio files, or folders searched recursively for audio files",
    )


def add_model_file_option(
    parser: argparse.ArgumentParser, *, required: bool, purpose: str = ""
) -> None:
    """Add ``-m``/``--model``, a model file written by ``fit``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    required : bool
        Whether the option must be given.
    purpose : str, default=""
        What the subcommand does with the model, appended to the help, as in
        ``", used as the embedder"``.
    """
    parser.add_argument(
        "-m",
        "--model",
        required=required,
        default=None,
        metavar="FILE",
        help=f"model file written by `{PROG} fit`{purpose}",
    )
    parser.add_argument(
        "--trust-pickle",
        action="store_true",
        help="also read a model file that is a joblib/pickle file (written "
        "before sklearn-music 0.1, or by joblib.dump). Unpickling runs any "
        "code stored in the file: use it only for files you trust like a "
        "program. Model files of `fit` need no such trust.",
    )


def add_on_error_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--on-error``: stop at, or skip, audio files that cannot be used."""
    parser.add_argument(
        "--on-error",
        choices=("raise", "skip"),
        default="raise",
        help="what to do with an audio file that cannot be used (unreadable, "
        "empty, silent, NaN): raise (default) stops with an error naming it; "
        "skip checks every file first (decoding it once), leaves the unusable "
        "ones out and lists them on stderr and in the output",
    )


def add_csv_option(parser: argparse.ArgumentParser) -> None:
    """Add to ``parser`` ``--csv``, the file the result table is written to."""
    parser.add_argument(
        "--csv", default=None, metavar="FILE", help="write the table to a CSV file"
    )


def add_seed_option(parser: argparse.ArgumentParser) -> None:
    """Add to ``parser`` ``--seed``, the random seed."""
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def add_duration_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    """Add ``--duration``, how much of every file is read.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    help_text : str
        The option's help, which says what the subcommand does with it.
    """
    parser.add_argument(
        "--duration",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help=help_text,
    )


def add_frontend_options(
    parser: argparse.ArgumentParser, *, mel_scope: str, duration_help: str
) -> None:
    """Add ``--preset``, ``--n-mels``, ``--sr`` and ``--duration``.

    The choices of ``--preset`` are the keys of
    :data:`sklearn_music.features.PRESETS`.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    mel_scope : str
        When the mel options apply, as in ``"spectrogram models"``.
    duration_help : str
        The help text of ``--duration``.
    """
    from ..features import PRESETS

    parser.add_argument(
        "--preset",
        choices=tuple(PRESETS),
        default=None,
        help=f"mel front-end of a reference paper ({mel_scope})",
    )
    parser.add_argument(
        "--n-mels",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"mel bands ({mel_scope}; default: the preset's, else 128)",
    )
    parser.add_argument(
        "--sr",
        type=positive_int,
        default=None,
        metavar="HZ",
        help="sampling rate files are read at (default: the preset's, else 22050)",
    )
    add_duration_option(parser, duration_help)
