"""Fuzzing the public estimators (hypothesis): random shapes, dtypes, NaN/inf positions,
ragged lists, label types and hyperparameter values thrown at fit/predict/transform.

The contract, for every call: either a result of the right length and type with finite
values, or a ``ValueError``/``TypeError`` whose message names the argument at fault,
never another exception type, never NaN out; and a fitted estimator is unchanged (its
predictions bit for bit) after any failed call. Examples are derandomized (CI sees the
same cases every run) and few, with tiny networks and one epoch: the file runs in well
under a minute.
"""

import functools
import warnings

import numpy as np
import pytest
from conftest import FAST
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skrnn import (
    RNNClassifier,
    RNNRegressor,
    Seq2SeqTransformer,
    SequenceMinMaxScaler,
    SequenceStandardScaler,
    SlidingWindowTransformer,
    make_supervised,
)
from skrnn._input.validation import names_argument

FUZZ = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
TINY = {**FAST, "units": 2, "epochs": 1, "batch_size": 4}

#: The arguments of the calls fuzzed here, which an error message must name.
NAMES = {"X": ("X",), "y": ("y",), "Y": ("Y",)}


# -- strategies ---------------------------------------------------------------------------
SPECIAL = st.sampled_from([np.nan, np.inf, -np.inf, 1e30, -0.0])
DTYPES = st.sampled_from([np.float32, np.float64, np.int64, np.bool_, object, str])


@st.composite
def arrays(draw, max_ndim=4, min_n=0):
    """Arrays of random ndim (0-4), shape, dtype, with NaN/inf at random positions."""
    ndim = draw(st.integers(0, max_ndim))
    shape = tuple(draw(st.lists(st.integers(0, 5), min_size=ndim, max_size=ndim)))
    if ndim:
        shape = (max(shape[0], min_n), *shape[1:])
    seed = draw(st.integers(0, 2**16))
    values = np.asarray(np.random.RandomState(seed).randn(*shape))
    if values.size and draw(st.booleans()):
        flat = values.reshape(-1)
        for i in draw(st.lists(st.integers(0, values.size - 1), max_size=3)):
            flat[i] = draw(SPECIAL)
    dtype = draw(DTYPES)
    with np.errstate(invalid="ignore", over="ignore"):
        return values.astype(dtype) if dtype is not str else values.astype(str)


@st.composite
def ragged_lists(draw):
    """Lists of sequences of random lengths (0 included) and feature counts."""
    n = draw(st.integers(0, 4))
    seqs = []
    for i in range(n):
        t = draw(st.integers(0, 4))
        f = draw(st.sampled_from([None, 1, 2]))
        s = np.random.RandomState(i).randn(*((t,) if f is None else (t, f)))
        if s.size and draw(st.booleans()):
            s.reshape(-1)[0] = draw(SPECIAL)
        seqs.append(s if draw(st.booleans()) else s.tolist())
    return seqs


@st.composite
def training_pairs(draw):
    """Mostly valid ``(X, y)``: a small float array or list of sequences, labels of a
    random kind, one per sequence; now and then a NaN/inf in X or y."""
    n, t, f = draw(st.integers(1, 6)), draw(st.integers(1, 4)), draw(st.integers(1, 2))
    X = np.random.RandomState(n * t).randn(n, t, f)
    if draw(st.booleans()):
        X = [x[: draw(st.integers(1, t))] for x in X]  # ragged sequences
    elif draw(st.integers(0, 4)) == 0:
        X[draw(st.integers(0, n - 1)), 0, 0] = draw(SPECIAL)
    kind = draw(st.sampled_from(["int", "str", "float", "bool", "mixed"]))
    labels = {
        "int": st.integers(-3, 3),
        "str": st.text("abc", min_size=1, max_size=2),
        "float": st.floats(-1e3, 1e3) | SPECIAL,
        "bool": st.booleans(),
        "mixed": st.one_of(st.integers(0, 2), st.text("ab", min_size=1, max_size=1)),
    }[kind]
    y = draw(st.lists(labels, min_size=n, max_size=n))
    return X, (np.asarray(y, dtype=object) if kind == "mixed" else np.asarray(y))


X_ANY = st.one_of(
    arrays(),
    ragged_lists(),
    st.none(),
    st.just("abc"),
    st.lists(st.text("ab", max_size=3), max_size=3),
    st.lists(st.lists(st.integers(-2, 10**9), max_size=3), max_size=3),
)

LABELS = st.one_of(
    arrays(max_ndim=2),
    st.lists(st.one_of(st.integers(0, 2), st.text("ab", max_size=1), st.none()), max_size=7),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=7),
    st.none(),
)

HYPER = st.sampled_from(
    [
        ("units", 0),
        ("units", np.int64(3)),
        ("units", 2.5),
        ("units", "4"),
        ("num_layers", np.int32(2)),
        ("dropout", np.float32(0.2)),
        ("dropout", 1.0),
        ("lr", np.nan),
        ("lr", -1.0),
        ("lr", np.float32(0.01)),
        ("batch_size", 0),
        ("epochs", np.int64(1)),
        ("bidirectional", np.bool_(True)),
        ("bidirectional", "yes"),
        ("optimizer", "nope"),
        ("optimizer", int),
        ("callbacks", ["x"]),
        ("device", "meta"),
        ("device", "nope"),
        ("random_state", -1),
        ("random_state", np.int64(3)),
    ]
)


# -- the contract -------------------------------------------------------------------------
def _names(exc: Exception, names) -> bool:
    return any(names_argument(str(exc), name) for name in names)


def _outcome(call, names, *, param=None):
    """Run ``call``; return its result, or ``None`` after checking its error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return call()
    except (ValueError, TypeError) as exc:
        allowed = names + ((param,) if param else ())
        assert _names(exc, allowed), f"{type(exc).__name__} names none of {allowed}: {exc}"
        return None


def _check_finite(out, n):
    assert n is None or len(out) == n
    arr = np.asarray(out)
    if arr.dtype.kind in "fc":
        assert np.isfinite(arr).all(), "NaN or infinity in a result"


def _snapshot(est, probe):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if isinstance(est, RNNClassifier):
            return est.predict_proba(probe)
        if hasattr(est, "predict"):
            return est.predict(probe)
        return est.transform(probe)


rng = np.random.RandomState(0)
X_FIT = rng.randn(8, 3, 2).astype(np.float32)
Y_REG = X_FIT.sum(axis=(1, 2))
Y_CLF = np.where(Y_REG > 0, "up", "down")
SERIES = rng.randn(20, 2)


@functools.cache
def fitted(name):
    """One fitted instance of each estimator and its probe data, shared by the fuzzers
    (a function, not a fixture: hypothesis would print the fixture in every report)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "regressor": lambda: (RNNRegressor(**TINY).fit(X_FIT, Y_REG), X_FIT),
            "classifier": lambda: (RNNClassifier(**TINY).fit(X_FIT, Y_CLF), X_FIT),
            "seq2seq": lambda: (Seq2SeqTransformer(**TINY).fit(X_FIT), X_FIT),
            "window": lambda: (SlidingWindowTransformer(3).fit(SERIES), SERIES),
            "minmax": lambda: (SequenceMinMaxScaler().fit(X_FIT), X_FIT),
            "standard": lambda: (SequenceStandardScaler().fit(X_FIT), X_FIT),
        }[name]()


@pytest.mark.parametrize(
    "name", ["regressor", "classifier", "seq2seq", "window", "minmax", "standard"]
)
@FUZZ
@given(X=X_ANY)
def test_predict_and_transform_keep_the_contract(name, X):
    est, probe = fitted(name)
    before = _snapshot(est, probe)
    methods = ["predict", "transform", "predict_proba"]
    for method in [m for m in methods if hasattr(est, m)]:
        out = _outcome(lambda m=method: getattr(est, m)(X), NAMES["X"])
        if out is not None:
            _check_finite(out, len(X))
    np.testing.assert_array_equal(_snapshot(est, probe), before)


@pytest.mark.parametrize("Est", [RNNRegressor, RNNClassifier], ids=["regressor", "classifier"])
@FUZZ
@given(
    data=st.one_of(training_pairs(), st.tuples(X_ANY, LABELS)), hyper=st.one_of(st.none(), HYPER)
)
def test_refit_keeps_the_contract(Est, data, hyper):
    X, y = data
    est, probe = fitted("regressor" if Est is RNNRegressor else "classifier")
    before = _snapshot(est, probe)
    params = est.get_params()
    param, result = None, None
    if hyper is not None:
        param, value = hyper
        est.set_params(**{param: value})
    try:
        result = _outcome(lambda: est.fit(X, y), NAMES["X"] + NAMES["y"], param=param)
        if result is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _check_finite(est.predict(X), len(X))
            return
        np.testing.assert_array_equal(_snapshot(est, probe), before)  # failed: unchanged
    finally:
        est.set_params(**params)
        if result is not None:  # the fit succeeded: refit the shared instance as it was
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(X_FIT, Y_REG if Est is RNNRegressor else Y_CLF)


@FUZZ
@given(X=X_ANY, Y=st.one_of(st.none(), X_ANY), hyper=st.one_of(st.none(), HYPER))
def test_seq2seq_fit_keeps_the_contract(X, Y, hyper):
    params = dict(TINY)
    param = None
    if hyper is not None and hyper[0] != "bidirectional":
        param, params[hyper[0]] = hyper
    est = Seq2SeqTransformer(**params)
    result = _outcome(lambda: est.fit(X, Y), NAMES["X"] + NAMES["Y"], param=param)
    if result is not None:
        _check_finite(est.transform(X), len(X))


@FUZZ
@given(X=st.one_of(arrays(max_ndim=3), ragged_lists(), st.none()), steps=st.integers(-1, 4))
def test_series_transformers_keep_the_contract(X, steps):
    for name, make in (
        ("window", lambda: SlidingWindowTransformer(time_steps=steps)),
        ("minmax", SequenceMinMaxScaler),
        ("standard", SequenceStandardScaler),
    ):
        est, probe = fitted(name)
        before = _snapshot(est, probe)
        params = est.get_params()
        if name == "window":
            est.set_params(time_steps=steps)
        out = _outcome(lambda e=est: e.fit_transform(X), NAMES["X"], param="time_steps")
        if out is not None:
            _check_finite(out, len(X))
            est.set_params(**params).fit(probe)  # restore the shared instance
        else:
            est.set_params(**params)
            np.testing.assert_array_equal(_snapshot(est, probe), before)
        _outcome(lambda m=make: m().fit(X), NAMES["X"], param="time_steps")


@FUZZ
@given(X=st.one_of(arrays(max_ndim=3), st.none()), steps=st.integers(-1, 4), h=st.integers(-1, 3))
def test_make_supervised_keeps_the_contract(X, steps, h):
    out = _outcome(lambda: make_supervised(X, steps, h), ("series", "time_steps", "horizon", "X"))
    if out is not None:
        Xw, yw = out
        assert len(Xw) == len(yw)
        assert np.isfinite(Xw).all() and np.isfinite(yw).all()


@settings(FUZZ, max_examples=25)
@given(
    y=st.one_of(arrays(max_ndim=2), st.none()),
    fh=st.one_of(st.none(), st.lists(st.integers(-3, 3), min_size=1, max_size=3)),
    strategy=st.sampled_from(["recursive", "direct"]),
)
def test_forecaster_fit_keeps_the_contract(y, fh, strategy):
    f, series = fitted_forecaster(strategy)
    before = f.predict(fh=[1, 2])
    out = _outcome(lambda: f.fit(y, fh=fh), NAMES["y"] + ("fh", "window_length"))
    if out is None:
        np.testing.assert_array_equal(f.predict(fh=[1, 2]), before)  # failed: unchanged
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pred = f.predict(fh=fh if strategy == "direct" else [1])
        f.fit(series, fh=[1, 2])  # restore the shared instance
    _check_finite(np.ravel(pred), None)


@functools.cache
def fitted_forecaster(strategy):
    """A fitted RNNForecaster (sktime's set_params unfits, so one per strategy)."""
    from skrnn import RNNForecaster

    series = np.sin(np.arange(30.0) / 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = RNNForecaster(strategy=strategy, window_length=3, units=2, epochs=1, random_state=0)
        return f.fit(series, fh=[1, 2]), series
