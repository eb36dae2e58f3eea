"""Run an example script cell by cell and keep what it printed and drew.

Used by the test suite (``tests/test_examples.py`` runs every example through
:func:`run_example`) and by the documentation (``examples_pages`` shows each
cell's printed output and figures under its code). Both write the outputs to
``docs/auto_examples/_cache/<name>/`` together with the hash of the script,
so a documentation build after the tests reuses them and an example runs once;
a build without fresh outputs runs the example itself.

A cell is a ``# %%`` block of the script (see ``examples_pages``). The cells
run in one namespace, as the script would; ``matplotlib`` draws off-screen
(Agg) and ``plt.show`` does nothing; the figures a cell opens are saved as PNG
after it.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]
CACHE = DOCS / "auto_examples" / "_cache"


def split_cells(body: str) -> list[tuple[str, str]]:
    """Split the code after the docstring into ``(prose, code)`` cells."""
    cells, prose, code = [], [], []
    in_header = False

    def flush():
        text = "\n".join(code).strip("\n")
        if prose or text:
            cells.append(("\n".join(prose).strip(), text))

    for line in body.splitlines():
        if line.startswith("# %%"):
            flush()
            prose, code, in_header = [], [], True
            continue
        if in_header and (line.startswith("# ") or line == "#"):
            prose.append(line[2:])
            continue
        in_header = False
        code.append(line)
    flush()
    return cells


def script_parts(path: Path) -> tuple[str, list[tuple[str, str]], int]:
    """The docstring, the cells and the line where the body starts."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    doc = ast.get_docstring(tree, clean=True) or path.stem
    first = tree.body[0] if tree.body else None
    end = first.end_lineno if isinstance(first, ast.Expr) else 0
    body = "\n".join(source.splitlines()[end:])
    return doc, split_cells(body), end


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def cached(path: Path) -> dict | None:
    """The outputs of ``path`` saved by a run of the same script, or None."""
    meta = CACHE / path.stem / "outputs.json"
    if not meta.exists():
        return None
    outputs = json.loads(meta.read_text(encoding="utf-8"))
    return outputs if outputs.get("hash") == source_hash(path) else None


def run_example(path: Path) -> dict:
    """Run the script ``path`` cell by cell; save and return its outputs.

    Returns
    -------
    outputs : dict
        ``hash`` (of the script), ``cells``: per cell ``stdout`` (str) and
        ``figures`` (PNG file names in ``CACHE / path.stem``).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    _, cells, _ = script_parts(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.stem}-", dir=_cache_root()))
    namespace = {"__name__": "__main__", "__file__": str(path)}
    saved: set[int] = set()
    results = []
    show, plt.show = plt.show, lambda *args, **kwargs: None
    plt.close("all")
    try:
        for i, (_, code) in enumerate(cells):
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                exec(compile(code + "\n", str(path), "exec"), namespace)
            figures = []
            for number in plt.get_fignums():
                if number in saved:
                    continue
                name = f"cell{i:02d}_fig{number:02d}.png"
                plt.figure(number).savefig(tmp / name, dpi=80)
                saved.add(number)
                figures.append(name)
            results.append({"stdout": buffer.getvalue(), "figures": figures})
    finally:
        plt.show = show
        plt.close("all")
    outputs = {"hash": source_hash(path), "cells": results}
    (tmp / "outputs.json").write_text(json.dumps(outputs, indent=1), encoding="utf-8")
    target = CACHE / path.stem
    old = None
    if target.exists():  # replace as a whole: a reader never sees a mix
        old = target.with_name(f".{path.stem}-old-{os.getpid()}")
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return outputs


def _cache_root() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    return CACHE
