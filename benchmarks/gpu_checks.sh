#!/usr/bin/env bash
# Every check that needs a GPU, in one run of about five minutes (the run of
# docs/benchmarks.md's section "GPU" took 4.5 minutes on an H200):
#   bash benchmarks/gpu_checks.sh OUT_DIR
# writes to OUT_DIR: env.txt (GPU and library versions), tests.log (the CUDA tests),
# scale.json (a 10,000-series panel with the networks on the GPU), w.json and
# benchmarks.md (W2-W4 against the raw loop on the GPU; a copy of docs/benchmarks.md with
# its results block rewritten, to be merged into the GPU section by hand).
# Each part has its own time limit, so one that hangs leaves the others their time.
set -uo pipefail
out=${1:?usage: bash benchmarks/gpu_checks.sh OUT_DIR}
mkdir -p "$out"
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/env.txt"
python3 -c "import torch, sklearn, skorch, sktime, numpy, pandas; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version(), 'sklearn', sklearn.__version__, 'skorch', skorch.__version__, 'sktime', sktime.__version__, 'numpy', numpy.__version__, 'pandas', pandas.__version__, 'cuda available', torch.cuda.is_available())" | tee -a "$out/env.txt"

echo "== CUDA tests $(date -u +%T)"
timeout 240 python3 -m pytest -q -rs tests/test_cuda.py tests/test_benchmark_devices.py \
  tests/test_window_views.py tests/test_distributed.py \
  tests/test_estimators.py::test_cuda_training_and_prediction 2>&1 | tee "$out/tests.log" | tail -40

echo "== panel of 10,000 series $(date -u +%T)"
timeout 180 python3 -m benchmarks.forecasting --panel --scale 10000 --device cuda \
  --json "$out/scale.json" 2>&1 | tail -12

echo "== W2-W4 $(date -u +%T)"
cp docs/benchmarks.md "$out/benchmarks.md"
timeout 240 python3 -m benchmarks --only W2,W3,W4 --device cuda --out "$out/benchmarks.md" \
  --json "$out/w.json" 2>&1 | tail -8
echo "== end $(date -u +%T)"
