"""The ``init`` parameter and the Keras-style initialisation scheme."""

import math

import numpy as np
import pytest
import torch

from skrnn import RNNClassifier, RNNRegressor
from skrnn._torch.init import init_parameters
from skrnn._torch.random import make_generator
from skrnn._torch.rnn import RNNModule

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _keras(cell, units=6, **kw):
    module = RNNModule(n_features=3, n_outputs=2, cell=cell, units=units, **kw)
    return init_parameters(module, make_generator(0), "keras")


@pytest.mark.parametrize("cell, gates", [("lstm", 4), ("gru", 3), ("rnn", 1)])
def test_keras_scheme_orthogonal_recurrent_glorot_input_zero_bias(cell, gates):
    module = _keras(cell, num_layers=2, bidirectional=True)
    rnns = [m for m in module.modules() if isinstance(m, torch.nn.RNNBase)]
    assert rnns
    for rnn in rnns:
        for name, p in rnn.named_parameters():
            if name.startswith("weight_hh"):
                for g in range(gates):
                    block = p[g * 6 : (g + 1) * 6].detach()
                    torch.testing.assert_close(block @ block.T, torch.eye(6), atol=1e-5, rtol=0)
            elif name.startswith("weight_ih"):  # Glorot: uniform(+-sqrt(6 / (fan_in + fan_out)))
                bound = math.sqrt(6 / (p.shape[0] + p.shape[1]))
                assert 0.8 * bound < p.abs().max() <= bound
            elif name.startswith("bias_hh") or (name.startswith("bias_ih") and cell != "lstm"):
                assert not p.any()
    head = module.head
    assert not head.bias.any()


def test_keras_scheme_lstm_forget_gate_bias_is_one():
    module = _keras("lstm")
    rnn = next(m for m in module.modules() if isinstance(m, torch.nn.LSTM))
    bias = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach()  # gates i, f, g, o
    assert bias[6:12].tolist() == [1.0] * 6
    assert not bias[:6].any() and not bias[12:].any()


def test_keras_scheme_relu_rnn_gets_identity_recurrent_weights():
    module = _keras("rnn", activation="relu")
    rnn = next(m for m in module.modules() if isinstance(m, torch.nn.RNN))
    assert torch.equal(rnn.weight_hh_l0.detach(), torch.eye(6))


def test_init_parameter_picks_the_scheme(seq_data):
    X, y = seq_data
    kw = dict(units=6, epochs=1, random_state=0)
    torch_init = RNNRegressor(init="torch", **kw).fit(X, y)
    keras_init = RNNRegressor(**kw).fit(X, y)  # the default
    assert keras_init.get_params()["init"] == "keras"
    rnn = keras_init.module_.rnn
    lstm = next(m for m in rnn.modules() if isinstance(m, torch.nn.LSTM))
    assert lstm.bias_ih_l0[6:12].tolist() != [0.0] * 6  # forget bias, moved by 1 epoch
    bound = 1 / math.sqrt(6)
    first = next(m for m in torch_init.module_.rnn.modules() if isinstance(m, torch.nn.LSTM))
    assert first.bias_hh_l0.abs().max() <= bound + 0.05


def test_unknown_init_is_a_clear_error(seq_data):
    with pytest.raises(ValueError, match="init"):
        RNNClassifier(init="he", epochs=1).fit(*seq_data[:1], np.arange(48) % 2)


def test_keras_init_learns_a_long_sequence_faster():
    """A 96-step, 4-class task read to the end: after 5 epochs the Keras-style scheme
    is well ahead of PyTorch's (whose recurrent weights make the signal fade)."""
    rng = np.random.RandomState(0)
    y = rng.randint(0, 4, 256)
    X = rng.randn(256, 96, 1) * 0.3
    X[:, :8, 0] += y[:, None] - 1.5  # the class is written at the start only
    accs = {}
    for init in ("torch", "keras"):
        clf = RNNClassifier(
            init=init,
            units=16,
            epochs=5,
            lr=3e-3,
            conv_filters=None,
            downsample=1,
            zscore=False,
            random_state=0,
        ).fit(X, y)  # the recurrent layer alone: the convolutional branch learns either way
        accs[init] = clf.score(X, y)
    assert accs["keras"] > accs["torch"] + 0.2
