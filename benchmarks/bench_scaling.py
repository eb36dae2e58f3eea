"""Scaling out: the same grid search and feature extraction locally and on Dask,
and the cost of per-epoch checkpoints.

* Grid search: a ``MelSpectrogram`` + ``CRNNClassifier`` pipeline over 4
  candidates x 3 folds, run sequentially (``n_jobs=1``), with joblib's local
  processes (``n_jobs=2``, loky), and on a ``dask.distributed.LocalCluster``
  of 2 single-threaded worker processes through
  ``joblib.parallel_backend("dask")``. The cluster's start-up is timed
  separately; the first Dask run also pays for importing torch on the
  workers, so it is run twice and both are reported. The mean test scores
  of the three runs are compared.
* Handcrafted features of ``--n-clips`` clips with ``n_jobs=2``, locally and
  on the cluster (one Dask task per clip).
* Checkpoints: the median epoch time (skorch's ``dur``) of a CRNN with and
  without ``checkpoint_dir``.

All on one machine: with as many workers as cores there is nothing to gain
from Dask here; the numbers show its overhead, and that the results match.

Usage::

    python benchmarks/bench_scaling.py [--n-clips 48] [--repeats 2]

Prints the results and writes ``benchmarks/results/bench_scaling.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np
import torch
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_music.datasets import make_music
from sklearn_music.estimators import CRNNClassifier, _checkpoint
from sklearn_music.features import HandcraftedFeatures, MelSpectrogram

RESULTS = Path(__file__).resolve().parent / "results" / "bench_scaling.json"


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, round(time.perf_counter() - start, 2)


def grid_search(X, y, n_jobs):
    pipe = make_pipeline(
        MelSpectrogram(sr=16000, n_fft=512, hop_length=256, n_mels=48),
        CRNNClassifier(
            max_epochs=4,
            batch_size=8,
            lr=0.01,
            train_split=None,
            module__pool_sizes=((2, 2),) * 4,
            random_state=0,
        ),
    )
    grid = {
        "crnnclassifier__param_budget": [2e4, 5e4],
        "crnnclassifier__lr": [0.003, 0.01],
    }
    return GridSearchCV(pipe, grid, cv=3, n_jobs=n_jobs).fit(X, y)


def bench_grid_and_features(X, y, repeats):
    from dask.distributed import Client, LocalCluster

    results, scores = [], {}
    threads = torch.get_num_threads()
    runs = (
        (f"sequential (n_jobs=1, {threads} torch threads)", 1, threads),
        ("sequential (n_jobs=1, 1 torch thread)", 1, 1),
        ("loky (n_jobs=2)", 2, threads),
    )
    for label, n_jobs, n_threads in runs:
        times = []
        torch.set_num_threads(n_threads)
        for _ in range(repeats):
            search, seconds = timed(lambda n=n_jobs: grid_search(X, y, n))
            times.append(seconds)
        torch.set_num_threads(threads)
        scores[label] = search.cv_results_["mean_test_score"].tolist()
        results.append({"experiment": "grid search", "run": label, "wall_s": times})

    cluster, startup = timed(
        lambda: LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        )
    )
    with cluster, Client(cluster):
        times = []
        with joblib.parallel_backend("dask"):
            for _ in range(repeats + 1):
                search, seconds = timed(lambda: grid_search(X, y, 2))
                times.append(seconds)
        label = "dask LocalCluster (2 workers x 1 thread)"
        scores[label] = search.cv_results_["mean_test_score"].tolist()
        results.append(
            {
                "experiment": "grid search",
                "run": label,
                "cluster_startup_s": startup,
                "wall_s": times,
                "note": "first run includes importing torch on the workers",
                "mean_test_scores": scores,
                # workers (loky and Dask alike) train with one torch thread
                # each; a fit with another thread count sums in another order
                "identical_scores_one_thread_per_fit": all(
                    s == scores["sequential (n_jobs=1, 1 torch thread)"]
                    for label, s in scores.items()
                    if "torch threads" not in label
                ),
                "identical_scores_all_runs": all(
                    s == scores["loky (n_jobs=2)"] for s in scores.values()
                ),
            }
        )

        def features():
            return HandcraftedFeatures(sr=16000, n_jobs=2).fit_transform(X)

        local = features()
        local_s = [timed(features)[1] for _ in range(repeats)]
        with joblib.parallel_backend("dask"):
            remote = features()
            remote_s = [timed(features)[1] for _ in range(repeats)]
    results.append(
        {
            "experiment": "HandcraftedFeatures(n_jobs=2)",
            "n_clips": len(X),
            "local_wall_s": local_s,
            "dask_wall_s": remote_s,
            "note": "after one warm-up call each",
            "identical": bool(np.array_equal(local, remote)),
        }
    )
    return results


def bench_checkpoints(X, y, repeats):
    mel = MelSpectrogram(sr=16000, n_fft=512, hop_length=256, n_mels=96)
    S = mel.fit_transform(X)
    writes = []
    write = _checkpoint._write_atomically

    def timed_write(state, path):
        start = time.perf_counter()
        write(state, path)
        writes.append(time.perf_counter() - start)

    _checkpoint._write_atomically = timed_write
    epochs = {"without": [], "with": []}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(repeats):  # interleaved
                for label in ("without", "with"):
                    directory = Path(tmp) / str(i) if label == "with" else None
                    est = CRNNClassifier(
                        max_epochs=5, batch_size=16, checkpoint_dir=directory,
                        random_state=0,
                    ).fit(S, y)  # fmt: skip
                    epochs[label].extend(est.history_[1:, "dur"])
            size = (Path(est.checkpoint_dir_) / "checkpoint.pt").stat().st_size
    finally:
        _checkpoint._write_atomically = write
    return [
        {
            "experiment": "checkpoint_dir",
            "model": f"CRNNClassifier, {est.n_params_} parameters, 96 mel bands",
            "batches_per_epoch": int(np.ceil(0.8 * len(X) / 16)),
            "median_epoch_s_without": round(float(np.median(epochs["without"])), 3),
            "median_epoch_s_with": round(float(np.median(epochs["with"])), 3),
            "median_write_s": round(float(np.median(writes)), 4),
            "checkpoint_bytes": size,
        }
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--parts",
        default="grid,checkpoints",
        help="comma-separated: grid (grid search and features), checkpoints; "
        "the results of parts not run are kept from the last report",
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))

    load_before = os.getloadavg()[0]
    X, y = make_music(args.n_clips, n_classes=4, duration=3.0, sr=16000, random_state=0)
    previous = json.loads(RESULTS.read_text())["results"] if RESULTS.exists() else []
    results = []
    if "grid" in parts:
        results += bench_grid_and_features(X, y, args.repeats)
    else:
        results += [r for r in previous if r["experiment"] != "checkpoint_dir"]
    if "checkpoints" in parts:
        results += bench_checkpoints(X, y, args.repeats)
    else:
        results += [r for r in previous if r["experiment"] == "checkpoint_dir"]

    report = {
        "benchmark": "scaling out: local vs Dask LocalCluster, checkpoint cost",
        "data": f"make_music({args.n_clips}, n_classes=4, duration=3.0, sr=16000)",
        "grid_search": "4 candidates x 3 folds, CRNN (pools 2x2), 4 epochs",
        "load_average_1min": {
            "before": round(load_before, 2),
            "after": round(os.getloadavg()[0], 2),
        },
        "machine": {
            "cpu_count": os.cpu_count(),
            "processor": platform.machine(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
        },
        "results": results,
    }
    print(json.dumps(report, indent=2))
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
