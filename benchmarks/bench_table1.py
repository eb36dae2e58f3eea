"""Choi et al. 2017, Table 1: parameter counts and training time per 2,500 clips.

For each of the 15 cells (Conv1D, Conv2D and CRNN at 0.1M, 0.25M, 0.5M, 1M
and 3M parameters) the module is built with the exact Table 1 widths in the
paper's setting (96 mel bins x 1366 frames, 50 sigmoid outputs, the input
normalisation of ``TABLE1_INPUT_NORM``; see ``sklearn_music/models/_budget.py``
for the counting convention) and the script reports

- its parameter count next to the budget, with the difference in %, and the
  count with the default per-mel-bin input BatchNorm (``input_norm="freq"``);
- the measured training time per 2,500 samples, the paper's last row: after
  one warm-up step, at least ``--steps`` training steps (more, up to 10,
  until ``--min-seconds`` are spent; forward, ``BCEWithLogitsLoss``
  on random 0/1 targets, backward, ``Adam`` step) on random
  ``(batch, 96, 1366)`` inputs are timed, and the median seconds per step are
  extrapolated linearly: ``seconds_per_2500 = median_step / batch * 2500``
  (156.25 steps of 16). Data loading and the spectrogram front-end are not
  included;
- the paper's reported AUC (MSD top-50) and seconds per 2,500 samples, which
  were measured on a 2017 GPU (a reference, not a like-for-like comparison).

The warm-up step uses a batch of 2 on CPU (first-call overhead only; a full
CPU step costs up to a minute for the 3M CRNN) and the full batch on CUDA
(cuDNN algorithm selection). On CUDA every timed step is synchronised.

Usage::

    python benchmarks/bench_table1.py [--device cpu|cuda] [--threads 2]
        [--batch-size 16] [--steps 2] [--min-seconds 10]
        [--archs conv1d conv2d crnn] [--budgets 100000 ...]

Results are printed and written to ``benchmarks/results/bench_table1.json``
(``bench_table1_<device>.json`` for a device other than CPU).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch

from sklearn_music.models import (
    TABLE1,
    TABLE1_INPUT_NORM,
    Conv1DModule,
    Conv2DModule,
    CRNNModule,
    count_parameters,
)

RESULTS = Path(__file__).resolve().parent / "results"
MODULES = {"conv1d": Conv1DModule, "conv2d": Conv2DModule, "crnn": CRNNModule}
N_MELS, N_FRAMES, N_OUTPUTS = 96, 1366, 50
SAMPLES = 2500

#: Choi et al. 2017, Table 1: (AUC, seconds per 2,500 training samples, GPU).
PAPER = {
    "conv1d": {
        100_000: (0.772, 55),
        250_000: (0.781, 80),
        500_000: (0.795, 111),
        1_000_000: (0.806, 146),
        3_000_000: (0.829, 218),
    },
    "conv2d": {
        100_000: (0.799, 46),
        250_000: (0.814, 64),
        500_000: (0.821, 82),
        1_000_000: (0.828, 116),
        3_000_000: (0.857, 180),
    },
    "crnn": {
        100_000: (0.823, 70),
        250_000: (0.838, 103),
        500_000: (0.842, 166),
        1_000_000: (0.851, 256),
        3_000_000: (0.855, 402),
    },
}


def build(arch: str, budget: int, *, paper_norm: bool = True) -> torch.nn.Module:
    """The Table 1 module; ``paper_norm=False`` keeps the default input norm."""
    kwargs = dict(TABLE1[arch][budget])
    if paper_norm:
        norm = TABLE1_INPUT_NORM[arch]
        kwargs.update(input_norm=norm, n_frames=N_FRAMES if norm == "time" else None)
    return MODULES[arch](N_MELS, N_OUTPUTS, **kwargs)


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_training(
    module: torch.nn.Module,
    *,
    device: torch.device,
    batch_size: int,
    steps: int,
    min_seconds: float,
    max_steps: int = 10,
) -> list[float]:
    """Seconds of each timed training step, after one warm-up step.

    At least ``steps`` steps are timed, more (up to ``max_steps``) until
    ``min_seconds`` have been spent timing.
    """
    gen = torch.Generator().manual_seed(0)
    module = module.to(device).train()
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    criterion = torch.nn.BCEWithLogitsLoss()

    def batch(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.randn(n, N_MELS, N_FRAMES, generator=gen)
        y = torch.randint(0, 2, (n, N_OUTPUTS), generator=gen).float()
        return x.to(device), y.to(device)

    def step(x: torch.Tensor, y: torch.Tensor) -> None:
        optimizer.zero_grad(set_to_none=True)
        loss = criterion(module(x), y)
        loss.backward()
        optimizer.step()

    step(*batch(batch_size if device.type == "cuda" else 2))
    _sync(device)
    x, y = batch(batch_size)
    times: list[float] = []
    while len(times) < steps or (sum(times) < min_seconds and len(times) < max_steps):
        start = time.perf_counter()
        step(x, y)
        _sync(device)
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--min-seconds", type=float, default=10.0)
    parser.add_argument("--archs", nargs="+", default=sorted(MODULES))
    parser.add_argument("--budgets", nargs="+", type=int, default=sorted(PAPER["crnn"]))
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            parser.error("--device cuda, but CUDA is not available")
        torch.backends.cudnn.benchmark = True
    output = args.output or RESULTS / (
        "bench_table1.json"
        if device.type == "cpu"
        else f"bench_table1_{device.type}.json"
    )

    header = (
        f"{'model':7} {'budget':>9} {'params':>10} {'diff':>7} {'(freq BN)':>10} "
        f"{'s/step':>7} {'s/2.5k':>8} {'paper s':>8} {'paper AUC':>9}"
    )
    print(
        f"device={device}, threads={args.threads}, batch={args.batch_size}; "
        "seconds per 2,500 samples = median step / batch * 2500"
    )
    print(header)
    print("-" * len(header))
    cells = []
    for arch in args.archs:
        for budget in args.budgets:
            torch.manual_seed(0)
            module = build(arch, budget)
            n_params = count_parameters(module)
            n_freq = count_parameters(build(arch, budget, paper_norm=False))
            times = time_training(
                module,
                device=device,
                batch_size=args.batch_size,
                steps=args.steps,
                min_seconds=args.min_seconds,
            )
            per_step = statistics.median(times)
            per_2500 = per_step / args.batch_size * SAMPLES
            auc, paper_seconds = PAPER[arch][budget]
            cell = {
                "arch": arch,
                "budget": budget,
                "widths": {k: list(v) for k, v in TABLE1[arch][budget].items()},
                "input_norm": TABLE1_INPUT_NORM[arch],
                "n_parameters": n_params,
                "diff_percent": round(100 * (n_params - budget) / budget, 2),
                "n_parameters_freq_input_norm": n_freq,
                "diff_percent_freq_input_norm": round(
                    100 * (n_freq - budget) / budget, 2
                ),
                "step_seconds": [round(t, 4) for t in times],
                "seconds_per_2500": round(per_2500, 1),
                "paper_auc": auc,
                "paper_gpu_seconds_per_2500": paper_seconds,
            }
            cells.append(cell)
            print(
                f"{arch:7} {budget:>9,} {n_params:>10,} "
                f"{cell['diff_percent']:>+6.2f}% "
                f"{cell['diff_percent_freq_input_norm']:>+9.2f}% "
                f"{per_step:>7.2f} {per_2500:>8.0f} {paper_seconds:>8} {auc:>9.3f}",
                flush=True,
            )
            del module
    result = {
        "benchmark": "bench_table1",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "setting": {"n_mels": N_MELS, "n_frames": N_FRAMES, "n_outputs": N_OUTPUTS},
        "device": str(device),
        "device_name": (
            torch.cuda.get_device_name(device)
            if device.type == "cuda"
            else f"{_cpu_name()} ({os.cpu_count()} logical CPUs)"
        ),
        "threads": args.threads,
        "batch_size": args.batch_size,
        "timed_steps": f"at least {args.steps}, more (up to 10) until "
        f"{args.min_seconds:g} s were timed",
        "extrapolation": (
            f"seconds_per_2500 = median(step_seconds) / {args.batch_size} * "
            f"{SAMPLES}: linear in the number of samples, training steps only "
            "(forward, BCEWithLogitsLoss, backward, Adam) on random inputs; "
            "one untimed warm-up step before"
        ),
        "paper_timing_note": "paper seconds were measured on a GPU in 2017",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cells": cells,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {output}")
    return result


if __name__ == "__main__":
    main()
