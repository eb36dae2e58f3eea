"""Training speed: the neural estimators vs a hand-written PyTorch loop.

Same module (same architecture and shapes, freshly initialised), same data,
same optimiser (Adam), batch size and loss, same autocast; the estimator is
fitted with ``train_split=None`` (no validation pass), crops as long as the
clips and no augmentation, so both sides do exactly the same arithmetic.
The hand loop is the textbook ``DataLoader(shuffle=True)`` / ``zero_grad`` /
``backward`` / ``step``, with pinned batches copied ``non_blocking`` on
CUDA. The estimator's epoch time is skorch's ``dur``; the loop's is measured
around its epoch (synchronised on CUDA). Runs are interleaved and the median
epoch over all runs, first epoch of each run dropped as warm-up, is compared.

Throughput: clips/s of each side and the achieved TFLOP/s, from the FLOPs of
one training step counted by :class:`torch.utils.flop_counter.FlopCounterMode`
(forward and backward), against the GPU's peak for the dtype when the GPU is
known (fp32 runs count against the TF32 tensor-core peak, AMP runs against
bf16).

Data: ``--n-clips`` random log-mel-like spectrograms of 96 bands x
``--frames`` frames (default 1366, the 29 s input of Choi 2017 Table 1), 10
classes; speed does not depend on the content. Models: the CRNN at 1M and
3M parameters (Table 1) and, where it exists, ``ShortChunkCNNClassifier``
(on 3.7 s chunks) -- the Conv1D on the CPU.

Usage::

    python benchmarks/bench_training.py                # CPU, as before
    python benchmarks/bench_training.py --device cuda   # fp32 + AMP, batch 32/128
    python benchmarks/bench_training.py --quick         # smoke test of that grid

Prints a table and writes ``benchmarks/results/bench_training[_<device>].json``
(``--out`` to choose).
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

import sklearn_music.estimators as estimators

RESULTS = Path(__file__).resolve().parent / "results"

#: Dense peak FLOP/s by GPU name fragment and dtype (NVIDIA data sheets, SXM).
PEAKS = {
    "H200": {"tf32": 494.7e12, "bf16": 989.4e12},
    "H100": {"tf32": 494.7e12, "bf16": 989.4e12},
    "A100": {"tf32": 156e12, "bf16": 312e12},
}


def gpu_peak(device: str, amp: bool) -> float | None:
    if not device.startswith("cuda"):
        return None
    name = torch.cuda.get_device_name(device)
    for key, peaks in PEAKS.items():
        if key in name:
            return peaks["bf16" if amp else "tf32"]
    return None


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)


def _autocast(device: str, amp: bool):
    return torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp and device != "cpu")


def hand_loop(module, X, y, *, epochs, batch_size, lr, seed, device, amp):
    """Plain PyTorch training; returns the duration of each epoch."""
    torch.manual_seed(seed)
    module = module.to(device)
    on_cuda = device.startswith("cuda")
    data = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    loader = torch.utils.data.DataLoader(
        data, batch_size=batch_size, shuffle=True, pin_memory=on_cuda
    )
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    module.train()
    times = []
    for _ in range(epochs):
        _sync(device)
        start = time.perf_counter()
        for xb, yb in loader:
            xb = xb.to(device, non_blocking=True)
            yb = yb.to(device, non_blocking=True)
            optimizer.zero_grad()
            with _autocast(device, amp):
                out = module(xb)
            loss = loss_fn(out.float(), yb)
            loss.backward()
            optimizer.step()
        _sync(device)
        times.append(time.perf_counter() - start)
    return times


def step_flops(module, X, y, device, amp) -> float:
    """FLOPs of one training step (forward + backward) per clip."""
    from torch.utils.flop_counter import FlopCounterMode

    module = module.to(device).train()
    xb = torch.from_numpy(X[:2]).to(device)
    yb = torch.from_numpy(y[:2]).to(device)
    with FlopCounterMode(display=False) as counter:
        with _autocast(device, amp):
            out = module(xb)
        torch.nn.functional.cross_entropy(out.float(), yb).backward()
    module.zero_grad(set_to_none=True)
    return counter.get_total_flops() / 2


def estimator(cls, budget, *, frames, epochs, batch_size, device, amp, seed):
    """The estimator configured to do exactly the hand loop's work."""
    params = dict(
        max_epochs=epochs, lr=1e-3, batch_size=batch_size, train_split=None,
        random_state=seed, device=device, amp=amp, verbose=0,
        optimizer=torch.optim.Adam, chunk_size=frames, spec_augment=False,
        mixup_alpha=0.0, lr_schedule=None, crops_per_clip=1, patience=None,
    )  # fmt: skip
    if budget is not None:
        params["param_budget"] = budget
    known = cls().get_params()
    return cls(**{k: v for k, v in params.items() if k in known})


def run_config(name, cls, budget, X, y, args, *, batch_size, amp, frames) -> dict:
    ours, loop, est = [], [], None
    for repeat in range(args.repeats):
        est = estimator(cls, budget, frames=frames, epochs=args.epochs,
                        batch_size=batch_size, device=args.device, amp=amp,
                        seed=repeat).fit(X, y)  # fmt: skip
        ours += list(est.history_[1:, "dur"])
        module = type(est.module_)(**est.module_kwargs_)  # fresh, same shapes
        y_enc = np.searchsorted(est.classes_, y)
        times = hand_loop(module, X, y_enc, epochs=args.epochs, lr=1e-3,
                          batch_size=batch_size, seed=repeat, device=args.device,
                          amp=amp)  # fmt: skip
        loop += times[1:]
    module = type(est.module_)(**est.module_kwargs_)
    flops = step_flops(module, X, np.searchsorted(est.classes_, y), args.device, amp)
    t_ours, t_loop = float(np.median(ours)), float(np.median(loop))
    n = len(X)
    peak = gpu_peak(args.device, amp)
    row = {
        "model": name, "param_budget": budget, "n_params": int(est.n_params_),
        "frames": frames, "amp": amp, "batch_size": batch_size,
        "epoch_s_estimator": t_ours, "epoch_s_hand_loop": t_loop,
        "overhead_percent": 100.0 * (t_ours / t_loop - 1.0),
        "clips_per_s_estimator": n / t_ours, "clips_per_s_hand_loop": n / t_loop,
        "train_flops_per_clip": flops,
        "tflops_estimator": flops * n / t_ours / 1e12,
        "tflops_hand_loop": flops * n / t_loop / 1e12,
        "peak_tflops": None if peak is None else peak / 1e12,
    }  # fmt: skip
    if peak is not None:
        row["percent_of_peak_estimator"] = 100 * flops * n / t_ours / peak
    return row


def _line(r: dict) -> str:
    budget = "-" if r["param_budget"] is None else f"{r['param_budget']:.0e}"
    return (
        f"{r['model']:24s} {budget:>6s} {'bf16' if r['amp'] else 'fp32':>5s} "
        f"{r['batch_size']:5d} {r['epoch_s_estimator']:8.3f} "
        f"{r['epoch_s_hand_loop']:8.3f} {r['overhead_percent']:+7.1f} % "
        f"{r['clips_per_s_estimator']:8.1f} {r['tflops_estimator']:7.3f}"
    )


def configs(args):
    """(name, class, budget, frames) of the models timed."""
    rows = [("CRNNClassifier", estimators.CRNNClassifier, 1e6, args.frames)]
    if args.device == "cpu" and not args.quick:
        return [
            ("CRNNClassifier", estimators.CRNNClassifier, 1e5, args.frames),
            *rows,
            ("Conv1DClassifier", estimators.Conv1DClassifier, 2.5e5, args.frames),
        ]
    rows.append(("CRNNClassifier", estimators.CRNNClassifier, 3e6, args.frames))
    short = getattr(estimators, "ShortChunkCNNClassifier", None)
    if short is not None:  # 3.69 s chunks (Won et al. 2020)
        rows.append(("ShortChunkCNNClassifier", short, None, min(args.frames, 159)))
    return rows


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--n-clips", type=int, default=None)
    parser.add_argument("--frames", type=int, default=1366)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=None)
    parser.add_argument("--amp", choices=["off", "on", "both"], default=None)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny run of the whole grid (checks the script)",
    )
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)  # fmt: skip
    on_cuda = args.device.startswith("cuda")
    if args.quick:
        args.n_clips, args.frames, args.epochs, args.repeats = 8, 160, 2, 1
    args.n_clips = args.n_clips or (512 if on_cuda else 128)
    quick_batches = [4, 8] if args.quick else [16]
    batch_sizes = args.batch_sizes or ([32, 128] if on_cuda else quick_batches)
    amp = args.amp or ("both" if on_cuda or args.quick else "off")
    amps = {"off": [False], "on": [True], "both": [False, True]}[amp]
    if on_cuda:
        torch.backends.cudnn.benchmark = True  # the hand loop gets it too

    rng = np.random.default_rng(0)
    X = rng.normal(-30, 10, (args.n_clips, 96, args.frames)).astype(np.float32)
    y = rng.integers(0, 10, args.n_clips)
    rows = []
    header = (f"{'model':24s} {'budget':>6s} {'amp':>5s} {'batch':>5s} {'ours s':>8s} "
              f"{'loop s':>8s} overhead {'clips/s':>8s} {'TFLOP/s':>7s}")  # fmt: skip
    print(header, flush=True)
    for name, cls, budget, frames in configs(args):
        Xc = np.ascontiguousarray(X[:, :, :frames])
        for use_amp in amps:
            for batch_size in batch_sizes:
                row = run_config(name, cls, budget, Xc, y, args, frames=frames,
                                 batch_size=batch_size, amp=use_amp)  # fmt: skip
                rows.append(row)
                print(_line(row), flush=True)

    device_name = torch.cuda.get_device_name(args.device) if on_cuda else None
    print(f"\n{args.n_clips} clips of 96 x {args.frames}, {args.epochs} epochs x "
          f"{args.repeats} runs; torch {torch.__version__}, "
          f"{device_name or f'{torch.get_num_threads()} CPU threads'}")  # fmt: skip
    print(header)
    for r in rows:
        print(_line(r))
    result = {
        "n_clips": args.n_clips, "frames": args.frames, "n_mels": 96,
        "epochs": args.epochs, "repeats": args.repeats, "device": args.device,
        "cuda_device": device_name, "results": rows, "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "load_average_1min": os.getloadavg()[0],
        "machine": platform.processor() or platform.machine(),
    }  # fmt: skip
    suffix = "" if args.device == "cpu" else f"_{args.device.replace(':', '')}"
    out = Path(args.out) if args.out else RESULTS / f"bench_training{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out}")
    return result


if __name__ == "__main__":
    main()
