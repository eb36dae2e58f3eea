"""End to end from files: ``Pipeline.fit`` on paths vs on decoded arrays.

``--files`` Opus files of ``--seconds`` each (real CC0 loops tiled to that
length when ``.ci/fetch_test_audio.sh`` has run, else seeded tones), 48 kHz
on disk and resampled to 22,050 Hz on reading, as a music service's previews
are. The pipeline is ``MelSpectrogram(duration=...) -> CRNNClassifier``;
the same pipeline is fitted

- on the arrays, decoded beforehand (decoding not timed): the baseline;
- on the paths, with decoding run one batch ahead on a background thread
  while the front-end computes (the default);
- on the paths with that overlap switched off (decoding and computing one
  after the other, as before), to show what the overlap buys.

Runs are interleaved; the best of ``--rounds`` is reported.

Usage::

    python benchmarks/bench_from_paths.py [--files 64] [--seconds 10] [--device cpu]

Writes ``benchmarks/results/bench_from_paths[_<device>].json`` (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from sklearn.pipeline import make_pipeline

import sklearn_music.features._base as features_base
from sklearn_music import load_audio
from sklearn_music.estimators import CRNNClassifier
from sklearn_music.features import MelSpectrogram

ROOT = Path(__file__).resolve().parents[1]
SR = 22050


def write_files(folder: Path, n: int, seconds: float) -> list[Path]:
    loops = sorted((ROOT / ".data" / "sonic-pi-samples").glob("loop_*.flac"))
    rng = np.random.default_rng(0)
    size = int(seconds * 48000)
    paths = []
    for i in range(n):
        if loops:
            y = np.resize(load_audio(loops[i % len(loops)], sr=48000), size)
        else:
            t = np.arange(size) / 48000
            y = 0.3 * np.sin(2 * np.pi * rng.uniform(100, 1000) * t)
            y += 0.05 * rng.standard_normal(size)
        path = folder / f"clip{i:04d}.opus"
        sf.write(path, y.astype(np.float32), 48000, format="OGG", subtype="OPUS")
        paths.append(path)
    return paths


def pipeline(args):
    return make_pipeline(
        MelSpectrogram(duration=args.seconds, device=args.device, batch_size=32),
        CRNNClassifier(param_budget=args.budget, max_epochs=args.epochs,
                       batch_size=32, train_split=None, device=args.device,
                       verbose=0, random_state=0),
    )  # fmt: skip


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=1e6)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(Path(tmp), args.files, args.seconds)
        y = np.arange(args.files) % 4
        start = time.perf_counter()
        arrays = [load_audio(p, sr=SR) for p in paths]
        t_decode = time.perf_counter() - start
        pipeline(args).fit(arrays[:4], y[:4])  # warm-up
        original = features_base.prefetch
        times = {"arrays": [], "paths": [], "paths, no overlap": []}
        for _ in range(args.rounds):
            for name in times:
                X = arrays if name == "arrays" else paths
                if name == "paths, no overlap":
                    features_base.prefetch = iter
                try:
                    start = time.perf_counter()
                    pipeline(args).fit(X, y)
                    if args.device.startswith("cuda"):
                        torch.cuda.synchronize()
                    times[name].append(time.perf_counter() - start)
                finally:
                    features_base.prefetch = original
    best = {name: min(t) for name, t in times.items()}
    print(f"\n{args.files} Opus files x {args.seconds:g} s, Mel + CRNN "
          f"({args.budget:.0e}), {args.epochs} epochs, {args.device}; "
          f"decoding alone {t_decode:.2f} s")  # fmt: skip
    print(f"{'fit on':20s} {'best s':>8s} {'vs arrays':>10s}")
    for name, t in best.items():
        print(f"{name:20s} {t:8.2f} {100 * (t / best['arrays'] - 1):+9.1f} %")
    result = {
        "files": args.files, "seconds": args.seconds, "epochs": args.epochs,
        "param_budget": args.budget, "device": args.device,
        "decode_only_s": t_decode, "fit_s": times, "best_s": best,
        "paths_overhead_percent": 100 * (best["paths"] / best["arrays"] - 1),
        "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
        "load_average_1min": os.getloadavg()[0],
    }  # fmt: skip
    suffix = "" if args.device == "cpu" else f"_{args.device.replace(':', '')}"
    default = ROOT / "benchmarks" / "results" / f"bench_from_paths{suffix}.json"
    out = Path(args.out) if args.out else default
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return result


if __name__ == "__main__":
    main()
