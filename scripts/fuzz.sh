#!/usr/bin/env bash
# npm run fuzz: bounded fuzzing of every file parser (TypeScript mutation fuzzer, test/fuzz/) and of
# the native kernels (libFuzzer, scripts/fuzz-native.sh). FUZZ_SECONDS (default 30) is the time per
# parser target and for the native target; FUZZ_SEED picks the parser mutation stream.
# Exit: 0 all clean; 1 a finding (saved under test/fuzz/corpus/ or build-fuzz/); the native part
# is reported SKIPPED (and does not fail) when clang/libFuzzer is not installed.
set -uo pipefail
cd "$(dirname "$0")/.."
export FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
export FUZZ_SEED="${FUZZ_SEED:-$(date +%s)}"
rc=0
echo "=== fuzz: parsers (${FUZZ_SECONDS}s per target, seed ${FUZZ_SEED}) ==="
npx jest --ci test/fuzz/parsers.test.ts || rc=1
echo "=== fuzz: native kernels (${FUZZ_SECONDS}s) ==="
bash scripts/fuzz-native.sh
n=$?
if [ $n -eq 2 ]; then echo "fuzz: native kernels SKIPPED (no clang)"; elif [ $n -ne 0 ]; then rc=1; fi
exit $rc
