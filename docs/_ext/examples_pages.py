"""Sphinx extension: one documentation page per script in ``examples/``.

Each example is a runnable script whose module docstring (reStructuredText,
starting with a title) introduces it, and whose ``# %%`` cells alternate
comments (prose) and code. At ``builder-inited`` this writes
``docs/auto_examples/<name>.rst`` for every script and an index page. Under
each code cell the page shows what the cell printed and the figures it drew:
the outputs of the last run of the script, which ``example_runner`` keeps in
``docs/auto_examples/_cache/<name>/`` with the hash of the script. The test
suite runs every example through the same runner
(``tests/test_examples.py``), so a build after the tests reuses its outputs;
a build without fresh outputs runs the example itself, unless
``SKLEARN_MUSIC_DOCS_RUN_EXAMPLES=0`` (the pages then say that the outputs
were not computed).
"""

from __future__ import annotations

import os
from pathlib import Path

from example_runner import cached, run_example, script_parts

OUT_DIR = "auto_examples"


def _outputs(path: Path) -> dict | None:
    """The outputs of the script: cached if fresh, else run now (or None)."""
    outputs = cached(path)
    if outputs is None and os.environ.get("SKLEARN_MUSIC_DOCS_RUN_EXAMPLES") != "0":
        outputs = run_example(path)
    return outputs


def _output_lines(path: Path, cell: dict) -> list[str]:
    out = []
    text = cell["stdout"].rstrip()
    if text:
        out += [".. rubric:: Out", "", ".. code-block:: none", ""]
        out += [f"   {line}" if line else "" for line in text.splitlines()]
        out.append("")
    for figure in cell["figures"]:
        out += [f".. image:: _cache/{path.stem}/{figure}", "   :alt: "
                f"figure drawn by this cell of {path.name}", ""]  # fmt: skip
    return out


def example_page(path: Path, outputs: dict | None = None) -> tuple[str, str, str]:
    """``(title, summary, rst)`` of one example script, with its outputs."""
    doc, cells, _ = script_parts(path)
    lines = doc.splitlines()
    title = lines[0].strip()
    paragraphs = "\n".join(lines[2:]).strip().split("\n\n")
    summary = " ".join(paragraphs[0].split()) if paragraphs else ""
    run = f"   python examples/{path.name}"
    # the second label is the one sphinx-gallery would give the page
    out = [f".. _example_{path.stem}:", f".. _sphx_glr_auto_examples_{path.name}:",
           "", doc, "", ".. rubric:: Run it", "",
           ".. code-block:: bash", "", run, ""]  # fmt: skip
    if outputs is None:
        out += ["The printed output and the figures of this example were not "
                "computed in this build of the documentation.", ""]  # fmt: skip
    results = outputs["cells"] if outputs else [None] * len(cells)
    for (prose, code), result in zip(cells, results, strict=True):
        if prose:
            out += [prose, ""]
        if code:
            out += [".. code-block:: python", ""]
            out += [f"   {line}" if line else "" for line in code.splitlines()]
            out.append("")
        if result:
            out += _output_lines(path, result)
    return title, summary, "\n".join(out)


def write_pages(app) -> None:
    docs = Path(app.srcdir)
    examples = sorted((docs.parent / "examples").glob("*.py"))
    target = docs / OUT_DIR
    target.mkdir(exist_ok=True)
    index = [".. _examples:", "", "Examples", "========", "",
             "Runnable scripts in the repository's ``examples/`` folder, each "
             "shown with what it printed and drew when it last ran. Each runs "
             "offline on a laptop CPU, on data it generates.", "",
             ".. toctree::", "   :hidden:", ""]  # fmt: skip
    index += [f"   {p.stem}" for p in examples]
    index.append("")
    for path in examples:
        title, summary, rst = example_page(path, _outputs(path))
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
