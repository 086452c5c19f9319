"""Behaviour of RNNRegressor and RNNClassifier: parameters, inputs, fitted state, training."""

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import FAST
from sklearn.base import clone
from skorch.callbacks import Callback, LRScheduler

from skrnn import RNNClassifier, RNNRegressor


# -- parameters and modules ------------------------------------------------------------
@pytest.mark.parametrize("Est", [RNNRegressor, RNNClassifier])
def test_init_stores_params_and_clone_round_trips(Est):
    est = Est(cell="gru", units=7, num_layers=2, dropout=0.1, clip_grad_norm=1.0)
    params = est.get_params()
    assert params["cell"] == "gru" and params["units"] == 7 and params["clip_grad_norm"] == 1.0
    assert clone(est).get_params() == params
    est.set_params(units=3, epochs=2)
    assert est.units == 3 and est.epochs == 2
    assert not [k for k in vars(est) if k.endswith("_")]


@pytest.mark.parametrize(
    "cell, torch_cls", [("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU), ("rnn", torch.nn.RNN)]
)
def test_cell_layers_and_directions_shape_the_module(seq_data, cell, torch_cls):
    X, y = seq_data
    reg = RNNRegressor(cell=cell, num_layers=2, bidirectional=True, **FAST).fit(X, y)
    rnn = reg.module_.rnn
    assert isinstance(rnn, torch_cls)
    assert (rnn.hidden_size, rnn.num_layers, rnn.bidirectional) == (8, 2, True)
    assert reg.module_.head.in_features == 16
    assert reg.predict(X).shape == (len(X),)


def test_relu_activation_for_vanilla_rnn(seq_data):
    X, y = seq_data
    reg = RNNRegressor(cell="rnn", activation="relu", **FAST).fit(X, y)
    assert reg.module_.rnn.nonlinearity == "relu"


def test_invalid_parameter_is_reported_at_fit(seq_data):
    X, y = seq_data
    est = RNNRegressor(cell="transformer")  # __init__ does not validate
    with pytest.raises(ValueError, match="'cell' parameter"):
        est.fit(X, y)
    with pytest.raises(ValueError, match="'units' parameter"):
        RNNRegressor(units=0).fit(X, y)


@pytest.mark.parametrize("optimizer", ["sgd", "adamw", torch.optim.RMSprop])
def test_optimizer_by_name_or_class(seq_data, optimizer):
    X, y = seq_data
    reg = RNNRegressor(optimizer=optimizer, weight_decay=0.01, **FAST).fit(X, y)
    expected = {"sgd": torch.optim.SGD, "adamw": torch.optim.AdamW}.get(optimizer, optimizer)
    assert type(reg.net_.optimizer_) is expected
    assert reg.net_.optimizer_.param_groups[0]["weight_decay"] == 0.01


# -- inputs ------------------------------------------------------------------------------
def test_2d_input_with_time_steps_none_is_univariate_sequences(seq_data):
    X, y = seq_data
    X2 = X[:, :, 0]
    reg = RNNRegressor(time_steps=None, **FAST).fit(X2, y)
    assert reg.input_shape_ == (5, 1)
    assert reg.n_features_in_ == 5
    # the same data as an explicit 3D array gives the same model
    reg3 = RNNRegressor(**FAST).fit(X2[:, :, None], y)
    np.testing.assert_allclose(reg.predict(X2), reg3.predict(X2[:, :, None]))


def test_3d_input_records_features_per_step(seq_data):
    X, y = seq_data
    reg = RNNRegressor(**FAST).fit(X, y)
    assert reg.n_features_in_ == 2
    assert reg.input_shape_ == (5, 2)
    assert not hasattr(reg, "feature_names_in_")


def test_dataframe_records_feature_names(seq_data):
    X, y = seq_data
    df = pd.DataFrame(X[:, :, 0], columns=[f"lag{i}" for i in range(4, -1, -1)])
    reg = RNNRegressor(**FAST).fit(df, pd.Series(y))
    assert list(reg.feature_names_in_) == list(df.columns)
    assert reg.predict(df).shape == (len(df),)
    with pytest.raises(ValueError, match="feature names"):
        reg.predict(df.rename(columns={"lag0": "other"}))


def test_float64_input_trains_in_float32(seq_data):
    X, y = seq_data
    reg = RNNRegressor(**FAST).fit(X.astype(np.float64), y.astype(np.float64))
    assert all(p.dtype == torch.float32 for p in reg.module_.parameters())
    assert reg.predict(X).dtype == np.float64


# -- regressor targets -------------------------------------------------------------------
def test_regressor_multi_output(seq_data):
    X, y = seq_data
    Y = np.column_stack([y, -y, 2 * y])
    reg = RNNRegressor(**FAST).fit(X, Y)
    assert reg.n_outputs_ == 3
    assert reg.predict(X).shape == (len(X), 3)
    with pytest.raises(ValueError, match="outputs"):
        reg.partial_fit(X, y)


def test_regressor_learns(seq_data):
    X, y = seq_data
    reg = RNNRegressor(units=16, epochs=60, lr=0.01, batch_size=16, random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.8
    assert reg.history_[-1, "train_loss"] < reg.history_[0, "train_loss"] / 5


# -- classifier --------------------------------------------------------------------------
def test_classifier_string_labels_and_probabilities(clf_data):
    X, y = clf_data
    clf = RNNClassifier(units=16, epochs=60, lr=0.01, batch_size=16, random_state=0).fit(X, y)
    assert list(clf.classes_) == ["down", "flat", "up"]
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(X)) <= set(clf.classes_)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, y) > 0.8


def test_classifier_binary_integer_labels(clf_data):
    X, _ = clf_data
    y = np.where(X.mean(axis=(1, 2)) > 0, 7, -3)
    clf = RNNClassifier(units=16, epochs=40, lr=0.01, batch_size=16, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [-3, 7])
    assert clf.predict_proba(X).shape == (len(X), 2)
    assert clf.predict(X).dtype == y.dtype
    assert clf.score(X, y) > 0.8


def test_class_weight_shifts_predictions(clf_data):
    X, y = clf_data
    plain = RNNClassifier(**FAST).fit(X, y)
    weighted = RNNClassifier(
        class_weight={"down": 1000.0, "flat": 1e-3, "up": 1e-3},
        **{**FAST, "epochs": 20, "lr": 0.01},
    ).fit(X, y)
    weight = weighted.net_.criterion_.weight
    np.testing.assert_allclose(weight.numpy(), [1000.0, 1e-3, 1e-3], rtol=1e-6)
    assert plain.net_.criterion_.weight is None
    assert np.mean(weighted.predict(X) == "down") > 0.9
    balanced = RNNClassifier(class_weight="balanced", **FAST).fit(X, y)
    counts = np.array([np.sum(y == c) for c in balanced.classes_])
    np.testing.assert_allclose(
        balanced.net_.criterion_.weight.numpy(), len(y) / (3 * counts), rtol=1e-6
    )


def test_classifier_partial_fit_with_classes(clf_data):
    X, y = clf_data
    clf = RNNClassifier(**FAST)
    clf.partial_fit(X[:10], y[:10], classes=["down", "flat", "up", "unused"])
    assert list(clf.classes_) == ["down", "flat", "unused", "up"]
    clf.partial_fit(X[10:], y[10:])
    assert clf.n_iter_ == 2
    with pytest.raises(ValueError, match="not seen"):
        clf.partial_fit(X[:5], np.array(["sideways"] * 5))


# -- fitted state and training control ---------------------------------------------------
def test_fit_returns_self_and_records_history(seq_data):
    X, y = seq_data
    reg = RNNRegressor(**FAST)
    assert reg.fit(X, y) is reg
    assert reg.n_iter_ == 3 == len(reg.history_)
    assert all(np.isfinite(reg.history_[:, "train_loss"]))
    assert isinstance(reg.module_, torch.nn.Module)


def test_partial_fit_continues_training(seq_data):
    X, y = seq_data
    reg = RNNRegressor(**FAST).fit(X, y)
    before = [p.detach().clone() for p in reg.module_.parameters()]
    module = reg.module_
    reg.partial_fit(X, y)
    assert reg.module_ is module and reg.n_iter_ == 4
    assert any(not torch.equal(a, b) for a, b in zip(before, reg.module_.parameters(), strict=True))


def test_warm_start_continues_and_cold_start_restarts(seq_data):
    X, y = seq_data
    warm = RNNRegressor(warm_start=True, **FAST).fit(X, y)
    module = warm.module_
    warm.fit(X, y)
    assert warm.module_ is module and warm.n_iter_ == 6
    cold = RNNRegressor(**FAST).fit(X, y)
    module = cold.module_
    cold.fit(X, y)
    assert cold.module_ is not module and cold.n_iter_ == 3


def test_early_stopping_uses_the_validation_score(seq_data):
    """As scikit-learn's MLP: early_stopping judges the validation score (R²) and
    restores the weights of its best epoch (a table: the rule applies from the start)."""
    X = seq_data[0][:, -1]  # (48, 2)
    noise = np.random.RandomState(1).randn(len(X))  # nothing to learn: the score stalls
    reg = RNNRegressor(
        units=8,
        epochs=200,
        lr=0.05,
        early_stopping=True,
        n_iter_no_change=3,
        validation_fraction=0.25,
        random_state=0,
        scale_target=False,  # the validation R² is then the R² in y's units
    ).fit(X, noise)
    assert reg.n_iter_ < 200
    scores = reg.validation_scores_
    best = max(scores)
    assert scores[-1] < best
    # the best weights are restored: the final module scores the best validation R²
    X32 = X.astype(np.float32)
    _, valid = reg.net_.get_split_datasets(X32, noise.astype(np.float32)[:, None])
    idx = np.asarray(valid.indices)
    assert reg.score(X[idx], noise[idx]) == pytest.approx(best, rel=1e-4, abs=1e-5)


def test_early_stopping_needs_two_samples(seq_data):
    X, y = seq_data
    with pytest.raises(ValueError, match="at least 2 samples"):
        RNNRegressor(early_stopping=True, **FAST).fit(X[:1], y[:1])


class GradNormRecorder(Callback):
    def initialize(self):
        self.norms = []
        return self

    def on_grad_computed(self, net, named_parameters, **kwargs):
        grads = [p.grad for _, p in named_parameters if p.grad is not None]
        self.norms.append(
            float(
                torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
            )
        )


def test_clip_grad_norm_bounds_gradients(seq_data):
    X, y = seq_data
    y_big = y * 100  # large errors, large gradients
    reg = RNNRegressor(clip_grad_norm=0.5, callbacks=[("rec", GradNormRecorder())], **FAST)
    reg.fit(X, y_big)
    norms = dict(reg.net_.callbacks_)["rec"].norms
    assert len(norms) == 9 and max(norms) <= 0.5 + 1e-4
    unclipped = RNNRegressor(callbacks=[("rec", GradNormRecorder())], **FAST).fit(X, y_big)
    assert max(dict(unclipped.net_.callbacks_)["rec"].norms) > 0.5


def test_user_callbacks_run_and_are_not_mutated(seq_data):
    X, y = seq_data
    sched = LRScheduler(policy="StepLR", step_size=1, gamma=0.5)
    reg = RNNRegressor(lr=0.1, callbacks=[sched], **{**FAST, "epochs": 3}).fit(X, y)
    assert reg.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**3)
    assert reg.callbacks[0] is sched and not hasattr(sched, "lr_scheduler_")


def test_verbose_prints_epoch_log(seq_data, capsys):
    X, y = seq_data
    RNNRegressor(verbose=1, **FAST).fit(X, y)
    assert "train_loss" in capsys.readouterr().out
    RNNRegressor(verbose=0, **FAST).fit(X, y)
    assert capsys.readouterr().out == ""


# -- reproducibility ---------------------------------------------------------------------
@pytest.mark.parametrize("Est, data", [(RNNRegressor, "seq_data"), (RNNClassifier, "clf_data")])
def test_random_state_reproducible(Est, data, request):
    X, y = request.getfixturevalue(data)
    params = dict(FAST, dropout=0.2, num_layers=2, lr=0.01)  # lr: learns in 3 epochs
    a = Est(**params).fit(X, y)
    b = Est(**params).fit(X, y)
    out = "predict_proba" if Est is RNNClassifier else "predict"
    np.testing.assert_array_equal(getattr(a, out)(X), getattr(b, out)(X))
    c = Est(**{**params, "random_state": 1}).fit(X, y)
    assert not np.array_equal(getattr(a, out)(X), getattr(c, out)(X))


def test_fit_leaves_global_torch_rng_alone(seq_data):
    X, y = seq_data
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    RNNRegressor(**FAST).fit(X, y)
    assert torch.equal(torch.rand(3), expected)


# -- device ------------------------------------------------------------------------------
@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA error")
def test_cuda_without_gpu_is_a_clear_error(seq_data):
    X, y = seq_data
    with pytest.raises(ValueError, match="CUDA is not available"):
        RNNRegressor(device="cuda", **FAST).fit(X, y)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_training_and_prediction(seq_data):
    X, y = seq_data
    reg = RNNRegressor(device="cuda", **FAST).fit(X, y)
    assert next(reg.module_.parameters()).is_cuda
    assert reg.predict(X).shape == (len(X),)


def test_shared_training_parameters_have_one_set_of_constraints():
    """The parameters every network estimator shares are validated alike (one dict)."""
    from skrnn import Seq2SeqTransformer
    from skrnn.neural_network._base import TRAINING_CONSTRAINTS

    for Est in (RNNRegressor, RNNClassifier, Seq2SeqTransformer):
        assert set(TRAINING_CONSTRAINTS) <= set(Est().get_params())
        for name, rule in TRAINING_CONSTRAINTS.items():
            own = Est._parameter_constraints[name]
            # the shared rule itself, or widened by the estimator (RNN epochs="auto")
            assert own is rule or all(any(r is o for o in own) for r in rule), name


def test_partial_fit_validates_parameters_before_the_first_fit():
    with pytest.raises(ValueError, match="units"):
        RNNRegressor(units=0).partial_fit(np.zeros((4, 3, 1)), np.zeros(4))
    with pytest.raises(ValueError, match="cell"):
        RNNClassifier(cell="cnn").partial_fit(np.zeros((4, 3, 1)), [0, 1, 0, 1])
