"""Data-parallel training (distributed=True): two CPU processes launched by torchrun
(gloo backend) reach the loss and the model of the single-process fit."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
import torch.distributed as dist

from skrnn import RNNClassifier, RNNRegressor, Seq2SeqTransformer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARAMS = dict(units=8, epochs=4, batch_size=16, random_state=0)

needs_gloo = pytest.mark.skipif(
    not (dist.is_available() and dist.is_gloo_available()),
    reason="torch.distributed with the gloo backend is not available",
)


def _data():
    rng = np.random.RandomState(0)
    X = rng.rand(64, 5, 2)  # 4 global batches of 16: 8 rows per process and step
    y = X.sum(axis=(1, 2)) / 5.0
    labels = np.where(X[:, -1, 0] > 0.5, "hi", "lo")
    return X, y, labels


WORDS = ["abc", "ba", "cab", "ca", "b", "acca", "bc", "cb"] * 4  # 32 pairs: 2 batches


WORKER = textwrap.dedent(
    """
    import json, os, sys
    import numpy as np, torch
    torch.set_num_threads(1)
    sys.path.insert(0, {root!r})
    sys.path.insert(0, {tests!r})
    from test_distributed import PARAMS, WORDS, _data
    from skrnn import RNNClassifier, RNNRegressor, Seq2SeqTransformer

    X, y, labels = _data()
    reg = RNNRegressor(**PARAMS, distributed=True).fit(X, y)
    clf = RNNClassifier(**PARAMS, distributed=True, early_stopping=True).fit(X, labels)
    table = RNNRegressor(**PARAMS, distributed=True).fit(X[:, 0], y)  # one step
    out = dict(
        table_loss=table.loss_curve_,
        loss=reg.loss_curve_,
        pred=reg.predict(X).tolist(),
        batch=[b["train_batch_size"] for b in reg.history_[0, "batches"]],
        process_batch=[b["train_process_batch_size"] for b in reg.history_[0, "batches"]],
        clf_loss=clf.loss_curve_,
        clf_valid=clf.history_[:, "valid_loss"],
        proba=clf.predict_proba(X).tolist(),
        plain_module=type(reg.module_).__name__,
        s2s_loss=Seq2SeqTransformer(**PARAMS, distributed=True).fit(
            WORDS, [w[::-1] for w in WORDS]
        ).loss_curve_,
    )
    with open(os.path.join({out!r}, "rank%s.json" % os.environ["RANK"]), "w") as f:
        json.dump(out, f)
    """
)


@needs_gloo
def test_two_processes_reach_the_single_process_fit(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(
        WORKER.format(root=ROOT, tests=os.path.join(ROOT, "tests"), out=str(tmp_path))
    )
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    cmd += ["--nproc_per_node", "2", str(script)]
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]

    X, y, labels = _data()
    reg = RNNRegressor(**PARAMS).fit(X, y)
    clf = RNNClassifier(**PARAMS, early_stopping=True).fit(X, labels)
    s2s = Seq2SeqTransformer(**PARAMS).fit(WORDS, [w[::-1] for w in WORDS])
    table = RNNRegressor(**PARAMS).fit(X[:, 0], y)
    for out in ranks:
        assert out["process_batch"] == [8] * 4  # each process trains on half of a batch
        assert out["batch"] == [16] * 4
        assert out["plain_module"] == "RNNModule"  # the DDP wrapper is gone after fit
        # the same loss and model as one process, up to the order of sums
        np.testing.assert_allclose(out["loss"], reg.loss_curve_, rtol=1e-4)
        np.testing.assert_allclose(out["pred"], reg.predict(X), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(out["clf_loss"], clf.loss_curve_, rtol=1e-4)
        np.testing.assert_allclose(out["clf_valid"], clf.history_[:, "valid_loss"], rtol=1e-4)
        np.testing.assert_allclose(out["proba"], clf.predict_proba(X), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(out["s2s_loss"], s2s.loss_curve_, rtol=1e-4)
        # a table trains every parameter under DDP (the kernel: see first_step)
        np.testing.assert_allclose(out["table_loss"], table.loss_curve_, rtol=1e-4)
    # every process ends with the same model, bit for bit
    assert ranks[0]["pred"] == ranks[1]["pred"] and ranks[0]["proba"] == ranks[1]["proba"]


def test_distributed_without_a_process_group_is_a_clear_error(monkeypatch):
    if dist.is_available() and dist.is_initialized():
        pytest.skip("this process already belongs to a process group")
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    X, y, _ = _data()
    with pytest.raises(ValueError, match="torchrun"):
        RNNRegressor(**PARAMS, distributed=True).fit(X, y)
    with pytest.raises(ValueError, match="torchrun"):
        Seq2SeqTransformer(**PARAMS, distributed=True).fit(WORDS)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@needs_gloo
def test_one_process_group_on_cuda(tmp_path):
    """A one-process group on the GPU (gloo works for CUDA tensors too) equals the plain
    CUDA fit."""
    X, y, _ = _data()
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        reg = RNNRegressor(**PARAMS, device="cuda", distributed=True).fit(X, y)
    finally:
        dist.destroy_process_group()
    plain = RNNRegressor(**PARAMS, device="cuda").fit(X, y)
    np.testing.assert_allclose(reg.predict(X), plain.predict(X), rtol=1e-4, atol=1e-5)
