"""benchmarks/eager_levers.py (issue 20, item 4): every lever trains the same model as the
raw eager loop (same final loss), on tiny workloads; no timing is checked."""

import pytest

levers = pytest.importorskip("benchmarks.eager_levers")
from benchmarks.workloads import workloads  # noqa: E402


@pytest.fixture(scope="module")
def tiny():
    return {wl.key: wl for wl in workloads(tiny=True)}


@pytest.mark.parametrize("key", ["W2", "W3"])
def test_levers_train_the_same_model(tiny, key):
    rows = levers.run(tiny[key], 64, ["fused", "foreach", "native", "skrnn"], reps=1,
                      log=lambda *_: None)  # fmt: skip
    assert [r["lever"] for r in rows] == ["eager", "fused", "foreach", "native", "skrnn"]
    eager = rows[0]["loss"]
    for row in rows:
        assert row["loss"] == pytest.approx(eager, rel=1e-5), row["lever"]
        assert row["epoch_s"] > 0 and row["gflops"] > 0


def test_epoch_flops_counts_forward_and_backward_products(tiny):
    # W3 tiny: 2 layers of 8 units, 1 feature, 24 steps
    per_step = 2 * (1 + 8) * 32 + 2 * (8 + 8) * 32
    assert levers.epoch_flops(tiny["W3"], 10) == 3 * per_step * 24 * 10


def test_refuses_unknown_and_mixed_compiled_levers(tiny):
    with pytest.raises(ValueError, match="unknown levers"):
        levers.run(tiny["W2"], 32, ["jit"], reps=1)
    with pytest.raises(ValueError, match="process without"):
        levers.run(tiny["W2"], 32, ["compile_module", "compile_lstm"], reps=1)
