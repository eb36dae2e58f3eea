"""Sphinx extension: module-level data documented where it is defined.

Public constants such as :data:`sklearn_music.features.PRESETS` are defined
in private modules (``features/_presets.py``) with a ``#:`` comment and
re-exported by the public package. autodoc and autosummary look for that
comment in the public package, find none and show the docstring of the
value's type (``dict``), which numpydoc then drops. This hook fills in the
``#:`` comment of the private module that defines the object (the same
object, found among the loaded ``sklearn_music`` modules).
"""

from __future__ import annotations

import inspect
import sys

from sphinx.pycode import ModuleAnalyzer


def _defining_comment(fullname: str, obj) -> list[str]:
    """The ``#:`` lines documenting ``obj`` where it is assigned, or []."""
    public, _, attr = fullname.replace("::", ".").rpartition(".")
    for modname, module in sorted(sys.modules.items()):
        if not modname.startswith("sklearn_music.") or modname == public:
            continue
        if getattr(module, attr, None) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except Exception:  # pragma: no cover - no source (compiled module)
            continue
        if ("", attr) in docs:
            return [line for line in docs[("", attr)] if line is not None]
    return []


def fill_data_docs(app, what, name, obj, options, lines) -> None:
    """``autodoc-process-docstring``: the defining module's comment for
    module data documented without one."""
    if what != "data":
        return
    text = "\n".join(lines).strip()
    # autodoc falls back to the docstring of the value's type (dict, tuple)
    if text and text != (inspect.getdoc(type(obj)) or "").strip():
        return
    comment = _defining_comment(name, obj)
    if comment:
        lines[:] = comment


def setup(app):
    # before numpydoc (priority 500), which then formats the comment
    app.connect("autodoc-process-docstring", fill_data_docs, priority=400)
    return {"parallel_read_safe": True, "version": "1"}
