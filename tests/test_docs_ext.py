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
