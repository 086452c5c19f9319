"""Sphinx configuration of the skrnn documentation (``make -C docs html``).

The gallery runs only the examples of ``FAST_EXAMPLES`` (seconds), so that the build can
run on every change; the others show the figure and output of a recorded run of the
example itself, made by ``docs/render_gallery.py`` (``docs/_static/gallery/``).
``SKRNN_DOCS_EXECUTE=all`` runs every example (on demand: tens of minutes),
``SKRNN_DOCS_EXECUTE=0`` none (while writing pages).
"""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout's skrnn, also without `pip install -e .`

import skrnn  # noqa: E402

project = "skrnn"
author = "skrnn developers"
copyright = "skrnn developers"  # noqa: A001
release = version = skrnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# -- API reference: autosummary pages from the docstrings, numpydoc sections --
autosummary_generate = True
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False  # the autosummary template lists the methods
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False


def _skip_sktime_methods(app, what, name, obj, skip, options):
    """Leave out sktime's forecasting methods that RNNForecaster wraps in a transaction
    (``predict``...: inherited, they were never listed; their docstrings are sktime's)."""
    if getattr(obj, "__qualname__", "").startswith("BaseForecaster."):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_sktime_methods)


# -- links into the neighbours' documentation (offline builds warn, never fail) --
intersphinx_mapping = {}
if os.environ.get("SKRNN_DOCS_INTERSPHINX", "0") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "skorch": ("https://skorch.readthedocs.io/en/stable", None),
        "torch": ("https://pytorch.org/docs/stable", None),
    }

# -- gallery ------------------------------------------------------------------
#: Examples run in the build (seconds each). The others train for minutes (airline: a
#: thousand optimizer steps; the grid searches: dozens of fits; japanese_vowels, the
#: text model, the multi-step comparison) up to 35 minutes (learn_to_add): their pages
#: show the figure and output that docs/render_gallery.py recorded from a run of the
#: example (docs/_static/gallery/NAME.png, .txt; also their thumbnails).
FAST_EXAMPLES = ["plot_attention"]
EXECUTE = os.environ.get("SKRNN_DOCS_EXECUTE", "1")
execute = EXECUTE != "0"
run_pattern = ".*" if EXECUTE == "all" else "|".join(map(re.escape, FAST_EXAMPLES))
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/(" + run_pattern + r")\.py$",
    "ignore_pattern": r"__init__\.py",
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("skrnn",),
    "plot_gallery": "True" if execute else "False",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "abort_on_example_error": True,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
}

# -- HTML -----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skrnn {version}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
}
html_static_path = ["_static"]
html_show_sourcelink = False
myst_heading_anchors = 3
