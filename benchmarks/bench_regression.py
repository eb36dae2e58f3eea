"""Regression of a measurable target: the tempo (BPM) of generated music.

The clips come from :func:`sklearn_music.segments.make_tempo_music`: music
in five 4/4 styles, each clip at a tempo drawn uniformly from 60 to 180 BPM
and known exactly. Compared on the same held-out clips, in the same run:

* ``CRNNRegressor`` end to end on log-mel spectrograms;
* ``embeddings + Ridge``: a CRNNClassifier trained to recognise the *style*
  of other generated clips, frozen, its embedding fed to ``RidgeCV``
  (transfer, as for hit prediction from a tagger's embedding);
* ``librosa.feature.tempo``: the beat tracker's estimate as the prediction
  (no learning), and the same estimate calibrated by a linear regression on
  the training clips;
* the training mean (R^2 = 0 by construction on average).

Metrics: mean absolute error in BPM and R^2 on the held-out clips, mean and
standard deviation over ``--seeds`` (each seed draws new clips and a new
split).

Usage::

    python benchmarks/bench_regression.py [--n-clips 160] [--seeds 0 1]

Results are printed and written to ``benchmarks/results/bench_regression.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, RidgeCV
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_music.datasets import make_music
from sklearn_music.estimators import CRNNClassifier, CRNNRegressor
from sklearn_music.features import MelSpectrogram
from sklearn_music.segments import make_tempo_music

RESULTS = Path(__file__).resolve().parent / "results" / "bench_regression.json"


def whole_clip(net):
    """One crop per clip and epoch: the chunk is the whole clip (the option
    exists in recent versions)."""
    if "crops_per_clip" in net.get_params(deep=False):
        net.set_params(crops_per_clip=1)
    return net


def librosa_tempo(X, sr: int) -> np.ndarray:
    import librosa

    return np.array([librosa.feature.tempo(y=x, sr=sr)[0] for x in X])


def run_seed(seed: int, args) -> dict:
    X, bpm, _ = make_tempo_music(
        args.n_clips, duration=args.duration, sr=args.sr, random_state=seed
    )
    train, test = train_test_split(np.arange(len(X)), test_size=0.25, random_state=seed)
    mel = MelSpectrogram(sr=args.sr, n_mels=64)
    S = mel.fit_transform(X)
    preds, seconds = {}, {}

    t0 = time.perf_counter()
    net = CRNNRegressor(
        param_budget=1e5, chunk_size=S.shape[-1], max_epochs=args.epochs,
        lr=3e-3, random_state=seed, verbose=0,
    )  # fmt: skip
    whole_clip(net).fit(S[train], bpm[train])
    preds["CRNNRegressor (end to end)"] = net.predict(S[test])
    seconds["CRNNRegressor (end to end)"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    Xs, ys = make_music(
        args.n_clips, n_classes=5, duration=args.duration, sr=args.sr,
        random_state=seed + 1000,
    )  # fmt: skip
    tagger = CRNNClassifier(
        param_budget=1e5, chunk_size=S.shape[-1], max_epochs=args.epochs,
        random_state=seed, verbose=0,
    )  # fmt: skip
    whole_clip(tagger).fit(mel.transform(Xs), ys)
    transfer = make_pipeline(
        FrozenEstimator(tagger), StandardScaler(), RidgeCV(np.logspace(-2, 3, 12))
    )
    transfer.fit(S[train], bpm[train])
    preds["style embeddings + Ridge"] = transfer.predict(S[test])
    seconds["style embeddings + Ridge"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    estimate = librosa_tempo(X, args.sr)
    preds["librosa.feature.tempo"] = estimate[test]
    seconds["librosa.feature.tempo"] = time.perf_counter() - t0
    calibrated = LinearRegression().fit(estimate[train, None], bpm[train])
    preds["librosa tempo + linear fit"] = calibrated.predict(estimate[test, None])
    seconds["librosa tempo + linear fit"] = seconds["librosa.feature.tempo"]
    preds["training mean"] = np.full(len(test), bpm[train].mean())
    seconds["training mean"] = 0.0
    return {
        name: {
            "mae_bpm": float(mean_absolute_error(bpm[test], p)),
            "r2": float(r2_score(bpm[test], p)),
            "seconds": round(seconds[name], 1),
        }
        for name, p in preds.items()
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=160)
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument("--sr", type=int, default=16000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    per_seed = {seed: run_seed(seed, args) for seed in args.seeds}
    methods = list(next(iter(per_seed.values())))
    rows = []
    for name in methods:
        mae = [per_seed[s][name]["mae_bpm"] for s in args.seeds]
        r2 = [per_seed[s][name]["r2"] for s in args.seeds]
        rows.append(
            {
                "method": name,
                "mae_bpm": round(float(np.mean(mae)), 2),
                "mae_std": round(float(np.std(mae)), 2),
                "r2": round(float(np.mean(r2)), 3),
                "r2_std": round(float(np.std(r2)), 3),
            }
        )
    n_test = args.n_clips - int(np.ceil(0.75 * args.n_clips))
    print(
        f"\nTempo regression, {args.n_clips} clips of {args.duration:g} s "
        f"(60-180 BPM), {n_test} held out, seeds {args.seeds}"
    )
    print(f"{'method':<30}{'MAE (BPM)':>16}{'R^2':>16}")
    for row in rows:
        mae = f"{row['mae_bpm']:.1f} ± {row['mae_std']:.1f}"
        r2 = f"{row['r2']:.3f} ± {row['r2_std']:.3f}"
        print(f"{row['method']:<30}{mae:>16}{r2:>16}")
    result = dict(
        benchmark="bench_regression",
        command="python benchmarks/bench_regression.py " + " ".join(argv or []),
        n_clips=args.n_clips,
        duration_s=args.duration,
        sr=args.sr,
        epochs=args.epochs,
        seeds=args.seeds,
        results=rows,
        per_seed={str(k): v for k, v in per_seed.items()},
        machine=dict(
            platform=platform.platform(),
            cpus=os.cpu_count(),
            load_1min=os.getloadavg()[0],
        ),
    )
    if not args.no_write:
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
