#!/usr/bin/env node
/*
 * npm run build:native: builds build/Release/reinpool_cpu.node with cmake-js (offline: Node-API
 * headers come from node-api-headers), and reinpool_cuda.node too when nvcc is found and
 * native/kernels/cuda/CMakeLists.txt exists (REINPOOL_CUDA=0 skips it, =1 requires it).
 *
 * Without cmake or a C++ compiler it prints one warning and exits 0 (the pure-TypeScript backend
 * covers everything), unless REINPOOL_REQUIRE_NATIVE=1, which makes any failure exit 1.
 * Environment: REINPOOL_BUILD_JOBS (parallel jobs, default: number of CPUs), REINPOOL_DEBUG=1.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const required = process.env.REINPOOL_REQUIRE_NATIVE === '1' || process.env.REINPOOL_REQUIRE_NATIVE === 'true';

function giveUp(why) {
  if (required) {
    console.error(`reinpool: native build failed: ${why} (REINPOOL_REQUIRE_NATIVE=1)`);
    process.exit(1);
  }
  console.warn(`reinpool: WARNING: native addon not built: ${why}. The pure-TypeScript kernels will be used (slower).`);
  process.exit(0);
}

function works(cmd, args) {
  try {
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    return r.status === 0;
  } catch {
    return false;
  }
}

if (!works('cmake', ['--version'])) giveUp('cmake was not found on PATH');
const cxx = process.env.CXX || ['c++', 'g++', 'clang++'].find((c) => works(c, ['--version']));
if (!cxx || !works(cxx, ['--version'])) giveUp('no C++ compiler (c++, g++, clang++ or $CXX) was found');

let cmakeJs;
try {
  cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
} catch {
  giveUp('cmake-js is not installed (run npm install first)');
}

const args = [cmakeJs, 'compile', '--directory', root, '--out', path.join(root, 'build')];
args.push('--config', process.env.REINPOOL_DEBUG === '1' ? 'Debug' : 'Release');
const jobs = Number(process.env.REINPOOL_BUILD_JOBS) || os.cpus().length || 1;
args.push('--parallel', String(jobs));
if (process.env.CXX) args.push('--cxx', process.env.CXX);

const cudaDir = path.join(root, 'native', 'kernels', 'cuda', 'CMakeLists.txt');
const cudaWanted = process.env.REINPOOL_CUDA;
if (cudaWanted === '1' || (cudaWanted !== '0' && works('nvcc', ['--version']) && fs.existsSync(cudaDir))) {
  args.push('--CDREINPOOL_CUDA=ON');
  console.log('reinpool: nvcc found: building reinpool_cuda.node as well');
}

const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: String(jobs) } });
if (r.status !== 0) giveUp(`cmake-js exited with status ${r.status ?? r.signal}`);
const out = path.join(root, 'build', 'Release', 'reinpool_cpu.node');
if (process.env.REINPOOL_DEBUG !== '1' && !fs.existsSync(out)) giveUp(`${out} was not produced`);
console.log(`reinpool: built ${path.relative(root, out)}`);
