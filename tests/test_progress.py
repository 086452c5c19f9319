"""verbose: a progress bar and coloured table in a terminal, plain text elsewhere, quiet by
default; loss_curve_ and validation_scores_; progress of long helpers."""

import io
import pickle
import sys

import numpy as np
import pytest
from conftest import FAST
from sklearn.pipeline import make_pipeline

import skrnn._training.progress
from skrnn import (
    RNNClassifier,
    RNNRegressor,
    Seq2SeqTransformer,
    SequenceTokenizer,
    generate_text,
)
from skrnn._training.progress import progress

ANSI = "\x1b["


class Terminal(io.StringIO):
    """A captured stream that says it is a terminal."""

    def isatty(self):
        return True


@pytest.fixture
def streams(monkeypatch):
    """Replace stdout/stderr by captured streams; ``streams(tty)`` sets their kind."""

    def use(tty: bool):
        out, err = (Terminal(), Terminal()) if tty else (io.StringIO(), io.StringIO())
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        return out, err

    return use


def test_quiet_by_default(seq_data, streams):
    out, err = streams(tty=True)
    RNNRegressor(**FAST).fit(*seq_data)
    assert out.getvalue() == "" and err.getvalue() == ""


@pytest.mark.parametrize("Est", [RNNRegressor, Seq2SeqTransformer])
def test_terminal_gets_progress_bar_and_table(Est, seq_data, streams):
    out, err = streams(tty=True)
    X, y = seq_data
    Est(verbose=1, **FAST).fit(X, y if Est is RNNRegressor else None)
    assert "train_loss" in out.getvalue()
    assert ANSI in out.getvalue()  # skorch colours the best values in a terminal
    bar = err.getvalue()
    assert "\r" in bar and "it/s]" in bar  # tqdm redraws its line, one bar per epoch
    assert bar.count("0/3 [") == 3  # 48 samples, batch 16: three batches, three epochs


@pytest.mark.parametrize("Est", [RNNRegressor, Seq2SeqTransformer])
def test_log_file_gets_plain_table_without_bar(Est, seq_data, streams):
    out, err = streams(tty=False)
    X, y = seq_data
    Est(verbose=1, **FAST).fit(X, y if Est is RNNRegressor else None)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["epoch", "train_loss", "dur"]
    assert [line.split()[0] for line in lines[2:]] == ["1", "2", "3"]
    assert ANSI not in out.getvalue() and err.getvalue() == ""


def test_plain_table_with_early_stopping_columns(seq_data, streams):
    out, _ = streams(tty=False)
    RNNRegressor(verbose=1, early_stopping=True, **FAST).fit(*seq_data)
    header = out.getvalue().splitlines()[0].split()
    assert header == ["epoch", "train_loss", "valid_loss", "valid_score", "dur"]
    assert ANSI not in out.getvalue()


def test_verbose_estimator_pickles(seq_data, streams):
    streams(tty=True)
    reg = RNNRegressor(verbose=1, **FAST).fit(*seq_data)
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(again.predict(seq_data[0]), reg.predict(seq_data[0]))


def test_loss_curve_is_train_loss_per_epoch(seq_data):
    reg = RNNRegressor(**FAST).fit(*seq_data)
    assert reg.loss_curve_ == [h["train_loss"] for h in reg.history_]
    assert len(reg.loss_curve_) == reg.n_iter_ == 3
    assert reg.validation_scores_ is None  # as MLPRegressor without early stopping


def test_validation_scores_are_r2_of_validation_set(seq_data):
    reg = RNNRegressor(early_stopping=True, **{**FAST, "epochs": 5}).fit(*seq_data)
    scores = np.array(reg.validation_scores_)
    losses = np.array([h["valid_loss"] for h in reg.history_])
    assert len(scores) == 5 and len(set(scores)) > 1
    # R^2 = 1 - MSE / Var(y_valid): the same validation variance behind every epoch
    implied_variance = losses / (1 - scores)
    np.testing.assert_allclose(implied_variance, implied_variance[0], rtol=1e-4)


def test_validation_scores_are_accuracy_for_classifier(clf_data):
    X, y = clf_data
    clf = RNNClassifier(early_stopping=True, validation_fraction=0.2, **FAST).fit(X, y)
    n_valid = 12  # 20% of 60, stratified
    for score in clf.validation_scores_:
        assert 0 <= score <= 1 and score * n_valid == pytest.approx(round(score * n_valid))


def test_progress_helper_shows_only_on_terminal_after_delay(streams, monkeypatch):
    _, err = streams(tty=True)
    assert list(progress(range(3), desc="quick")) == [0, 1, 2]
    assert err.getvalue() == ""  # done before the bar's delay: silent
    monkeypatch.setattr(skrnn._training.progress, "PROGRESS_DELAY", 0.0)
    list(progress(range(3), desc="slow"))
    assert "slow" in err.getvalue()
    _, err = streams(tty=False)
    list(progress(range(3), desc="logged"))
    list(progress(range(3), desc="off", verbose=False))
    assert err.getvalue() == ""
    list(progress(range(3), desc="forced", verbose=True))
    assert "forced" in err.getvalue()


def test_long_helpers_show_progress_on_terminal(streams, monkeypatch):
    monkeypatch.setattr(skrnn._training.progress, "PROGRESS_DELAY", 0.0)
    _, err = streams(tty=True)
    text = "abcabcabd" * 4
    clf = make_pipeline(
        SequenceTokenizer(), RNNClassifier(embedding_dim=4, return_sequences=True, **FAST)
    )
    clf.fit([text[:-1]], [list(text[1:])])
    generate_text(clf, "ab", 5, random_state=0)
    assert "generate_text" in err.getvalue()
    words = ["abc", "ba", "cab"] * 4
    s2s = Seq2SeqTransformer(decoding="beam", **FAST).fit(words)
    s2s.predict(words)
    assert "decoding" not in err.getvalue()  # an estimator is quiet unless verbose
    s2s.set_params(verbose=1).predict(words)
    assert "decoding:   0%| " in err.getvalue() and "0/1 [" in err.getvalue()  # 1 batch
