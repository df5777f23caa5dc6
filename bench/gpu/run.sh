#!/usr/bin/env bash
# The one script for a lent GPU machine (no Node, no node_modules; CUDA driver and Python with
# PyTorch are there). Prepare HERE first with bench/gpu/prepare.sh, then make one device call:
#   run(command="bash bench/gpu/run.sh", carry=[".device"], timeout_s=480)
# Steps (each with its own timeout; a failing step does not stop the others):
#   1. parity: reinpool_cuda_check (every kernel, fp32/tf32/bf16, vs an fp64 CPU reference)
#   2. timings: reinpool_cuda_check --bench (cudaEvent medians at the issue's shapes)
#   3. Node: node-parity.js (the jest parity cases incl. the corpus handle, cuda vs ts, through the
#      addon) and Node-side timings of corpus.reward
#   4. PyTorch eager references, and ONE table with ratios and the card -> summary.txt
#   5. optional (SANITIZE=0 skips): compute-sanitizer memcheck/racecheck on a quick parity run
# Everything goes to ${OUT:-/tmp/reinpool-gpu}/: gpu.txt check.txt bench.txt node.txt torch.txt
# summary.txt sanitizer.txt. Exit status 1 if a parity step failed.
# Without .device/ it falls back to build-cuda/reinpool_cuda_check (building it with nvcc if needed)
# and skips the Node step.
set -u
cd "$(dirname "$0")/../.."
OUTDIR="${OUT:-/tmp/reinpool-gpu}"
mkdir -p "$OUTDIR"
status=0
T0=$(date +%s)
stamp() { echo "   [$(( $(date +%s) - T0 )) s]"; }
# BUDGET_S (default 420): the whole script's wall-clock budget, so it ends inside the device call's
# timeout_s with its files written. Each step gets its own cap or what is left, whichever is less.
BUDGET_S="${BUDGET_S:-420}"
cap() { local left=$(( BUDGET_S - ($(date +%s) - T0) - 10 )); [ "$left" -lt 5 ] && left=5; [ "$1" -lt "$left" ] && echo "$1" || echo "$left"; }

echo "== 0. machine"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,power.limit --format=csv 2>&1 | tee "$OUTDIR/gpu.txt"
CARD=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
echo "card: ${CARD:-unknown}" | tee -a "$OUTDIR/gpu.txt"

BIN=.device/reinpool_cuda_check
[ -x "$BIN" ] || BIN=build-cuda/reinpool_cuda_check
if [ ! -x "$BIN" ]; then
  if command -v nvcc >/dev/null; then
    echo "== building $BIN (sm_90 only, ~3 min)"
    make -C native/kernels/cuda ARCH=sm_90 -j8 >"$OUTDIR/build.txt" 2>&1 || { tail -30 "$OUTDIR/build.txt"; exit 1; }
  else
    echo "no .device/reinpool_cuda_check, no build-cuda/reinpool_cuda_check and no nvcc: run bench/gpu/prepare.sh first"; exit 1
  fi
fi
NODE=""
if [ -f .device/node.xz ]; then
  xz -dc .device/node.xz > /tmp/node && chmod +x /tmp/node && NODE=/tmp/node
elif [ -x /tmp/node ]; then
  NODE=/tmp/node
fi

echo "== 1. parity (reinpool_cuda_check)"; stamp
timeout "$(cap 150)" "$BIN" 2>&1 | tee "$OUTDIR/check.txt"
rc=${PIPESTATUS[0]}
[ "$rc" -ne 0 ] && { echo "PARITY FAILED (exit $rc)"; status=1; }

echo "== 2. timings (reinpool_cuda_check --bench)"; stamp
timeout "$(cap 120)" "$BIN" --bench --reps 20 2>&1 | tee "$OUTDIR/bench.txt"
[ "${PIPESTATUS[0]}" -ne 0 ] && echo "BENCH FAILED (partial timings above)"

echo "== 3. Node parity and timings (node-parity.js, cuda vs ts)"; stamp
: > "$OUTDIR/node.txt"
if [ -n "$NODE" ] && [ -f .device/dist/bench/gpu/node-parity.js ] && [ -f .device/reinpool_cuda.node ]; then
  REINPOOL_NATIVE_DIR="$PWD/.device" timeout "$(cap 180)" "$NODE" .device/dist/bench/gpu/node-parity.js --backend cuda --reps 10 2>&1 | tee "$OUTDIR/node.txt"
  rc=${PIPESTATUS[0]}
  [ "$rc" -ne 0 ] && { echo "NODE PARITY FAILED (exit $rc)"; status=1; }
else
  echo "skipped: needs .device/node.xz, .device/dist and .device/reinpool_cuda.node (bench/gpu/prepare.sh)" | tee "$OUTDIR/node.txt"
fi

echo "== 4. PyTorch eager references and the table"; stamp
cat "$OUTDIR/bench.txt" "$OUTDIR/node.txt" > "$OUTDIR/ours.txt"
if python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
  timeout "$(cap 150)" python3 bench/gpu/torch_ref.py --ours "$OUTDIR/ours.txt" --card "${CARD:-unknown}" --reps 20 \
    --summary "$OUTDIR/summary.txt" 2>&1 | tee "$OUTDIR/torch.txt"
else
  echo "skipped: python3 with CUDA PyTorch not found" | tee "$OUTDIR/torch.txt"
  grep "^BENCH" "$OUTDIR/ours.txt" > "$OUTDIR/summary.txt"
fi
rm -f "$OUTDIR/ours.txt"   # the device tool returns at most 8 files

SAN=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)
if [ "${SANITIZE:-1}" != "0" ] && [ -n "$SAN" ]; then
  echo "== 5. compute-sanitizer (quick parity; 60 s each; informative, not fatal)"; stamp
  for tool in memcheck racecheck; do
    echo "-- $tool" >> "$OUTDIR/sanitizer.txt"
    timeout "$(cap 60)" "$SAN" --tool "$tool" --print-limit 20 "$BIN" --quick --seed 1 >> "$OUTDIR/sanitizer.txt" 2>&1
    echo "-- $tool exit $?" | tee -a "$OUTDIR/sanitizer.txt"
  done
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|Invalid|Race" "$OUTDIR/sanitizer.txt" | head -20
else
  echo "== 5. compute-sanitizer: skipped (not found or SANITIZE=0)" | tee "$OUTDIR/sanitizer.txt"
fi

echo "== summary ($CARD)"; stamp
grep -E "passed, .* failed" "$OUTDIR/check.txt" "$OUTDIR/node.txt" || true
grep -h "^FAIL" "$OUTDIR/check.txt" "$OUTDIR/node.txt" | head -20
[ -f "$OUTDIR/summary.txt" ] && cat "$OUTDIR/summary.txt"
exit $status
