"""skrnn estimators inside scikit-learn's tooling: Pipeline, search, CV, persistence."""

import pickle

import joblib
import numpy as np
import pytest
from conftest import FAST
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skrnn import RNNClassifier, RNNRegressor


def test_pipeline_with_2d_preprocessing(seq_data):
    X, y = seq_data
    pipe = make_pipeline(StandardScaler(), RNNRegressor(**FAST)).fit(X[:, :, 0], y)
    assert pipe.predict(X[:, :, 0]).shape == (len(X),)


def test_pipeline_with_3d_step(seq_data):
    X, y = seq_data
    pipe = make_pipeline(FunctionTransformer(lambda a: a * 2.0), RNNRegressor(**FAST))
    assert pipe.fit(X, y).predict(X).shape == (len(X),)


def test_grid_search_over_units_and_epochs(seq_data):
    X, y = seq_data
    search = GridSearchCV(
        RNNRegressor(batch_size=16, lr=0.01, random_state=0),
        {"units": [2, 8], "epochs": [1, 3]},
        cv=TimeSeriesSplit(n_splits=2),
    ).fit(X, y)
    assert set(search.best_params_) == {"units", "epochs"}
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.units == search.best_params_["units"]
    assert search.best_estimator_.n_iter_ == search.best_params_["epochs"]


def test_cross_val_score_time_series_split(clf_data):
    X, y = clf_data
    scores = cross_val_score(RNNClassifier(**FAST), X, y, cv=TimeSeriesSplit(n_splits=3))
    assert scores.shape == (3,)
    assert np.all((scores >= 0) & (scores <= 1))


@pytest.mark.parametrize("Est, data", [(RNNRegressor, "seq_data"), (RNNClassifier, "clf_data")])
def test_clone_of_fitted_is_unfitted(Est, data, request):
    X, y = request.getfixturevalue(data)
    est = Est(**FAST).fit(X, y)
    cloned = clone(est)
    assert cloned.get_params() == est.get_params()
    assert not hasattr(cloned, "net_")


@pytest.mark.parametrize("Est, data", [(RNNRegressor, "seq_data"), (RNNClassifier, "clf_data")])
@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_persistence_round_trip(Est, data, dump, request, tmp_path):
    X, y = request.getfixturevalue(data)
    est = Est(**FAST).fit(X, y)
    path = tmp_path / "model.bin"
    if dump == "pickle":
        path.write_bytes(pickle.dumps(est))
        loaded = pickle.loads(path.read_bytes())
    else:
        joblib.dump(est, path)
        loaded = joblib.load(path)
    method = "predict_proba" if Est is RNNClassifier else "predict"
    np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(est, method)(X))
    loaded.partial_fit(X, y)  # a loaded model keeps training
    assert loaded.n_iter_ == est.n_iter_ + 1
