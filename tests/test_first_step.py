"""A one-step input (a table) trains without the fused recurrent kernel:
:func:`skrnn._torch.rnn.first_step` must compute what the kernel computes."""

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from skrnn import RNNClassifier, RNNRegressor
from skrnn._torch.random import make_generator, use_generator
from skrnn._torch.rnn import RNNModule, StackedRNN, first_step, fuses_first_step, make_rnn

LAYOUTS = list(itertools.product(["lstm", "gru", "rnn"], [1, 2], [False, True]))


@pytest.mark.parametrize("cell, num_layers, bidirectional", LAYOUTS)
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_first_step_computes_the_fused_output_and_gradients(
    cell, num_layers, bidirectional, activation
):
    torch.manual_seed(0)
    rnn = make_rnn(cell, 5, 6, num_layers, bidirectional, activation=activation)
    for p in rnn.parameters():  # biases away from 0, so that each one is checked
        nn.init.uniform_(p, -1.0, 1.0)
    assert fuses_first_step(rnn)
    x = torch.randn(7, 1, 5)
    ours = first_step(rnn, x)
    ours.pow(2).sum().backward()
    ours_grads = {n: p.grad.clone() for n, p in rnn.named_parameters() if p.grad is not None}
    rnn.zero_grad(set_to_none=True)
    fused = rnn(x)[0]
    fused.pow(2).sum().backward()
    torch.testing.assert_close(ours, fused)
    for name, p in rnn.named_parameters():
        if name in ours_grads:
            torch.testing.assert_close(ours_grads[name], p.grad)
        else:  # only the recurrent weights, which multiply the zero initial state
            assert name.startswith("weight_hh"), name
            assert not p.grad.any()


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_first_step_of_stacked_layers_draws_the_same_dropout_masks(cell):
    rnn = StackedRNN(cell, 4, 5, num_layers=3, bidirectional=True, dropout=0.5)
    x = torch.randn(8, 1, 4)
    with use_generator(make_generator(3)):
        ours = first_step(rnn, x)
    with use_generator(make_generator(3)):
        fused = rnn(x)[0]
    torch.testing.assert_close(ours, fused)
    rnn.eval()
    torch.testing.assert_close(first_step(rnn, x), rnn(x)[0])
    assert not torch.equal(ours, rnn(x)[0])  # the masks did drop units in training


def test_first_step_is_used_for_one_step_training_only():
    module = RNNModule(n_features=3, n_outputs=1, units=4)
    calls = []
    module.rnn.register_forward_hook(lambda *args: calls.append(1))
    module.train()
    module(torch.randn(5, 1, 3))
    assert calls == []  # a training step of a table: no fused kernel
    module(torch.randn(5, 2, 3))
    assert len(calls) == 1  # two steps: the kernel
    module.eval()
    module(torch.randn(5, 1, 3))
    assert len(calls) == 2  # inference: the kernel (batch-invariant; ONNX's graph)


def test_modules_first_step_cannot_compute_keep_the_kernel():
    assert not fuses_first_step(nn.LSTM(3, 4, num_layers=2, dropout=0.5, batch_first=True))
    assert not fuses_first_step(nn.LSTM(3, 4, proj_size=2, batch_first=True))
    assert not fuses_first_step(nn.GRU(3, 4))  # time first


@pytest.mark.parametrize(
    "Estimator, y",
    [(RNNRegressor, lambda X: X @ np.arange(1.0, 5.0)), (RNNClassifier, lambda X: X[:, 0] > 0)],
)
def test_tables_train_to_the_same_model_as_with_the_kernel(Estimator, y, monkeypatch):
    X = np.random.RandomState(0).normal(size=(60, 4)).astype(np.float32)
    params = dict(units=6, epochs=5, random_state=0)
    ours = Estimator(**params).fit(X, y(X))
    monkeypatch.setattr("skrnn._torch.rnn.fuses_first_step", lambda rnn: False)
    fused = Estimator(**params).fit(X, y(X))
    assert ours.module_._first_step and not fused.module_._first_step
    np.testing.assert_allclose(ours.loss_curve_, fused.loss_curve_, rtol=1e-5)
    prediction = ours.predict_proba(X) if Estimator is RNNClassifier else ours.predict(X)
    expected = fused.predict_proba(X) if Estimator is RNNClassifier else fused.predict(X)
    np.testing.assert_allclose(prediction, expected, rtol=1e-4, atol=1e-6)
