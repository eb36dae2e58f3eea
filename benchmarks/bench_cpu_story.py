"""How long the README's pipeline takes to fit on a CPU, per 100 clips.

The pipeline is the one of the quick start with every default:
``Pipeline([("mel", MelSpectrogram()), ("clf", CRNNClassifier())])``. For
clips of 10 s and of 30 s (``--seconds``) this script generates ``--n-clips``
labelled clips with :func:`~sklearn_music.datasets.make_music`, computes
their spectrograms (timed: the front-end runs once per fit) and trains the
default CRNN for ``--epochs`` epochs (timed per epoch from skorch's history,
validation included). A default fit runs at most ``max_epochs`` epochs
(early stopping can end it sooner), so the projected time of a default fit
is ``front-end + max_epochs x time per epoch``, an upper bound, scaled to
100 clips (the time of an epoch is proportional to the number of clips:
every clip gives ``crops_per_clip`` crops of ``chunk_size`` frames).

The same measurement at the budgets of the recommended CPU grid
(``param_budget`` 1e5 and 2.5e5, 10 s clips) gives the projected time of
``GridSearchCV(pipe, {"clf__param_budget": [1e5, 2.5e5]}, cv=3)``: per
budget three fits on two thirds of the clips, then one refit on all of them.
The baseline in the same run is the classical pipeline
``HandcraftedFeatures() + StandardScaler() + LogisticRegression()`` on the
10 s clips.

The machine's load is recorded with the numbers: on a shared machine they
are slower than on an idle one.

Usage::

    python benchmarks/bench_cpu_story.py                  # 2 threads
    python benchmarks/bench_cpu_story.py --n-clips 20 --epochs 1
    python benchmarks/bench_cpu_story.py --readme         # rewrite the README block

Prints a table and writes ``benchmarks/results/bench_cpu_story.json``; with
``--readme`` it also rewrites the README's block between ``<!-- cpu-story -->``
and ``<!-- /cpu-story -->`` from the results (the docs render the same JSON
with the ``cpu-story`` directive), so no number is copied by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "bench_cpu_story.json"
README = ROOT / "README.md"
CPU_GRID = [1e5, 2.5e5]
GPU_GRID = [1e5, 2.5e5, 5e5, 1e6, 3e6]
START, END = "<!-- cpu-story -->", "<!-- /cpu-story -->"


def _epochs(S, y, **params) -> dict:
    """Train the default CRNN with ``params`` changed; time per epoch."""
    from sklearn_music.estimators import CRNNClassifier

    clf = CRNNClassifier(random_state=0, verbose=0, **params)
    start, cpu = time.perf_counter(), time.process_time()
    clf.fit(S, y)
    epochs = len(clf.history_)
    return {
        "fit_s": time.perf_counter() - start,
        "epochs_run": epochs,
        "epoch_s": float(np.mean(clf.history_[:, "dur"])),
        # CPU seconds of this process per epoch: with T threads, an idle
        # machine approaches epoch_cpu_s / T of wall-clock time
        "epoch_cpu_s": (time.process_time() - cpu) / epochs,
        "n_params": int(clf.n_params_),
    }


def _baseline(X, y) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_music.features import HandcraftedFeatures

    start = time.perf_counter()
    make_pipeline(
        HandcraftedFeatures(), StandardScaler(), LogisticRegression(max_iter=2000)
    ).fit(X, y)
    return time.perf_counter() - start


def measure(n_clips: int, seconds: float, epochs: int, budgets=()) -> tuple:
    """Front-end and per-epoch times on ``n_clips`` clips of ``seconds``;
    returns ``(row, X, y)``."""
    from sklearn_music.datasets import make_music
    from sklearn_music.estimators import CRNNClassifier
    from sklearn_music.features import MelSpectrogram

    X, y = make_music(n_clips, n_classes=4, duration=seconds, random_state=0)
    MelSpectrogram().fit_transform(X[:2])  # warm-up: first-call set-up
    start, cpu = time.perf_counter(), time.process_time()
    S = MelSpectrogram().fit_transform(X)
    mel_s, mel_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    max_epochs = CRNNClassifier().max_epochs
    scale = 100 / n_clips
    row = {"seconds": seconds, "n_clips": n_clips, "mel_s": mel_s}
    row["mel_cpu_s"] = mel_cpu_s

    def project(timing):
        timing["fit_100_s"] = scale * (mel_s + max_epochs * timing["epoch_s"])
        timing["fit_100_cpu_s"] = scale * (
            mel_cpu_s + max_epochs * timing["epoch_cpu_s"]
        )
        return timing

    row["default"] = project(_epochs(S, y, max_epochs=epochs))
    row["budgets"] = {}
    for budget in budgets:
        timing = _epochs(S, y, max_epochs=epochs, param_budget=budget)
        row["budgets"][f"{budget:g}"] = project(timing)
    return row, X, y


def grid_time(row: dict, key: str = "fit_100_s") -> float:
    """Projected seconds of the CPU grid search (cv=3) on 100 clips: per
    budget three fits on 2/3 of the clips, then a refit of the slowest budget
    on all clips (``key``: wall-clock or CPU seconds)."""
    fits = [row["budgets"][f"{b:g}"][key] for b in CPU_GRID]
    return sum(3 * (2 / 3) * f for f in fits) + max(fits)


def _budget(b: float) -> str:
    """``1e5``, ``2.5e5``, ``3e6``."""
    mantissa, exponent = f"{b:e}".split("e")
    return f"{float(mantissa):g}e{int(exponent)}"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def _story(result: dict) -> tuple[str, list[str], list[list[str]], str]:
    """The text around the table, its header and rows (markdown inline code:
    single backticks)."""
    rows = {r["seconds"]: r for r in result["rows"]}
    threads = result["torch_threads"]
    header = [
        "100 clips of",
        "spectrograms",
        "one epoch",
        f"default fit, at most {result['max_epochs']} epochs: measured",
        "idle machine",
    ]
    table = []
    for seconds in sorted(rows):
        r = rows[seconds]
        scale = 100 / r["n_clips"]
        d = r["default"]
        table.append(
            [
                f"{seconds:g} s",
                _minutes(scale * r["mel_s"]),
                _minutes(scale * d["epoch_s"]),
                _minutes(d["fit_100_s"]),
                _minutes(d["fit_100_cpu_s"] / threads),
            ]
        )
    ten = rows[min(rows)]
    grid_idle = grid_time(ten, "fit_100_cpu_s") / threads
    baseline = 100 / ten["n_clips"] * result["baseline_s"]
    cpu_grid = ", ".join(_budget(b) for b in CPU_GRID)
    gpu_grid = ", ".join(_budget(b) for b in GPU_GRID)
    n = result["epochs_measured"]
    before = (
        f"`python benchmarks/bench_cpu_story.py` measured {n} "
        f"epoch{'s' if n > 1 else ''} of the default pipeline on "
        f"{ten['n_clips']} clips of each length ({threads} PyTorch threads on "
        f"{result['cpu_count']} cores, load average "
        f"{result['load_average_1min']:.1f} during the run) and scaled them to "
        "100 clips and the most epochs a default fit runs; the last column is "
        "the process's CPU time divided by the threads, which an idle machine "
        f"approaches. The default CRNN has {ten['default']['n_params']:,} "
        "parameters; early stopping can end a fit sooner."
    )
    after = (
        f'On a CPU, search a small grid: `{{"clf__param_budget": [{cpu_grid}]}}` '
        f"with `cv=3` takes at most {_minutes(grid_time(ten))} on 100 clips of "
        f"10 s on this machine ({_minutes(grid_idle)} idle); the classical "
        "`HandcraftedFeatures() + LogisticRegression()` baseline fits them in "
        f"{_minutes(baseline)}. On a CUDA GPU, search the full Table 1 grid, "
        f'`{{"clf__param_budget": [{gpu_grid}]}}`.'
    )
    return before, header, table, after


def render_markdown(result: dict) -> str:
    """The README block, from the results."""
    before, header, table, after = _story(result)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in table]
    return "\n".join([before, "", *lines, "", after])


def render_rst(result: dict) -> list[str]:
    """The same as reStructuredText lines (the docs' ``cpu-story``)."""
    before, header, table, after = _story(result)

    def code(text: str) -> str:
        parts = text.split("`")
        return "".join(f"``{p}``" if i % 2 else p for i, p in enumerate(parts))

    lines = [code(before), "", ".. list-table::", "   :header-rows: 1", ""]
    for row in [header, *table]:
        lines.append(f"   * - {row[0]}")
        lines += [f"     - {cell}" for cell in row[1:]]
    return [*lines, "", code(after)]


def update_readme(result: dict, readme: Path = README) -> None:
    """Rewrite the README block between the markers from ``result``."""
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(
        f"{head}{START}\n{render_markdown(result)}\n{END}{tail}", encoding="utf-8"
    )


def main(argv=None) -> dict:
    import torch

    from sklearn_music.estimators import CRNNClassifier

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=40)
    parser.add_argument("--seconds", type=float, nargs="+", default=[10.0, 30.0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--readme", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows, baseline_s = [], None
    for i, seconds in enumerate(sorted(args.seconds)):
        budgets = CPU_GRID if i == 0 else ()
        row, X, y = measure(args.n_clips, seconds, args.epochs, budgets)
        if i == 0:
            baseline_s = _baseline(X, y)
        rows.append(row)
        print(
            f"{seconds:g} s: spectrograms {row['mel_s']:.1f} s, "
            f"{row['default']['epoch_s']:.1f} s/epoch on {args.n_clips} clips "
            f"-> {row['default']['fit_100_s'] / 60:.1f} min per 100 clips",
            flush=True,
        )
    result = {
        "pipeline": 'Pipeline([("mel", MelSpectrogram()), ("clf", CRNNClassifier())])',
        "max_epochs": CRNNClassifier().max_epochs,
        "torch_threads": args.threads,
        "epochs_measured": args.epochs,
        "rows": rows,
        "baseline_s": baseline_s,
        "cpu_grid": CPU_GRID,
        "gpu_grid": GPU_GRID,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load_average_1min": os.getloadavg()[0],
        "cpu_count": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "torch": torch.__version__,
    }
    result["cpu_grid_100_s"] = grid_time(rows[0])
    result["cpu_grid_100_cpu_s"] = grid_time(rows[0], "fit_100_cpu_s")
    print()
    print(render_markdown(result))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    if args.readme:
        update_readme(result)
        print(f"rewrote the cpu-story block of {README.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main()
