#!/usr/bin/env node
/*
 * The package's `install` script. It never fails the install:
 *   1. in a development checkout (not under node_modules/) it does nothing: `npm run build` builds
 *      the addon there (and .ci/run requires it with REINPOOL_REQUIRE_NATIVE=1);
 *   2. REINPOOL_SKIP_INSTALL=1: does nothing;
 *   3. if an addon already loads (prebuilds/<platform>-<arch>/reinpool_cpu.node, shipped in the npm
 *      tarball, or build/Release/), it prints nothing and compiles nothing;
 *   4. otherwise it tries `node scripts/build-native.js` (needs cmake, a C++ compiler and cmake-js);
 *      when that is impossible it prints ONE warning line and exits 0: the pure-TypeScript kernels
 *      are used at run time.
 * npm 11 may not run dependencies' install scripts at all (allowScripts): nothing depends on it, the
 * loader (src/kernels/native.ts) finds the prebuild at run time by itself.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');

function loads(file) {
  if (!fs.existsSync(file)) return false;
  // In a child process: a broken binary must not take the installer down with it.
  const r = spawnSync(process.execPath, ['-e', `process.exit(require(${JSON.stringify(file)}).available().available ? 0 : 3)`], { stdio: 'ignore', timeout: 30000 });
  return r.status === 0;
}

function main() {
  if (process.env.REINPOOL_SKIP_INSTALL === '1') return;
  if (!root.split(path.sep).includes('node_modules') && process.env.REINPOOL_INSTALL_FORCE !== '1') return;
  const candidates = [];
  if (process.env.REINPOOL_NATIVE_DIR) candidates.push(path.resolve(process.env.REINPOOL_NATIVE_DIR, 'reinpool_cpu.node'));
  candidates.push(path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'reinpool_cpu.node'));
  candidates.push(path.join(root, 'build', 'Release', 'reinpool_cpu.node'));
  if (candidates.some(loads)) return;
  // No usable binary: try a source build. build-native.js prints one warning and exits 0 when it cannot.
  const env = { ...process.env };
  delete env.REINPOOL_REQUIRE_NATIVE;
  const r = spawnSync(process.execPath, [path.join(__dirname, 'build-native.js')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env });
  if (r.status !== 0) {
    console.warn(`reinpool: WARNING: native addon build failed (status ${r.status ?? r.signal}). The pure-TypeScript kernels will be used (slower).`);
  }
}

try {
  main();
} catch (e) {
  console.warn(`reinpool: WARNING: install check failed (${e && e.message}). The pure-TypeScript kernels will be used if the addon does not load.`);
}
process.exitCode = 0;
