#!/usr/bin/env node
/*
 * npm run prebuild: builds the release addons into build-prebuild/ and copies them, stripped, to
 *   prebuilds/<platform>-<arch>/reinpool_cpu.node   (x86-64 baseline + run-time SIMD dispatch)
 *   prebuilds/<platform>-<arch>/reinpool_cuda.node  (only when nvcc is found; REINPOOL_CUDA=0 skips
 *                                                    it, =1 requires it; NOT shipped in the npm tarball)
 * plus prebuilds/<platform>-<arch>/reinpool_cpu.json: the sha256 of the native sources it was built
 * from (native/kernels/cpu, native/addon, kernels.h and the source list native/sources.txt) (test/install/prebuild-fresh.test.ts fails when the sources changed and the prebuild did not).
 *
 * Checks before copying: no -march=native / -mtune=native anywhere in the generated build files, the
 * baseline objects carry no AVX instructions outside the isa_avx2 / isa_avx512 translation units, and
 * the stripped addon loads and answers available() in a child process.
 * Environment: REINPOOL_BUILD_JOBS (default 2), REINPOOL_CUDA (auto | 0 | 1).
 */
'use strict';
const { spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'build-prebuild');
const dest = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const jobs = String(Number(process.env.REINPOOL_BUILD_JOBS) || 2);

function die(msg) {
  console.error(`reinpool prebuild: ${msg}`);
  process.exit(1);
}
function works(cmd, args) {
  try { return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0; } catch { return false; }
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) die(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return r;
}

/** sha256 over the sources a CPU addon is built from (path + contents, sorted). */
function sourceHash() {
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(h|cpp|inc)$/.test(e.name)) files.push(p);
    }
  };
  walk(path.join(root, 'native', 'kernels', 'cpu'));
  walk(path.join(root, 'native', 'addon'));
  files.push(path.join(root, 'native', 'kernels', 'kernels.h'));
  files.push(path.join(root, 'native', 'sources.txt'));  // which files the build compiles
  const h = crypto.createHash('sha256');
  for (const f of files.map((f) => path.relative(root, f).split(path.sep).join('/')).sort()) {
    h.update(f + '\0');
    h.update(fs.readFileSync(path.join(root, f)));
  }
  return h.digest('hex');
}
module.exports = { sourceHash };
if (require.main !== module) return;

if (process.platform !== 'linux' || process.arch !== 'x64') die(`only linux-x64 prebuilds are produced by this script (this is ${process.platform}-${process.arch})`);
let cmakeJs;
try { cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] }); } catch { die('cmake-js is not installed (npm ci first)'); }

const cudaEnv = process.env.REINPOOL_CUDA;
const cudaSrc = fs.existsSync(path.join(root, 'native', 'kernels', 'cuda', 'CMakeLists.txt'));
const cuda = cudaEnv === '1' || (cudaEnv !== '0' && cudaSrc && works('nvcc', ['--version']));
const args = [cmakeJs, 'compile', '--directory', root, '--out', outDir, '--config', 'Release', '--parallel', jobs,
  `--CDREINPOOL_CUDA=${cuda ? 'ON' : 'OFF'}`];
console.log(`reinpool prebuild: building into ${path.relative(root, outDir)}/ (cuda: ${cuda ? 'yes' : 'no'})`);
run(process.execPath, args, { env: { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: jobs } });

// ---- no -march=native anywhere --------------------------------------------------------------
const offenders = [];
const scan = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) scan(p);
    else if (/^(flags\.make|build\.make|link\.txt|CMakeCache\.txt)$/.test(e.name) && /-m(arch|tune|cpu)=native/.test(fs.readFileSync(p, 'utf8'))) offenders.push(p);
  }
};
scan(outDir);
if (offenders.length) die(`-march=native found in ${offenders.join(', ')}`);

// ---- baseline objects use no AVX (only the units of native/sources.txt's cpu_avx2 / cpu_avx512
// groups, which run behind the run-time dispatch, may) ---------------------------------------------
if (works('objdump', ['--version'])) {
  const listed = spawnSync(process.execPath, [path.join(root, 'native', 'sources.js'), 'cpu_avx2', 'cpu_avx512'], { encoding: 'utf8' });
  if (listed.status !== 0) die(`native/sources.js failed: ${listed.stderr}`);
  const dispatched = new Set(listed.stdout.trim().split(/\s+/).map((f) => `${path.basename(f)}.o`));
  const objs = [];
  const find = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) find(p);
      else if (e.name.endsWith('.o') && !dispatched.has(e.name) && !p.includes(`${path.sep}cuda`)) objs.push(p);
    }
  };
  find(outDir);
  for (const o of objs) {
    const r = spawnSync('objdump', ['-d', '--no-show-raw-insn', o], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const hit = /\t(v[a-z0-9]+)\s+%[xyz]mm/.exec(r.stdout || '');
    if (hit) die(`${path.relative(root, o)} contains the AVX instruction '${hit[1]}' outside the dispatched units`);
  }
  console.log(`reinpool prebuild: ${objs.length} baseline objects checked: no AVX outside the ${dispatched.size} dispatched units`);
}

// ---- strip, copy, check that it loads ---------------------------------------------------------
fs.mkdirSync(dest, { recursive: true });
const flavors = cuda ? ['cpu', 'cuda'] : ['cpu'];
for (const flavor of flavors) {
  const built = path.join(outDir, 'Release', `reinpool_${flavor}.node`);
  if (!fs.existsSync(built)) {
    if (flavor === 'cuda' && cudaEnv !== '1') { console.warn(`reinpool prebuild: ${built} was not produced; skipping the CUDA prebuild`); continue; }
    die(`${built} was not produced`);
  }
  const target = path.join(dest, `reinpool_${flavor}.node`);
  const tmp = path.join(dest, `reinpool_${flavor}.tmp-${process.pid}.node`);
  fs.copyFileSync(built, tmp);
  if (works('strip', ['--version'])) run('strip', ['--strip-unneeded', tmp]);
  const probe = spawnSync(process.execPath, ['-e', `const a=require(${JSON.stringify(tmp)});const s=a.available();console.log(JSON.stringify({s,i:(()=>{try{return a.info()}catch(e){return String(e)}})()}))`], { encoding: 'utf8' });
  if (probe.status !== 0) die(`the stripped ${flavor} addon does not load: ${probe.stderr}`);
  fs.renameSync(tmp, target);
  const size = fs.statSync(target).size;
  console.log(`reinpool prebuild: ${path.relative(root, target)} ${(size / 1024).toFixed(0)} KiB ${probe.stdout.trim()}`);
}
fs.writeFileSync(path.join(dest, 'reinpool_cpu.json'), JSON.stringify({
  file: 'reinpool_cpu.node', sources: sourceHash(), node: process.version, napi: 8,
  compiler: (spawnSync('c++', ['--version'], { encoding: 'utf8' }).stdout || '').split('\n')[0],
}, null, 2) + '\n');
