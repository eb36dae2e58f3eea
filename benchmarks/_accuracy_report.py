"""Results of the accuracy benchmark: merge runs, summarise, print, write rst.

Used by ``bench_accuracy.py``; ``python benchmarks/bench_accuracy.py
--table-only`` rewrites the docs include from the committed JSON files.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "docs" / "user_guide" / "accuracy_results.inc"


# ----------------------------------------------------------------------
# results: merge, summarise, print, write
# ----------------------------------------------------------------------
def environment() -> dict:
    import librosa
    import sklearn
    import torch

    def git(*args):
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except OSError:
            return ""

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "sklearn": sklearn.__version__,
        "librosa": librosa.__version__,
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "platform": platform.platform(),
        "load_average_1min": os.getloadavg()[0],
        **package_commit(git),
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }


def package_commit(git) -> dict:
    """The commit of the sklearn_music that runs: this checkout's (and
    whether its package has uncommitted changes), or ``BENCH_PACKAGE_COMMIT``
    for a snapshot (``git archive <commit> sklearn_music``) put first on
    ``PYTHONPATH``."""
    import sklearn_music

    here = Path(sklearn_music.__file__).resolve().is_relative_to(ROOT)
    if not here:
        return {"git_commit": os.environ.get("BENCH_PACKAGE_COMMIT", "unknown"),
                "git_dirty_package": False,
                "package_path": str(Path(sklearn_music.__file__).parent)}  # fmt: skip
    return {
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "git_dirty_package": bool(git("status", "--porcelain", "sklearn_music")),
    }


def _key(run):
    return (
        run["task"],
        run["system"],
        run["seed"],
        run["n_per_class"],
        run["seconds"],
        run.get("fraction", 1.0),
        json.dumps(run.get("params"), sort_keys=True),
    )


def merge(path, new_runs, tasks_meta, env):
    """Add ``new_runs`` to the results file ``path`` (a run replaces the one
    of the same task, system, seed, size and parameters); returns the result.
    A lock file serialises concurrent benchmark processes."""
    import fcntl

    path.parent.mkdir(exist_ok=True)
    locks = ROOT / ".data" / "bench"
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{path.stem}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _merge(path, new_runs, tasks_meta, env)


def _merge(path, new_runs, tasks_meta, env):
    old = json.loads(path.read_text()) if path.exists() else {}
    runs = {_key(r): r for r in old.get("runs", [])}
    runs.update({_key(r): r for r in new_runs})
    meta = {**old.get("tasks", {}), **tasks_meta}
    result = {
        "description": "benchmarks/bench_accuracy.py: fidelity benchmark",
        "tasks": meta,
        "summary": summarise(list(runs.values())),
        "runs": sorted(runs.values(), key=_key),
        "environment": {**old.get("environment", {}), **env},
        "environment_per_run": "each run records its git commit and load",
        "defaults": old.get("defaults", {}),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1, default=str) + "\n")
    tmp.replace(path)
    return result


def record_defaults(path, tag, classes, env):
    """Store the default parameters of the neural ``classes`` of the package
    that runs (its commit in ``env``) under ``defaults[tag]`` of the results
    file, so the "@tag" systems of the tables say what they ran with."""
    import fcntl

    locks = ROOT / ".data" / "bench"
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{path.stem}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = json.loads(path.read_text())
        result.setdefault("defaults", {})[tag] = {
            "package_commit": env["git_commit"],
            **{name: {k: _plain(v) for k, v in cls().get_params(deep=False).items()
                      if k not in ("device", "verbose", "random_state", "callbacks")}
               for name, cls in classes.items()},
        }  # fmt: skip
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, indent=1, default=str) + "\n")
        tmp.replace(path)


RECIPE = ("chunk_size", "crops_per_clip", "max_epochs", "batch_size", "optimizer",
          "lr", "lr_schedule", "patience", "monitor", "spec_augment",
          "mixup_alpha", "label_smoothing")  # fmt: skip


def defaults_table(result) -> list[str]:
    """rst lines: the training defaults behind each "@tag" of the tables."""
    lines = []
    for tag, per_class in result.get("defaults", {}).items():
        commit = per_class.get("package_commit", "?")
        lines += [f".. list-table:: Defaults of the \"@{tag}\" systems "
                  f"(package {commit})", "   :header-rows: 1", "",
                  "   * - estimator", *(f"     - ``{k}``" for k in RECIPE)]  # fmt: skip
        for name, params in per_class.items():
            if not isinstance(params, dict):
                continue  # package_commit, note
            cells = [str(params.get(k, "n/a")) for k in RECIPE]
            cells[RECIPE.index("optimizer")] = cells[RECIPE.index("optimizer")].rsplit(
                ".", 1
            )[-1]
            lines += [f"   * - {name}", *(f"     - {_escape(c)}" for c in cells)]
        lines.append("")
        if per_class.get("note"):
            lines += [_escape(per_class["note"]), ""]
    return lines


def _escape(text: str) -> str:
    """``text`` as literal reStructuredText inline content."""
    for ch in "\\*`|_[]":
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


def _plain(v):
    if isinstance(v, type):
        return f"{v.__module__}.{v.__qualname__}"
    return v if isinstance(v, int | float | str | bool | type(None)) else repr(v)


METRICS = ("accuracy", "macro_f1", "roc_auc", "pr_auc", "fit_s", "epoch_s", "epochs")


def _size_key(r):
    return (r["task"], r["n_per_class"], r["seconds"], r.get("fraction", 1.0))


def summarise(runs):
    """Mean and std over seeds of every (task, data size, system, params)."""
    groups = {}
    for r in runs:
        k = (*_size_key(r), r["system"], json.dumps(r.get("params"), sort_keys=True))
        groups.setdefault(k, []).append(r)
    out = []
    for (task, npc, sec, frac, system, params), rs in sorted(groups.items()):
        ok = [r for r in rs if "error" not in r]
        row = {
            "task": task,
            "n_per_class": npc,
            "seconds": sec,
            "fraction": frac,
            "n_clips": rs[0]["n_train"] + rs[0]["n_test"],
            "system": system,
            "params": json.loads(params),
            "seeds": sorted(r["seed"] for r in ok),
            "errors": sorted({r["error"] for r in rs if "error" in r}),
        }
        for m in METRICS:
            vals = [r[m] for r in ok if m in r]
            if vals:
                row[f"{m}_mean"] = float(np.mean(vals))
                row[f"{m}_std"] = float(np.std(vals))
        out.append(row)
    return out


def _cell(row, m, digits=3):
    if f"{m}_mean" not in row:
        return "n/a"
    if m in ("fit_s", "epoch_s", "epochs"):
        return f"{row[f'{m}_mean']:.{1 if m == 'epoch_s' else 0}f}"
    return f"{row[f'{m}_mean']:.{digits}f} ± {row[f'{m}_std']:.{digits}f}"


CLASSICAL = ("extended+LR", "mfcc+LR", "handcrafted+GMM", "dictionary+LR")


def _main_metric(result, task):
    kind = result["tasks"].get(task, {}).get("kind")
    return "roc_auc" if kind == "multi-label" else "accuracy"


def best_classical(result, size):
    """``(system, mean)`` of the best classical system at ``size``."""
    key = _main_metric(result, size[0]) + "_mean"
    rows = [r for r in result["summary"] if _size_key(r) == size
            and r["system"] in CLASSICAL and key in r]  # fmt: skip
    if not rows:
        return None, None
    best = max(rows, key=lambda r: r[key])
    return best["system"], best[key]


def table_rows(result, ablation=False, reference=None):
    """``{size: (header, rows)}`` of the summary, for print and rst, one
    table per task and data size; the last column is the difference to the
    best classical system of ``reference`` (default ``result``) at that size
    on the main metric."""
    tables = {}
    order = sorted(result["summary"],
                   key=lambda r: (_size_key(r), r["system"] not in CLASSICAL,
                                  r["system"], json.dumps(r["params"])))  # fmt: skip
    for row in order:
        multilabel = _main_metric(result, row["task"]) == "roc_auc"
        ms = ("roc_auc", "pr_auc") if multilabel else ("accuracy", "macro_f1")
        name = row["system"]
        if ablation:
            params = row["params"] or {}
            name += "".join(f" {k}={v}" for k, v in params.items()) or " (defaults)"
        cells = [name, *(_cell(row, m) for m in ms), str(len(row["seeds"]))]
        cells += [_cell(row, "fit_s"), _cell(row, "epoch_s"), _cell(row, "epochs")]
        _, best = best_classical(reference or result, _size_key(row))
        main = row.get(f"{ms[0]}_mean")
        cells.append("n/a" if best is None or main is None else f"{main - best:+.3f}")
        if row["errors"] and not row["seeds"]:
            cells[1] = "fails: " + row["errors"][0][:160]
        names = ("ROC-AUC", "PR-AUC") if multilabel else ("accuracy", "macro F1")
        header = ["system", *names, "seeds", "fit s", "s/epoch", "epochs",
                  "vs best classical"]  # fmt: skip
        tables.setdefault(_size_key(row), (header, []))[1].append(cells)
    return tables


def title(result, size) -> str:
    """``task (n clips of s s, k classes, fraction of the groups)``."""
    task, _, seconds, fraction = size
    m = result["tasks"].get(task, {})
    unit = "tags" if m.get("kind") == "multi-label" else "classes"
    n = next(r["n_clips"] for r in result["summary"] if _size_key(r) == size)
    part = "" if fraction >= 1 else f", {fraction:g} of the source groups"
    return (
        f"{task} ({n} clips of {seconds:g} s, {len(m.get('classes', []))} {unit}{part})"
    )


def print_tables(result, ablation=False, reference=None):
    for size, (header, rows) in table_rows(result, ablation, reference).items():
        print(f"\n{title(result, size)}")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for r in [header, *rows]:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


def size_text(m) -> str:
    unit = "tags" if m["kind"] == "multi-label" else "classes"
    return (
        f"{m['n_clips']} clips of {m['seconds']:g} s, {len(m['classes'])} {unit}, "
        f"{m.get('n_groups', '?')} groups"
    )


def write_rst(result, ablation_result=None):
    """The result tables as an rst include for docs/user_guide/accuracy.rst."""
    lines = [
        ".. generated by benchmarks/bench_accuracy.py from",
        "   benchmarks/results/bench_accuracy*.json; do not edit",
        "",
    ]
    env = result["environment"]
    sets = [(result, False, "")]
    if ablation_result:
        sets.append((ablation_result, True, "Ablation: "))
    for res, abl, prefix in sets:
        for size, (header, rows) in table_rows(res, abl, reference=result).items():
            lines += [
                f".. list-table:: {prefix}{title(res, size)}",
                "   :header-rows: 1",
                "",
            ]
            for r in [header, *rows]:
                lines.append("   * - " + _escape(r[0]))
                lines += [f"     - {_escape(c)}" for c in r[1:]]
            lines.append("")
    lines += defaults_table(result)
    lines.append(
        f"Machine: {env.get('processor') or env.get('machine')}, "
        f"{env.get('cpu_count')} CPU cores, torch {env.get('torch')} on the "
        f"CPU, {env.get('torch_threads')} threads; "
        f"last run {env.get('date_utc')} "
        f"UTC at commit {env.get('git_commit')}."
    )
    TABLE.write_text("\n".join(lines) + "\n")
    print(f"wrote {TABLE}")
