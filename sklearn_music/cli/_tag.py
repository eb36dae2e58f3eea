"""``sklearn-music tag``: tag audio files with a multi-label model."""

from __future__ import annotations

import numpy as np

from ._common import PROG, check_output, write_table
from ._inputs import model_and_audio, skipped_rows, usable_audio
from ._options import (
    add_csv_option,
    add_inputs_argument,
    add_model_file_option,
    add_on_error_option,
    add_subcommand,
    fraction,
    positive_float,
    positive_int,
)

__all__ = ["add_command", "run"]


def add_command(subparsers, common) -> None:
    """Add ``tag`` to the subcommands."""
    add_subcommand(
        subparsers,
        "tag",
        _configure,
        parents=[common],
        help="tag audio files with a multi-label model",
        description="Predict the tags of every audio file with a multi-label "
        f"model written by `{PROG} fit`; prints a table (or writes --csv) with "
        "the tags at or above the threshold and the top-k tags with their "
        "probabilities.",
    )


def _configure(parser) -> None:
    add_inputs_argument(parser)
    add_model_file_option(parser, required=True)
    add_csv_option(parser)
    parser.add_argument(
        "--top-k",
        type=positive_int,
        default=3,
        metavar="K",
        help="tags listed with their probabilities (default 3)",
    )
    parser.add_argument(
        "--threshold",
        type=fraction,
        default=None,
        help="probability at or above which a tag is given (default: the "
        "model's threshold, 0.5)",
    )
    parser.add_argument(
        "--over-time",
        action="store_true",
        help="tag probabilities per chunk instead of per file: one row per "
        "chunk with path, start_s, end_s and one column per tag (long files "
        "are read in windows)",
    )
    parser.add_argument(
        "--hop",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="with --over-time: seconds between chunk starts (default: one "
        "chunk length)",
    )
    add_on_error_option(parser)
    parser.set_defaults(run=run)


def run(args) -> None:
    """Print (or write) the tags of every input file and the top-k tags."""
    import pandas as pd

    from .._model_file import final_step

    bundle, files = model_and_audio(args, multilabel=True)
    inputs = [*files, args.model]
    if args.csv is not None:  # before any work
        check_output(args.csv, force=args.force, inputs=inputs, option="--csv")
    model = bundle["pipeline"]
    threshold = args.threshold
    if threshold is None:
        threshold = getattr(final_step(model), "threshold", 0.5)
    tags = np.asarray(bundle["classes"], dtype=object)
    listed = files
    files, _, skipped = usable_audio(files, on_error=args.on_error, n_jobs=args.n_jobs)
    if args.over_time:
        table = _over_time_table(model, files, args.hop)
        table = skipped_rows(table, skipped, listed)
        write_table(table, args.csv, "chunk", force=args.force, inputs=inputs)
        return
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
    table = skipped_rows(pd.DataFrame(table), skipped, listed)
    write_table(table, args.csv, "row", force=args.force, inputs=inputs)


def _over_time_table(model, files, hop):
    """One row per chunk of every file: path, start_s, end_s, one
    probability column per tag."""
    from ..segments import predict_over_time

    table = predict_over_time(model, files, kind="proba", hop=hop, as_frame=True)
    table = table.rename(columns={"clip": "path"})
    tags = table.columns[3:]
    table[tags] = table[tags].round(4)
    return table
