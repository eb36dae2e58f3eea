"""Every example in examples/ runs offline, end to end, without a display.

Each runs cell by cell through the documentation's runner
(``docs/_ext/example_runner.py``), which keeps what every cell printed and
drew for the examples gallery: a documentation build after the tests shows
these outputs without running the examples again.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

from example_runner import cached, run_example, script_parts  # noqa: E402


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path):
    outputs = run_example(path)
    assert len(outputs["cells"]) == len(script_parts(path)[1])
    # a plot_* example draws, and its outputs are kept for the gallery
    if path.stem.startswith("plot_"):
        assert any(cell["figures"] for cell in outputs["cells"]), path.name
    assert cached(path) == outputs
