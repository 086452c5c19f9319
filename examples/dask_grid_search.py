"""Run the airline grid search on a Dask cluster.
==============================================

The search of ``airline_grid_search.py`` (a ``SlidingWindowTransformer`` and an
``RNNRegressor`` in a ``Pipeline``, ``GridSearchCV`` with ``TimeSeriesSplit``), unchanged,
on the workers of a Dask cluster through joblib's dask backend, scikit-learn's documented
route::

    with joblib.parallel_config(backend="dask", scatter=[X, y]):
        search.fit(X, y)

``scatter=[X, y]`` sends the data to every worker once; the tasks then refer to it
instead of carrying it (without ``scatter``, joblib sends each argument over 1 kB once per
search). Dask's nanny starts every worker with ``OMP_NUM_THREADS=1``, so each fit runs
with one torch thread: the fast setting for small recurrent nets, and the reason to run
one single-threaded worker process per core.

On a multi-machine cluster, start a scheduler on one machine and workers on every machine
(each with the same Python environment: skrnn, torch, scikit-learn, dask)::

    dask scheduler                                                # prints tcp://HOST:8786
    dask worker tcp://HOST:8786 --nworkers $(nproc) --nthreads 1  # on every machine

then pass the scheduler's address::

    python examples/dask_grid_search.py tcp://HOST:8786

Without an address the script starts a ``LocalCluster`` of two single-threaded worker
processes on this machine. Either way it also runs the search with ``n_jobs=1`` in this
process and checks that both give the same cross-validation scores (a fixed
``random_state`` fixes every fit, wherever it runs). The script is not run by the
documentation build (it starts processes and, with an address, needs a cluster).

Run: ``pip install -e ".[dask]"`` then ``python examples/dask_grid_search.py [ADDRESS]``

Output and figure of a recorded run of this script with a ``LocalCluster``
(``docs/render_gallery.py``; the documentation build does not run it):

.. literalinclude:: /_static/gallery/dask_grid_search.txt
   :language: none

.. image:: /_static/gallery/dask_grid_search.png
   :alt: cross-validation RMSE of each grid setting on Dask against n_jobs=1: equal

The scores are equal, setting by setting. The times show no speed-up: in that run the
two worker processes shared the machine's 2 cores with other jobs (a load average above
4), and the search's 24 fits (8 settings, 3 splits) take about a second each. A cluster
pays for more and longer fits on more cores than one machine has.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import joblib
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sktime.datasets import load_airline

from skrnn import RNNRegressor, SlidingWindowTransformer

# sphinx_gallery_thumbnail_path = "_static/gallery/dask_grid_search.png"

GRID = {
    "window__time_steps": [6, 12],
    "rnn__units": [8, 32],
    "rnn__epochs": [50, 100],
}


def make_search() -> GridSearchCV:
    pipe = Pipeline(
        [
            ("window", SlidingWindowTransformer(time_steps=12)),
            ("rnn", RNNRegressor(instance_norm="last", random_state=0)),
        ]
    )
    return GridSearchCV(
        pipe,
        GRID,
        cv=TimeSeriesSplit(n_splits=3),
        scoring="neg_root_mean_squared_error",
        error_score="raise",
    )


def main(address: str | None = None) -> None:
    from distributed import Client, LocalCluster

    y = load_airline().astype(float)
    X = y.to_frame()  # the series is its own input: row t is windowed from months < t
    X, y = X.iloc[:96], y.iloc[:96]  # the first two thirds, as in airline_grid_search.py

    if address is None:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True)
        client = Client(cluster)
    else:
        cluster, client = None, Client(address)
    print(f"Dask cluster: {client.dashboard_link}, {len(client.nthreads())} workers")
    try:
        start = time.perf_counter()
        with joblib.parallel_config(backend="dask", scatter=[X, y]):
            on_dask = make_search().fit(X, y)
        print(f"on Dask:  {time.perf_counter() - start:.1f} s, best {on_dask.best_params_}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    start = time.perf_counter()
    local = make_search().fit(X, y)
    print(f"n_jobs=1: {time.perf_counter() - start:.1f} s, best {local.best_params_}")
    same = np.array_equal(
        on_dask.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    print(f"same cross-validation scores on Dask and with n_jobs=1: {same}")
    print(f"best CV RMSE: {-on_dask.best_score_:.2f} passengers")

    # every setting's CV RMSE on Dask against n_jobs=1: on the diagonal when equal
    fig, ax = plt.subplots(figsize=(5, 4.5))
    rmse_local = -local.cv_results_["mean_test_score"]
    rmse_dask = -on_dask.cv_results_["mean_test_score"]
    ax.plot(rmse_local, rmse_dask, "o")
    ax.axline((rmse_local[0], rmse_local[0]), slope=1, color="grey", lw=0.8)
    ax.set(xlabel="CV RMSE, n_jobs=1 (passengers)", ylabel="CV RMSE on Dask (passengers)")
    ax.set_title(f"{len(rmse_local)} settings, same scores: {same}")
    fig.tight_layout()
    figure = Path("dask_grid_search.png")  # in the current directory
    fig.savefig(figure, dpi=110)
    print(f"figure saved to {figure.resolve()}")
    if matplotlib.get_backend().lower() != "agg":  # agg (headless) would only warn
        plt.show()


if __name__ == "__main__":  # the guard is required: worker processes import this file
    main(sys.argv[1] if len(sys.argv) > 1 else None)
