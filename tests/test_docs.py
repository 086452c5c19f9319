"""The documentation: numpydoc validation of every public docstring, every public name in
the API reference, every example a gallery entry."""

import ast
import inspect
import re
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

import skrnn
import skrnn.datasets

validate = pytest.importorskip("numpydoc.validate").validate

ROOT = Path(__file__).resolve().parents[1]

#: numpydoc checks not enforced: extended summaries, "See Also" and examples of every
#: method are optional (as in scikit-learn); RT02 misreads named returns ("self : object").
IGNORED = {"ES01", "SA01", "EX01", "RT02"}


def public_objects() -> list[str]:
    """Import paths of the public classes and functions and of the classes' public
    methods written in skrnn (inherited ones included, scikit-learn's left out)."""
    paths = []
    for module, names in [
        (skrnn, [n for n in skrnn.__all__ if n != "__version__"]),
        (skrnn.datasets, skrnn.datasets.__all__),
    ]:
        for name in names:
            path = f"{module.__name__}.{name}"
            paths.append(path)
            obj = getattr(module, name)
            if not inspect.isclass(obj):
                continue
            for attr, member in inspect.getmembers(obj, inspect.isfunction):
                if not attr.startswith("_") and member.__module__.startswith("skrnn"):
                    paths.append(f"{path}.{attr}")
    return paths


@pytest.mark.parametrize("path", public_objects())
def test_docstring_passes_numpydoc_validation(path):
    errors = [f"{code}: {msg}" for code, msg in validate(path)["errors"] if code not in IGNORED]
    assert not errors, f"{path}:\n" + "\n".join(errors)


def test_every_public_name_is_in_the_api_reference():
    api = (ROOT / "docs" / "api.rst").read_text()
    listed = set(re.findall(r"^   (\w+)$", api, flags=re.MULTILINE))
    public = {n for n in skrnn.__all__ if n != "__version__"} | set(skrnn.datasets.__all__)
    assert public - listed == set(), "add these names to docs/api.rst"
    assert listed - public == set(), "docs/api.rst lists names that are not public"


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.py")), ids=lambda p: p.name)
def test_example_has_gallery_title(path):
    """sphinx-gallery takes the first docstring line as the title: it must be underlined."""
    doc = ast.get_docstring(ast.parse(path.read_text()), clean=False)
    assert doc is not None, f"{path.name} needs a docstring"
    title, underline = doc.split("\n")[:2]
    assert set(underline) == {"="} and len(underline) >= len(title), (
        f"{path.name}: underline the first docstring line with '=' (at least as long)"
    )


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.py")), ids=lambda p: p.name)
def test_every_gallery_entry_shows_a_figure(path):
    """The build runs the examples of conf.FAST_EXAMPLES (they draw their own figures);
    every other example shows a recorded figure that exists, in its description and as
    its thumbnail (sphinx_gallery_thumbnail_path), instead of the placeholder."""
    conf = (ROOT / "docs" / "conf.py").read_text()
    fast = ast.literal_eval(re.search(r"^FAST_EXAMPLES = (\[.*?\])", conf, re.M | re.S)[1])
    if path.stem in fast:
        return
    text = path.read_text()
    thumbnail = re.search(r'^# sphinx_gallery_thumbnail_path = "(.+)"$', text, re.M)
    assert thumbnail, f"{path.name}: set sphinx_gallery_thumbnail_path to a recorded figure"
    assert (ROOT / "docs" / thumbnail[1]).is_file(), (
        f"record it: docs/render_gallery.py {path.stem}"
    )
    doc = ast.get_docstring(ast.parse(text))
    assert f".. image:: /{thumbnail[1]}" in doc, f"{path.name}: show the figure in its description"


def test_a_recording_with_a_smaller_budget_says_so():
    """An example recorded with a smaller budget than its default (docs/render_gallery.py's
    ARGS) says so on its page, with the command line that the recorded output starts with."""
    source = (ROOT / "docs" / "render_gallery.py").read_text()
    found = re.search(r"^ARGS(?:: [^=]+)? = (\{.*?\})$", source, re.M | re.S)
    recorded_args = ast.literal_eval(found[1])
    for name, args in recorded_args.items():
        command = " ".join([f"python examples/{name}.py", *args])
        record = (ROOT / "docs" / "_static" / "gallery" / f"{name}.txt").read_text()
        assert record.startswith(f"# {command}, "), f"re-record it: docs/render_gallery.py {name}"
        doc = ast.get_docstring(ast.parse((ROOT / "examples" / f"{name}.py").read_text()))
        assert f"``{command}``" in doc and "smaller budget" in doc, name


def test_every_page_under_docs_is_in_a_toctree():
    """A page outside every toctree fails the docs build (-W): a report added to docs/
    (such as docs/benchmarks.md) must be listed, e.g. in docs/user_guide/performance.rst."""
    docs = ROOT / "docs"
    skip = {"_build", "_templates", "generated", "auto_examples"}
    pages = {
        p.relative_to(docs).with_suffix("").as_posix()
        for p in [*docs.rglob("*.rst"), *docs.rglob("*.md")]
        if not skip & set(p.relative_to(docs).parts) and p.name != "sg_execution_times.rst"
    }
    listed = set()
    for page in pages:
        source = next(docs.glob(page + ".*")).read_text()
        for block in re.findall(r"^\.\. toctree::\n((?:[ \t]+.*\n|\n)*)", source, re.MULTILINE):
            for entry in re.findall(r"^[ \t]+([^:\s][^\n]*)$", block, re.MULTILINE):
                # entries are relative to their page: "../benchmarks" from user_guide/
                target = (Path("/") / Path(page).parent / entry.strip()).resolve()
                listed.add(target.as_posix().lstrip("/"))
    missing = pages - listed - {"index"}
    assert not missing, f"add these pages to a toctree: {sorted(missing)}"


def _code_blocks(page: Path) -> list[str]:
    """The ``.. code-block:: python`` blocks of an rst page, dedented."""
    return [
        inspect.cleandoc("\n" + block)
        for block in re.findall(
            r"\.\. code-block:: python\n\n((?:[ \t]+.*\n|\n)+)", page.read_text()
        )
    ]


def test_sktime_user_guide_snippet_runs_without_warnings(monkeypatch):
    """The first snippet of the sktime page, run as written (with a 2-epoch forecaster),
    warnings as errors: sktime 1.2 deprecates temporal_train_test_split's old location."""
    pytest.importorskip("matplotlib").use("Agg")

    class QuickForecaster(skrnn.RNNForecaster):
        def __init__(self, window_length=12, random_state=None):
            super().__init__(window_length=window_length, units=4, epochs=2, random_state=0)

    monkeypatch.setattr(skrnn, "RNNForecaster", QuickForecaster)
    snippet = _code_blocks(ROOT / "docs" / "user_guide" / "forecasting_sktime.rst")[0]
    assert "temporal_train_test_split" in snippet
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=ConvergenceWarning)  # 2 epochs
        exec(compile(snippet, "forecasting_sktime.rst", "exec"), {})
    import matplotlib.pyplot as plt

    plt.close("all")


def test_sktime_user_guide_comparison_on_a_panel_runs_without_warnings(monkeypatch, capsys):
    """The panel comparison of the sktime page, run as written on a generated panel (3
    series of 60 months, with 2-epoch networks), warnings as errors: each candidate
    prints one finite mean MASE."""
    import numpy as np
    import pandas as pd

    class QuickForecaster(skrnn.RNNForecaster):
        def __init__(self, panel="global", random_state=None):
            super().__init__(panel=panel, units=4, epochs=2, random_state=random_state)

    monkeypatch.setattr(skrnn, "RNNForecaster", QuickForecaster)
    (snippet,) = [
        block
        for block in _code_blocks(ROOT / "docs" / "user_guide" / "forecasting_sktime.rst")
        if "candidates" in block
    ]
    rng = np.random.default_rng(0)
    t = np.arange(60)
    months = pd.period_range("2010-01", periods=60, freq="M")
    panel_frame = pd.concat(
        {
            key: pd.DataFrame(
                {"sales": 50 + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 60)},
                index=months,
            )
            for key in ("a", "b", "c")
        },
        names=["product", "month"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=ConvergenceWarning)  # 2 epochs
        # sktime 1.2's own forecasters (the seasonal naive) warn when constructed
        warnings.filterwarnings("ignore", "The default of config ``remember_data``")
        exec(
            compile(snippet, "forecasting_sktime.rst", "exec"),
            {"RNNForecaster": skrnn.RNNForecaster, "panel_frame": panel_frame},
        )
    lines = capsys.readouterr().out.splitlines()
    assert [line.rsplit(" ", 1)[0] for line in lines] == ["global", "per series", "seasonal naive"]
    assert all(0 < float(line.rsplit(" ", 1)[1]) < 10 for line in lines)


def test_airline_example_saves_its_figure_and_says_where(tmp_path, monkeypatch, capsys):
    """examples/airline.py on a headless machine (matplotlib's Agg backend): the figure
    is saved, not lost in plt.show() (run here with a 2-epoch network)."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "airline_example", ROOT / "examples" / "airline.py"
    )
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)

    class QuickRegressor(skrnn.RNNRegressor):
        def __init__(self, instance_norm=None, random_state=None):
            super().__init__(instance_norm=instance_norm, random_state=random_state, epochs=2)

    monkeypatch.setattr(example, "RNNRegressor", QuickRegressor)
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # plt.show() on Agg warns that it cannot show
        warnings.filterwarnings("ignore", category=ConvergenceWarning)  # 2 epochs
        example.main()
    assert (tmp_path / "airline.png").stat().st_size > 10_000
    assert f"figure saved to {tmp_path / 'airline.png'}" in capsys.readouterr().out
    import matplotlib.pyplot as plt

    plt.close("all")


def test_readme_airline_numbers_are_those_the_examples_print():
    """The RMSEs the README quotes are the recorded output of the scripts it names
    (docs/render_gallery.py records it; rerun it when the examples' results change)."""
    readme = (ROOT / "README.md").read_text()
    gallery = ROOT / "docs" / "_static" / "gallery"
    airline = (gallery / "airline.txt").read_text()
    lstm = re.search(r"test RMSE  LSTM \(window 12\):\s+([\d.]+)", airline).group(1)
    naive = re.search(r"test RMSE  seasonal naive:\s+([\d.]+)", airline).group(1)
    tuned = re.search(
        r"test RMSE  best LSTM:\s+([\d.]+)", (gallery / "airline_grid_search.txt").read_text()
    ).group(1)
    quoted = " ".join(readme.split())  # the sentence spans lines
    assert (
        f"test RMSE of {lstm} passengers against {naive} for the seasonal-naive forecast "
        "(`examples/airline.py` prints both)" in quoted
    )
    assert f"`examples/airline_grid_search.py` (best CV setting) it reaches {tuned}" in quoted
