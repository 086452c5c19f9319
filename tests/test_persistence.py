"""skrnn.save / skrnn.load: round trips give identical predictions, and nothing in a
file is ever run (pickle refused, changed files refused, untrusted types refused)."""

import json
import os
import pickle
import re

import numpy as np
import pandas as pd
import pytest
from conftest import FAST
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import skrnn
from skrnn import (
    RNNClassifier,
    RNNRegressor,
    Seq2SeqTransformer,
    SequenceMinMaxScaler,
    SequenceStandardScaler,
    SequenceTokenizer,
    SlidingWindowTransformer,
)
from skrnn._deploy import persistence

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    # two-epoch fits: whether they learned is not what these tests check
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]
TINY = dict(FAST, units=4, epochs=2)


def round_trip(model, tmp_path):
    path = tmp_path / "model.skrnn"
    skrnn.save(model, path)
    return skrnn.load(path)


def same(a, b):
    if isinstance(a, list):
        return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    return np.array_equal(a, b)


@pytest.mark.parametrize(
    "params",
    [
        {},
        dict(cell="gru", bidirectional=True, num_layers=2, pooling="mean"),
        dict(cell="rnn", activation="relu", num_layers=2, dropout=0.2, pooling="max"),
        dict(instance_norm="standard", scale_target=False),
    ],
)
def test_regressor_round_trip_predicts_identically(seq_data, tmp_path, params):
    X, y = seq_data
    reg = RNNRegressor(**TINY, **params).fit(X, np.c_[y, 2 * y])
    loaded = round_trip(reg, tmp_path)
    assert type(loaded) is RNNRegressor
    assert loaded.get_params() == reg.get_params()
    assert same(loaded.predict(X), reg.predict(X))
    assert loaded.loss_curve_ == reg.loss_curve_
    assert not np.shares_memory(loaded.target_mean_, reg.target_mean_)


def test_variable_length_sequence_labeller_round_trip(tmp_path):
    rng = np.random.RandomState(0)
    X = [rng.rand(t, 2) for t in (3, 6, 4)]
    y = [x.sum(axis=1) for x in X]
    reg = RNNRegressor(**TINY, return_sequences=True, bidirectional=True).fit(X, y)
    assert same(round_trip(reg, tmp_path).predict(X), reg.predict(X))


def test_continued_training_after_load_equals_continued_training(seq_data, tmp_path):
    """The optimizer state travels too: partial_fit continues identically."""
    X, y = seq_data
    reg = RNNRegressor(**TINY).fit(X, y)
    loaded = round_trip(reg, tmp_path)
    reg.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert same(loaded.predict(X), reg.predict(X))


@pytest.mark.parametrize(
    "X",
    [
        ["abc", "bcd", "ca", "dab"],  # characters
        [[7, 1000, 3], [3, 7], [1000], [3, 3, 7]],  # integer tokens
    ],
)
def test_token_classifier_round_trip(tmp_path, X):
    with pytest.warns(FutureWarning, match="Passing text"):  # deprecated: its vocabulary
        clf = RNNClassifier(**TINY, embedding_dim=3).fit(X, ["x", "y", "x", "y"])
    loaded = round_trip(clf, tmp_path)
    assert loaded.vocabulary_ == clf.vocabulary_
    unseen = X[:2] + (["zz"] if isinstance(X[0], str) else [[5, 9]])
    assert same(loaded.predict_proba(unseen), clf.predict_proba(unseen))
    assert same(loaded.predict(unseen), clf.predict(unseen))
    # the pipeline that replaces it: the tokenizer's vocabulary and the ids' embedding
    pipe = Pipeline(
        [("tokens", SequenceTokenizer()), ("clf", RNNClassifier(**TINY, embedding_dim=3))]
    ).fit(X, ["x", "y", "x", "y"])
    loaded = round_trip(pipe, tmp_path)
    assert loaded[0].vocabulary_ == pipe[0].vocabulary_
    assert same(loaded.predict_proba(unseen), pipe.predict_proba(unseen))


def test_numeric_classifier_round_trip(clf_data, tmp_path):
    X, y = clf_data
    clf = RNNClassifier(**TINY, class_weight="balanced").fit(X, y)
    loaded = round_trip(clf, tmp_path)
    assert same(loaded.classes_, clf.classes_) and loaded.classes_.dtype == clf.classes_.dtype
    assert same(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.score(X, y) == clf.score(X, y)


@pytest.mark.parametrize("kind", ["text", "numeric"])
def test_seq2seq_round_trip(tmp_path, kind):
    if kind == "text":
        X, Y = ["ab", "ba", "abb", "b"], ["ba", "ab", "bba", "b"]
        s2s = Seq2SeqTransformer(**TINY, attention="dot").fit(X, Y)
    else:
        rng = np.random.RandomState(0)
        X, Y = rng.rand(8, 5, 2), rng.rand(8, 3, 1)
        s2s = Seq2SeqTransformer(**TINY, instance_norm="last").fit(X, Y)
    loaded = round_trip(s2s, tmp_path)
    assert same(loaded.predict(X), s2s.predict(X))
    assert same(loaded.transform(X), s2s.transform(X))


def test_transformers_round_trip(tmp_path):
    series = pd.DataFrame(
        {"y": np.arange(30.0), "x": np.sin(np.arange(30.0))},
        index=pd.period_range("2000-01", periods=30, freq="M"),
    )
    window = SlidingWindowTransformer(time_steps=4, include_current=["x"]).fit(series[:20])
    loaded = round_trip(window, tmp_path)
    assert same(loaded.transform(series[20:]), window.transform(series[20:]))
    assert same(loaded.get_feature_names_out(), window.get_feature_names_out())
    X = np.random.RandomState(0).rand(5, 4, 3)
    for scaler in (SequenceMinMaxScaler(feature_range=(-1, 1)), SequenceStandardScaler()):
        scaler.fit(X)
        loaded = round_trip(scaler, tmp_path)
        assert same(loaded.transform(X), scaler.transform(X))
        assert same(loaded.inverse_transform(X), scaler.inverse_transform(X))


def test_pipeline_with_scikit_learn_steps_round_trip(tmp_path):
    series = np.cumsum(np.random.RandomState(0).randn(60))
    pipe = Pipeline(
        [
            ("window", SlidingWindowTransformer(time_steps=5, use_fit_history=False)),
            ("rnn", RNNRegressor(**TINY, instance_norm="last")),
        ]
    ).fit(series, series)
    loaded = round_trip(pipe, tmp_path)
    assert same(loaded.predict(series), pipe.predict(series))
    assert loaded.named_steps["rnn"].get_params() == pipe.named_steps["rnn"].get_params()
    plain = Pipeline([("scale", StandardScaler()), ("ridge", Ridge())])
    plain.fit(series[:, None], series)
    assert same(
        round_trip(plain, tmp_path).predict(series[:, None]), plain.predict(series[:, None])
    )


@pytest.mark.filterwarnings("ignore:The default of config:FutureWarning")
def test_forecaster_round_trip(tmp_path):
    from sktime.datasets import load_airline

    y = load_airline()[:60]
    forecaster = skrnn.RNNForecaster(window_length=6, epochs=2, units=4, random_state=0)
    forecaster.fit(y, fh=[1, 2, 3])
    loaded = round_trip(forecaster, tmp_path)
    pd.testing.assert_frame_equal(
        loaded.predict_interval(coverage=0.8), forecaster.predict_interval(coverage=0.8)
    )
    pd.testing.assert_series_equal(loaded.predict(), forecaster.predict())
    assert loaded.cutoff.equals(forecaster.cutoff)


def header(path) -> dict:
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    return json.loads(json.loads(raw[8 : 8 + n])["__metadata__"]["skrnn"])


def rewrite_header(path, edit) -> None:
    """Rewrite a saved file's JSON header with ``edit``, keeping its checksum valid."""
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    outer = json.loads(raw[8 : 8 + n])
    inner = edit(json.loads(outer["__metadata__"]["skrnn"]))
    text = json.dumps(inner)
    tensors = persistence._safetensors().numpy.load(raw)
    outer["__metadata__"] = {"skrnn": text, "sha256": persistence._digest(text, tensors)}
    new = json.dumps(outer).encode()
    path.write_bytes(len(new).to_bytes(8, "little") + new + raw[8 + n :])


def _on_device(data, device: str):
    """The header's data with every saved ``device`` attribute set to ``device`` (an
    object's attributes are a dict entry: its keys in "k", its values in "v")."""
    if isinstance(data, list):
        return [_on_device(v, device) for v in data]
    if not isinstance(data, dict):
        return data
    data = {k: _on_device(v, device) for k, v in data.items()}
    if data.get("t") == "dict" and "device" in data["k"]:
        data["v"][data["k"].index("device")] = device
    return data


def test_a_model_saved_on_a_device_this_machine_lacks_loads_with_device(tmp_path):
    """A forecaster fitted on a GPU and loaded where there is none: its networks' device
    is an error naming ``load(path, device="cpu")``, which loads it there (the file here
    claims MPS, which no Linux machine has: a GPU's file reads the same on a CPU)."""
    from sktime.datasets import load_airline

    y = load_airline()[:60]
    forecaster = skrnn.RNNForecaster(window_length=6, epochs=2, units=4, random_state=0)
    forecaster.fit(y, fh=[1, 2, 3])
    path = tmp_path / "model.skrnn"
    skrnn.save(forecaster, path)
    rewrite_header(path, lambda h: _on_device(h, "mps"))
    assert '"mps"' in json.dumps(header(path))
    with pytest.raises(ValueError, match=re.escape("skrnn.load(path, device='cpu')")):
        skrnn.load(path)
    loaded = skrnn.load(path, device="cpu")
    assert loaded.device == "cpu" and {m.device for m in loaded.estimators_} == {"cpu"}
    pd.testing.assert_series_equal(loaded.predict(), forecaster.predict())


def test_load_device_is_checked(seq_data, tmp_path):
    path = tmp_path / "model.skrnn"
    skrnn.save(RNNRegressor(**TINY).fit(*seq_data), path)
    with pytest.raises(ValueError, match="device='tpu'"):
        skrnn.load(path, device="tpu")
    with pytest.raises(TypeError, match="device must be a str"):
        skrnn.load(path, device=0)


@pytest.mark.filterwarnings("ignore:The default of config:FutureWarning")
def test_a_network_held_in_two_places_is_saved_once_and_shared_after_load(tmp_path):
    from sktime.datasets import load_airline

    forecaster = skrnn.RNNForecaster(window_length=6, epochs=2, units=4, random_state=0)
    forecaster.fit(load_airline()[:60], fh=[1, 2, 3])
    members = forecaster.estimators_
    assert forecaster.estimator_ is members[0] and len(members) > 1  # what the test needs
    path = tmp_path / "m.skrnn"
    skrnn.save(forecaster, path)
    assert json.dumps(header(path)).count('"module_class"') == len(members)
    loaded = skrnn.load(path)
    assert loaded.estimator_ is loaded.estimators_[0]
    assert [id(m) for m in loaded._members] == [id(m) for m in loaded.estimators_]
    pd.testing.assert_series_equal(loaded.predict(), forecaster.predict())

    # a reference to an object the file does not hold is refused
    def dangling(state):
        text = re.sub(r'"t": "shared", "v": \d+', '"t": "shared", "v": 99', json.dumps(state))
        return json.loads(text)

    rewrite_header(path, dangling)
    with pytest.raises(persistence.UnsafeFileError, match="object 99"):
        skrnn.load(path)


def test_files_of_format_1_still_load(seq_data, tmp_path):
    X, y = seq_data
    reg = RNNRegressor(**TINY).fit(X, y)
    path = tmp_path / "m.skrnn"
    skrnn.save(reg, path)
    assert header(path)["format"] == "skrnn-model/2"
    rewrite_header(path, lambda state: {**state, "format": "skrnn-model/1"})
    assert same(skrnn.load(path).predict(X), reg.predict(X))


def test_unfitted_estimator_round_trip_keeps_parameters(tmp_path):
    import torch

    est = RNNRegressor(units=5, optimizer=torch.optim.SGD, random_state=np.random.RandomState(3))
    loaded = round_trip(est, tmp_path)
    assert loaded.optimizer is torch.optim.SGD and loaded.units == 5
    assert loaded.random_state.randint(1000) == np.random.RandomState(3).randint(1000)
    clone(loaded)


def test_code_is_refused_when_saving(tmp_path):
    est = RNNClassifier(embedding_dim=2, tokenizer=str.split)
    with pytest.raises(TypeError, match=r"RNNClassifier\['tokenizer'\].*function"):
        skrnn.save(est, tmp_path / "m.skrnn")
    with pytest.raises(TypeError, match="not data"):
        skrnn.save(Pipeline([("f", FunctionHolder())]), tmp_path / "m.skrnn")


class FunctionHolder:
    def __init__(self):
        self.f = 1


def test_pickle_file_is_refused_not_run(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "model.skrnn"
    path.write_bytes(pickle.dumps(Exploit(str(marker))))
    with pytest.raises(persistence.UnsafeFileError, match="not a skrnn model file"):
        skrnn.load(path)
    assert not marker.exists()


class Exploit:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def forge(path, model, edit=lambda state: state, versions=None):
    """Write ``model`` as save does, after ``edit`` changed its JSON state: a file that
    someone crafted, with a valid checksum."""
    encoder = persistence._Encoder()
    state = edit(encoder.encode(model, "model"))
    persistence._write(path, state, encoder.tensors, versions or persistence._versions())


def test_changed_file_is_refused(seq_data, tmp_path):
    X, y = seq_data
    path = tmp_path / "model.skrnn"
    skrnn.save(RNNRegressor(**TINY).fit(X, y), path)
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1  # one bit of one weight
    path.write_bytes(bytes(raw))
    with pytest.raises(persistence.UnsafeFileError, match="changed after skrnn.save"):
        skrnn.load(path)


@pytest.mark.parametrize("name", ["os:system", "builtins:eval", "subprocess:Popen"])
def test_untrusted_type_is_refused_before_import(tmp_path, monkeypatch, name):
    imported = []
    real = persistence.importlib.import_module
    monkeypatch.setattr(
        persistence.importlib,
        "import_module",
        lambda m, *args: imported.append(m) or real(m, *args),
    )
    path = tmp_path / "model.skrnn"

    def edit(state):
        state["cls"] = name
        return state

    forge(path, SequenceStandardScaler(), edit)
    with pytest.raises(persistence.UnsafeFileError, match="not from a trusted package"):
        skrnn.load(path)
    assert name.split(":")[0] not in imported


def test_trusted_package_but_not_an_estimator_is_refused(tmp_path):
    def edit(state):
        state["cls"] = "sklearn.utils:Bunch"
        return state

    forge(tmp_path / "m.skrnn", SequenceStandardScaler(), edit)
    with pytest.raises(persistence.UnsafeFileError, match="not a class skrnn.load creates"):
        skrnn.load(tmp_path / "m.skrnn")


def test_other_versions_load_when_compatible_and_name_both_when_not(seq_data, tmp_path):
    X, y = seq_data
    reg = RNNRegressor(**TINY).fit(X, y)
    old = {"skrnn": "0.0.1", "torch": "1.13.0", "scikit-learn": "1.2.0"}
    path = tmp_path / "old.skrnn"
    forge(path, reg, versions=old)
    assert same(skrnn.load(path).predict(X), reg.predict(X))

    def drop_param(state):  # a file from before a parameter existed
        keys = state["state"]["k"]
        i = keys.index("init")
        del keys[i], state["state"]["v"][i]
        return state

    forge(path, reg, drop_param, versions=old)
    with pytest.raises(ValueError, match=r"skrnn 0\.0\.1 with torch 1\.13\.0.*this is skrnn") as e:
        skrnn.load(path)
    assert "'init'" in str(e.value) and skrnn.__version__ in str(e.value)

    forge(path, reg, lambda s: {**s, "net": {**s["net"], "module": {}}}, versions=old)
    with pytest.raises(ValueError, match=r"(?s)skrnn 0\.0\.1.*Missing key"):
        skrnn.load(path)


def test_other_format_is_refused_naming_versions(tmp_path):
    path = tmp_path / "m.skrnn"
    forge(path, SequenceStandardScaler())
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    inner = json.loads(header["__metadata__"]["skrnn"])
    inner["format"] = "skrnn-model/99"
    text = json.dumps(inner)
    header["__metadata__"] = {"skrnn": text, "sha256": persistence._digest(text, {})}
    new = json.dumps(header).encode()
    path.write_bytes(len(new).to_bytes(8, "little") + new + raw[8 + n :])
    with pytest.raises(ValueError, match=r"skrnn-model/99.*written by skrnn"):
        skrnn.load(path)


def test_load_accepts_str_paths(tmp_path):
    path = os.path.join(tmp_path, "scaler.skrnn")
    skrnn.save(SequenceStandardScaler().fit(np.arange(6.0)), path)
    assert skrnn.load(path).mean_.tolist() == [2.5]


def test_only_optimizer_loss_and_estimator_types_are_referenced(tmp_path):
    import torch

    def edit(state):
        i = state["state"]["k"].index("optimizer")
        state["state"]["v"][i] = {"t": "type", "v": "torch.hub:Path"}
        return state

    forge(tmp_path / "m.skrnn", RNNRegressor(optimizer=torch.optim.SGD), edit)
    with pytest.raises(persistence.UnsafeFileError, match="torch.hub:Path"):
        skrnn.load(tmp_path / "m.skrnn")


def test_files_saved_before_the_subpackages_name_classes_that_still_resolve():
    """0.2.0 moved skrnn's modules into subpackages: a file saved before names
    skrnn._regressor:RNNRegressor and the like, which load still finds."""
    assert persistence._resolve_class("skrnn._regressor:RNNRegressor", instance=True) is (
        skrnn.RNNRegressor
    )
    window = persistence._resolve_class("skrnn._windows:SlidingWindowTransformer", instance=True)
    assert window is SlidingWindowTransformer
    with pytest.raises(persistence.UnsafeFileError):
        persistence._resolve_class("os:system", instance=True)
