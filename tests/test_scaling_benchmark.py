"""The scaling benchmark (benchmarks/scaling.py): one measuring child run in this process,
and the report's verdicts on the issue's targets (no timing is checked)."""

import copy

import pytest

scaling = pytest.importorskip("benchmarks.scaling")


@pytest.fixture(scope="module")
def child_run():
    return scaling.child("n_jobs=1", 1)


def test_child_times_a_cold_and_a_warm_search(child_run):
    assert child_run["cold_s"] > 0 and child_run["warm_s"] > 0
    assert len(child_run["scores"]) == 4  # the README's 2 x 2 grid
    assert child_run["processes"] == 1 and child_run["threads"]


def _results(child_run, target, speedups):
    """Results of one search size where n_jobs=1 with one thread, n_jobs=2 and Dask are
    ``speedups`` times faster than n_jobs=1 with torch's default threads."""
    runs = {"n_jobs=1": [copy.deepcopy(child_run)]}
    modes = ("n_jobs=1, 1 thread", "n_jobs=2", "dask")
    for mode, s in zip(modes, speedups, strict=True):
        r = copy.deepcopy(child_run)
        r.update(mode=mode, cold_s=child_run["cold_s"] / s, warm_s=child_run["warm_s"] / s)
        r["cluster_start_s"] = 1.0
        runs[mode] = [r]
    runs["n_jobs=1"][0]["cluster_start_s"] = 0.0
    profile = {"spawn_s": 0.1, "import_and_first_optimizer_s": 3.0, "task_bytes": 2048,
               "windows_bytes": 4096, "load": 0.5,
               "in_worker": [{"import_s": 2.0, "first_optimizer_s": 1.0, "rss_mib": 300,
                              "threads": 1, "omp_num_threads": "1"}] * 2}  # fmt: skip
    return {"mode": "full", "rows": [scaling._row(target, 10, runs)], "profile": profile,
            "ceiling": [1.9, 1.9], "load_start": 0.5, "load_end": 0.5, "total_s": 60,
            "date": "today"}  # fmt: skip


@pytest.mark.parametrize(
    "target, speedups, marks",
    [
        (20.0, (0.9, 1.8, 1.5), ["met", "**not met**"]),  # >= 1.7x
        (5.0, (0.9, 0.9, 0.8), ["met", "**not met**"]),  # never more than 1.2x slower
        # judged against the faster serial run: 1.8 / 1.2 = 1.5x
        (20.0, (1.2, 1.8, 2.4), ["**not met**", "met"]),
    ],
)
def test_report_marks_the_targets(child_run, target, speedups, marks, tmp_path):
    results = _results(child_run, target, speedups)
    row = results["rows"][0]
    assert row["same_scores"]
    for mode, mark in zip(("n_jobs=2", "dask"), marks, strict=True):
        speedup, verdict = scaling.verdict(row, mode, "cold")
        assert verdict.endswith(": " + mark)
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\ntext before\n")
    scaling.write(str(path), results)
    scaling.write(str(path), results)  # the second run replaces the block
    text = path.read_text()
    assert text.count(scaling.START) == 1 and text.startswith("# Benchmarks\n\ntext before")
    assert "## Scaling out: `n_jobs` and Dask" in text and "**not met**" in text
    assert "| `n_jobs=1, 1 thread` |" in text
