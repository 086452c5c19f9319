"""Training stops when it has converged (scikit-learn's MLP rule); ``epochs`` is the bound."""

import warnings
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from conftest import FAST
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback
from skorch.history import History

from skrnn import RNNClassifier, RNNRegressor
from skrnn._training.convergence import ConvergenceStopping

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run_callback(cb, values, key="train_loss", module=None, max_epochs=None):
    """Feed ``values`` epoch by epoch to ``cb`` as skorch would (a call whose bound is
    ``max_epochs``, by default ``len(values)``); the epochs run."""
    bound = len(values) if max_epochs is None else max_epochs
    net = SimpleNamespace(history=History(), verbose=0, module_=module, max_epochs=bound)
    cb.on_train_begin(net)
    try:
        for i, value in enumerate(values):
            net.history.new_epoch()
            net.history.record(key, value)
            if module is not None:  # the weights of epoch i are i
                torch.nn.init.constant_(module.weight, float(i))
            cb.on_epoch_end(net)
    except KeyboardInterrupt:
        pass
    cb.on_train_end(net)
    return len(net.history)


def test_stops_after_more_than_n_iter_no_change_epochs_without_progress():
    # epochs 3-4 and 6-8 fail to beat the best by more than tol: the third miss in a
    # row (> n_iter_no_change=2) stops training, after epoch 8, as scikit-learn counts
    losses = [1.0, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4, 0.3, 0.2]
    cb = ConvergenceStopping(tol=1e-4, n_iter_no_change=2)
    assert run_callback(cb, losses) == 8
    assert cb.converged_ and cb.best_epoch_ == 5


def test_gains_below_tol_are_misses_but_move_the_best():
    # each epoch improves by 5e-5 < tol: all misses; as scikit-learn, the best value
    # still follows the loss down
    losses = 1.0 - 5e-5 * np.arange(20)
    cb = ConvergenceStopping(tol=1e-4, n_iter_no_change=3)
    assert run_callback(cb, losses) == 5
    assert cb.best_epoch_ == 5


def test_scores_are_better_when_higher_and_the_best_weights_come_back():
    module = torch.nn.Linear(1, 1)
    scores = [0.5, 0.8, 0.7, 0.75, 0.79, 0.6]
    cb = ConvergenceStopping(
        n_iter_no_change=3, monitor="valid_score", lower_is_better=False, load_best=True
    )
    assert run_callback(cb, scores, key="valid_score", module=module) == 6
    assert cb.best_epoch_ == 2
    assert module.weight.item() == 1.0  # the weights of epoch 2 (index 1), restored


def test_min_epochs_holds_the_rule_back_and_a_plateau_then_is_no_warning():
    losses = [1.0, 0.5] + [0.5] * 10
    held = ConvergenceStopping(n_iter_no_change=2, min_epochs=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converged by the rule, only held: no warning
        assert run_callback(held, losses) == 12
    assert run_callback(ConvergenceStopping(n_iter_no_change=2), losses) == 5


def test_the_bound_reached_first_is_a_convergence_warning():
    cb = ConvergenceStopping(tol=1e-4, n_iter_no_change=3)
    with pytest.warns(ConvergenceWarning, match="bound of 6 epochs before converging"):
        run_callback(cb, [1.0, 0.9, 0.8, 0.7, 0.6, 0.5])
    assert not cb.converged_
    # a call too short to converge by the rule (partial_fit, a few explicit epochs): quiet
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_callback(ConvergenceStopping(n_iter_no_change=3), [1.0, 0.9, 0.8])


def test_no_warning_when_the_rule_never_had_a_chance():
    """A bound no longer than the epochs the rule must wait (min_epochs: a sequence fit
    whose whole bound is its step budget, as examples/airline.py) trains them by design:
    its loss still falling at the end is no failure to converge."""
    falling = [1.0 - 0.05 * i for i in range(15)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_callback(ConvergenceStopping(n_iter_no_change=3, min_epochs=15), falling)
    # one epoch of the bound beyond the wait: the rule could have stopped it, it warns
    with pytest.warns(ConvergenceWarning, match="bound of 15 epochs"):
        run_callback(ConvergenceStopping(n_iter_no_change=3, min_epochs=14), falling)


def test_a_call_another_callback_stopped_is_no_bound_reached():
    """13 epochs of a bound of 30, stopped by another callback (skorch's
    KeyboardInterrupt): no "bound of 13 epochs" warning, the bound was 30."""
    falling = [1.0 - 0.05 * i for i in range(13)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_callback(ConvergenceStopping(n_iter_no_change=3), falling, max_epochs=30)


class StopAfter(Callback):
    """Stops training after ``epochs`` epochs, as a target or time limit would."""

    def __init__(self, epochs=13):
        self.epochs = epochs

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) >= self.epochs:
            raise KeyboardInterrupt


def test_fit_stopped_by_a_callback_does_not_warn_and_the_bound_is_the_one_asked(seq_data):
    X, y = seq_data[0][:, -1], seq_data[1]  # a table: the rule applies from the start
    reg = RNNRegressor(
        **{**FAST, "epochs": 30}, n_iter_no_change=3, tol=0.0, callbacks=[StopAfter(13)]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg.fit(X, y)
    assert reg.n_iter_ == 13
    # without the callback the same fit reaches its bound, and the warning quotes it
    with pytest.warns(ConvergenceWarning, match="bound of 30 epochs"):
        reg.set_params(callbacks=None).fit(X, y)


def test_sequence_fit_whose_bound_is_its_step_budget_does_not_warn(seq_data):
    """epochs="auto" on sequences: a bound of max(100 epochs, 1000 steps); when the steps
    need more epochs than 100, the rule cannot act before the bound."""
    X, y = seq_data  # 48 sequences, batch 16: 3 steps an epoch, budget 334 epochs
    reg = RNNRegressor(units=4, batch_size=16, tol=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg.fit(X, y)
    assert reg.n_iter_ == 334


def test_fit_stops_when_converged_and_n_iter_says_how_many_epochs(seq_data):
    X, y = seq_data[0][:, -1], seq_data[1]  # a table: the rule applies from the start
    reg = RNNRegressor(**{**FAST, "epochs": 300}, n_iter_no_change=3, tol=0.05).fit(X, y)
    assert 4 <= reg.n_iter_ < 300
    assert len(reg.history_) == len(reg.loss_curve_) == reg.n_iter_
    # None trains exactly the epochs asked for
    full = RNNRegressor(**{**FAST, "epochs": 12}, n_iter_no_change=None).fit(X, y)
    assert full.n_iter_ == 12


def test_fit_that_hits_the_bound_warns(clf_data):
    # a table: the rule may stop it from its first epochs (6 epochs of a sequence fit
    # are all within its step budget: no warning, see above)
    X, y = clf_data[0][:, :, 0], clf_data[1]
    clf = RNNClassifier(**{**FAST, "epochs": 6}, n_iter_no_change=2, tol=0.0, lr=1e-3)
    with pytest.warns(ConvergenceWarning, match="bound of 6 epochs"):
        clf.fit(X, y)
    assert clf.n_iter_ == 6


def test_auto_epochs_give_sequences_their_step_budget_before_the_rule(clf_data):
    """epochs="auto" on a small sequence data set: the rule waits for the 1000 steps
    that the UCR sets needed (a plateau of the loss stopped GunPoint at 0.83 accuracy)."""
    X, y = clf_data  # 60 sequences: 2 batches of 32, 500 epochs
    clf = RNNClassifier(units=2, n_iter_no_change=1, tol=10.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.fit(X[:, :2], y)  # tol=10: every epoch a miss; converged, held to the budget
    assert clf.n_iter_ == 500
    # on a table the rule applies from the first epochs
    table = RNNClassifier(units=2, n_iter_no_change=1, tol=10.0, random_state=0)
    assert table.fit(X[:, 0], y).n_iter_ == 3  # epoch 1 sets the best, 2 and 3 miss


def test_explicit_epochs_on_small_sequence_data_train_them_all(seq_data):
    """Fewer epochs than the 1000-step budget: the rule never stops sequences (as the
    forecaster's windows, epochs=100); on a table it does."""
    X, y = seq_data  # 48 sequences, 2 batches of 32
    reg = RNNRegressor(units=2, epochs=40, n_iter_no_change=1, tol=10.0, random_state=0)
    assert reg.fit(X, y).n_iter_ == 40
    assert reg.fit(X[:, 0], y).n_iter_ == 3


def test_early_stopping_judges_the_validation_score(clf_data):
    X, y = clf_data[0][:, :, 0], clf_data[1]  # a table
    clf = RNNClassifier(**{**FAST, "epochs": 200}, early_stopping=True, n_iter_no_change=3)
    clf.fit(X, y)
    scores = clf.validation_scores_
    assert len(scores) == clf.n_iter_ < 200
    # stopped after more than 3 epochs that did not beat the best score by tol
    best = int(np.argmax(scores))
    assert len(scores) - 1 - best > 3


def test_patience_is_a_deprecated_alias(seq_data):
    X, y = seq_data[0][:, -1], seq_data[1]
    reg = RNNRegressor(**{**FAST, "epochs": 300}, patience=3, tol=0.05)
    with pytest.warns(FutureWarning, match="patience is deprecated .* n_iter_no_change"):
        reg.fit(X, y)
    assert reg.n_iter_ < 300


def test_the_warning_names_the_users_fit_not_skorchs_callback_loop(seq_data):
    """A warning from a callback named a line of skorch's loop ("skorch/net.py:432");
    it names the line of the user's code that called fit."""
    X, y = seq_data[0][:, -1], seq_data[1]
    reg = RNNRegressor(**{**FAST, "epochs": 30}, n_iter_no_change=3, tol=0.0)
    with pytest.warns(ConvergenceWarning, match="bound of 30 epochs") as record:
        reg.fit(X, y)
    assert [w.filename for w in record] == [__file__]
