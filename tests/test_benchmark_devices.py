"""The benchmark harness beyond the CPU timings: --device (GPU runs of W2-W4 against the
raw loop on the same device) and the window-memory benchmark (issue 14)."""

import pytest
import torch

workloads = pytest.importorskip("benchmarks.workloads")
from benchmarks import __main__ as harness  # noqa: E402
from benchmarks import window_memory  # noqa: E402


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error without CUDA")
def test_device_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(ValueError, match="CUDA is not available"):
        harness.main(["--quick", "--only", "W2", "--device", "cuda"])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_both_sides_train_alike_on_cuda(monkeypatch):
    monkeypatch.setattr(workloads, "DEVICE", "cuda")
    wl = workloads.workloads(tiny=True)[1]
    row = workloads.run_training(wl, log=lambda *_: None)
    assert row["loss_skrnn"] == pytest.approx(row["loss_raw"], rel=1e-3)


def test_window_memory_probe_and_report(tmp_path):
    out = window_memory.probe(time_steps=16, n_steps=5_000)
    assert set(out) == {"fit", "predict"} and all(v >= 0 for v in out.values())
    row = dict(time_steps=16, fit=30.0, predict=10.0, model_and_batch=20.0, series=1.0)
    good = dict(row, reference=21.0, ratio=30 / 21, copied_windows=100.0, seconds=1.0)
    bad = dict(good, time_steps=512, ratio=2.5)
    results = {"n_steps": 5_000, "quick": True, "rows": [good, bad], "date": 0.0}
    doc = tmp_path / "bench.md"
    doc.write_text("# before\n")
    window_memory.write(str(doc), results)
    window_memory.write(str(doc), results)  # rewrites its block, once
    text = doc.read_text()
    assert text.count(window_memory.START) == 1 and text.startswith("# before")
    assert "**1.43** (met)" in text and "**2.50** (**not met**)" in text


def test_gpu_checks_script_parses_and_names_files_that_exist():
    """benchmarks/gpu_checks.sh is only run on a machine with a GPU: here, that it parses
    and that the tests and modules it names still exist (a move would break it there)."""
    import re
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    script = root / "benchmarks" / "gpu_checks.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    tests = re.findall(r"tests/[\w/]+\.py", text)
    assert len(tests) >= 5 and all((root / t).is_file() for t in tests), tests
    for module in re.findall(r"-m (benchmarks[\w.]*)", text):
        assert (root / (module.replace(".", "/") + ".py")).is_file() or (
            root / module.replace(".", "/") / "__main__.py"
        ).is_file(), module
