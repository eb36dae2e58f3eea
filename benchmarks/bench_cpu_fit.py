"""Default fit time on a CPU: the neural estimators on 10 s clips.

Issue 12 asks that a default fit on 500 clips of 10 s finishes within 15
minutes on 2 CPU cores. This script fits every spectrogram estimator with
its defaults (only ``random_state``, ``verbose=0`` and, with ``--max-epochs``,
the epoch cap set) on ``--n-clips`` clips of ``--seconds`` s from
:func:`~sklearn_music.datasets.make_music`, through the default front-end
(``MelSpectrogram()``: 128 mel bands at 22,050 Hz, hop 512; its time is
reported apart, as it is computed once per data set), and reports the time
per epoch (from skorch's history, validation included) and the projected
time of a full default fit (``max_epochs`` epochs; early stopping can only
end it sooner). The baseline in the same run is the classical pipeline
``HandcraftedFeatures(feature_set="extended") + StandardScaler +
LogisticRegression`` on the same clips.

The time of an epoch is proportional to the number of clips (every clip
gives ``crops_per_clip`` crops of ``chunk_size`` frames whatever its
length; validation chunks grow with the clip length), so ``--n-clips``
smaller than 500 gives the projection for 500 by scaling; the JSON records
both the measured and the projected numbers, and the machine's load.

On a shared machine the wall-clock time depends on the other processes, so
the CPU time of the fit (``time.process_time``, all threads of this
process) is measured too: on an otherwise idle machine with ``--threads``
cores the wall time of the fit lies between ``cpu_s / threads`` (perfect
parallel speed-up) and ``cpu_s`` (none); the projection from CPU time uses
the upper bound, ``cpu_s``.

Usage::

    python benchmarks/bench_cpu_fit.py                      # 500 x 10 s, 2 threads
    python benchmarks/bench_cpu_fit.py --n-clips 100 --max-epochs 2

Prints a table and writes ``benchmarks/results/bench_cpu_fit.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

RESULTS = Path(__file__).resolve().parent / "results" / "bench_cpu_fit.json"
ESTIMATORS = (
    "ShortChunkCNNClassifier",
    "Conv2DTagger",
    "CRNNClassifier",
    "Conv1DClassifier",
)


def _baseline(X, y) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_music.features import HandcraftedFeatures

    start = time.perf_counter()
    make_pipeline(
        HandcraftedFeatures(feature_set="extended"),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    ).fit(X, y)
    return time.perf_counter() - start


def main(argv=None) -> dict:
    import sklearn_music.estimators as estimators
    from sklearn_music.datasets import make_music
    from sklearn_music.features import MelSpectrogram

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--target-clips", type=int, default=500)
    parser.add_argument("--estimators", nargs="*", default=list(ESTIMATORS))
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    X, y = make_music(args.n_clips, n_classes=5, duration=args.seconds, random_state=0)
    start, cpu_start = time.perf_counter(), time.process_time()
    S = MelSpectrogram().fit_transform(X)
    mel_s = time.perf_counter() - start
    mel_cpu_s = time.process_time() - cpu_start
    scale = args.target_clips / args.n_clips
    rows = []
    for name in args.estimators:
        cls = getattr(estimators, name)
        params = {"random_state": 0, "verbose": 0}
        if args.max_epochs is not None:
            params["max_epochs"] = args.max_epochs
        est = cls(**params)
        start, cpu_start = time.perf_counter(), time.process_time()
        est.fit(S, y)
        fit_s = time.perf_counter() - start
        cpu_s = time.process_time() - cpu_start
        epochs = len(est.history_)
        epoch_s = float(np.mean(est.history_[:, "dur"]))
        default_epochs = cls().max_epochs
        row = {
            "estimator": name,
            "n_params": int(est.n_params_),
            "epochs_run": epochs,
            "fit_s": fit_s,
            "epoch_s": epoch_s,
            "default_max_epochs": default_epochs,
            "projected_epoch_s": epoch_s * scale,
            "projected_full_fit_s": epoch_s * scale * default_epochs + mel_s * scale,
            "cpu_s": cpu_s,
            "cpu_s_per_epoch": cpu_s / epochs,
            "projected_full_fit_cpu_s": cpu_s / epochs * scale * default_epochs
            + mel_cpu_s * scale,
        }
        rows.append(row)
        print(
            f"{name:24s} {row['n_params']:9d} {epoch_s:8.1f} s/epoch "
            f"({row['cpu_s_per_epoch']:.1f} CPU s) -> "
            f"{row['projected_full_fit_s'] / 60:6.1f} min wall, "
            f"{row['projected_full_fit_cpu_s'] / 60:6.1f} min CPU for "
            f"{args.target_clips} clips x {default_epochs} epochs",
            flush=True,
        )
    baseline_s = None if args.no_baseline else _baseline(X, y)
    print(f"\n{args.n_clips} clips x {args.seconds:g} s, {args.threads} threads, "
          f"mel front-end {mel_s:.1f} s, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    if baseline_s is not None:
        print(f"baseline extended+LR fit: {baseline_s:.1f} s")
    print(
        f"{'estimator':24s} {'params':>9s} {'s/epoch':>8s} {'CPU s/ep':>8s} "
        f"{'proj. min':>9s} {'proj. CPU min':>13s}"
    )
    for r in rows:
        print(
            f"{r['estimator']:24s} {r['n_params']:9d} {r['epoch_s']:8.1f} "
            f"{r['cpu_s_per_epoch']:8.1f} {r['projected_full_fit_s'] / 60:9.1f} "
            f"{r['projected_full_fit_cpu_s'] / 60:13.1f}"
        )
    result = {
        "n_clips": args.n_clips,
        "seconds": args.seconds,
        "target_clips": args.target_clips,
        "torch_threads": args.threads,
        "mel_s": mel_s,
        "mel_cpu_s": mel_cpu_s,
        "baseline_extended_lr_fit_s": baseline_s,
        "results": rows,
        "torch": torch.__version__,
        "load_average_1min": os.getloadavg()[0],
        "cpu_count": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(RESULTS.parents[2])}")
    return result


if __name__ == "__main__":
    main()
