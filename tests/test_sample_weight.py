"""Sample weights in fit / partial_fit: a weighted mean of the loss."""

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skrnn import RNNClassifier, RNNRegressor

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# full batches: a weight of 2 and a duplicated row then give the same gradients
FULL_BATCH = dict(units=8, epochs=15, batch_size=1000, lr=0.01, random_state=0)


def _duplicated(X, y, w):
    idx = np.repeat(np.arange(len(X)), w)
    return X[idx], y[idx]


@pytest.mark.parametrize("Est, data", [(RNNRegressor, "seq_data"), (RNNClassifier, "clf_data")])
def test_weight_two_equals_a_duplicated_row(Est, data, request):
    X, y = request.getfixturevalue(data)
    w = np.where(np.arange(len(X)) % 3 == 0, 2, 1)
    # no target scaling: duplicated rows would move the target's mean and scale
    kw = dict(scale_target=False) if Est is RNNRegressor else {}
    weighted = Est(**FULL_BATCH, **kw).fit(X, y, sample_weight=w)
    dup = Est(**FULL_BATCH, **kw).fit(*_duplicated(X, y, w))
    out = "predict" if Est is RNNRegressor else "predict_proba"
    np.testing.assert_allclose(getattr(weighted, out)(X), getattr(dup, out)(X), atol=1e-4)


def test_unit_weights_change_nothing(seq_data):
    X, y = seq_data
    kw = dict(units=8, epochs=3, batch_size=16, random_state=0)
    plain = RNNRegressor(**kw).fit(X, y)
    ones = RNNRegressor(**kw).fit(X, y, sample_weight=np.ones(len(X)))
    np.testing.assert_allclose(ones.predict(X), plain.predict(X), rtol=1e-5)


def test_weights_pull_the_fit_towards_heavy_samples():
    X = np.zeros((40, 3, 1))
    y = np.r_[np.zeros(20), np.ones(20)]  # identical inputs, two targets
    w = np.r_[np.full(20, 9.0), np.ones(20)]
    reg = RNNRegressor(units=4, epochs=60, lr=0.05, random_state=0, scale_target=False)
    assert reg.fit(X, y, sample_weight=w).predict(X[:1])[0] == pytest.approx(0.1, abs=0.05)


def test_per_step_and_class_weighted_losses_accept_weights(clf_data):
    X, y = clf_data
    steps = np.repeat(y[:, None], X.shape[1], axis=1)
    w = np.linspace(0.5, 2.0, len(X))
    tagger = RNNClassifier(return_sequences=True, class_weight="balanced", **FULL_BATCH)
    tagger.fit(X, steps, sample_weight=w)
    assert np.isfinite(tagger.history_[:, "train_loss"]).all()
    reg = RNNRegressor(return_sequences=True, **FULL_BATCH)
    reg.fit(
        [x[: 3 + i % 3] for i, x in enumerate(X)],
        [x[: 3 + i % 3, 0] for i, x in enumerate(X)],
        sample_weight=w,
    )
    assert np.isfinite(reg.history_[:, "train_loss"]).all()


def test_partial_fit_and_early_stopping_take_weights(clf_data):
    X, y = clf_data
    w = np.linspace(0.5, 2.0, len(X))
    clf = RNNClassifier(units=4, early_stopping=True, epochs=3, random_state=0)
    clf.fit(X, y, sample_weight=w)
    clf.partial_fit(X, y, sample_weight=w)
    assert clf.n_iter_ == len(clf.history_) and "valid_loss" in clf.history_[-1]


def test_pipeline_routes_sample_weight(seq_data):
    X, y = seq_data
    w = np.where(np.arange(len(X)) % 2 == 0, 3.0, 1.0)
    kw = dict(units=4, epochs=3, batch_size=16, random_state=0)
    pipe = make_pipeline(FunctionTransformer(), RNNRegressor(**kw))
    pipe.fit(X, y, rnnregressor__sample_weight=w)
    direct = RNNRegressor(**kw).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(pipe.predict(X), direct.predict(X), rtol=1e-5)


@pytest.mark.parametrize(
    "w, match", [(np.ones(3), "sample_weight"), (-np.ones(48), "(?i)negative")]
)
def test_bad_weights_are_clear_errors(seq_data, w, match):
    X, y = seq_data
    with pytest.raises(ValueError, match=match):
        RNNRegressor(units=4, epochs=1).fit(X, y, sample_weight=w)


@pytest.mark.parametrize("per_step", [False, True])
def test_weighted_loss_is_the_criterions_own_loss(per_step):
    """With sample weights the loss is the criterion's elementwise loss, weighted: unit
    weights give the unweighted loss for a pinball (quantile) criterion as for MSE, and
    weights w give the weighted mean of the criterion's per-sample losses."""
    import torch

    from skrnn._torch.losses import PinballLoss
    from skrnn._training.nets import SAMPLE_WEIGHT, SequenceRegressorNet

    gen = torch.Generator().manual_seed(0)
    shape = (6, 4, 3) if per_step else (6, 3)
    y_pred, y_true = torch.randn(shape, generator=gen), torch.randn(shape, generator=gen)
    w = torch.arange(1.0, 7.0)
    for criterion, kwargs in [
        (PinballLoss, dict(criterion__quantiles=[0.1, 0.5, 0.9])),
        (torch.nn.MSELoss, {}),
        (torch.nn.L1Loss, {}),
    ]:
        net = SequenceRegressorNet(torch.nn.Linear(1, 3), criterion=criterion, **kwargs)
        net.initialize()
        X = {"X": torch.zeros(6, 1)}
        plain = net.get_loss(y_pred, y_true, X=X).item()
        ones = net.get_loss(y_pred, y_true, X={**X, SAMPLE_WEIGHT: torch.ones(6)}).item()
        assert ones == pytest.approx(plain, rel=1e-6), criterion
        weighted = net.get_loss(y_pred, y_true, X={**X, SAMPLE_WEIGHT: w}).item()
        per_sample = torch.stack(
            [net.criterion_(y_pred[i : i + 1], y_true[i : i + 1]) for i in range(6)]
        )
        expected = float((per_sample * w).sum() / w.sum())
        assert weighted == pytest.approx(expected, rel=1e-5), criterion
        assert net.criterion_.reduction == "mean"  # the criterion is left as it was


def test_weights_with_a_criterion_that_cannot_give_elementwise_losses_are_an_error():
    import torch

    from skrnn._training.nets import SAMPLE_WEIGHT, SequenceRegressorNet

    class MeanOnly(torch.nn.Module):
        def forward(self, y_pred, y_true):
            return ((y_pred - y_true) ** 2).mean()

    net = SequenceRegressorNet(torch.nn.Linear(1, 2), criterion=MeanOnly).initialize()
    y = torch.zeros(3, 2)
    X = {"X": torch.zeros(3, 1), SAMPLE_WEIGHT: torch.ones(3)}
    with pytest.raises(TypeError, match="MeanOnly has no 'reduction'"):
        net.get_loss(y, y, X=X)
    net.criterion_.reduction = "mean"  # an attribute the criterion ignores
    with pytest.raises(ValueError, match=r"returned shape \(\)"):
        net.get_loss(y, y, X=X)


def test_quantile_regressor_with_unit_weights_trains_as_without(seq_data):
    """The forecaster's quantile network (pinball loss) trains alike with unit weights
    and without weights: the weighted loss is its own loss, not a squared error."""
    from skrnn import RNNRegressor

    X, y = seq_data
    kw = dict(units=8, epochs=3, batch_size=16, random_state=0)
    kw.update(loss="pinball", quantiles=(0.1, 0.5, 0.9))
    plain = RNNRegressor(**kw)
    ones = RNNRegressor(**kw)
    Y = np.repeat(np.asarray(y, dtype=float).reshape(len(y), -1), 3, axis=1)
    plain.fit(X, Y)
    ones.fit(X, Y, sample_weight=np.ones(len(X)))
    np.testing.assert_allclose(ones.loss_curve_, plain.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(ones.predict(X), plain.predict(X), rtol=1e-5, atol=1e-6)
