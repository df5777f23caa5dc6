#!/usr/bin/env bash
# The one script for a lent GPU machine (no Node, no node_modules; Python with PyTorch is there).
#   bash bench/gpu/run.sh            # from the repository root
# 1. parity: build-cuda/reinpool_cuda_check (every kernel vs an fp64 CPU reference), PASS/FAIL lines
# 2. timings: reinpool_cuda_check --bench (cudaEvent medians at the issue's shapes)
# 3. PyTorch eager references for the same shapes, then a table with ratios (torch/ours > 1: faster)
# 4. optional: Node parity, if /tmp/node, dist/ and build/Release/reinpool_cuda.node are present
# Everything also goes to ${OUT:-/tmp/reinpool-gpu}/ (check.txt, bench.txt, torch.txt).
# If build-cuda/reinpool_cuda_check is missing and nvcc is there, it is built first (~3 min, sm_90).
set -u
cd "$(dirname "$0")/../.."
OUTDIR="${OUT:-/tmp/reinpool-gpu}"
mkdir -p "$OUTDIR"
BIN=build-cuda/reinpool_cuda_check
status=0

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv 2>/dev/null | tee "$OUTDIR/gpu.txt"

if [ ! -x "$BIN" ]; then
  if command -v nvcc >/dev/null; then
    echo "== building $BIN (sm_90 only)"
    make -C native/kernels/cuda ARCH=sm_90 -j8 >"$OUTDIR/build.txt" 2>&1 || { tail -30 "$OUTDIR/build.txt"; exit 1; }
  else
    echo "no $BIN and no nvcc: nothing to run"; exit 1
  fi
fi

echo "== 1. parity (reinpool_cuda_check)"
timeout 240 "$BIN" 2>&1 | tee "$OUTDIR/check.txt"
rc=${PIPESTATUS[0]}
[ "$rc" -ne 0 ] && { echo "PARITY FAILED (exit $rc)"; status=1; }

echo "== 2. timings (reinpool_cuda_check --bench)"
timeout 180 "$BIN" --bench --reps 20 2>&1 | tee "$OUTDIR/bench.txt"
[ "${PIPESTATUS[0]}" -ne 0 ] && { echo "BENCH FAILED"; status=1; }

echo "== 3. PyTorch eager references"
if python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
  timeout 240 python3 bench/gpu/torch_ref.py --ours "$OUTDIR/bench.txt" --reps 20 2>&1 | tee "$OUTDIR/torch.txt"
else
  echo "skipped: python3 with CUDA PyTorch not found"
fi

echo "== 4. Node parity (optional)"
if [ -x /tmp/node ] && [ -d dist ] && [ -f build/Release/reinpool_cuda.node ]; then
  if [ -f dist/test/gpu/parity.js ]; then
    REINPOOL_BACKEND=cuda timeout 120 /tmp/node dist/test/gpu/parity.js 2>&1 | tee "$OUTDIR/node.txt" || status=1
  else
    echo "skipped: dist/test/gpu/parity.js not built"
  fi
else
  echo "skipped: needs /tmp/node, dist/ and build/Release/reinpool_cuda.node"
fi

echo "== summary"
grep -E "passed, .* failed" "$OUTDIR/check.txt" || true
grep -c "^FAIL" "$OUTDIR/check.txt" | sed 's/^/FAIL lines: /'
exit $status
