"""Accuracy on real sampled instruments: MelSpectrogram + CRNN vs MFCC + LogReg.

Data: predominant-instrument recognition rendered from the FluidR3 General
MIDI soundfont (real recorded instrument samples, MIT licence; fetch it with
``benchmarks/fetch_soundfont.sh`` and ``pip install tinysoundfont``). Each
clip is a random melody on an instrument of one of nine GM families over a
quieter chord accompaniment on another family (and drums in half of the
clips); the label is the lead's family. See ``benchmarks/_soundfont.py``.
Nothing here comes from ``make_music``.

Both systems see the same stratified train / test split:

* baseline: per-clip MFCC statistics (mean and standard deviation of 20 MFCCs
  and their deltas, librosa defaults) -> StandardScaler ->
  LogisticRegression, its ``C`` chosen by 5-fold CV on the training set;
* ours: the default ``Pipeline([MelSpectrogram(), CRNNClassifier()])``
  (librosa-default log-mel front-end, Choi 2017 CRNN at the paper's default
  width, 20 epochs with early stopping on a validation split of the training
  set), only ``random_state`` set.

Usage::

    python benchmarks/bench_accuracy.py [--per-class 80] [--seconds 4] [--seeds 0 1 2]
    python benchmarks/bench_accuracy.py --seeds 1 --append   # add one more split

Prints a table and writes ``benchmarks/results/bench_accuracy.json``.
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
from _soundfont import render_dataset
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_music.estimators import CRNNClassifier
from sklearn_music.features import MelSpectrogram

SR = 22050
RESULTS = Path(__file__).resolve().parent / "results" / "bench_accuracy.json"


def mfcc_statistics(X: np.ndarray) -> np.ndarray:
    """Mean and std of 20 MFCCs and their deltas per clip (80 values)."""
    import librosa

    rows = []
    for y in X:
        mfcc = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20)
        delta = librosa.feature.delta(mfcc)
        feats = np.concatenate([mfcc, delta])
        rows.append(np.concatenate([feats.mean(axis=1), feats.std(axis=1)]))
    return np.asarray(rows)


def evaluate(name, model, X_train, y_train, X_test, y_test) -> dict:
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    pred = model.predict(X_test)
    predict_s = time.perf_counter() - start
    row = {
        "method": name,
        "accuracy": float(accuracy_score(y_test, pred)),
        "macro_f1": float(f1_score(y_test, pred, average="macro")),
        "fit_s": fit_s,
        "predict_s": predict_s,
    }
    print(f"  {name:40s} acc {row['accuracy']:.3f}  F1 {row['macro_f1']:.3f}  "
          f"fit {fit_s:6.1f} s")  # fmt: skip
    return row


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=80)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--test-size", type=float, default=0.3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--append",
        action="store_true",
        help="keep the runs of other seeds already in the results file (same "
        "data settings), so splits can be run one session at a time",
    )
    args = parser.parse_args(argv)
    settings = {"per_class": args.per_class, "seconds": args.seconds,
                "test_size": args.test_size, "device": args.device}  # fmt: skip
    earlier = []
    if args.append and RESULTS.exists():
        old = json.loads(RESULTS.read_text())
        if old.get("settings", settings) != settings:
            raise SystemExit(f"--append: {RESULTS} holds other settings: {old}")
        earlier = [r for r in old["runs"] if r["seed"] not in args.seeds]

    start = time.perf_counter()
    X, y = render_dataset(args.per_class, args.seconds, SR, random_state=0)
    render_s = time.perf_counter() - start
    print(f"rendered {len(X)} clips x {args.seconds:g} s, {len(set(y))} classes "
          f"in {render_s:.1f} s")  # fmt: skip
    start = time.perf_counter()
    F = mfcc_statistics(X)  # per-clip features do not depend on the split
    mfcc_s = time.perf_counter() - start
    runs = list(earlier)
    for seed in args.seeds:
        index = np.arange(len(X))
        train, test = train_test_split(
            index, test_size=args.test_size, stratify=y, random_state=seed
        )
        print(f"split seed {seed}: {len(train)} train / {len(test)} test")
        baseline = GridSearchCV(
            make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
            {"logisticregression__C": [0.01, 0.1, 1.0, 10.0, 100.0]},
            cv=5,
        )
        ours = Pipeline(
            [
                ("mel", MelSpectrogram(device=args.device)),
                ("clf", CRNNClassifier(device=args.device, random_state=seed)),
            ]
        )
        rows = [
            evaluate("MFCC statistics + LogisticRegression", baseline,
                     F[train], y[train], F[test], y[test]),
            evaluate("MelSpectrogram + CRNNClassifier", ours,
                     X[train], y[train], X[test], y[test]),
        ]  # fmt: skip
        # the MFCC features were computed once for all clips: charge each side
        # its share of that time
        rows[0]["fit_s"] += mfcc_s * len(train) / len(X)
        rows[0]["predict_s"] += mfcc_s * len(test) / len(X)
        rows[0]["best_C"] = baseline.best_params_["logisticregression__C"]
        clf = ours.named_steps["clf"]
        rows[1]["n_params"] = int(clf.n_params_)
        rows[1]["epochs"] = len(clf.history_)
        runs.append({"seed": seed, "results": rows})

    def summary(i):
        acc = np.array([run["results"][i]["accuracy"] for run in runs])
        f1 = np.array([run["results"][i]["macro_f1"] for run in runs])
        fit = np.array([run["results"][i]["fit_s"] for run in runs])
        return acc, f1, fit

    print(f"\n{len(X)} clips of {args.seconds:g} s, 9 instrument families, "
          f"{len(runs)} splits (test size {args.test_size:g}); chance "
          f"{1 / len(set(y)):.3f}")  # fmt: skip
    print(f"{'method':40s} {'accuracy':>15s} {'macro F1':>15s} {'fit s':>8s}")
    table = []
    for i, name in enumerate([r["method"] for r in runs[0]["results"]]):
        acc, f1, fit = summary(i)
        print(f"{name:40s} {acc.mean():7.3f} ± {acc.std():.3f} "
              f"{f1.mean():7.3f} ± {f1.std():.3f} {fit.mean():8.1f}")  # fmt: skip
        table.append({"method": name, "accuracy_mean": float(acc.mean()),
                      "accuracy_std": float(acc.std()),
                      "macro_f1_mean": float(f1.mean()),
                      "macro_f1_std": float(f1.std()),
                      "fit_s_mean": float(fit.mean())})  # fmt: skip
    result = {
        "data": "FluidR3 GM soundfont, predominant instrument family",
        "n_clips": len(X), "seconds": args.seconds, "sr": SR,
        "n_classes": len(set(y)), "test_size": args.test_size,
        "seeds": sorted(r["seed"] for r in runs), "settings": settings,
        "render_s": render_s, "mfcc_s": mfcc_s,
        "summary": table,
        "runs": runs, "device": args.device, "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "load_average_1min": os.getloadavg()[0],
        "machine": platform.processor() or platform.machine(),
    }  # fmt: skip
    runs.sort(key=lambda r: r["seed"])
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(RESULTS.parents[2])}")
    return result


if __name__ == "__main__":
    main()
