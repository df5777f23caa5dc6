#!/usr/bin/env bash
# npm run test:asan: builds the CPU addon with AddressSanitizer + UndefinedBehaviorSanitizer into
# build-asan/ and runs the kernel parity, known-answer and bad-input jest tests against it
# (REINPOOL_NATIVE_DIR points the loader there). Node itself is not instrumented, so the ASan
# runtime is LD_PRELOADed and leak detection is off (Node's own allocations at exit are not ours).
# Any sanitizer report fails the run: ASan aborts, UBSan aborts (-fno-sanitize-recover=undefined),
# and every report is also written under $REPORTS, which must stay empty.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs="${REINPOOL_BUILD_JOBS:-2}"

echo "reinpool asan: building build-asan/ (-fsanitize=address,undefined)"
node node_modules/cmake-js/bin/cmake-js compile --directory . --out build-asan --config Release \
  --parallel "$jobs" --CDREINPOOL_CUDA=OFF --CDREINPOOL_SANITIZE=address,undefined > build-asan.log 2>&1 \
  || { tail -n 40 build-asan.log; echo "reinpool asan: build failed (build-asan.log)"; exit 1; }
rm -f build-asan.log
addon="$PWD/build-asan/Release/reinpool_cpu.node"
[ -f "$addon" ] || { echo "reinpool asan: $addon was not produced"; exit 1; }
case "$(ldd "$addon")" in *libasan*) ;; *) echo "reinpool asan: $addon is not linked against libasan"; exit 1;; esac

libasan="$(gcc -print-file-name=libasan.so)"
libubsan="$(gcc -print-file-name=libubsan.so)"
REPORTS="$(mktemp -d /tmp/reinpool-asan.XXXXXX)"
export REINPOOL_NATIVE_DIR="$PWD/build-asan/Release"
export REINPOOL_BACKEND=cpu
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=0:allocator_may_return_null=1:log_path=$REPORTS/asan:log_exe_name=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$REPORTS/ubsan"

LD_PRELOAD="$libasan $libubsan" node -e "const a=require('$addon'); if(!a.available().available) process.exit(3); if(!/libasan/.test(require('fs').readFileSync('/proc/self/maps','utf8'))) process.exit(4)" \
  || { echo "reinpool asan: the instrumented addon does not load under LD_PRELOAD"; exit 1; }

tests=(test/kernels/parity.test.ts test/kernels/badinput.test.ts test/kernels/known-answers.test.ts test/kernels/probe.test.ts)
echo "reinpool asan: running ${tests[*]} with LD_PRELOAD=$libasan"
LD_PRELOAD="$libasan $libubsan" npx jest --ci --runInBand "${tests[@]}"
rc=$?

if [ -n "$(ls -A "$REPORTS" 2>/dev/null)" ]; then
  echo "reinpool asan: SANITIZER REPORTS:"
  for f in "$REPORTS"/*; do echo "--- $f"; head -n 60 "$f"; done
  rc=1
fi
rm -rf "$REPORTS"
if [ "$rc" -eq 0 ]; then echo "reinpool asan: PASSED (no sanitizer report)"; else echo "reinpool asan: FAILED"; fi
exit "$rc"
