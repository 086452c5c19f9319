"""Hyperparameter search on a Dask cluster through joblib's dask backend (scikit-learn's
documented route): the same searches over an skrnn pipeline give the same scores as
``n_jobs=1``, the fits run in the worker processes with one torch thread each, and the
data can be scattered to the workers once. Skipped where ``dask[distributed]`` is not
installed (``pip install -e ".[dask]"``)."""

import os
import time

import numpy as np
import pytest
import torch
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    RandomizedSearchCV,
    TimeSeriesSplit,
)
from sklearn.pipeline import Pipeline

from skrnn import RNNRegressor, SlidingWindowTransformer

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

GRID = {"window__time_steps": [4, 6], "rnn__units": [3, 5]}


def _pid(estimator, X, y):
    """A 'scorer' that reports the process that fitted the estimator."""
    return float(os.getpid())


def _threads(estimator, X, y):
    """A 'scorer' that reports torch's intra-op threads where the estimator was fitted."""
    return float(torch.get_num_threads())


SCORING = {"r2": "r2", "pid": _pid, "threads": _threads}


@pytest.fixture(scope="module")
def client():
    """Two single-threaded worker processes, as on a 2-core machine."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )  # ":0": any free port (None is the default 8787, which another cluster may hold)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module", autouse=True)
def _one_thread_here(one_torch_thread):
    """The searches run in this process with one torch thread too, as in the workers."""


@pytest.fixture(scope="module")
def series():
    """A short noisy seasonal series: X is the series itself, y its value at each step."""
    rng = np.random.default_rng(0)
    t = np.arange(150)  # 1.2 kB: over joblib's 1 kB threshold for sending arrays apart
    s = np.sin(2 * np.pi * t / 12) + 0.1 * rng.standard_normal(150)
    return s[:, None], s


def pipeline():
    return Pipeline(
        [
            ("window", SlidingWindowTransformer(time_steps=4, use_fit_history=True)),
            ("rnn", RNNRegressor(epochs=2, batch_size=16, random_state=0)),
        ]
    )


def searches():
    cv = TimeSeriesSplit(n_splits=2)
    common = dict(cv=cv, refit=False)
    return {
        "grid": lambda: GridSearchCV(pipeline(), GRID, scoring=SCORING, **common),
        "randomized": lambda: RandomizedSearchCV(
            pipeline(), GRID, n_iter=3, random_state=0, scoring=SCORING, **common
        ),
        # successive halving scores one metric; its resource is the number of windows
        "halving": lambda: HalvingGridSearchCV(
            pipeline(), GRID, factor=2, min_resources=30, random_state=0, cv=cv, refit=False
        ),
    }


# the searches' 2-epoch fits are not judged on convergence (the n_jobs=1 ones run here)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", ["grid", "randomized", "halving"])
def test_search_on_dask_gives_the_scores_of_n_jobs_1(client, series, kind):
    X, y = series
    local = searches()[kind]().fit(X, y)
    with joblib.parallel_config(backend="dask"):
        remote = searches()[kind]().fit(X, y)
    key = "mean_test_r2" if kind != "halving" else "mean_test_score"
    assert [str(p) for p in remote.cv_results_["params"]] == [
        str(p) for p in local.cv_results_["params"]
    ]
    np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    if kind == "halving":
        return
    # every fit ran in a worker process, none in this one, with one torch thread each
    workers = set(client.run(os.getpid).values())
    pids = {int(p) for i in range(2) for p in remote.cv_results_[f"split{i}_test_pid"]}
    assert pids <= workers and os.getpid() not in pids
    assert set(remote.cv_results_["mean_test_threads"]) == {1.0}


def test_scattered_data_is_sent_once_and_used(client, series, monkeypatch):
    X, y = series
    assert X.nbytes > 1e3  # joblib would send X on its own once per search
    sent = []
    scatter = client.scatter

    def counting_scatter(data, *args, **kwargs):
        sent.extend(id(a) for a in (data if isinstance(data, list) else [data]))
        return scatter(data, *args, **kwargs)

    monkeypatch.setattr(client, "scatter", counting_scatter)
    with joblib.parallel_config(backend="dask", scatter=[X, y]):
        assert sent == [id(X), id(y)]  # broadcast to the workers when the block starts
        # the copies can reach the second worker a moment after scatter returns (seen
        # once under load: one worker held both, the other none yet)
        deadline, held = time.monotonic() + 30, {}
        while time.monotonic() < deadline:
            held = client.has_what()
            if len(held) == 2 and all(len(keys) >= 2 for keys in held.values()):
                break
            time.sleep(0.05)
        assert len(held) == 2 and all(len(keys) >= 2 for keys in held.values()), held
        remote = GridSearchCV(pipeline(), GRID, cv=TimeSeriesSplit(2), refit=False).fit(X, y)
    assert sent == [id(X), id(y)]  # the tasks used the scattered data: nothing sent again
    local = GridSearchCV(pipeline(), GRID, cv=TimeSeriesSplit(2), refit=False).fit(X, y)
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    # without scatter, joblib sends X once per search
    sent.clear()
    with joblib.parallel_config(backend="dask"):
        GridSearchCV(pipeline(), GRID, cv=TimeSeriesSplit(2), refit=False).fit(X, y)
    assert sent.count(id(X)) == 1
