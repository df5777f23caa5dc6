#!/usr/bin/env bash
# Prepares everything bench/gpu/run.sh needs on a lent GPU machine, HERE (a machine with nvcc and
# node_modules, no GPU needed), into ONE ignored folder, .device/ (see docs/cuda.md, "Running the GPU check"):
#   .device/node.xz               this machine's node binary, xz-compressed (the GPU machine has no Node)
#   .device/reinpool_cuda.node    the CUDA addon (stripped), loaded through REINPOOL_NATIVE_DIR
#   .device/reinpool_cpu.node     the CPU addon (stripped), the fallback and a CPU baseline
#   .device/reinpool_cuda_check   the standalone parity/bench binary (stripped)
#   .device/dist/                 bench/gpu/node-parity.ts and its import closure (src/kernels, the
#                                 shared parity cases) compiled by tsc: no node_modules needed
#
#   bash bench/gpu/prepare.sh        # sm_90 (the lent machines are H100 / H200): ~3 min on 2 cores,
#                                    # .device ~39 MiB
#   ARCHS="80-real;86-real;89-real;90-real;90-virtual" bash bench/gpu/prepare.sh
#                                    # the shipping architecture list (~6 min); the two CUDA binaries
#                                    # then grow several-fold and may exceed the 64 MiB carry limit
#   JOBS=2 (default 2)
# The CMake build goes to build-cuda/cmake (ignored), never touching build/. Prints the `run` call
# to make and checks that .device stays under the 64 MiB the device tool carries.
set -euo pipefail
cd "$(dirname "$0")/../.."
ARCHS="${ARCHS:-90-real}"
JOBS="${JOBS:-2}"
BUILD=build-cuda/cmake
mkdir -p .device

echo "== 1. CUDA addon, CPU addon and check binary (REINPOOL_CUDA_ARCHS=$ARCHS)"
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
# a different ARCHS than the cached one needs a reconfigure
cmake -S . -B "$BUILD" "${GEN[@]}" -DREINPOOL_CUDA=ON "-DREINPOOL_CUDA_ARCHS=$ARCHS" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target reinpool_cuda reinpool_cpu reinpool_cuda_check -j "$JOBS"
CHECK=$(find "$BUILD" -name reinpool_cuda_check -type f -perm -u+x | head -1)
for f in "$BUILD/Release/reinpool_cuda.node" "$BUILD/Release/reinpool_cpu.node" "$CHECK"; do
  [ -f "$f" ] || { echo "missing $f"; exit 1; }
done
cp -f "$BUILD/Release/reinpool_cuda.node" "$BUILD/Release/reinpool_cpu.node" .device/
cp -f "$CHECK" .device/reinpool_cuda_check
strip --strip-unneeded .device/reinpool_cuda.node .device/reinpool_cpu.node .device/reinpool_cuda_check
# the stripped addons must still load here (cuda reports "unavailable" without a driver)
REINPOOL_NATIVE_DIR="$PWD/.device" node -e "
  for (const f of ['cpu', 'cuda']) {
    const a = require(process.env.REINPOOL_NATIVE_DIR + '/reinpool_' + f + '.node');
    console.log('  reinpool_' + f + '.node loads:', JSON.stringify(a.available()));
  }"

echo "== 2. node-parity and its import closure -> .device/dist (tsc, no node_modules at run time)"
rm -rf .device/dist
npx tsc --outDir .device/dist --rootDir . --module commonjs --target ES2022 --moduleResolution node \
  --strict --skipLibCheck --esModuleInterop --types node --sourceMap false --declaration false \
  bench/gpu/node-parity.ts
# nothing in the closure may need an npm package
if grep -rhoE "require\(\"[^.\"][^\"]*\"\)" .device/dist | grep -vE 'require\("(fs|path|os|util|worker_threads|crypto|child_process)"\)' | sort -u | grep .; then
  echo "node-parity's closure requires an npm package (above): the GPU machine has no node_modules"; exit 1
fi
REINPOOL_NATIVE_DIR="$PWD/.device" node .device/dist/bench/gpu/node-parity.js --backend cuda --no-bench | head -2 || true

echo "== 3. node -> .device/node.xz"
NODE_BIN="$(command -v node)"
if [ ! -f .device/node.xz ] || [ "$NODE_BIN" -nt .device/node.xz ]; then
  xz -T2 -c "$NODE_BIN" > .device/node.xz
fi
echo "  $("$NODE_BIN" --version) from $NODE_BIN"

echo "== 4. sizes (the device tool carries at most 64 MiB)"
du -sh .device/* | sed 's/^/  /'
TOTAL_KB=$(du -sk .device | cut -f1)
echo "  total: $((TOTAL_KB / 1024)) MiB"
if [ "$TOTAL_KB" -gt $((62 * 1024)) ]; then
  echo "  TOO BIG: rebuild with ARCHS=90-real (an H100/H200 needs only sm_90)"; exit 1
fi

cat <<MSG

== ready. Make ONE device call (about 3-5 minutes of device time on an H100):

  run(command="bash bench/gpu/run.sh", carry=[".device"], timeout_s=480)

Then read files_at/: summary.txt (the table), check.txt, bench.txt, node.txt, torch.txt, gpu.txt,
sanitizer.txt; paste the table and the card (gpu.txt) into docs/cuda.md and the README.
Call give_back afterwards unless you rerun at once.
MSG
