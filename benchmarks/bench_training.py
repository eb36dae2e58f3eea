"""Training overhead: skorch-based estimators vs a hand-written torch loop.

Same module (same initial weights), same data, same optimiser (Adam), batch
size and loss; the estimator is fitted with ``train_split=None`` (no
validation pass, so both sides do exactly the same arithmetic) and the hand
loop is the textbook ``DataLoader(shuffle=True)`` / ``zero_grad`` / ``backward``
/ ``step``. The time of one training epoch is read from skorch's history
(``dur``) for the estimator and measured around the loop's epoch for the
baseline; runs are interleaved and the median epoch over all runs (first
epoch of each run dropped as warm-up) is compared.

Data: ``--n-clips`` random log-mel-like spectrograms of 96 bands x
``--frames`` frames (default 1366, the 29 s input of Choi 2017 Table 1), 10
classes; speed does not depend on the content. Models: the CRNN at the
smallest and a mid Table 1 budget, and the Conv1D.

Usage::

    python benchmarks/bench_training.py [--n-clips 128] [--frames 1366] [--epochs 3]

Prints a table and writes ``benchmarks/results/bench_training.json``.
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

from sklearn_music.estimators import Conv1DClassifier, CRNNClassifier

RESULTS = Path(__file__).resolve().parent / "results" / "bench_training.json"


def hand_loop(module, X, y, *, epochs, batch_size, lr, seed) -> list[float]:
    """Plain PyTorch training; returns the duration of each epoch."""
    torch.manual_seed(seed)
    data = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    module.train()
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(module(xb), yb)
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    return times


def _line(r: dict) -> str:
    return (
        f"{r['model']:18s} {r['param_budget']:9.0f} {r['epoch_s_estimator']:9.3f} "
        f"{r['epoch_s_hand_loop']:9.3f} {r['overhead_percent']:+8.1f} %"
    )


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=128)
    parser.add_argument("--frames", type=int, default=1366)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    X = rng.normal(-30, 10, (args.n_clips, 96, args.frames)).astype(np.float32)
    y = rng.integers(0, 10, args.n_clips)
    configs = [
        ("CRNNClassifier", CRNNClassifier, 1e5),
        ("CRNNClassifier", CRNNClassifier, 1e6),
        ("Conv1DClassifier", Conv1DClassifier, 2.5e5),
    ]
    rows = []
    for name, cls, budget in configs:
        ours, loop = [], []
        for repeat in range(args.repeats):
            est = cls(param_budget=budget, max_epochs=args.epochs, lr=1e-3,
                      batch_size=args.batch_size, train_split=None,
                      random_state=repeat)  # fmt: skip
            est.fit(X, y)
            ours += list(est.history_[1:, "dur"])
            # the same architecture, freshly initialised, in a plain loop
            est_init = cls(param_budget=budget, max_epochs=0, train_split=None,
                           random_state=repeat).fit(X, y)  # fmt: skip
            module = est_init.module_
            y_enc = np.searchsorted(est_init.classes_, y)
            times = hand_loop(
                module, X, y_enc, epochs=args.epochs, batch_size=args.batch_size,
                lr=1e-3, seed=repeat,
            )  # fmt: skip
            loop += times[1:]
        t_ours, t_loop = float(np.median(ours)), float(np.median(loop))
        overhead = 100.0 * (t_ours / t_loop - 1.0)
        row = {
            "model": name, "param_budget": budget, "n_params": int(est.n_params_),
            "epoch_s_estimator": t_ours, "epoch_s_hand_loop": t_loop,
            "overhead_percent": overhead,
        }  # fmt: skip
        rows.append(row)
        print(_line(row), flush=True)

    print(f"\n{args.n_clips} clips of 96 x {args.frames}, batch {args.batch_size}, "
          f"{args.epochs} epochs x {args.repeats} runs; torch "
          f"{torch.__version__}, {torch.get_num_threads()} threads")  # fmt: skip
    print(f"{'model':18s} {'budget':>9s} {'ours s':>9s} {'loop s':>9s} overhead")
    for r in rows:
        print(_line(r))
    result = {
        "n_clips": args.n_clips, "frames": args.frames, "n_mels": 96,
        "batch_size": args.batch_size, "epochs": args.epochs,
        "repeats": args.repeats, "results": rows, "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "load_average_1min": os.getloadavg()[0],
        "machine": platform.processor() or platform.machine(),
    }  # fmt: skip
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(RESULTS.parents[2])}")
    return result


if __name__ == "__main__":
    main()
