"""Streaming: fit ``MelSpectrogram + CRNNClassifier`` on thousands of files.

Generates ``--n-files`` thirty-second FLAC files (a seeded, cheap synthetic
signal: a few harmonics per class, a pulse and noise) under
``.data/bench_streaming/``, then fits ``Pipeline([MelSpectrogram(...),
CRNNClassifier(...)])`` on the list of paths, one configuration per fresh
subprocess so that each peak resident set size (``ru_maxrss``) is its own:

* ``in-RAM``: no ``cache_dir`` (the baseline): the whole spectrogram matrix
  is an in-memory array;
* ``cache cold``: ``cache_dir`` set, empty: every file is decoded, its
  spectrogram stored, and the output written to a memory-mapped file;
* ``cache warm``: the same list again: the files are hashed and the earlier
  output is reused;
* ``cache warm, new order``: the same files shuffled (as a cross-validation
  fold would select them): every spectrogram comes from the cache, a new
  output file is assembled.

The network trains one epoch on one random 128-frame (3 s) crop per file;
the front-end time is the fit time minus the epoch time in skorch's history.
Throughput is files per second of the whole fit.

Usage::

    python benchmarks/bench_streaming.py [--n-files 2000] [--seconds 30]
        [--configs in-RAM "cache cold" ...] [--jobs 2]

``--n-files`` takes several values (e.g. ``--n-files 500 2000``) to show how
the peak memory of each configuration grows with the collection, and
``--configs`` a subset of the configurations (``"cache cold"`` needs to run
before the warm ones). Prints a table and writes
``benchmarks/results/bench_streaming.json``, keeping the rows of earlier runs
with the same settings for other N or configurations.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "bench_streaming.json"
DATA = ROOT / ".data" / "bench_streaming"
SR = 22050
N_CLASSES = 10
CONFIGS = ["in-RAM", "cache cold", "cache warm", "cache warm, new order"]
CRNN = dict(
    param_budget=1e5, chunk_size=128, max_epochs=1, batch_size=32,
    train_split=None, random_state=0,
)  # fmt: skip


def _signal(index: int, seconds: float) -> np.ndarray:
    """Thirty seconds of class ``index % N_CLASSES``: cheap and seeded."""
    rng = np.random.default_rng([7, index])
    t = np.arange(int(seconds * SR), dtype=np.float32) / SR
    f0 = 110.0 * 2 ** ((index % N_CLASSES) / N_CLASSES + rng.uniform(0, 0.05))
    y = np.zeros_like(t)
    for k in (1, 2, 3):
        y += np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 6.3)) / k
    y *= 0.6 + 0.4 * (np.sin(2 * np.pi * (1 + index % 3) * t) > 0)
    y += 0.05 * rng.standard_normal(t.size, dtype=np.float32)
    return 0.25 * y


def _write_file(path: Path, index: int, seconds: float) -> None:
    import soundfile as sf

    tmp = path.with_suffix(".tmp")
    sf.write(tmp, _signal(index, seconds), SR, format="FLAC", subtype="PCM_16")
    os.replace(tmp, path)


def generate(n_files: int, seconds: float, jobs: int) -> list[str]:
    """The files of the collection, generated where missing."""
    from joblib import Parallel, delayed

    folder = DATA / f"audio-{seconds:g}s"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"track{i:05d}.flac" for i in range(n_files)]
    todo = [i for i, p in enumerate(paths) if not p.exists()]
    if todo:
        start = time.perf_counter()
        Parallel(n_jobs=jobs)(delayed(_write_file)(paths[i], i, seconds) for i in todo)
        print(
            f"generated {len(todo)} files in {time.perf_counter() - start:.0f} s "
            f"({sum(p.stat().st_size for p in paths) / 1e9:.2f} GB in total)"
        )
    return [str(p) for p in paths]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _phase_peaks():
    """A skorch callback splitting the peak RSS at the start of training.

    It records the peak so far (imports, front-end, the estimator's input
    checks), then resets the kernel's high-water mark (Linux
    ``/proc/self/clear_refs``), so that the peak at the end is training's.
    """
    from skorch.callbacks import Callback

    class PhasePeaks(Callback):
        before_training_mb = None

        def on_train_begin(self, net, **kwargs):
            type(self).before_training_mb = _peak_rss_mb()
            try:
                with open("/proc/self/clear_refs", "w") as f:
                    f.write("5")
            except OSError:  # not Linux: only the overall peak is known
                type(self).before_training_mb = None

    return PhasePeaks


def child(config: str, n_files: int, seconds: float, jobs: int) -> dict:
    """Fit one configuration in this (fresh) process."""
    from sklearn.pipeline import Pipeline

    from sklearn_music.estimators import CRNNClassifier
    from sklearn_music.features import MelSpectrogram

    paths = generate(n_files, seconds, jobs)
    y = np.array([f"class{i % N_CLASSES}" for i in range(n_files)])
    if config == "cache warm, new order":
        order = np.random.default_rng(0).permutation(n_files)
        paths, y = [paths[i] for i in order], y[order]
    cache = DATA / f"cache-{n_files}-{seconds:g}s"
    if config == "cache cold":
        shutil.rmtree(cache, ignore_errors=True)
    cache_dir = None if config == "in-RAM" else cache
    mel = MelSpectrogram(duration=seconds, n_jobs=jobs, cache_dir=cache_dir)
    phases = _phase_peaks()
    crnn = CRNNClassifier(**CRNN, callbacks=[("phase_peaks", phases())])
    pipe = Pipeline([("mel", mel), ("crnn", crnn)])
    rss_before = _peak_rss_mb()
    start = time.perf_counter()
    pipe.fit(paths, y)
    total = time.perf_counter() - start
    before_training = phases.before_training_mb
    training = _peak_rss_mb() if before_training is not None else None
    train = sum(row["dur"] for row in pipe[-1].history)
    n_bins, n_frames = 128, 1 + round(seconds * SR) // 512
    return {
        "config": config,
        "n_files": n_files,
        "fit_s": total,
        "frontend_s": total - train,
        "train_s": train,
        "files_per_s": n_files / total,
        "frontend_files_per_s": n_files / (total - train),
        "peak_rss_mb": max(_peak_rss_mb(), before_training or 0.0),
        "peak_rss_before_training_mb": before_training,
        "peak_rss_training_mb": training,
        "rss_after_imports_mb": rss_before,
        "spectrograms_mb": n_files * n_bins * n_frames * 4 / 2**20,
        "cache_dir_mb": (
            sum(f.stat().st_size for f in cache.rglob("*") if f.is_file()) / 2**20
            if cache_dir is not None
            else 0.0
        ),
    }


def _scaling(results: list[dict]) -> dict:
    """Peak RSS against N per configuration, and its straight-line growth.

    The slope runs from the smallest to the largest N measured; extrapolating
    it is an upper bound for the cached configurations, whose residual growth
    (heap fragmentation, run-to-run noise of the training peak) is sublinear.
    """
    scaling = {}
    for config in CONFIGS:
        rows = sorted(
            (r for r in results if r["config"] == config), key=lambda r: r["n_files"]
        )
        if len(rows) < 2:
            continue
        first, last = rows[0], rows[-1]
        slope = (last["peak_rss_mb"] - first["peak_rss_mb"]) / (
            last["n_files"] - first["n_files"]
        )
        scaling[config] = {
            "n_files": [r["n_files"] for r in rows],
            "peak_rss_mb": [round(r["peak_rss_mb"]) for r in rows],
            "mb_per_file": round(slope, 3),
            "extrapolated_peak_rss_mb": {
                n: round(last["peak_rss_mb"] + slope * (n - last["n_files"]))
                for n in (10_000, 100_000)
                if n > last["n_files"]
            },
        }
    return scaling


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-files", type=int, nargs="+", default=[2000])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--configs", nargs="+", choices=CONFIGS, default=CONFIGS, metavar="CONFIG"
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing; rewrite the table and scaling summary of the JSON",
    )
    parser.add_argument("--child", choices=CONFIGS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child(args.child, args.n_files[0], args.seconds, args.jobs)
        print(json.dumps(result))
        return

    import torch

    results = []
    for n in [] if args.report_only else args.n_files:
        generate(n, args.seconds, args.jobs)
        for config in args.configs:
            command = [
                sys.executable, __file__, "--child", config, "--n-files", str(n),
                "--seconds", str(args.seconds), "--jobs", str(args.jobs),
            ]  # fmt: skip
            out = subprocess.run(command, check=True, capture_output=True, text=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            results[-1]["date"] = time.strftime("%Y-%m-%d %H:%M")
            r = results[-1]
            print(
                f"N={n:5d}  {config:22s}  peak RSS {r['peak_rss_mb']:7.0f} MB  "
                f"fit {r['fit_s']:6.1f} s  {r['files_per_s']:6.1f} files/s  "
                f"(front-end {r['frontend_s']:6.1f} s, "
                f"training {r['train_s']:5.1f} s)",
                flush=True,
            )

    settings = {
        "seconds": args.seconds,
        "sr": SR,
        "frontend": "MelSpectrogram(duration=seconds) defaults: "
        "n_fft 2048, hop 512, 128 mels",
        "crnn": CRNN,
        "jobs": args.jobs,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "platform": platform.platform(),
    }
    # rows of earlier runs with the same settings are kept, unless rerun now
    if RESULTS.exists():
        earlier = json.loads(RESULTS.read_text())
        if {k: earlier.get(k) for k in settings} == settings:
            rerun = {(r["n_files"], r["config"]) for r in results}
            results = [
                r
                for r in earlier["results"]
                if (r["n_files"], r["config"]) not in rerun
            ] + results
    order = {config: i for i, config in enumerate(CONFIGS)}
    results.sort(key=lambda r: (r["n_files"], order[r["config"]]))

    print()
    print(
        "| N | configuration | peak RSS (MB) | before training / training (MB) | "
        "fit (s) | files/s | front-end files/s | spectrograms (MB) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        phases = "-"
        if r.get("peak_rss_training_mb") is not None:
            phases = (
                f"{r['peak_rss_before_training_mb']:.0f} / "
                f"{r['peak_rss_training_mb']:.0f}"
            )
        print(
            f"| {r['n_files']} | {r['config']} | {r['peak_rss_mb']:.0f} | {phases} | "
            f"{r['fit_s']:.1f} | {r['files_per_s']:.1f} | "
            f"{r['frontend_files_per_s']:.1f} | {r['spectrograms_mb']:.0f} |"
        )
    scaling = _scaling(results)
    for config, row in scaling.items():
        print(
            f"{config}: +{row['mb_per_file']:.2f} MB peak RSS per file between "
            f"N={row['n_files'][0]} and N={row['n_files'][-1]}; "
            f"linear extrapolation: {row['extrapolated_peak_rss_mb']}"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps({**settings, "scaling": scaling, "results": results}, indent=2)
        + "\n"
    )
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
