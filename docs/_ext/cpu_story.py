"""``.. cpu-story::``: the CPU fit times of ``benchmarks/bench_cpu_story.py``.

Renders ``benchmarks/results/bench_cpu_story.json`` with the benchmark's own
``render_rst``, the twin of the README block it writes, so the quick start
and the README quote the same last run and no number is typed by hand.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "bench_cpu_story.py"
RESULTS = ROOT / "benchmarks" / "results" / "bench_cpu_story.json"


def load_benchmark():
    """The benchmark script as a module (it is not part of the package)."""
    spec = importlib.util.spec_from_file_location("bench_cpu_story", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CPUStory(SphinxDirective):
    has_content = False

    def run(self):
        if not RESULTS.exists():
            text = f"No results yet: {RESULTS.name} is missing."
            return [nodes.paragraph(text=text)]
        self.env.note_dependency(str(RESULTS))
        self.env.note_dependency(str(SCRIPT))
        lines = load_benchmark().render_rst(json.loads(RESULTS.read_text()))
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=str(RESULTS)), 0, container)
        return container.children


def setup(app):
    app.add_directive("cpu-story", CPUStory)
    return {"parallel_read_safe": True, "version": "1"}
