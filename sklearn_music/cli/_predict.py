"""``sklearn-music predict``: label audio files with a single-label model."""

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
)

__all__ = ["add_command", "run"]


def add_command(subparsers, common) -> None:
    """Add ``predict`` to the subcommands."""
    add_subcommand(
        subparsers,
        "predict",
        _configure,
        parents=[common],
        help="label audio files with a single-label model",
        description="Predict the label of every audio file with a model written "
        f"by `{PROG} fit`; prints a table (or writes --csv) with the label and "
        "its probability.",
    )


def _configure(parser) -> None:
    add_inputs_argument(parser)
    add_model_file_option(parser, required=True)
    add_csv_option(parser)
    add_on_error_option(parser)
    parser.set_defaults(run=run)


def run(args) -> None:
    """Print (or write) the label of every input file and its probability."""
    import pandas as pd

    bundle, files = model_and_audio(args, multilabel=False)
    inputs = [*files, args.model]
    if args.csv is not None:  # before any work
        check_output(args.csv, force=args.force, inputs=inputs, option="--csv")
    model = bundle["pipeline"]
    listed = files
    files, _, skipped = usable_audio(files, on_error=args.on_error, n_jobs=args.n_jobs)
    table = {"path": files}
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(files)
        best = np.argmax(proba, axis=1)
        table["label"] = np.asarray(model.classes_)[best]
        table["probability"] = proba[np.arange(len(files)), best].round(4)
        _note_saturated(table["probability"], bundle)
    else:
        table["label"] = model.predict(files)
    write_table(
        skipped_rows(pd.DataFrame(table), skipped, listed),
        args.csv,
        "prediction",
        force=args.force,
        inputs=inputs,
    )


def _note_saturated(probability, bundle) -> None:
    """A note on stderr when most probabilities round to 1: the model's
    posteriors are overconfident, not a certainty."""
    import sys

    saturated = int(np.sum(np.asarray(probability) >= 0.99995))
    if len(probability) < 2 or saturated < len(probability) / 2:
        return
    why = (
        " (Gaussian mixtures over 30 features give posteriors of almost exactly 0 or 1)"
        if bundle.get("model") == "tzanetakis"
        else ""
    )
    print(
        f"note: {saturated} of {len(probability)} probabilities round to 1.0000: "
        f"this model's probabilities are overconfident{why}, not calibrated; "
        f"judge it by held-out accuracy (`{PROG} fit --valid-split`)",
        file=sys.stderr,
    )
