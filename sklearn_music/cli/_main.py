"""The top-level parser of ``sklearn-music`` and :func:`main`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import contextmanager

from . import _demo, _features, _fit, _predict, _recommend, _tag
from ._common import PROG, CLIError
from ._options import CommandParser, common_options

__all__ = ["build_parser", "main"]

# in the order of the list of subcommands in --help
_COMMANDS = (_demo, _fit, _predict, _tag, _recommend, _features)


def _version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from .. import __version__

    parts = []
    for name in ("torch", "scikit-learn", "skorch"):
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:  # pragma: no cover - broken environment
            parts.append(f"{name} missing")
    return f"{PROG} {__version__} ({', '.join(parts)})"


def build_parser() -> argparse.ArgumentParser:
    """The ``sklearn-music`` parser; every subcommand's arguments are added
    when it is used (see :class:`~sklearn_music.cli._options.CommandParser`).
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Music classification, tagging and recommendation with "
        "scikit-learn pipelines. Run a subcommand with --help for its options.",
        epilog=f"Start with `{PROG} demo`; see the user guide's "
        "command-line page for every subcommand.",
    )
    parser.add_argument("--version", action="version", version=_version_text())
    parser.add_argument(
        "--debug",
        action="store_true",
        default=False,
        help="show the full traceback of an error",
    )
    sub = parser.add_subparsers(
        dest="command", metavar="command", parser_class=CommandParser
    )
    data_common = common_options(device_default="auto")
    for command in _COMMANDS:
        command.add_command(sub, data_common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sklearn-music`` command line.

    Parameters
    ----------
    argv : sequence of str, default=None
        Arguments after the program name, e.g. ``["predict", "-m",
        "model.joblib", "song.mp3"]``. ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    status : int
        Exit status: 0 on success; 2 for a usage error or an error in the
        input (missing file or folder, no audio in a folder, unreadable model
        file, a model of the wrong kind, invalid settings), reported as one
        line on stderr (``--debug`` raises it instead, with its traceback);
        130 when interrupted.

    Examples
    --------
    >>> from sklearn_music.cli import main
    >>> main(["predict", "-m", "no-such-model.joblib", "song.wav"])
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        with _torch_threads(args.threads):
            args.run(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except (CLIError, OSError, ValueError) as exc:
        # OSError: files that cannot be read or written; ValueError: the
        # library's input errors (AudioInputError and the like), which name
        # the offending item.
        if args.debug:
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{PROG} {args.command}: error: {message}", file=sys.stderr)
        return 2
    return 0


@contextmanager
def _torch_threads(n: int | None):
    """Use ``n`` torch CPU threads inside the block (no change for None)."""
    if n is None:
        yield
        return
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
