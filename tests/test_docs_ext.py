"""The documentation's own Sphinx extensions (docs/_ext)."""

import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def ext():
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        yield
    finally:
        sys.path.remove(str(DOCS / "_ext"))


def test_data_docs_fill_the_defining_modules_comment(ext):
    # the extension runs inside sphinx; the docs build (`.[docs]`) runs it too
    pytest.importorskip("sphinx")
    import data_docs

    from sklearn_music.features import PRESETS
    from sklearn_music.models import TABLE1

    # autodoc gives the docstring of the value's type for re-exported data
    lines = dict.__doc__.splitlines()
    data_docs.fill_data_docs(None, "data", "sklearn_music.features.PRESETS",
                             PRESETS, None, lines)  # fmt: skip
    assert lines[0].startswith("Front-ends of the reference implementations")
    lines = []
    data_docs.fill_data_docs(None, "data", "sklearn_music.models.TABLE1",
                             TABLE1, None, lines)  # fmt: skip
    assert "Table 1" in lines[0]
    # a docstring of its own is kept
    lines = ["Own text."]
    data_docs.fill_data_docs(None, "data", "sklearn_music.features.PRESETS",
                             PRESETS, None, lines)  # fmt: skip
    assert lines == ["Own text."]


def _bench_cpu_story():
    import importlib.util

    path = DOCS.parent / "benchmarks" / "bench_cpu_story.py"
    spec = importlib.util.spec_from_file_location("bench_cpu_story", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_cpu_story_is_generated_from_the_results():
    import json

    bench = _bench_cpu_story()
    result = json.loads(bench.RESULTS.read_text())
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split(bench.START, 1)[1].split(bench.END, 1)[0]
    assert block.strip() == bench.render_markdown(result).strip()
    # the docs render the same numbers
    rst = "\n".join(bench.render_rst(result))
    for row in result["rows"]:
        assert f"{row['default']['n_params']:,}" in rst
    assert "idle machine" in rst and "1e5, 2.5e5, 5e5, 1e6, 3e6" in rst


def test_readme_main_command_installs_what_the_demo_plots_with():
    import re
    import tomllib

    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    command = readme.split("<!-- main-command -->", 1)[1].split("```")[1]
    extras = re.search(r'-e "\.\[([\w,]+)\]"', command).group(1).split(",")
    assert "sklearn-music demo" in command
    project = tomllib.loads((DOCS.parent / "pyproject.toml").read_text())
    optional = project["project"]["optional-dependencies"]
    assert any(
        dep.startswith("matplotlib") for extra in extras for dep in optional[extra]
    )


def test_every_user_guide_page_is_in_the_user_guide_toctree():
    """The user guide's pages hang under user_guide/index.rst, so that the
    theme's sidebar lists them on every page of the guide."""
    folder = DOCS / "user_guide"
    index = (folder / "index.rst").read_text(encoding="utf-8")
    listed = {
        line.strip()
        for line in index.split(".. toctree::", 1)[1].splitlines()
        if line.startswith("   ") and not line.strip().startswith(":")
    }
    pages = {p.stem for p in folder.glob("*.rst")} - {"index"}
    assert pages <= listed, sorted(pages - listed)
    root = (DOCS / "index.rst").read_text(encoding="utf-8")
    assert "   user_guide/index" in root
    assert "   user_guide/quick_start" not in root
