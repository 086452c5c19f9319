"""Pre-render the gallery entries of the examples that the documentation build does not run.

``make -C docs html`` runs only the examples listed in ``conf.FAST_EXAMPLES`` (seconds):
the others take minutes to tens of minutes, too long for a build on every change. Their
gallery pages show what this script records instead, each from a run of the example
itself, as a user runs it (``python examples/NAME.py``, headless):

- ``docs/_static/gallery/NAME.png``: the figure(s) the example draws (several are put
  side by side in one image), also the gallery thumbnail
  (``sphinx_gallery_thumbnail_path`` in the example);
- ``docs/_static/gallery/NAME.txt``: what it printed, with the date, the machine and its
  load (``uptime``) above it.

Rerun it for an example whenever the example or the behaviour it shows changes::

    python docs/render_gallery.py airline japanese_vowels   # named examples
    python docs/render_gallery.py                            # every example not run in the build

(``make -C docs gallery-figures`` runs the second line; ``SKRNN_DOCS_EXECUTE=all make -C
docs html`` runs every example in the build instead, on demand.)

An example too long for the machine that records it runs with a smaller budget that the
example itself exposes as a command-line option (:data:`ARGS`); the recorded output
starts with that command line, and the example's page says so.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import platform
import runpy
import subprocess
import sys
import time
import warnings
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
EXAMPLES = ROOT / "examples"
OUT = DOCS / "_static" / "gallery"

#: Command-line arguments of a recorded run, for examples whose default budget is too long
#: to record on a shared 2-core machine (none now: learn_to_add, 35 minutes with its own
#: settings before version 0.2.0, runs its defaults in minutes).
ARGS: dict[str, list[str]] = {}


def _machine() -> str:
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return f"{platform.machine()}, {os.cpu_count()} CPU cores; uptime: {load}"


def render(name: str) -> None:
    """Run ``examples/NAME.py`` as ``__main__`` and store its output and figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    path = EXAMPLES / f"{name}.py"
    before = _machine()
    start = time.perf_counter()
    buffer = io.StringIO()
    cwd = os.getcwd()
    os.chdir(OUT)  # an example that saves its own figure writes it here, not in the checkout
    try:
        with contextlib.redirect_stdout(buffer), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*non-interactive.*")  # plt.show()
            # the warnings a user would see (on stderr) go into the record too
            warnings.showwarning = lambda message, category, filename, lineno, *_: buffer.write(
                warnings.formatwarning(message, category, filename, lineno)
            )
            sys.argv = [str(path), *ARGS.get(name, [])]
            runpy.run_path(str(path), run_name="__main__")
    finally:
        os.chdir(cwd)
    seconds = time.perf_counter() - start
    figures = [plt.figure(n) for n in plt.get_fignums()]
    if figures:
        _save_side_by_side(figures, OUT / f"{name}.png")
    command = " ".join([f"python examples/{name}.py", *ARGS.get(name, [])])
    header = (
        f"# {command}, {datetime.date.today()}, {seconds:.0f} s\n"
        f"# machine before the run: {before}\n"
    )
    # paths relative to the checkout (the figure an example saved, a warning's source)
    output = buffer.getvalue().replace(str(ROOT) + os.sep, "")
    (OUT / f"{name}.txt").write_text(header + output)
    print(f"{name}: {seconds:.0f} s, {len(figures)} figure(s) -> {OUT.relative_to(ROOT)}")
    plt.close("all")


def _save_side_by_side(figures, path: Path) -> None:
    """One PNG of the figures next to each other (one figure: that figure)."""
    import matplotlib.pyplot as plt

    if len(figures) == 1:
        figures[0].savefig(path, dpi=90, bbox_inches="tight")
        return
    images = []
    for fig in figures:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
        buffer.seek(0)
        images.append(plt.imread(buffer))
    widths = [im.shape[1] for im in images]
    height = max(im.shape[0] for im in images)
    fig = plt.figure(figsize=(sum(widths) / 90, height / 90), dpi=90)
    left = 0.0
    for im, width in zip(images, widths, strict=True):
        ax = fig.add_axes((left, 0, width / sum(widths), 1))
        ax.imshow(im)
        ax.axis("off")
        left += width / sum(widths)
    fig.savefig(path, dpi=90)


def main() -> None:
    sys.path.insert(0, str(DOCS))
    import conf  # noqa: E402  (the build's list of the examples it runs)

    names = sys.argv[1:] or sorted(
        p.stem for p in EXAMPLES.glob("*.py") if p.stem not in conf.FAST_EXAMPLES
    )
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names:
        render(name)


if __name__ == "__main__":
    main()
