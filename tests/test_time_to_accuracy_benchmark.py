"""Smoke test of ``python -m benchmarks.time_to_accuracy --quick``: tiny data, two
epochs; the held-out callback stops at the target, and the raw loop trains the same
module (no timing is checked)."""

import numpy as np
import pytest

tta = pytest.importorskip("benchmarks.time_to_accuracy")


@pytest.fixture(scope="module")
def add_rows():
    return tta.main(["--quick", "--rows", "add", "--add-params", '{"units": 16}'])["add"]


def test_quick_learn_to_add_runs_skrnn_and_the_raw_loop(add_rows):
    skrnn_row, raw = add_rows
    assert skrnn_row["column"] == "skrnn" and raw["column"] == "raw PyTorch loop"
    for row in add_rows:
        assert row["epochs"] == len(row["scores"]) == 2  # quick: 2 epochs, target not met
        assert row["reached_epoch"] is None and row["train_s"] > 0
        assert all(0.0 <= s <= 1.0 for s in row["scores"])
    assert "| add | skrnn | 0.99 | not reached |" in tta.render({"add": add_rows})


def test_held_out_callback_stops_at_the_target():
    from skrnn import RNNRegressor

    rng = np.random.RandomState(0)
    X, y = rng.randn(32, 4, 1), rng.randn(32)
    reg = RNNRegressor(units=4, epochs=50, random_state=0)
    scores = iter([0.1, 0.5, 0.9, 0.95])
    cb = tta.fit_to_target(reg, (X, y), lambda: next(scores), target=0.9, budget_s=60)
    assert cb.reached_at_ == 3 and reg.n_iter_ == 3  # stopped after the third epoch
    assert cb.scores_ == [0.1, 0.5, 0.9]


def test_quick_text_row_trains_the_examples_model_on_its_windows():
    (row,) = tta.main(["--quick", "--rows", "text"])["text"]
    assert row["params"] == dict(tta.TEXT_PARAMS, epochs=2)
    assert row["epochs"] == len(row["scores"]) == len(row["accuracy"]) == 2  # no early stop
    assert all(s < 0 for s in row["scores"])  # minus bits per character
    assert all(0.0 <= a <= 1.0 for a in row["accuracy"])
    X, y = tta.text_chunks("abcdefgh", 4, 2)
    assert X == ["abcd", "cdef"] and y == [list("bcde"), list("defg")]
