"""Sphinx extension: one documentation page per script in ``examples/``.

Each example is a runnable script whose module docstring (reStructuredText,
starting with a title) introduces it, and whose ``# %%`` cells alternate
comments (prose) and code. At ``builder-inited`` this writes
``docs/auto_examples/<name>.rst`` for every script and an index page, so the
docs show the examples as text and code without executing them (the test
suite runs every example; see ``tests/test_examples.py``).
"""

from __future__ import annotations

import ast
from pathlib import Path

OUT_DIR = "auto_examples"


def _cells(body: str) -> list[tuple[str, str]]:
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


def example_page(path: Path) -> tuple[str, str, str]:
    """``(title, summary, rst)`` of one example script."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    doc = ast.get_docstring(tree, clean=True) or path.stem
    lines = doc.splitlines()
    title = lines[0].strip()
    paragraphs = "\n".join(lines[2:]).strip().split("\n\n")
    summary = " ".join(paragraphs[0].split()) if paragraphs else ""
    first = tree.body[0]
    end = first.end_lineno if isinstance(first, ast.Expr) else 0
    body = "\n".join(source.splitlines()[end:])
    run = f"   python examples/{path.name}"
    out = [f".. _example_{path.stem}:", "", doc, "", ".. rubric:: Run it", "",
           ".. code-block:: bash", "", run, ""]  # fmt: skip
    for prose, code in _cells(body):
        if prose:
            out += [prose, ""]
        if code:
            out += [".. code-block:: python", ""]
            out += [f"   {line}" if line else "" for line in code.splitlines()]
            out.append("")
    return title, summary, "\n".join(out)


def write_pages(app) -> None:
    docs = Path(app.srcdir)
    examples = sorted((docs.parent / "examples").glob("*.py"))
    target = docs / OUT_DIR
    target.mkdir(exist_ok=True)
    index = [".. _examples:", "", "Examples", "========", "",
             "Runnable scripts in the repository's ``examples/`` folder. Each "
             "runs offline on a laptop CPU in about a minute or less, on data "
             "it generates.", "", ".. toctree::", "   :hidden:", ""]  # fmt: skip
    index += [f"   {p.stem}" for p in examples]
    index.append("")
    for path in examples:
        title, summary, rst = example_page(path)
        page = target / f"{path.stem}.rst"
        if not page.exists() or page.read_text(encoding="utf-8") != rst:
            page.write_text(rst, encoding="utf-8")
        index += [f":doc:`{title} <{path.stem}>`", f"   {summary}", ""]
    text = "\n".join(index)
    index_path = target / "index.rst"
    if not index_path.exists() or index_path.read_text(encoding="utf-8") != text:
        index_path.write_text(text, encoding="utf-8")


def setup(app):
    app.connect("builder-inited", write_pages)
    return {"parallel_read_safe": True, "version": "1"}
