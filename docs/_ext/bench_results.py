"""``.. bench-results:: <name>``: measurements read from the repository.

Renders every ``benchmarks/results/<name>*.json`` as a table at build time, so
the documentation quotes the last run of the benchmark and never a number
typed by hand. Without result files it says so.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"

#: (key in the JSON file, row label, format)
FIELDS = [
    ("device", "device", "{}"),
    ("cuda_device", "GPU", "{}"),
    ("torch_threads", "PyTorch CPU threads", "{}"),
    ("data", "clips", "{}"),
    ("n_clips", "number of clips", "{}"),
    ("seconds", "seconds per clip", "{:g}"),
    ("batch_size", "batch_size", "{}"),
    ("librosa_loop_s", "librosa, one clip at a time (s)", "{:.2f}"),
    ("ours_s", "MelSpectrogram (s)", "{:.2f}"),
    ("speedup", "speed-up", "{:.1f} x"),
    ("parity_max_abs_db", "largest difference from librosa (dB)", "{:.1e}"),
    ("torch", "torch version", "{}"),
    ("librosa", "librosa version", "{}"),
]


class _ResultsDirective(SphinxDirective):
    """Shared plumbing: read a results file, render reStructuredText lines."""

    has_content = False

    def _read(self, filename: str):
        """The JSON of ``benchmarks/results/<filename>``, or None if absent."""
        path = RESULTS / filename
        if not path.exists():
            return None
        self.env.note_dependency(str(path))
        return json.loads(path.read_text())

    def _missing(self, filename: str) -> list[nodes.Node]:
        return [nodes.paragraph(text=f"No results yet: {filename} is missing.")]

    def _render(self, lines: list[str], source: str) -> list[nodes.Node]:
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=source), 0, container)
        return container.children


class BenchResults(_ResultsDirective):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        files = sorted(RESULTS.glob(f"{name}*.json"))
        if not files:
            para = nodes.paragraph(
                text=f"No results yet: benchmarks/results/{name}*.json does not exist."
            )
            return [para]
        runs = []
        for path in files:
            self.env.note_dependency(str(path))
            runs.append((path.name, json.loads(path.read_text())))
        if all(isinstance(data.get("results"), list) for _, data in runs):
            return self._results_tables(runs)
        lines = [".. list-table::", "   :header-rows: 1", ""]
        lines.append("   * - ")
        lines += [f"     - ``{file}``" for file, _ in runs]
        for key, label, fmt in FIELDS:
            if not any(data.get(key) is not None for _, data in runs):
                continue
            lines.append(f"   * - {label}")
            for _, data in runs:
                value = data.get(key)
                lines.append(f"     - {'' if value is None else fmt.format(value)}")
        return self._render(lines, name)

    def _results_tables(self, runs) -> list[nodes.Node]:
        """Files holding a list of result rows: one table per file."""
        out: list[nodes.Node] = []
        for file, data in runs:
            rows = data["results"]
            columns = list(dict.fromkeys(key for row in rows for key in row))
            lines = [f"``{file}``", ""]
            context = {**data.get("audio", {}), **data.get("machine", {})}
            if context:
                lines += [
                    ", ".join(f"{key}: {value}" for key, value in context.items()),
                    "",
                ]
            lines += [".. list-table::", "   :header-rows: 1", ""]
            lines.append(f"   * - {columns[0]}")
            lines += [f"     - {col}" for col in columns[1:]]
            for row in rows:
                cells = [str(row.get(col, "")) for col in columns]
                lines.append(f"   * - {cells[0]}")
                lines += [f"     - {cell}" for cell in cells[1:]]
            lines.append("")
            out += self._render(lines, file)
        return out


class Table1Times(_ResultsDirective):
    """``.. table1-times::``: Choi et al. (2017) Table 1 next to our run.

    One row per parameter budget and one column per architecture; each cell
    gives the parameter count of our model, the measured training seconds per
    2,500 samples from ``benchmarks/results/bench_table1.json`` and the
    paper's (GPU, 2017) seconds and AUC.
    """

    def run(self) -> list[nodes.Node]:
        data = self._read("bench_table1.json")
        if data is None:
            return self._missing("bench_table1.json")
        cells = {(c["arch"], c["budget"]): c for c in data["cells"]}
        archs = list(dict.fromkeys(c["arch"] for c in data["cells"]))
        budgets = sorted({c["budget"] for c in data["cells"]})
        names = {"conv1d": "Conv1D", "conv2d": "Conv2D", "crnn": "CRNN"}
        lines = [
            f"Measured on {data.get('device_name', data['device'])} "
            f"({data.get('threads', '?')} threads, torch {data['torch']}, batch "
            f"{data['batch_size']}); each cell: our parameter count, our seconds "
            "per 2,500 training samples / the paper's seconds (GPU, 2017), and "
            "the paper's MSD AUC.",
            "",
            ".. list-table::",
            "   :header-rows: 1",
            "",
            "   * - budget",
        ]
        lines += [f"     - {names.get(a, a)}" for a in archs]
        for budget in budgets:
            lines.append(f"   * - {budget / 1e6:g}M")
            for arch in archs:
                c = cells.get((arch, budget))
                if c is None:
                    lines.append("     -")
                    continue
                lines.append(
                    f"     - {c['n_parameters']:,} params; "
                    f"{c['seconds_per_2500']:g} s / {c['paper_gpu_seconds_per_2500']:g}"
                    f" s; AUC {c['paper_auc']:.3f}"
                )
        return self._render(lines, "bench_table1.json")


def setup(app):
    app.add_directive("bench-results", BenchResults)
    app.add_directive("table1-times", Table1Times)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
