"""``sklearn-music features``: spectrograms or handcrafted features of audio
files, saved to disk."""

from __future__ import annotations

import time

import numpy as np

from ._common import CLIError, check_output, write_file
from ._inputs import find_audio, usable_audio
from ._options import (
    add_frontend_options,
    add_inputs_argument,
    add_on_error_option,
    add_subcommand,
)

__all__ = ["add_command", "run"]


def add_command(subparsers, common) -> None:
    """Add ``features`` to the subcommands."""
    add_subcommand(
        subparsers,
        "features",
        _configure,
        parents=[common],
        help="compute spectrograms or handcrafted features of audio files",
        description="Compute spectrograms (mel, stft, cqt) or handcrafted "
        "clip features (tzanetakis, extended) of audio files and save them. "
        ".npz files hold the array 'X', the file list 'paths' and, for "
        "spectrograms, 'lengths' (valid frames of each clip; shorter clips are "
        "padded with NaN), 'sr' and 'hop_length', or, for handcrafted "
        "features, 'feature_names'. A .npy file holds the array only, with the "
        "file list written beside it (<name>.paths.txt). A .csv file (handcrafted "
        "features only) has a 'path' column and one column per feature. With "
        "--on-error skip, a .npz file also holds 'skipped', the files left out.",
    )


def _configure(parser) -> None:
    from ..pipeline import FRONT_ENDS

    add_inputs_argument(parser)
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="output file: .npz or .npy, or .csv for handcrafted features",
    )
    parser.add_argument(
        "--kind",
        choices=FRONT_ENDS,
        default="mel",
        help="mel (default), stft or cqt spectrograms; tzanetakis (30 features) "
        "or extended (518 features) handcrafted features",
    )
    add_frontend_options(
        parser,
        mel_scope="--kind mel",
        duration_help="crop or pad every clip to SECONDS (default: whole files)",
    )
    add_on_error_option(parser)
    parser.set_defaults(run=run)


def _check_options(args) -> tuple:
    """The output file and whether the features are handcrafted; refuses
    options that do not apply to ``args.kind``."""
    from ..pipeline import HANDCRAFTED_FRONT_ENDS, MEL_PARAMS

    out = check_output(args.output, force=args.force)
    handcrafted = args.kind in HANDCRAFTED_FRONT_ENDS
    allowed = (".npz", ".npy", ".csv") if handcrafted else (".npz", ".npy")
    if out.suffix.lower() not in allowed:
        raise CLIError(
            f"--output must end with {' or '.join(allowed)} for --kind {args.kind}; "
            f"got '{args.output}'"
        )
    given = []
    if args.kind != "mel":
        given = [
            f"--{name.replace('_', '-')}"
            for name in MEL_PARAMS
            if getattr(args, name) is not None
        ]
    if given:
        verb = "applies" if len(given) == 1 else "apply"
        raise CLIError(f"{' and '.join(given)} {verb} only to --kind mel")
    return out, handcrafted


def run(args) -> None:
    """Compute the features of the input files and write them."""
    from ..pipeline import make_front_end

    out, handcrafted = _check_options(args)
    files = find_audio(args.inputs)
    check_output(out, force=args.force, inputs=files)
    if out.suffix.lower() == ".npy":  # the file list beside it
        check_output(out.with_suffix(".paths.txt"), force=args.force, inputs=files)
    files, _, skipped = usable_audio(files, on_error=args.on_error, n_jobs=args.n_jobs)
    transformer = make_front_end(
        args.kind,
        preset=args.preset,
        n_mels=args.n_mels,
        sr=args.sr,
        duration=args.duration,
        device=args.device,
        n_jobs=args.n_jobs,
        verbose=int(args.verbose > 0),
    )
    start = time.perf_counter()
    X = transformer.fit_transform(files)
    seconds = time.perf_counter() - start
    if handcrafted:
        names = np.asarray(transformer.get_feature_names_out(), dtype=str)
        extra = {"feature_names": names}
        what = f"{args.kind} features"
    else:
        from ..features import frame_lengths

        params = transformer.resolved_params()
        extra = {
            "lengths": frame_lengths(X),
            "sr": params["sr"],
            "hop_length": params["hop_length"],
        }
        what = f"{args.kind} spectrograms"
    if len(skipped) and out.suffix.lower() == ".npz":
        extra["skipped"] = np.asarray(skipped["path"], dtype=str)
    _save(out, X, np.asarray(files, dtype=str), extra, force=args.force)
    print(
        f"wrote {out}: {what} of {len(files)} files, array {X.shape} {X.dtype} "
        f"({seconds:.1f} s)"
    )
    if out.suffix.lower() == ".npy":
        print(f"wrote {out.with_suffix('.paths.txt')}: the file of every row")
    if len(skipped):
        print(
            f"skipped {len(skipped)} unusable files (not in the output"
            + (", listed in its 'skipped' array" if "skipped" in extra else "")
            + f"): {', '.join(skipped['path'])}"
        )


def _save(out, X, paths, extra: dict, *, force: bool) -> None:
    """Write ``X`` and its file list as the suffix of ``out`` says, each file
    atomically."""
    suffix = out.suffix.lower()
    if suffix == ".csv":
        import pandas as pd

        frame = pd.DataFrame(X, columns=extra["feature_names"])
        frame.insert(0, "path", paths)
        text = frame.to_csv(index=False).encode("utf-8")
        write_file(out, lambda f: f.write(text), force=force)
    elif suffix == ".npy":
        write_file(out, lambda f: np.save(f, X, allow_pickle=False), force=force)
        listing = "".join(f"{p}\n" for p in paths).encode("utf-8")
        write_file(
            out.with_suffix(".paths.txt"), lambda f: f.write(listing), force=force
        )
    else:
        write_file(
            out,
            lambda f: np.savez(f, X=X, paths=paths, **extra),
            force=force,
        )
