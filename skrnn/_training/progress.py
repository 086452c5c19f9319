"""What ``verbose`` shows while training, and progress for long-running helpers.

``verbose=0`` (the default) is quiet. A positive ``verbose`` prints skorch's table of
per-epoch losses; where that output goes decides how it looks:

- a terminal or a notebook: skorch's ``ProgressBar`` (a tqdm bar over each epoch's
  batches, on stderr) above the epoch table, whose best values are coloured;
- anything else (a log file, a pipe, CI output): the same table as plain text, without
  ANSI colour codes and without a bar, whose redraws would litter the file.
"""

from __future__ import annotations

import re
import sys

from skorch.callbacks import PrintLog, ProgressBar
from tqdm.auto import tqdm

__all__ = [
    "PlainPrintLog",
    "in_notebook",
    "is_terminal",
    "progress",
    "verbose_callbacks",
    "verbose_net_kwargs",
]

_ANSI_CODE = re.compile(r"\x1b\[[0-9;]*m")

#: Seconds a helper runs before its progress bar appears: quick calls stay silent.
PROGRESS_DELAY = 2.0


class PlainPrintLog(PrintLog):
    """skorch's epoch table without ANSI colour codes, for output that is not a terminal.

    Examples
    --------
    >>> table = PlainPrintLog().initialize().table({"epoch": 1, "loss": 0.5, "loss_best": True})
    >>> print(table)
      epoch    loss
    -------  ------
          1  0.5000
    """

    def table(self, row):
        return _ANSI_CODE.sub("", super().table(row))


def in_notebook() -> bool:
    """True inside a Jupyter kernel, where tqdm draws a notebook widget.

    Examples
    --------
    >>> in_notebook()
    False
    """
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return type(shell).__name__ == "ZMQInteractiveShell"


def is_terminal(stream) -> bool:
    """True when ``stream`` is an open terminal (``isatty``).

    Examples
    --------
    >>> import io
    >>> is_terminal(io.StringIO())
    False
    """
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _interactive() -> bool:
    """True where a progress bar (drawn by tqdm on stderr) can be redrawn in place."""
    return in_notebook() or is_terminal(sys.stderr)


def verbose_net_kwargs(verbose) -> dict:
    """skorch net arguments for ``verbose``: its level and the epoch table, coloured only
    for a terminal. Decided when the net is built, from the streams of that moment."""
    if not verbose:
        return {"verbose": 0}
    table = PrintLog() if is_terminal(sys.stdout) else PlainPrintLog()
    return {"verbose": int(verbose), "callbacks__print_log": table}


def verbose_callbacks(verbose) -> list:
    """skorch's ``ProgressBar`` for a positive ``verbose`` in a terminal or notebook."""
    return [("progress_bar", ProgressBar())] if verbose and _interactive() else []


def progress(iterable, *, total=None, desc=None, verbose=None):
    """``iterable`` wrapped in a tqdm bar that appears only after :data:`PROGRESS_DELAY`
    seconds, only on a terminal or in a notebook (``verbose=None``), and vanishes when
    done. ``verbose=False`` never shows it, ``True`` always does.

    Examples
    --------
    >>> list(progress(range(3), desc="steps"))
    [0, 1, 2]
    """
    disable = not (_interactive() if verbose is None else verbose)
    return tqdm(
        iterable, total=total, desc=desc, delay=PROGRESS_DELAY, leave=False, disable=disable
    )
