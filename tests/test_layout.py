"""The package layout stays one a maintainer can carry on (docs/architecture.rst).

- imports go one way: no module imports from a higher layer;
- no module is over ~700 lines and no function over 80 lines of code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sklearn_music"

#: Layer of each top-level unit of the package; a unit may import only from
#: units of a strictly lower layer. A new subpackage needs an entry here.
LAYERS = {
    "utils": 0,
    "_errors": 1,
    "_targets": 1,
    "metrics": 1,
    "models": 1,
    "_filecheck": 2,
    "_io": 3,
    "datasets": 4,
    "features": 4,
    "estimators": 5,
    "inspection": 6,
    "recommend": 6,
    "segments": 6,
    "plotting": 7,
    "pipeline": 7,
    "_codec": 7,
    "_serialize": 8,
    "_model_file": 9,
    "cli": 10,
    "__main__": 11,
}
#: Modules that form one unit with another (they may import each other):
#: decoding and file checking are one step of the input layer.
SAME_UNIT = {"_decode": "_filecheck"}
# the top-level package itself only re-exports lazily; importing its
# ``__version__`` is allowed from anywhere
TOP = "__init__"

MAX_MODULE_LINES = 750
MAX_FUNCTION_LINES = 80


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def _dotted(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def _unit(dotted: str) -> str:
    parts = dotted.split(".")
    unit = parts[1] if len(parts) > 1 else TOP
    return SAME_UNIT.get(unit, unit)


def _imports(path: Path):
    """``(line, target module)`` of every in-package import of ``path``."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    package = list(rel.parts[:-1])
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module:
                    yield node.lineno, target
                else:
                    for alias in node.names:
                        yield node.lineno, f"{target}.{alias.name}"
            elif node.module and node.module.split(".")[0] == "sklearn_music":
                yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sklearn_music":
                    yield node.lineno, alias.name


def test_every_unit_has_a_layer():
    units = {
        _unit(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts))
        for p in _modules()
    }
    missing = sorted(units - set(LAYERS) - {TOP, "__version__"})
    assert not missing, f"add these to LAYERS in tests/test_layout.py: {missing}"


def test_imports_go_one_way():
    upward = []
    for path in _modules():
        source = _unit(_dotted(path))
        if source == TOP:
            continue
        for line, target in _imports(path):
            dest = _unit(target)
            if dest in (source, TOP, "__version__"):
                continue
            if LAYERS.get(dest, 99) >= LAYERS.get(source, -1):
                upward.append(
                    f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}"
                )
    assert not upward, "imports from a higher (or the same) layer:\n" + "\n".join(
        upward
    )


def _code_lines(node, lines):
    body = node.body
    start = body[0].lineno
    first = body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        start = first.end_lineno + 1
    return [
        line
        for line in lines[start - 1 : node.end_lineno]
        if line.strip() and not line.strip().startswith("#")
    ]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_small(path):
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    assert len(lines) <= MAX_MODULE_LINES, f"{path.name} has {len(lines)} lines"
    long = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            n = len(_code_lines(node, lines))
            if n > MAX_FUNCTION_LINES:
                long.append(f"{node.name} (line {node.lineno}): {n} lines of code")
    assert not long, f"{path.name}: " + "; ".join(long)


def test_the_layout_check_sees_an_upward_import(tmp_path):
    """The import parser resolves relative imports (the check cannot pass vacuously)."""
    found = dict((t, n) for n, t in _imports(PACKAGE / "pipeline.py"))
    assert any(_unit(t) == "estimators" for t in found)
    found = [t for _, t in _imports(PACKAGE / "estimators" / "_base.py")]
    assert any(_unit(t) == "models" for t in found)
