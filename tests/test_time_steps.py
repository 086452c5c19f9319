"""``time_steps``: how a 2D X (a table) is read."""

import numpy as np
import pandas as pd
import pytest
from conftest import FAST
from sklearn.datasets import load_wine
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrnn import RNNClassifier, RNNRegressor

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FAST = {**FAST, "units": 4, "epochs": 2, "batch_size": 32}


@pytest.mark.parametrize("k, shape", [(None, (6, 1)), (1, (1, 6)), (3, (3, 2)), (6, (6, 1))])
def test_time_steps_reshapes_rows(seq_data, k, shape):
    X = seq_data[0].reshape(48, -1)  # 10 columns
    X = X[:, :6]
    reg = RNNRegressor(time_steps=k, **FAST).fit(X, seq_data[1])
    assert reg.input_shape_ == shape and reg.n_features_in_ == 6
    assert reg.module_.rnn.input_size == shape[1]
    assert reg.predict(X).shape == (48,)


def test_a_2d_x_is_a_table_by_default(seq_data):
    """The shape says what the data is: a 2D X (array or DataFrame) is one step of all
    its columns, what an MLP sees; 3D X and lists of sequences are read as they are."""
    X3, y = seq_data  # (48, 5, 2)
    table = X3.reshape(48, 10)
    for X in (table, pd.DataFrame(table, columns=[f"c{i}" for i in range(10)])):
        reg = RNNRegressor(**FAST).fit(X, y)
        assert reg.time_steps == 1
        assert reg.input_shape_ == (1, 10) and reg.n_features_in_ == 10
    assert RNNRegressor(**FAST).fit(X3, y).input_shape_ == (5, 2)
    ragged = RNNRegressor(**FAST).fit([x[: 2 + i % 3] for i, x in enumerate(X3)], y)
    assert ragged.input_shape_ == (None, 2)
    # the old reading, each column one step of a univariate sequence, is time_steps=None
    assert RNNRegressor(time_steps=None, **FAST).fit(table, y).input_shape_ == (10, 1)


def test_rows_are_read_step_by_step(seq_data):
    """time_steps=k on (n, k * f) columns is the 3D array (n, k, f)."""
    X3, y = seq_data  # (48, 5, 2)
    from3d = RNNRegressor(**FAST).fit(X3, y)
    from2d = RNNRegressor(time_steps=5, **FAST).fit(X3.reshape(48, 10), y)
    np.testing.assert_allclose(from2d.predict(X3.reshape(48, 10)), from3d.predict(X3))


@pytest.mark.parametrize(
    "k, X, match",
    [
        (4, np.zeros((8, 6)), "time_steps=4 does not divide the 6 columns"),
        (2, np.zeros((8, 3, 2)), "leave time_steps at its default for 3D input"),
    ],
)
def test_time_steps_errors(k, X, match):
    with pytest.raises(ValueError, match=match):
        RNNRegressor(time_steps=k, **FAST).fit(X, np.zeros(len(X)))


def test_predict_on_other_columns_is_an_error(seq_data):
    X = seq_data[0].reshape(48, 10)
    reg = RNNRegressor(time_steps=1, **FAST).fit(X, seq_data[1])
    with pytest.raises(ValueError, match="X has 8 features, but RNNRegressor is expecting 10"):
        reg.predict(X[:, :8])


def test_time_steps_is_grid_searchable_in_a_pipeline():
    X, y = load_wine(return_X_y=True)
    pipe = make_pipeline(
        # one batch size for both readings (batch_size="auto" gives tables 200) and
        # exactly 30 epochs (n_iter_no_change=None): the same training budget, so that
        # the reading decides
        StandardScaler(),
        RNNClassifier(
            units=8, epochs=30, lr=0.01, batch_size=32, n_iter_no_change=None, random_state=0
        ),
    )
    search = GridSearchCV(pipe, {"rnnclassifier__time_steps": [None, 1]}, cv=2).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert search.best_params_ == {"rnnclassifier__time_steps": 1}  # a table is one step
    assert scores[1] > 0.9
