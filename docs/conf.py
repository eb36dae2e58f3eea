"""Sphinx configuration of the sklearn-music documentation.

Build (offline, warnings are errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Run the examples of the user guide and of the docstrings::

    python -m sphinx -W -b doctest docs docs/_build/doctest

Cross-links to Python, NumPy, scikit-learn, librosa and friends need their
inventories from the network, so they are off unless
``SKLEARN_MUSIC_DOCS_INTERSPHINX=1`` is set.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # the package, when it is not installed
sys.path.insert(0, str(DOCS / "_ext"))

import sklearn_music  # noqa: E402

# audioread (imported by librosa) uses modules deprecated in Python 3.11.
warnings.filterwarnings("ignore", category=DeprecationWarning, module="audioread")
warnings.filterwarnings("ignore", message=".*(aifc|audioop|sunau).*")

# -- Project -----------------------------------------------------------------

project = "sklearn-music"
author = "sklearn-music developers"
copyright = "sklearn-music developers"
release = sklearn_music.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "presets_table",
    "bench_results",
    "examples_pages",
    "data_docs",
    "cpu_story",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
nitpicky = False
default_role = "literal"  # `x` in a docstring renders as code, like ``x``

autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc sections already give the types

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

doctest_global_setup = """
import warnings
warnings.filterwarnings("ignore", category=DeprecationWarning)
import numpy as np
"""

# -- Cross-references to other projects (network only, opt in) --------------

intersphinx_mapping: dict = {}
if os.environ.get("SKLEARN_MUSIC_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "pandas": ("https://pandas.pydata.org/docs", None),
        "librosa": ("https://librosa.org/doc/latest", None),
        "torch": ("https://docs.pytorch.org/docs/stable", None),
        "joblib": ("https://joblib.readthedocs.io/en/stable", None),
    }

# -- HTML --------------------------------------------------------------------

try:
    import pydata_sphinx_theme  # noqa: F401
except ImportError:  # pragma: no cover - depends on the docs environment
    html_theme = "alabaster"
    html_theme_options: dict = {}
else:
    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navigation_with_keys": False,
        "show_toc_level": 2,
    }

html_title = f"sklearn-music {release}"
html_static_path: list[str] = []


# -- Hooks -------------------------------------------------------------------


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document only what sklearn-music defines.

    Class pages show inherited members so that ``fit`` and ``transform`` of
    the private base classes appear, but not the generic API inherited from
    scikit-learn (``get_params``, ``set_output``, the ``set_*_request``
    methods...) or from Python's exceptions: those are documented upstream.
    """
    module = getattr(obj, "__module__", None) or ""
    if what in ("class", "exception") and not module.startswith("sklearn_music"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
