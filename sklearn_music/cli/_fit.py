"""``sklearn-music fit``: train a model on labelled audio files and save it."""

from __future__ import annotations

import time
import warnings

import numpy as np

from ._common import CLIError, check_output, disk_error
from ._inputs import read_labelled, usable_audio
from ._options import (
    add_frontend_options,
    add_on_error_option,
    add_seed_option,
    add_subcommand,
    fraction,
    positive_float,
    positive_int,
)

__all__ = ["add_command", "run"]

_DEFAULT_MODEL = "crnn"
# the options that set a model parameter of make_music_pipeline:
# dest -> (option, parameter)
_MODEL_OPTIONS = {
    "preset": ("--preset", "preset"),
    "n_mels": ("--n-mels", "n_mels"),
    "param_budget": ("--param-budget", "param_budget"),
    "epochs": ("--epochs", "max_epochs"),
    "batch_size": ("--batch-size", "batch_size"),
    "lr": ("--lr", "lr"),
}


def _model_choices() -> tuple[str, ...]:
    """The ``--model`` choices: the default first, then the registry's order."""
    from ..pipeline import pipeline_models

    models = pipeline_models()
    return (_DEFAULT_MODEL, *(m for m in models if m != _DEFAULT_MODEL))


def _model_help() -> str:
    """Help of ``--model``, written from the architecture registry."""
    from ..models import ARCHITECTURES

    networks = [_DEFAULT_MODEL, *(k for k in ARCHITECTURES if k != _DEFAULT_MODEL)]
    described = [
        f"{key}{' (default)' if key == _DEFAULT_MODEL else ''}: "
        f"{ARCHITECTURES[key].description}"
        for key in networks
    ]
    described.append(
        "tzanetakis: handcrafted features, scaling and one Gaussian mixture per "
        "class (single-label only)"
    )
    by_kind: dict[str, list[str]] = {}
    for key in networks:
        by_kind.setdefault(ARCHITECTURES[key].input_kind, []).append(key)
    words = {"spectrogram": "mel spectrograms", "waveform": "waveforms"}
    inputs = [f"{words[kind]} for {_and(keys)}" for kind, keys in by_kind.items()]
    return f"{'; '.join(described)}. Input: {'; '.join(inputs)}"


def _and(items: list[str]) -> str:
    """``"a, b and c"``."""
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def add_command(subparsers, common) -> None:
    """Add ``fit`` to the subcommands."""
    add_subcommand(
        subparsers,
        "fit",
        _configure,
        parents=[common],
        help="train a classifier or tagger on labelled audio files",
        description="Train a model and save it, with metadata "
        "(sklearn-music version, classes), in a model file that holds data "
        "only (no pickle: reading it runs no code). DATA is a folder with one "
        "subfolder of audio files per class (root/<label>/...), or a CSV file with a "
        "'path' column and a 'label' column (single-label) or a 'tags' column "
        "of ';'-separated tags (multi-label). Relative paths in a CSV are "
        "relative to its folder.",
    )


def _configure(fit) -> None:
    fit.add_argument("data", metavar="DATA", help="class folder tree or CSV file")
    fit.add_argument(
        "-o",
        "--output",
        default="model.skmusic",
        metavar="FILE",
        help="model file to write (default model.skmusic); an existing file "
        "is replaced only with --force, an input file never",
    )
    fit.add_argument(
        "--model", choices=_model_choices(), default=_DEFAULT_MODEL, help=_model_help()
    )
    add_frontend_options(
        fit,
        mel_scope="spectrogram models",
        duration_help="read only the first SECONDS of every file (default: whole "
        "files)",
    )
    fit.add_argument(
        "--param-budget",
        type=positive_float,
        default=None,
        metavar="N",
        help="trainable parameters of a neural model, e.g. 1e5 (default: the "
        "paper's widths)",
    )
    fit.add_argument(
        "--epochs",
        type=positive_int,
        default=None,
        metavar="N",
        help="maximum training epochs of a neural model (default 30; early "
        "stopping may end sooner)",
    )
    fit.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        metavar="N",
        help="clips per batch (neural models; default 32)",
    )
    fit.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        help="learning rate (neural models; default 1e-3)",
    )
    fit.add_argument(
        "--valid-split",
        type=fraction,
        default=None,
        metavar="FRACTION",
        help="hold out this fraction of the clips, train on the rest and print "
        "the validation score (accuracy, or macro ROC-AUC for tags)",
    )
    add_seed_option(fit)
    add_on_error_option(fit)
    fit.set_defaults(run=run)


def _check_model_options(args) -> None:
    """Refuse the options that do not apply to ``args.model``."""
    from ..pipeline import model_params

    takes = model_params(args.model)
    given = [
        option
        for dest, (option, param) in _MODEL_OPTIONS.items()
        if param not in takes and getattr(args, dest) is not None
    ]
    if given:
        verb = "does" if len(given) == 1 else "do"
        names = " and ".join(given)
        raise CLIError(f"{names} {verb} not apply to --model {args.model}")


def _build_model(args, multilabel: bool):
    """The unfitted pipeline of ``args.model``, which must fit the targets."""
    from sklearn.utils import get_tags

    from .._model_file import final_step
    from ..pipeline import make_music_pipeline

    model = make_music_pipeline(
        args.model,
        **{param: getattr(args, dest) for dest, (_, param) in _MODEL_OPTIONS.items()},
        sr=args.sr,
        duration=args.duration,
        device=args.device,
        n_jobs=args.n_jobs,
        random_state=args.seed,
        verbose=int(args.verbose > 0),
    )
    if multilabel and not get_tags(model).classifier_tags.multi_label:
        raise CLIError(
            f"--model {args.model} is single-label "
            f"({type(final_step(model)).__name__}); train a tagger with a neural "
            f"model such as {_DEFAULT_MODEL}"
        )
    return model


def _describe_data(args, targets, multilabel: bool) -> None:
    if multilabel:
        n_tags = len({t for tags in targets for t in tags})
        print(f"data: {len(targets)} clips with {n_tags} tags from {args.data}")
        return
    labels, counts = np.unique(targets, return_counts=True)
    spread = ", ".join(f"{c} {n}" for c, n in zip(labels, counts, strict=True))
    print(
        f"data: {len(targets)} clips in {len(labels)} classes ({spread}) "
        f"from {args.data}"
    )


def run(args) -> None:
    """Train ``args.model`` on ``args.data`` and write the model file."""
    from .._model_file import final_step, save_model

    _check_model_options(args)
    files, targets, multilabel = read_labelled(args.data)
    out = check_output(args.output, force=args.force, inputs=[*files, args.data])
    model = _build_model(args, multilabel)
    files, targets, skipped = usable_audio(
        files, targets, on_error=args.on_error, n_jobs=args.n_jobs
    )
    _describe_data(args, targets, multilabel)
    train, valid = np.arange(len(files)), None
    if args.valid_split is not None:
        train, valid = _holdout(targets, multilabel, args.valid_split, args.seed)
    start = time.perf_counter()
    model.fit([files[i] for i in train], [targets[i] for i in train])
    seconds = time.perf_counter() - start
    final = final_step(model)
    size = f", {final.n_params_:,} parameters" if hasattr(final, "n_params_") else ""
    epochs = f", {len(final.history_)} epochs" if hasattr(final, "history_") else ""
    print(
        f"trained {args.model} ({type(final).__name__}{size}{epochs}) on "
        f"{len(train)} clips in {seconds:.1f} s"
    )
    if len(skipped):
        print(f"skipped {len(skipped)} unusable files: {', '.join(skipped['path'])}")
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
    try:
        bundle = save_model(
            out,
            model,
            model=args.model,
            trained_on={
                "data": str(args.data),
                "n_clips": len(train),
                "skipped": [str(p) for p in skipped["path"]],
            },
            validation=validation,
            overwrite=args.force,
        )
    except FileExistsError:
        raise CLIError(f"'{out}' appeared during training; pass --force") from None
    except OSError as exc:
        raise CLIError(f"could not write '{out}': {disk_error(exc)}") from None
    classes = bundle["classes"]
    kind = "tags" if multilabel else "classes"
    print(f"saved to {out} ({len(classes)} {kind}: {', '.join(map(str, classes))})")


def _holdout(targets, multilabel: bool, fraction: float, seed: int):
    """Sorted train and validation indices, stratified by class when possible."""
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

    from .._model_file import model_info
    from ..metrics import tagging_roc_auc

    classes = model_info(model)[1]
    known = [[t for t in tags if t in set(classes)] for tags in truth]
    Y = MultiLabelBinarizer(classes=classes).fit_transform(known)
    with warnings.catch_warnings():
        # tags without positive or negative held-out clips are left out of
        # the average; when all are, the score is NaN and reported as such
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        score = tagging_roc_auc(Y, model.predict_proba(files), average="macro")
    return {"metric": "macro ROC-AUC", "score": float(score)}
