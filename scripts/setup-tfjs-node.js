#!/usr/bin/env node
/*
 * Makes @tensorflow/tfjs-node (the optional peer that gives TensorFlow.js its native 'tensorflow'
 * backend) work in a project: `npm run setup:tfjs-node` in a reinpool checkout, or
 * `node node_modules/reinpool/scripts/setup-tfjs-node.js` in a project that depends on reinpool.
 *
 * tfjs-node's own install script downloads libtensorflow from Google's storage. Where that is
 * reachable, --download runs it. Everywhere else (air-gapped machines with a package mirror) the
 * libraries come from a TensorFlow Python wheel instead: tensorflow/libtensorflow_cc.so.2 and
 * libtensorflow_framework.so.2 export every TF_/TFE_ C-API function the binding calls, and
 * tensorflow/include/ holds the headers it compiles against. The steps:
 *
 *   1. install @tensorflow/tfjs-node (the version reinpool's peerDependencies name) with its install
 *      script skipped, into node_modules only: package.json and package-lock.json stay as they are
 *      (so `npm ci` / `npm install` remove it again: run this after them)
 *   2. find the wheel: --wheel FILE, else $REINPOOL_TF_WHEEL, else `pip download` (tensorflow-cpu
 *      2.21.0, then any tensorflow-cpu, then tensorflow) into $REINPOOL_CACHE_DIR/wheels
 *   3. stage its two libraries (strip --strip-unneeded) and the C-API headers into the package's
 *      deps/lib and deps/include, with the file names tfjs-node's build and loader look for
 *   4. build the binding from source with node-pre-gyp against this Node's own headers
 *   5. check in a fresh process that the 'tensorflow' backend starts and multiplies correctly
 *
 * Exit 0: usable (already, or now); 1: a step failed (the message names it); 2: bad arguments;
 * 3: no TensorFlow wheel to be found here (pass --wheel, or --download where the internet is reachable).
 * Nothing runs this at `npm install` time, so installing reinpool never fails because of it.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const PKG = '@tensorflow/tfjs-node';
const PIP_SPECS = ['tensorflow-cpu==2.21.0', 'tensorflow-cpu', 'tensorflow'];
/** wheel members -> deps/ paths (libraries) and the header trees the binding includes */
const LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
const HEADER_PREFIXES = ['tensorflow/c/', 'tensorflow/core/platform/ctstring', 'tsl/platform/ctstring', 'xla/tsl/c/'];
/** names tfjs-node's binding.gyp (-ltensorflow -ltensorflow_framework) and its scripts look for */
const LINKS = {
  'libtensorflow.so': 'libtensorflow_cc.so.2',
  'libtensorflow.so.2': 'libtensorflow_cc.so.2',
  'libtensorflow.so.2.9.1': 'libtensorflow_cc.so.2',
  'libtensorflow_framework.so': 'libtensorflow_framework.so.2',
  'libtensorflow_framework.so.2.9.1': 'libtensorflow_framework.so.2',
};

const USAGE = `usage: node scripts/setup-tfjs-node.js [--wheel FILE] [--download] [--prefix DIR] [--check] [--force] [--keep-symbols]

  --wheel FILE     a TensorFlow wheel (.whl) to take libtensorflow from (default: $REINPOOL_TF_WHEEL,
                   else one found with pip download)
  --download       use tfjs-node's own install script instead (downloads libtensorflow; needs internet)
  --prefix DIR     the project whose node_modules gets tfjs-node (default: the current directory)
  --check          only report whether tfjs-node is usable there, and why not (exit 0 / 1)
  --force          set up again even when tfjs-node already works
  --keep-symbols   do not strip the libraries (strip --strip-unneeded saves about 200 MB)`;

class StepError extends Error {}
/** bad arguments: exit 2 */
class UsageError extends StepError {}
/** no source of libtensorflow on this machine (no wheel, no pip): exit 3, so CI can tell "cannot" from "broke" */
class NoSourceError extends StepError {}

function parseArgs(argv) {
  const o = { wheel: process.env.REINPOOL_TF_WHEEL || '', download: false, prefix: process.cwd(), check: false, force: false, strip: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new UsageError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--wheel') o.wheel = value();
    else if (a === '--prefix') o.prefix = value();
    else if (a === '--download') o.download = true;
    else if (a === '--check') o.check = true;
    else if (a === '--force') o.force = true;
    else if (a === '--keep-symbols') o.strip = false;
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else throw new UsageError(`unknown argument '${a}'`);
  }
  o.prefix = path.resolve(o.prefix);
  if (!fs.existsSync(path.join(o.prefix, 'package.json'))) throw new UsageError(`--prefix: ${o.prefix} has no package.json`);
  if (o.wheel) {
    o.wheel = path.resolve(o.wheel);
    if (!fs.statSync(o.wheel, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`--wheel: file not found: ${o.wheel}`);
  }
  if (o.wheel && o.download) throw new UsageError('--wheel and --download exclude each other');
  return o;
}

function wantedVersion() {
  const own = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
  const v = own.peerDependencies && own.peerDependencies[PKG];
  if (!v) throw new StepError(`reinpool's package.json names no ${PKG} peer version`);
  return v;
}

/** What a fresh Node process in `prefix` makes of tfjs-node: {state: ok|missing|broken, reason, dir}. */
function probe(prefix) {
  const code = `
    let dir;
    try { dir = require('path').dirname(require.resolve('${PKG}/package.json', { paths: [process.cwd()] })); }
    catch (e) { console.log(JSON.stringify({ state: 'missing', reason: '${PKG} is not installed' })); process.exit(0); }
    const version = require(dir + '/package.json').version;
    try {
      require(require.resolve('${PKG}', { paths: [process.cwd()] }));
      const tf = require(require.resolve('@tensorflow/tfjs', { paths: [dir] }));
      if (tf.getBackend() !== 'tensorflow') throw new Error("backend is '" + tf.getBackend() + "', not 'tensorflow'");
      const c = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).arraySync().flat();
      if (c.join() !== '19,22,43,50') throw new Error('a 2x2 matMul gave ' + c.join());
      console.log(JSON.stringify({ state: 'ok', reason: 'loads; tensorflow backend ' + tf.version.tfjs, dir, version }));
    } catch (e) {
      console.log(JSON.stringify({ state: 'broken', reason: String(e.message).split('\\n')[0], dir, version }));
    }`;
  const r = spawnSync(process.execPath, ['-e', code], { cwd: prefix, encoding: 'utf8', timeout: 120000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL || '2' } });
  const line = (r.stdout || '').trim().split('\n').pop();
  try { return JSON.parse(line); } catch { return { state: 'broken', reason: `probe process ended with ${r.signal || `code ${r.status}`}: ${(r.stderr || '').trim().split('\n').pop()}` }; }
}

function run(step, cmd, args, opts = {}, shown = [cmd, ...args].join(' ')) {
  console.log(`  $ ${shown}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw new StepError(`${step}: cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new StepError(`${step}: ${cmd} exited with ${r.signal || r.status}\n${tail}`);
  }
  return r.stdout;
}

/**
 * Installs the package into prefix/node_modules without touching package.json or package-lock.json:
 * `npm install --no-save` will not add a package that the root names as an optional peer (reinpool's
 * own checkout does), so npm installs it in a scratch folder with every dependency nested under it
 * (--install-strategy=shallow) and the package is moved in, less its nested @tensorflow/ copies: it
 * must load the project's @tensorflow/tfjs, the one instance whose engine reinpool uses.
 */
function installPackage(prefix, version) {
  const own = (() => {
    try { return require(require.resolve('@tensorflow/tfjs/package.json', { paths: [prefix] })).version; } catch { return null; }
  })();
  if (!own) throw new StepError(`install: ${prefix} has no @tensorflow/tfjs (install reinpool there first)`);
  const nm = path.join(prefix, 'node_modules');
  const scratch = fs.mkdtempSync(path.join(nm, '.tfjs-node-install-'));
  try {
    fs.writeFileSync(path.join(scratch, 'package.json'), '{"private": true}\n');
    // --ignore-scripts: tfjs-node's install script would try the download and fail offline (ENOTFOUND)
    run('install', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install', '--install-strategy=shallow', '--ignore-scripts', '--no-package-lock', '--no-audit', '--no-fund', `${PKG}@${version}`], { cwd: scratch });
    const src = path.join(scratch, 'node_modules', PKG);
    const nested = path.join(src, 'node_modules', '@tensorflow', 'tfjs', 'package.json');
    const theirs = fs.existsSync(nested) ? JSON.parse(fs.readFileSync(nested, 'utf8')).version : own;
    if (theirs !== own) throw new StepError(`install: ${PKG}@${version} wants @tensorflow/tfjs ${theirs}, the project has ${own}`);
    fs.rmSync(path.join(src, 'node_modules', '@tensorflow'), { recursive: true, force: true });
    const dest = path.join(nm, PKG);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.renameSync(src, dest);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function cacheDir() {
  return path.join(process.env.REINPOOL_CACHE_DIR || path.join(os.homedir(), '.cache', 'reinpool'), 'wheels');
}

/** A TensorFlow wheel from pip's configured indexes (a mirror, a local index or PyPI). */
function findWheel() {
  const dir = cacheDir();
  fs.mkdirSync(dir, { recursive: true });
  const tried = [];
  for (const spec of PIP_SPECS) {
    const name = spec.split('==')[0].replace(/-/g, '_');
    const before = new Set(fs.readdirSync(dir));
    const r = spawnSync('python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '-d', dir, spec], { encoding: 'utf8', timeout: 900000 });
    if (r.error) throw new NoSourceError(`wheel: python3 -m pip cannot run (${r.error.message}); pass --wheel FILE`);
    if (r.status === 0) {
      // pip prints "Saved <file>" or "File was already downloaded <file>"; fall back to the newest match
      const said = /(?:Saved|already downloaded)\s+(\S+\.whl)/.exec(r.stdout);
      const file = said ? path.resolve(dir, said[1]) : fs.readdirSync(dir).filter((f) => f.startsWith(name + '-') && f.endsWith('.whl') && !before.has(f)).map((f) => path.join(dir, f))[0];
      if (file && fs.existsSync(file)) return file;
    }
    tried.push(`${spec}: ${(r.stderr || r.stdout || '').trim().split('\n').pop()}`);
  }
  throw new NoSourceError(`wheel: pip found no TensorFlow wheel (${tried.join('; ')}); pass --wheel FILE or use --download where the internet is reachable`);
}

/** Extracts the libraries and headers from the wheel into `dest` (python3's zipfile: streams, any size). */
function extractWheel(wheel, dest) {
  const py = `
import json, os, shutil, sys, zipfile
wheel, dest, libs, prefixes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
try:
    z = zipfile.ZipFile(wheel)
except zipfile.BadZipFile as e:
    sys.exit(f'{wheel}: not a wheel (zip): {e}')
names = set(z.namelist())
missing = [l for l in libs if 'tensorflow/' + l not in names]
if missing:
    sys.exit(f'{wheel}: not a TensorFlow wheel with the C API libraries (no tensorflow/{missing[0]})')
def copy(member, target):
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with z.open(member) as src, open(target, 'wb') as out:
        shutil.copyfileobj(src, out, 1 << 20)
for l in libs:
    copy('tensorflow/' + l, os.path.join(dest, 'lib', l))
n = 0
for m in names:
    rel = m[len('tensorflow/include/'):] if m.startswith('tensorflow/include/') else None
    if rel and not m.endswith('/') and any(rel.startswith(p) for p in prefixes):
        copy(m, os.path.join(dest, 'include', rel)); n += 1
if not os.path.exists(os.path.join(dest, 'include', 'tensorflow', 'c', 'c_api.h')):
    sys.exit(f'{wheel}: has no tensorflow/include/tensorflow/c/c_api.h')
print(n)
`;
  const args = ['-c', py, wheel, dest, JSON.stringify(LIBS), JSON.stringify(HEADER_PREFIXES)];
  return Number(run('stage', 'python3', args, {}, `python3 (zipfile) extract ${LIBS.join(', ')} and headers from ${path.basename(wheel)}`).trim());
}

/** deps/ of the package, rebuilt in a sibling folder and swapped in, so a failed run leaves no half-staged deps/. */
function stage(pkgDir, wheel, strip) {
  const deps = path.join(pkgDir, 'deps');
  const tmp = `${deps}.staging`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const headers = extractWheel(wheel, tmp);
  const lib = path.join(tmp, 'lib');
  if (strip) run('stage', 'strip', ['--strip-unneeded', ...LIBS.map((l) => path.join(lib, l))]);
  for (const [link, target] of Object.entries(LINKS)) fs.symlinkSync(target, path.join(lib, link));
  fs.rmSync(deps, { recursive: true, force: true });
  fs.renameSync(tmp, deps);
  const mb = LIBS.reduce((s, l) => s + fs.statSync(path.join(deps, 'lib', l)).size, 0) / 1048576;
  console.log(`  staged ${LIBS.join(' + ')} (${mb.toFixed(0)} MB${strip ? ', stripped' : ''}) and ${headers} headers into ${path.relative(process.cwd(), deps) || deps}`);
}

/** Directory holding include/node/common.gypi for this Node, so node-gyp downloads no headers. */
function nodeDir() {
  const d = path.dirname(path.dirname(process.execPath));
  return fs.existsSync(path.join(d, 'include', 'node', 'common.gypi')) ? d : null;
}

function buildBinding(pkgDir) {
  const bin = require.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp', { paths: [pkgDir] });
  const env = { ...process.env, npm_config_jobs: process.env.npm_config_jobs || String(os.cpus().length) };
  const nd = nodeDir();
  if (nd) env.npm_config_nodedir = nd;
  else console.log('  (no Node headers next to this node: node-gyp may try to download them)');
  run('build', process.execPath, [bin, 'install', '--build-from-source'], { cwd: pkgDir, env });
}

function main() {
  const t0 = Date.now();
  const o = parseArgs(process.argv.slice(2));
  const version = wantedVersion();
  let p = probe(o.prefix);
  if (o.check) {
    console.log(`${PKG}: ${p.state}${p.version ? ` (${p.version})` : ''}: ${p.reason}`);
    return p.state === 'ok' ? 0 : 1;
  }
  if (p.state === 'ok' && !o.force) {
    console.log(`${PKG} ${p.version} already works in ${o.prefix} (${p.reason}); --force sets it up again`);
    return 0;
  }
  console.log(`setting up ${PKG} ${version} in ${o.prefix} (now: ${p.state}: ${p.reason})`);
  if (p.state === 'missing' || p.version !== version) {
    console.log(`[1/4] install ${PKG}@${version} without its install script`);
    installPackage(o.prefix, version);
  }
  const pkgDir = path.dirname(require.resolve(`${PKG}/package.json`, { paths: [o.prefix] }));
  if (o.download) {
    console.log('[2/4] libtensorflow and the binding from tfjs-node\'s own install script (downloads)');
    run('download', process.execPath, [path.join(pkgDir, 'scripts', 'install.js')], { cwd: pkgDir });
  } else {
    console.log('[2/4] find a TensorFlow wheel');
    const wheel = o.wheel || findWheel();
    console.log(`  ${wheel}`);
    console.log('[3/4] stage its libraries and headers');
    stage(pkgDir, wheel, o.strip);
    console.log('[4/4] build the binding from source');
    buildBinding(pkgDir);
  }
  p = probe(o.prefix);
  if (p.state !== 'ok') throw new StepError(`check: ${PKG} still does not work: ${p.reason}`);
  console.log(`${PKG} ${p.version} works (${p.reason}), set up in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  if (!(e instanceof StepError)) throw e;
  console.error(`setup-tfjs-node: ${e.message}`);
  process.exitCode = e instanceof UsageError ? 2 : e instanceof NoSourceError ? 3 : 1;
}
