#!/usr/bin/env bash
# npm run fuzz:native: builds native/fuzz/fuzz_kernels.cpp against the CPU kernel sources with
# clang -fsanitize=fuzzer,address,undefined into build-fuzz/, replays the regression corpus
# test/fuzz/corpus/native/ (crashers found so far, kept forever), then fuzzes for FUZZ_SECONDS
# (default 30) with a scratch corpus seeded from it. A crash writes build-fuzz/crash-* and fails;
# copy it into test/fuzz/corpus/native/ once fixed. Exit 2 = clang/libFuzzer not available.
set -uo pipefail
cd "$(dirname "$0")/.."
secs="${FUZZ_SECONDS:-30}"
CXX_FUZZ="${CXX_FUZZ:-}"
if [ -z "$CXX_FUZZ" ]; then
  for c in clang++ clang++-16 clang++-15 clang++-14; do command -v "$c" >/dev/null && { CXX_FUZZ="$c"; break; }; done
fi
[ -n "$CXX_FUZZ" ] || { echo "reinpool fuzz:native: SKIPPED: no clang++ (apt-get install clang-14 libclang-rt-14-dev)"; exit 2; }
out=build-fuzz
mkdir -p "$out/objs" "$out/corpus"
flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -pthread -Inative/kernels)
# The CPU kernel sources and their per-ISA flags come from the one list, native/sources.txt.
objs=()
for group in cpu cpu_avx2 cpu_avx512; do
  extra=()
  case $group in
    cpu_avx2) extra=(-mavx2 -mfma) ;;
    cpu_avx512) extra=(-mavx512f -mavx512vl -mavx512dq -mavx512bw -mavx2 -mfma -mprefer-vector-width=512) ;;
  esac
  for s in $(node native/sources.js "$group"); do
    o="$out/objs/$(basename "${s%.*}").o"
    if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ native/kernels/kernels.h -nt "$o" ] || [ native/kernels/cpu/internal.h -nt "$o" ] || [ native/kernels/cpu/isa_impl.inc -nt "$o" ]; then
      "$CXX_FUZZ" "${flags[@]}" "${extra[@]}" -c "$s" -o "$o" || { echo "reinpool fuzz:native: compiling $s failed"; exit 1; }
    fi
    objs+=("$o")
  done
done
"$CXX_FUZZ" -std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -pthread \
  -Inative/kernels native/fuzz/fuzz_kernels.cpp "${objs[@]}" -o "$out/fuzz_kernels" || { echo "reinpool fuzz:native: link failed (libclang-rt-*-dev installed?)"; exit 2; }

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
regress=test/fuzz/corpus/native
mkdir -p "$regress"
if [ -n "$(ls -A "$regress")" ]; then
  echo "reinpool fuzz:native: replaying $(ls "$regress" | wc -l) regression inputs"
  "$out/fuzz_kernels" -runs=0 "$regress"/* || { echo "reinpool fuzz:native: a regression input fails"; exit 1; }
fi
echo "reinpool fuzz:native: fuzzing for ${secs}s"
log="$out/fuzz.log"
"$out/fuzz_kernels" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$out/" "$out/corpus" "$regress" > "$log" 2>&1
rc=$?
grep -E "^#[0-9]+.*(DONE|INITED)|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" "$log" | tail -n 5
if [ $rc -ne 0 ]; then tail -n 60 "$log"; echo "reinpool fuzz:native: FAILED (artifact in $out/)"; exit 1; fi
echo "reinpool fuzz:native: PASSED"
