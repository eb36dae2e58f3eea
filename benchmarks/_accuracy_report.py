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
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "git_dirty_package": bool(git("status", "--porcelain", "sklearn_music")),
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }


def _key(run):
    return (
        run["task"],
        run["system"],
        run["seed"],
        run["n_per_class"],
        run["seconds"],
        json.dumps(run.get("params"), sort_keys=True),
    )


def merge(path, new_runs, tasks_meta, env):
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
    }
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1, default=str) + "\n")
    tmp.replace(path)
    return result


METRICS = ("accuracy", "macro_f1", "roc_auc", "pr_auc", "fit_s", "epoch_s", "epochs")


def summarise(runs):
    groups = {}
    for r in runs:
        k = (
            r["task"],
            r["n_per_class"],
            r["seconds"],
            r["system"],
            json.dumps(r.get("params"), sort_keys=True),
        )
        groups.setdefault(k, []).append(r)
    out = []
    for (task, npc, sec, system, params), rs in sorted(groups.items()):
        ok = [r for r in rs if "error" not in r]
        row = {
            "task": task,
            "n_per_class": npc,
            "seconds": sec,
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
        return "--"
    if m in ("fit_s", "epoch_s", "epochs"):
        return f"{row[f'{m}_mean']:.{1 if m == 'epoch_s' else 0}f}"
    return f"{row[f'{m}_mean']:.{digits}f} ± {row[f'{m}_std']:.{digits}f}"


def table_rows(result, ablation=False):
    """``{task: (header, rows)}`` of the summary, for print and rst."""
    tables = {}
    for row in result["summary"]:
        meta = result["tasks"].get(row["task"], {})
        if (row["n_per_class"], row["seconds"]) != (
            meta.get("n_per_class"),
            meta.get("seconds"),
        ):
            continue  # runs of another data size
        multilabel = meta.get("kind") == "multi-label"
        ms = ("roc_auc", "pr_auc") if multilabel else ("accuracy", "macro_f1")
        name = row["system"]
        if ablation:
            name += "".join(f" {k}={v}" for k, v in (row["params"] or {}).items()) or (
                " (defaults)"
            )
        cells = [name, *(_cell(row, m) for m in ms), str(len(row["seeds"]))]
        cells += [_cell(row, "fit_s"), _cell(row, "epoch_s"), _cell(row, "epochs")]
        if row["errors"] and not row["seeds"]:
            cells[1] = "fails: " + row["errors"][0][:120]
        names = ("ROC-AUC", "PR-AUC") if multilabel else ("accuracy", "macro F1")
        header = ["system", *names, "seeds", "fit s", "s/epoch", "epochs"]
        tables.setdefault(row["task"], (header, []))[1].append(cells)
    return tables


def print_tables(result, ablation=False):
    for task, (header, rows) in table_rows(result, ablation).items():
        m = result["tasks"][task]
        print(f"\n{task}: {size_text(m)}")
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
        for task, (header, rows) in table_rows(res, abl).items():
            m = res["tasks"][task]
            title = f"{prefix}{task} ({size_text(m)})"
            lines += [f".. list-table:: {title}", "   :header-rows: 1", ""]
            for r in [header, *rows]:
                lines.append("   * - " + r[0].replace("*", r"\*"))
                lines += [f"     - {c}" for c in r[1:]]
            lines.append("")
    lines.append(
        f"Machine: {env.get('processor') or env.get('machine')}, "
        f"{env.get('cpu_count')} CPU cores, torch {env.get('torch')} on the "
        f"CPU, {env.get('torch_threads')} threads; "
        f"last run {env.get('date_utc')} "
        f"UTC at commit {env.get('git_commit')}."
    )
    TABLE.write_text("\n".join(lines) + "\n")
    print(f"wrote {TABLE.relative_to(ROOT)}")
