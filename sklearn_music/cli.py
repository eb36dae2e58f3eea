"""The ``sklearn-music`` command (also ``python -m sklearn_music``).

Subcommands:

* ``demo``: generate labelled music, grid-search the parameter budget of a
  CRNN, report held-out accuracy, recommend similar tracks and save figures;
* ``fit``: train a model on a folder-per-class tree or a CSV of paths and
  labels (or tags) and save it with :mod:`joblib`;
* ``predict`` and ``tag``: label or tag audio files with a saved model;
* ``recommend``: the catalogue tracks most similar to query tracks;
* ``features``: spectrograms or handcrafted features of audio files, saved to
  disk.

Errors caused by the input (missing files, folders without audio, unreadable
model files, a model of the wrong kind, invalid settings) are reported as one
line on stderr with exit status 2; ``--debug`` shows the traceback instead.
Heavy libraries (scikit-learn, torch) are imported only by the command that
needs them, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import time
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

__all__ = ["CLIError", "main"]

PROG = "sklearn-music"
#: Value of the ``format`` key of the model files written by ``fit``.
MODEL_FORMAT = "sklearn-music-model/1"

# Kept in sync with sklearn_music.features.PRESETS (a test checks it); listed
# here so that ``--help`` does not import scikit-learn.
_PRESETS = ("choi2017", "won2020", "musicnn", "panns")
_NEURAL = {
    "crnn": "CRNNClassifier",
    "conv2d": "Conv2DTagger",
    "conv1d": "Conv1DClassifier",
    "samplecnn": "SampleCNNClassifier",
}
_SPECTROGRAM_MODELS = ("crnn", "conv2d", "conv1d")
_MODELS = (*_NEURAL, "tzanetakis")
_SPECTROGRAM_KINDS = ("mel", "stft", "cqt")
_HANDCRAFTED_KINDS = ("tzanetakis", "extended")


class CLIError(Exception):
    """An error in what the user asked for: one line on stderr, exit status 2."""


# ----------------------------------------------------------------------------
# argument parsing


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


def _positive_int(text: str) -> int:
    value = _number(text, int, "an integer")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = _number(text, float, "a number")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _fraction(text: str) -> float:
    value = _number(text, float, "a number")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _n_jobs(text: str) -> int:
    value = _number(text, int, "an integer")
    if value == 0:
        raise argparse.ArgumentTypeError("must be -1 (all cores) or a positive count")
    return value


def _version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    parts = []
    for name in ("torch", "scikit-learn", "skorch"):
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:  # pragma: no cover - broken environment
            parts.append(f"{name} missing")
    return f"{PROG} {__version__} ({', '.join(parts)})"


def _common_options(
    *,
    device_default: str,
    threads_default: int | None = None,
    n_jobs_help: str = "parallel workers for decoding files and computing "
    "features (-1: all cores; default 1)",
) -> argparse.ArgumentParser:
    """Options every subcommand takes (accepted after the subcommand name)."""
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
        type=_positive_int,
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
        "--n-jobs",
        type=_n_jobs,
        default=None,
        metavar="N",
        help=n_jobs_help,
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="show progress bars and the epoch table of neural networks",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback of an error",
    )
    return common


def _add_inputs_argument(parser: argparse.ArgumentParser) -> None:
    """Add to ``parser`` the ``INPUT`` arguments: audio files or folders."""
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="audio files, or folders searched recursively for audio files",
    )


def _add_csv_option(parser: argparse.ArgumentParser) -> None:
    """Add to ``parser`` ``--csv``, the file the result table is written to."""
    parser.add_argument(
        "--csv", default=None, metavar="FILE", help="write the table to a CSV file"
    )


def _add_seed_option(parser: argparse.ArgumentParser) -> None:
    """Add to ``parser`` ``--seed``, the random seed."""
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def _add_duration_option(parser: argparse.ArgumentParser, help_text: str) -> None:
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
        type=_positive_float,
        default=None,
        metavar="SECONDS",
        help=help_text,
    )


def _add_frontend_options(
    parser: argparse.ArgumentParser, *, mel_scope: str, duration_help: str
) -> None:
    """Add ``--preset``, ``--n-mels``, ``--sr`` and ``--duration``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    mel_scope : str
        When the mel options apply, as in ``"spectrogram models"``.
    duration_help : str
        The help text of ``--duration``.
    """
    parser.add_argument(
        "--preset",
        choices=_PRESETS,
        default=None,
        help=f"mel front-end of a reference paper ({mel_scope})",
    )
    parser.add_argument(
        "--n-mels",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"mel bands ({mel_scope}; default: the preset's, else 128)",
    )
    parser.add_argument(
        "--sr",
        type=_positive_int,
        default=None,
        metavar="HZ",
        help="sampling rate files are read at (default: the preset's, else 22050)",
    )
    _add_duration_option(parser, duration_help)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Music classification, tagging and recommendation with "
        "scikit-learn pipelines. Run a subcommand with --help for its options.",
        epilog="Start with `sklearn-music demo`; see the user guide's "
        "command-line page for every subcommand.",
    )
    parser.add_argument("--version", action="version", version=_version_text())
    parser.add_argument(
        "--debug",
        action="store_true",
        default=False,
        help="show the full traceback of an error",
    )
    sub = parser.add_subparsers(dest="command", metavar="command")
    data_common = _common_options(device_default="auto")

    # demo --------------------------------------------------------------
    demo = sub.add_parser(
        "demo",
        parents=[
            _common_options(
                device_default="cpu",
                threads_default=1,
                n_jobs_help="grid-search candidates fitted at once, in separate "
                "processes (-1: all cores; default 1)",
            )
        ],
        help="train, evaluate and explore a model on generated music",
        description="Generate labelled music with make_music, grid-search the "
        "parameter budget of a mel-spectrogram CRNN pipeline, report its "
        "held-out accuracy, recommend similar tracks with the fitted pipeline "
        "as embedder, and save figures. Output is reproducible for a seed.",
    )
    demo.add_argument(
        "-o",
        "--output-dir",
        default="sklearn-music-demo",
        metavar="DIR",
        help="folder for the figures (created; default ./sklearn-music-demo)",
    )
    demo.add_argument(
        "--quick",
        action="store_true",
        help="tiny settings that finish in seconds (a smoke test, not a result)",
    )
    _add_seed_option(demo)
    demo.set_defaults(run=_cmd_demo)

    # fit ---------------------------------------------------------------
    fit = sub.add_parser(
        "fit",
        parents=[data_common],
        help="train a classifier or tagger on labelled audio files",
        description="Train a model and save it with joblib, with metadata "
        "(sklearn-music version, classes). DATA is a folder with one subfolder "
        "of audio files per class (root/<label>/...), or a CSV file with a "
        "'path' column and a 'label' column (single-label) or a 'tags' column "
        "of ';'-separated tags (multi-label). Relative paths in a CSV are "
        "relative to its folder.",
    )
    fit.add_argument("data", metavar="DATA", help="class folder tree or CSV file")
    fit.add_argument(
        "-o",
        "--output",
        default="model.joblib",
        metavar="FILE",
        help="model file to write (default model.joblib)",
    )
    fit.add_argument(
        "--model",
        choices=_MODELS,
        default="crnn",
        help="crnn (Choi 2017, default), conv2d (Choi 2016), conv1d (Dieleman "
        "2014) on mel spectrograms; samplecnn (Lee 2017) on waveforms; "
        "tzanetakis: handcrafted features, scaling and one Gaussian mixture "
        "per class (single-label only)",
    )
    _add_frontend_options(
        fit,
        mel_scope="spectrogram models",
        duration_help="read only the first SECONDS of every file (default: whole "
        "files)",
    )
    fit.add_argument(
        "--param-budget",
        type=_positive_float,
        default=None,
        metavar="N",
        help="trainable parameters of a neural model, e.g. 1e5 (default: the "
        "paper's widths)",
    )
    fit.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        metavar="N",
        help="maximum training epochs of a neural model (default 20; early "
        "stopping may end sooner)",
    )
    fit.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        metavar="N",
        help="clips per batch (neural models; default 16)",
    )
    fit.add_argument(
        "--lr",
        type=_positive_float,
        default=None,
        help="learning rate (neural models; default 1e-3)",
    )
    fit.add_argument(
        "--valid-split",
        type=_fraction,
        default=None,
        metavar="FRACTION",
        help="hold out this fraction of the clips, train on the rest and print "
        "the validation score (accuracy, or macro ROC-AUC for tags)",
    )
    _add_seed_option(fit)
    fit.set_defaults(run=_cmd_fit)

    # predict and tag -----------------------------------------------------
    for name, help_text, description in [
        (
            "predict",
            "label audio files with a single-label model",
            "Predict the label of every audio file with a model written by "
            "`sklearn-music fit`; prints a table (or writes --csv) with the "
            "label and its probability.",
        ),
        (
            "tag",
            "tag audio files with a multi-label model",
            "Predict the tags of every audio file with a multi-label model "
            "written by `sklearn-music fit`; prints a table (or writes --csv) "
            "with the tags at or above the threshold and the top-k tags with "
            "their probabilities.",
        ),
    ]:
        p = sub.add_parser(
            name, parents=[data_common], help=help_text, description=description
        )
        _add_inputs_argument(p)
        p.add_argument(
            "-m",
            "--model",
            required=True,
            metavar="FILE",
            help="model file written by `sklearn-music fit`",
        )
        _add_csv_option(p)
        if name == "tag":
            p.add_argument(
                "--top-k",
                type=_positive_int,
                default=3,
                metavar="K",
                help="tags listed with their probabilities (default 3)",
            )
            p.add_argument(
                "--threshold",
                type=_fraction,
                default=None,
                help="probability at or above which a tag is given (default: "
                "the model's threshold, 0.5)",
            )
            p.set_defaults(run=_cmd_tag)
        else:
            p.set_defaults(run=_cmd_predict)

    # recommend -------------------------------------------------------------
    rec = sub.add_parser(
        "recommend",
        parents=[data_common],
        help="find the catalogue tracks most similar to query tracks",
        description="Rank the tracks of a catalogue by the cosine similarity "
        "of their embeddings to each query. With --model the fitted pipeline "
        "embeds the audio (the penultimate layer of a neural network, the "
        "scaled features of a tzanetakis model); without it, handcrafted "
        "Tzanetakis features standardised on the catalogue. A query that is "
        "also in the catalogue is never recommended to itself.",
    )
    rec.add_argument(
        "--catalogue",
        required=True,
        metavar="FOLDER_OR_CSV",
        help="folder searched recursively for audio files, or a CSV file with a "
        "'path' column (and optionally 'label' or 'genre')",
    )
    rec.add_argument(
        "--query",
        required=True,
        nargs="+",
        metavar="INPUT",
        help="query audio files or folders",
    )
    rec.add_argument(
        "-k",
        "--n-recommendations",
        dest="k",
        type=_positive_int,
        default=5,
        metavar="K",
        help="recommendations per query (default 5)",
    )
    rec.add_argument(
        "-m",
        "--model",
        default=None,
        metavar="FILE",
        help="model file written by `sklearn-music fit`, used as the embedder",
    )
    rec.add_argument(
        "--method",
        choices=("cosine", "genre"),
        default="cosine",
        help="cosine: similarity only (default); genre: also favour tracks of "
        "the genre the model predicts for the query (needs a single-label "
        "--model)",
    )
    _add_duration_option(
        rec, "without --model: read only the first SECONDS of every file"
    )
    _add_csv_option(rec)
    rec.set_defaults(run=_cmd_recommend)

    # features --------------------------------------------------------------
    feat = sub.add_parser(
        "features",
        parents=[data_common],
        help="compute spectrograms or handcrafted features of audio files",
        description="Compute spectrograms (mel, stft, cqt) or handcrafted "
        "clip features (tzanetakis, extended) of audio files and save them. "
        ".npz files hold the array 'X', the file list 'paths' and, for "
        "spectrograms, 'lengths' (valid frames of each clip; shorter clips are "
        "padded with NaN), 'sr' and 'hop_length', or, for handcrafted "
        "features, 'feature_names'. A .npy file holds the array only, with the "
        "file list written beside it (<name>.paths.txt). A .csv file (handcrafted "
        "features only) has a 'path' column and one column per feature.",
    )
    _add_inputs_argument(feat)
    feat.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="output file: .npz or .npy, or .csv for handcrafted features",
    )
    feat.add_argument(
        "--kind",
        choices=(*_SPECTROGRAM_KINDS, *_HANDCRAFTED_KINDS),
        default="mel",
        help="mel (default), stft or cqt spectrograms; tzanetakis (30 features) "
        "or extended (518 features) handcrafted features",
    )
    _add_frontend_options(
        feat,
        mel_scope="--kind mel",
        duration_help="crop or pad every clip to SECONDS (default: whole files)",
    )
    feat.set_defaults(run=_cmd_features)
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
    parser = _build_parser()
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


# ----------------------------------------------------------------------------
# files


def _audio_extensions() -> tuple[str, ...]:
    from ._io import AUDIO_EXTENSIONS

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


def _find_audio(inputs: Sequence[str | os.PathLike]) -> list[str]:
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


def _read_labelled(source: str | os.PathLike):
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


def _read_catalogue(source: str):
    """Catalogue files, their display ids and genres (or None)."""
    root = Path(source)
    if root.is_dir():
        files = _scan_folder(root)
        if not files:
            raise _no_audio(source)
        ids = [p.relative_to(root).as_posix() for p in files]
        return [str(p) for p in files], ids, None
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


def _format_table(frame) -> str:
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


def _write_table(frame, csv: str | None, what: str) -> None:
    """Print ``frame`` as a table, or write it to ``csv``."""
    if csv is None:
        print(_format_table(frame))
        return
    frame.to_csv(csv, index=False, float_format="%.4f")
    print(f"wrote {len(frame)} {what}{'' if len(frame) == 1 else 's'} to {csv}")


# ----------------------------------------------------------------------------
# models


def _read_audio(X, *, sr: int, duration: float | None):
    """Decode audio input to a list of waveforms (the first ``duration`` s)."""
    from ._io import check_audio_input

    source = check_audio_input(X, sr=sr, duration=duration)
    return [source[i] for i in range(len(source))]


def _check_model_options(args) -> None:
    """Refuse options that do not apply to ``args.model``."""
    kind = args.model
    rejected = []
    if kind not in _SPECTROGRAM_MODELS:
        rejected += [("--preset", args.preset), ("--n-mels", args.n_mels)]
    if kind == "tzanetakis":
        rejected += [
            ("--param-budget", args.param_budget),
            ("--epochs", args.epochs),
            ("--batch-size", args.batch_size),
            ("--lr", args.lr),
        ]
    given = [name for name, value in rejected if value is not None]
    if given:
        verb = "does" if len(given) == 1 else "do"
        raise CLIError(f"{' and '.join(given)} {verb} not apply to --model {kind}")


def _build_model(args, multilabel: bool):
    """The unfitted pipeline that ``fit`` trains."""
    from sklearn.pipeline import Pipeline

    verbose = int(args.verbose > 0)
    if args.model == "tzanetakis":
        if multilabel:
            raise CLIError(
                "--model tzanetakis is single-label (one Gaussian mixture per "
                "class); train a tagger with a neural model such as crnn"
            )
        from sklearn.preprocessing import StandardScaler

        from .estimators import GaussianMixtureClassifier
        from .features import HandcraftedFeatures

        return Pipeline(
            [
                (
                    "features",
                    HandcraftedFeatures(
                        sr=args.sr or 22050,
                        duration=args.duration,
                        n_jobs=args.n_jobs,
                        verbose=verbose,
                    ),
                ),
                ("scale", StandardScaler()),
                ("clf", GaussianMixtureClassifier(random_state=args.seed)),
            ]
        )
    from . import estimators

    options = {
        "param_budget": args.param_budget,
        "max_epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
    }
    if args.model == "samplecnn":
        options["sr"] = sr = args.sr or 22050
    network = getattr(estimators, _NEURAL[args.model])(
        **{k: v for k, v in options.items() if v is not None},
        device=args.device,
        random_state=args.seed,
        verbose=verbose,
    )
    if args.model == "samplecnn":
        if args.duration is None:
            return Pipeline([("clf", network)])
        from sklearn.preprocessing import FunctionTransformer

        read = FunctionTransformer(
            _read_audio, kw_args={"sr": sr, "duration": args.duration}
        )
        return Pipeline([("audio", read), ("clf", network)])
    from .features import MelSpectrogram

    mel = MelSpectrogram(
        preset=args.preset,
        sr=args.sr,
        n_mels=args.n_mels,
        duration=args.duration,
        device=args.device,
        n_jobs=args.n_jobs,
        verbose=verbose,
    )
    return Pipeline([("mel", mel), ("clf", network)])


def _steps(estimator) -> list:
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):
        return [s for _, step in estimator.steps for s in _steps(step)]
    if estimator is None or estimator == "passthrough":
        return []
    return [estimator]


def _configure(model, *, device: str, n_jobs, verbose: int) -> None:
    """Set the device, workers and verbosity of every step of a loaded model."""
    from .utils import resolve_device

    resolved = resolve_device(device)  # fails early when CUDA is missing
    for step in _steps(model):
        params = step.get_params(deep=False)
        updates = {}
        if "device" in params:
            updates["device"] = device
        if "n_jobs" in params and n_jobs is not None:
            updates["n_jobs"] = n_jobs
        if "verbose" in params:
            updates["verbose"] = int(verbose > 0)
        if updates:
            step.set_params(**updates)
        module = getattr(step, "module_", None)
        if module is not None:
            module.to(resolved)


def _model_info(estimator) -> tuple[str, list]:
    """``(task, classes)`` of a fitted classifier or pipeline."""
    final = _steps(estimator)[-1]
    task = "multilabel" if getattr(final, "multilabel_", False) else "multiclass"
    return task, [c.item() if hasattr(c, "item") else c for c in final.classes_]


def _load_model(path: str | os.PathLike) -> dict:
    """Read a model file written by ``sklearn-music fit``.

    Parameters
    ----------
    path : str or path-like
        The file. It is unpickled with :mod:`joblib`: only load files you
        trust. A file holding a bare fitted scikit-learn classifier or
        pipeline is accepted too.

    Returns
    -------
    bundle : dict
        ``pipeline`` (the fitted model), ``model`` (its kind), ``task``
        ("multiclass" or "multilabel"), ``classes`` and
        ``sklearn_music_version``.
    """
    from . import __version__

    file = Path(path)
    if not file.is_file():
        raise CLIError(f"model file not found: '{path}'")
    import joblib

    try:
        bundle = joblib.load(file)
    except Exception as exc:  # a damaged or foreign file fails in many ways
        raise CLIError(
            f"cannot read model file '{path}': it is damaged or was not written "
            f"by `sklearn-music fit` ({type(exc).__name__}: {exc})"
        ) from None
    if not isinstance(bundle, dict):
        if not (hasattr(bundle, "predict") and hasattr(bundle, "classes_")):
            raise CLIError(
                f"'{path}' holds a {type(bundle).__name__}, not a fitted "
                "sklearn-music model"
            )
        task, classes = _model_info(bundle)
        bundle = {
            "format": MODEL_FORMAT,
            "pipeline": bundle,
            "model": type(_steps(bundle)[-1]).__name__,
            "task": task,
            "classes": classes,
            "sklearn_music_version": None,
        }
    if bundle.get("format") != MODEL_FORMAT or "pipeline" not in bundle:
        raise CLIError(f"'{path}' is not a model file written by `sklearn-music fit`")
    saved = bundle.get("sklearn_music_version")
    if saved is not None and saved != __version__:
        print(
            f"note: '{path}' was written by sklearn-music {saved}; this is "
            f"{__version__}",
            file=sys.stderr,
        )
    try:  # an estimator pickled by another version may lack new parameters
        bundle["pipeline"].get_params(deep=True)
    except AttributeError as exc:
        raise CLIError(
            f"'{path}' holds a model of another version of sklearn-music that "
            f"this one ({__version__}) cannot use ({exc}); fit it again"
        ) from None
    return bundle


def _check_task(bundle: dict, path: str, *, multilabel: bool) -> None:
    if multilabel and bundle["task"] != "multilabel":
        raise CLIError(
            f"'{path}' is a single-label classifier ({bundle['model']}); use "
            "`sklearn-music predict` (`tag` needs a model fitted on tags)"
        )
    if not multilabel and bundle["task"] == "multilabel":
        raise CLIError(
            f"'{path}' is a multi-label tagger ({bundle['model']}); use "
            "`sklearn-music tag`"
        )


# ----------------------------------------------------------------------------
# commands


def _cmd_fit(args) -> None:
    import joblib

    from . import __version__

    _check_model_options(args)
    out = _check_output(args.output)
    files, targets, multilabel = _read_labelled(args.data)
    model = _build_model(args, multilabel)
    if multilabel:
        n_tags = len({t for tags in targets for t in tags})
        print(f"data: {len(files)} clips with {n_tags} tags from {args.data}")
    else:
        labels, counts = np.unique(targets, return_counts=True)
        spread = ", ".join(f"{c} {n}" for c, n in zip(labels, counts, strict=True))
        print(
            f"data: {len(files)} clips in {len(labels)} classes ({spread}) "
            f"from {args.data}"
        )
    train, valid = np.arange(len(files)), None
    if args.valid_split is not None:
        train, valid = _holdout(targets, multilabel, args.valid_split, args.seed)
    start = time.perf_counter()
    model.fit([files[i] for i in train], [targets[i] for i in train])
    seconds = time.perf_counter() - start
    task, classes = _model_info(model)
    final = _steps(model)[-1]
    size = f", {final.n_params_:,} parameters" if hasattr(final, "n_params_") else ""
    epochs = f", {len(final.history_)} epochs" if hasattr(final, "history_") else ""
    print(
        f"trained {args.model} ({type(final).__name__}{size}{epochs}) on "
        f"{len(train)} clips in {seconds:.1f} s"
    )
    validation = None
    if valid is not None:
        truth = [targets[i] for i in valid]
        validation = _validate(model, [files[i] for i in valid], truth, multilabel)
        score = validation["score"]
        shown = (
            "undefined (no tag has both positive and negative held-out clips)"
            if np.isnan(score)
            else f"{score:.3f}"
        )
        print(f"validation {validation['metric']}: {shown} on {len(valid)} clips")
    bundle = {
        "format": MODEL_FORMAT,
        "sklearn_music_version": __version__,
        "model": args.model,
        "task": task,
        "classes": classes,
        "pipeline": model,
        "trained_on": {"data": str(args.data), "n_clips": len(train)},
        "validation": validation,
    }
    joblib.dump(bundle, out)
    kind = "tags" if multilabel else "classes"
    print(f"saved to {out} ({len(classes)} {kind}: {', '.join(map(str, classes))})")


def _check_output(path: str | os.PathLike) -> Path:
    """The output file, whose folder must exist (checked before any work)."""
    out = Path(path)
    if not out.parent.is_dir():
        raise CLIError(f"the folder of the output file does not exist: '{out.parent}'")
    if out.is_dir():
        raise CLIError(f"the output is a folder, not a file: '{out}'")
    return out


def _holdout(targets, multilabel: bool, fraction: float, seed: int):
    from sklearn.model_selection import train_test_split

    n = len(targets)
    n_valid = int(np.ceil(fraction * n))
    if n_valid < 1 or n - n_valid < 2:
        raise CLIError(f"--valid-split {fraction} leaves too few clips of {n}")
    stratify = None
    if not multilabel:
        _, counts = np.unique(targets, return_counts=True)
        if counts.min() >= 2 and n_valid >= len(counts):
            stratify = np.asarray(targets)
    train, valid = train_test_split(
        np.arange(n), test_size=n_valid, stratify=stratify, random_state=seed
    )
    return np.sort(train), np.sort(valid)


def _validate(model, files, truth, multilabel: bool) -> dict:
    """Accuracy, or macro ROC-AUC of a tagger, on held-out files."""
    if not multilabel:
        accuracy = float(np.mean(model.predict(files) == np.asarray(truth)))
        return {"metric": "accuracy", "score": accuracy}
    from sklearn.exceptions import UndefinedMetricWarning
    from sklearn.preprocessing import MultiLabelBinarizer

    from .metrics import tagging_roc_auc

    classes = _model_info(model)[1]
    known = [[t for t in tags if t in set(classes)] for tags in truth]
    Y = MultiLabelBinarizer(classes=classes).fit_transform(known)
    with warnings.catch_warnings():
        # tags without positive or negative held-out clips are left out of
        # the average; when all are, the score is NaN and reported as such
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        score = tagging_roc_auc(Y, model.predict_proba(files), average="macro")
    return {"metric": "macro ROC-AUC", "score": float(score)}


def _cmd_predict(args) -> None:
    import pandas as pd

    bundle = _load_model(args.model)
    _check_task(bundle, args.model, multilabel=False)
    files = _find_audio(args.inputs)
    model = bundle["pipeline"]
    _configure(model, device=args.device, n_jobs=args.n_jobs, verbose=args.verbose)
    table = {"path": files}
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(files)
        best = np.argmax(proba, axis=1)
        table["label"] = np.asarray(model.classes_)[best]
        table["probability"] = proba[np.arange(len(files)), best].round(4)
    else:
        table["label"] = model.predict(files)
    _write_table(pd.DataFrame(table), args.csv, "prediction")


def _cmd_tag(args) -> None:
    import pandas as pd

    bundle = _load_model(args.model)
    _check_task(bundle, args.model, multilabel=True)
    files = _find_audio(args.inputs)
    model = bundle["pipeline"]
    _configure(model, device=args.device, n_jobs=args.n_jobs, verbose=args.verbose)
    threshold = args.threshold
    if threshold is None:
        threshold = getattr(_steps(model)[-1], "threshold", 0.5)
    tags = np.asarray(bundle["classes"], dtype=object)
    proba = model.predict_proba(files)
    order = np.argsort(-proba, axis=1, kind="stable")  # most probable first
    table = {
        "path": files,
        "tags": [
            ";".join(tags[j] for j in row if proba[i, j] >= threshold)
            for i, row in enumerate(order)
        ],
    }
    k = min(args.top_k, len(tags))
    for rank in range(k):
        table[f"tag_{rank + 1}"] = tags[order[:, rank]]
        table[f"p_{rank + 1}"] = proba[np.arange(len(files)), order[:, rank]].round(4)
    _write_table(pd.DataFrame(table), args.csv, "row")


def _cmd_recommend(args) -> None:
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from .recommend import CosineRecommender

    files, ids, genres = _read_catalogue(args.catalogue)
    queries = _find_audio(args.query)
    ids = np.asarray(ids, dtype=object)
    if args.model is None:
        if args.method == "genre":
            raise CLIError("--method genre needs a single-label --model")
        recommender, embed = _handcrafted_recommender(args, files, ids, genres)
    else:
        if args.duration is not None:
            raise CLIError(
                "--duration applies without --model; a model reads audio its own way"
            )
        bundle = _load_model(args.model)
        model = bundle["pipeline"]
        _configure(model, device=args.device, n_jobs=args.n_jobs, verbose=args.verbose)
        if args.method == "genre":
            _check_task(bundle, args.model, multilabel=False)
        # a neural network embeds; a tzanetakis model has scaled features
        embedder = model
        if not hasattr(model, "transform"):
            if not isinstance(model, Pipeline) or len(model) < 2:
                raise CLIError(f"the model in '{args.model}' cannot embed audio")
            embedder = model[:-1]
        recommender = CosineRecommender(
            embedder=embedder,
            method=args.method,
            genre_classifier=model if args.method == "genre" else None,
        )
        recommender.fit(files, genres, ids=ids)

        def embed(paths):
            return paths  # the recommender's embedder reads the files

    # a query that is in the catalogue is asked by its id, so that it is never
    # recommended to itself; the other queries are embedded together
    where = {os.path.realpath(f): i for i, f in enumerate(files)}
    positions = [where.get(os.path.realpath(q)) for q in queries]
    inside = [i for i, p in enumerate(positions) if p is not None]
    outside = [i for i, p in enumerate(positions) if p is None]
    blocks = {}
    if inside:
        frame = recommender.recommend(list(ids[[positions[i] for i in inside]]), args.k)
        blocks.update(zip(inside, _per_query(frame, args.k), strict=True))
    if outside:
        X = embed([queries[i] for i in outside])
        frame = recommender.recommend(X=X, n=args.k)
        blocks.update(zip(outside, _per_query(frame, args.k), strict=True))
    frames = []
    for i, query in enumerate(queries):
        frame = blocks[i].drop(columns="query").reset_index(drop=True)
        frame.insert(0, "rank", np.arange(1, len(frame) + 1))
        frame.insert(0, "query", query)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    for column in ("similarity", "score"):
        if column in table:
            table[column] = table[column].astype(float).round(4)
    _write_table(table, args.csv, "recommendation")


def _per_query(frame, k: int) -> list:
    """The rows of every query of a ``recommend`` table (``k`` each, in order)."""
    return [frame.iloc[start : start + k] for start in range(0, len(frame), k)]


def _handcrafted_recommender(args, files, ids, genres):
    """A recommender on Tzanetakis features standardised over the catalogue,
    and the function that embeds queries the same way."""
    from sklearn.preprocessing import StandardScaler

    from .features import HandcraftedFeatures
    from .recommend import CosineRecommender

    features = HandcraftedFeatures(
        duration=args.duration, n_jobs=args.n_jobs, verbose=int(args.verbose > 0)
    )
    scaler = StandardScaler()
    catalogue = scaler.fit_transform(features.transform(files))

    def embed(paths):
        return scaler.transform(features.transform(paths))

    return CosineRecommender().fit(catalogue, genres, ids=ids), embed


def _cmd_features(args) -> None:
    out = _check_output(args.output)
    suffix = out.suffix.lower()
    handcrafted = args.kind in _HANDCRAFTED_KINDS
    allowed = (".npz", ".npy", ".csv") if handcrafted else (".npz", ".npy")
    if suffix not in allowed:
        raise CLIError(
            f"--output must end with {' or '.join(allowed)} for --kind {args.kind}; "
            f"got '{args.output}'"
        )
    rejected = []
    if args.kind != "mel":
        rejected += [("--preset", args.preset), ("--n-mels", args.n_mels)]
    given = [name for name, value in rejected if value is not None]
    if given:
        verb = "applies" if len(given) == 1 else "apply"
        raise CLIError(f"{' and '.join(given)} {verb} only to --kind mel")
    files = _find_audio(args.inputs)
    transformer = _feature_transformer(args)
    start = time.perf_counter()
    X = transformer.fit_transform(files)
    seconds = time.perf_counter() - start
    paths = np.asarray(files, dtype=str)
    if handcrafted:
        names = np.asarray(transformer.get_feature_names_out(), dtype=str)
        extra = {"feature_names": names}
        what = f"{args.kind} features"
    else:
        from .features import frame_lengths

        params = transformer.resolved_params()
        extra = {
            "lengths": frame_lengths(X),
            "sr": params["sr"],
            "hop_length": params["hop_length"],
        }
        what = f"{args.kind} spectrograms"
    if suffix == ".csv":
        import pandas as pd

        frame = pd.DataFrame(X, columns=extra["feature_names"])
        frame.insert(0, "path", paths)
        frame.to_csv(out, index=False)
    elif suffix == ".npy":
        np.save(out, X)
        listing = out.with_suffix(".paths.txt")
        listing.write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")
    else:
        np.savez(out, X=X, paths=paths, **extra)
    print(
        f"wrote {out}: {what} of {len(files)} files, array {X.shape} {X.dtype} "
        f"({seconds:.1f} s)"
    )
    if suffix == ".npy":
        print(f"wrote {out.with_suffix('.paths.txt')}: the file of every row")


def _feature_transformer(args):
    from . import features

    verbose = int(args.verbose > 0)
    common = dict(duration=args.duration, n_jobs=args.n_jobs, verbose=verbose)
    if args.kind in _HANDCRAFTED_KINDS:
        return features.HandcraftedFeatures(
            feature_set=args.kind, sr=args.sr or 22050, **common
        )
    common.update(sr=args.sr, device=args.device)
    if args.kind == "mel":
        return features.MelSpectrogram(preset=args.preset, n_mels=args.n_mels, **common)
    if args.kind == "stft":
        return features.STFTSpectrogram(**common)
    return features.CQTSpectrogram(**common)


# ----------------------------------------------------------------------------
# demo

# Settings of the demo: short clips, few mel bands and small budgets, so that
# the whole run takes a minute or two on two CPU cores.
_DEMO = dict(
    n_clips=144,
    n_classes=6,
    duration=3.0,
    sr=16000,
    n_mels=40,
    budgets=(1e4, 3e4, 1e5),
    max_epochs=12,
    cv=3,
)
_DEMO_QUICK = dict(
    n_clips=32,
    n_classes=4,
    duration=2.0,
    sr=16000,
    n_mels=32,
    budgets=(5e3, 1e4),
    max_epochs=3,
    cv=2,
)
_DEMO_FIGURES = (
    "spectrogram.png",
    "training_curves.png",
    "budget_curve.png",
    "confusion_matrix.png",
)
_INDENT = " " * 6


def _count(value: float) -> str:
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def _step(number: int, title: str, since: float | None = None) -> None:
    seconds = "" if since is None else f" ({time.perf_counter() - since:.1f} s)"
    print(f"\n[{number}/5] {title}{seconds}")


def _cmd_demo(args) -> None:
    import torch
    from sklearn.model_selection import train_test_split

    from . import __version__
    from .datasets import make_music
    from .utils import resolve_device

    cfg = _DEMO_QUICK if args.quick else _DEMO
    device = resolve_device(args.device)
    start = time.perf_counter()
    threads = torch.get_num_threads()
    print(
        f"{PROG} {__version__} demo{' --quick' if args.quick else ''} (seed "
        f"{args.seed}): torch {torch.__version__} on {device}, {threads} "
        f"thread{'s' if threads > 1 else ''}"
    )

    t0 = time.perf_counter()
    X, y = make_music(
        cfg["n_clips"],
        n_classes=cfg["n_classes"],
        duration=cfg["duration"],
        sr=cfg["sr"],
        random_state=args.seed,
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=args.seed
    )
    styles = sorted(set(y))
    _step(1, "Data", t0)
    print(
        f"{_INDENT}make_music: {len(X)} clips of {cfg['duration']:g} s at "
        f"{cfg['sr'] // 1000} kHz in {len(styles)} styles\n"
        f"{_INDENT}({', '.join(styles)}); {len(X_train)} train, {len(X_test)} test"
    )

    t0 = time.perf_counter()
    search, mel = _demo_search(cfg, args, device, X_train, y_train)
    _step(2, "Grid search over the parameter budget", t0)
    _print_search(search, cfg)

    pred = search.predict(X_test)
    accuracy = float(np.mean(pred == y_test))
    _step(3, f"Test set: accuracy {accuracy:.3f} on {len(X_test)} clips")
    print(f"{_INDENT}chance level {1 / len(styles):.3f} ({len(styles)} styles)")
    from sklearn.metrics import classification_report

    report = classification_report(y_test, pred, digits=3, zero_division=0)
    print("\n".join((_INDENT + line).rstrip() for line in report.splitlines()))

    t0 = time.perf_counter()
    lines = _demo_recommend(search.best_estimator_, X_train, y_train, X_test, y_test)
    _step(4, "Recommendations", t0)
    print("\n".join(lines))

    t0 = time.perf_counter()
    folder = Path(args.output_dir)
    written = _demo_figures(
        folder, search=search, mel=mel, X_test=X_test, y_test=y_test, pred=pred,
        accuracy=accuracy,
    )  # fmt: skip
    if written:
        _step(5, f"Figures in {folder.resolve()}", t0)
        print(_INDENT + "  ".join(written))
    print(
        f"\nDone in {time.perf_counter() - start:.0f} s. Train on your own audio "
        f"with `{PROG} fit --help`."
    )


def _demo_search(cfg, args, device, X_train, y_train):
    """The fitted grid search over the CRNN's budget, and its front-end."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline

    from .estimators import CRNNClassifier
    from .features import MelSpectrogram

    mel = MelSpectrogram(
        sr=cfg["sr"], n_fft=512, hop_length=256, n_mels=cfg["n_mels"], device=device
    )
    crnn = CRNNClassifier(
        chunk_size=96,  # 1.5 s training crops; prediction averages chunks
        max_epochs=cfg["max_epochs"],
        lr=3e-3,
        batch_size=16,
        patience=4,
        device=device,
        random_state=args.seed,
        verbose=int(args.verbose > 0),
    )
    search = GridSearchCV(
        Pipeline([("mel", mel), ("clf", crnn)]),
        {"clf__param_budget": list(cfg["budgets"])},
        cv=StratifiedKFold(cfg["cv"], shuffle=True, random_state=args.seed),
        n_jobs=args.n_jobs,
        error_score="raise",
    )
    return search.fit(X_train, y_train), mel


def _print_search(search, cfg) -> None:
    cv = search.cv_results_
    print(
        f"{_INDENT}Pipeline: MelSpectrogram({cfg['n_mels']} mels) -> "
        f"CRNNClassifier, {cfg['cv']}-fold CV\n"
        f"{_INDENT}  {'budget':>6s}  {'CV accuracy':<15s}  {'fit s':>5s}"
    )
    for i, budget in enumerate(cv["param_clf__param_budget"]):
        mark = "  <- best" if i == search.best_index_ else ""
        print(
            f"{_INDENT}  {_count(budget):>6s}  {cv['mean_test_score'][i]:.3f} +/- "
            f"{cv['std_test_score'][i]:.3f}  {cv['mean_fit_time'][i]:5.1f}{mark}"
        )
    net = search.best_estimator_.named_steps["clf"]
    print(
        f"{_INDENT}best: budget {_count(search.best_params_['clf__param_budget'])}, "
        f"{net.n_params_:,} parameters, refit on all training clips "
        f"({len(net.history_)} epochs)"
    )


def _demo_recommend(pipe, X_train, y_train, X_test, y_test) -> list[str]:
    """Recommendations for a few test clips, and the genre consistency of the
    two methods; the lines to print."""
    from .metrics import genre_consistency
    from .recommend import CosineRecommender

    net = pipe.named_steps["clf"]
    ids = np.array([f"train-{i:03d}" for i in range(len(X_train))])
    recommender = CosineRecommender(n_neighbors=5, embedder=pipe)
    recommender.fit(X_train, y_train, ids=ids)
    lines = [
        f"{_INDENT}catalogue: the {len(X_train)} training clips, embedded by the "
        f"fitted pipeline\n{_INDENT}({net.module_.embedding_dim}-dim CRNN "
        "embedding), ranked by cosine similarity"
    ]
    predicted = pipe.predict(X_test)
    for style in sorted(set(y_test))[:3]:
        i = int(np.flatnonzero(y_test == style)[0])
        lines.append(
            f"{_INDENT}query test-{i:03d} ({style}, predicted {predicted[i]}):"
        )
        table = recommender.recommend(X=X_test[i], n=3)
        for rank, row in enumerate(table.itertuples(index=False), start=1):
            lines.append(
                f"{_INDENT}  {rank}. {row.id}  {row.genre:<8s}  {row.similarity:.3f}"
            )
    _, by_cosine = recommender.kneighbors(X_test)
    recommender.set_params(method="genre", genre_classifier=pipe)
    _, by_genre = recommender.kneighbors(X_test)
    method_1, method_2 = (
        genre_consistency(y_train, ind, query_labels=y_test)
        for ind in (by_cosine, by_genre)
    )
    lines += [
        f"{_INDENT}genre consistency@5 over the {len(X_test)} test queries "
        "(share of the\n"
        f"{_INDENT}5 recommendations in the query's style):",
        f"{_INDENT}  method 1, cosine similarity:                {method_1:.3f}",
        f"{_INDENT}  method 2, cosine + predicted query style:   {method_2:.3f}",
    ]
    return lines


def _demo_figures(folder: Path, *, search, mel, X_test, y_test, pred, accuracy):
    """Draw the demo's figures into ``folder``; the names written."""
    try:
        import matplotlib
    except ImportError:
        print(
            "\n[5/5] figures skipped: matplotlib is not installed "
            "(pip install matplotlib)"
        )
        return []
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")  # files only; never open a window
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    from .plotting import BudgetCurveDisplay, SpectrogramDisplay, TrainingCurveDisplay

    folder.mkdir(parents=True, exist_ok=True)
    net = search.best_estimator_.named_steps["clf"]
    budget = _count(search.best_params_["clf__param_budget"])
    draw = {
        "spectrogram.png": lambda: (
            SpectrogramDisplay.from_transformer(
                mel, X_test, index=0, name=f"test-000 ({y_test[0]})"
            ).figure_
        ),
        "training_curves.png": lambda: (
            TrainingCurveDisplay.from_estimator(
                net, name=f"CRNNClassifier, budget {budget} (refit)"
            ).figure_
        ),
        "budget_curve.png": lambda: BudgetCurveDisplay.from_cv_results(search).figure_,
        "confusion_matrix.png": lambda: (
            ConfusionMatrixDisplay.from_predictions(
                y_test, pred, colorbar=False
            ).figure_
        ),
    }
    titles = {
        "budget_curve.png": f"{search.n_splits_}-fold cross-validation",
        "confusion_matrix.png": f"test set, accuracy {accuracy:.2f}",
    }
    for name in _DEMO_FIGURES:
        figure = draw[name]()
        if name in titles:
            figure.axes[0].set_title(titles[name])
        if name == "budget_curve.png":
            figure.axes[0].set_ylabel("mean CV accuracy")
        figure.savefig(folder / name, dpi=100, bbox_inches="tight")
        plt.close(figure)
    return list(_DEMO_FIGURES)
