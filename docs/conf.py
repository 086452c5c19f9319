"""Sphinx configuration of the skrnn documentation (``make -C docs html``).

The gallery runs the fast examples (``filename_pattern``); the long ones (learn to add,
text generation) are shown with the output stored in their docstrings. Set
``SKRNN_DOCS_EXECUTE=0`` to build without running any example (while writing pages).
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
#: Examples run in the build: 1.5 to 3.5 minutes together on 2 shared cores. Not run:
#: learn_to_add (~35 min), text_generation (minutes), airline_multistep (2 min, 3 seeds
#: of two models) and forecast_airline_sktime (~8 min, needs statsmodels; its table is in
#: docs/forecasting.md); they show the output of a recorded run in their description.
FAST_EXAMPLES = [
    "airline",
    "airline_grid_search",
    "japanese_vowels",
    "multivariate_exogenous",
    "plot_attention",
]
execute = os.environ.get("SKRNN_DOCS_EXECUTE", "1") != "0"
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/(" + "|".join(map(re.escape, FAST_EXAMPLES)) + r")\.py$",
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
html_static_path = []
html_show_sourcelink = False
myst_heading_anchors = 3
