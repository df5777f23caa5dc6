/**
 * A clean install of the npm tarball, the way a user gets it: `npm pack`, then `npm install
 * <tarball>` into an empty folder with NO compiler on PATH (PATH holds only node, npm, npx and sh),
 * then:
 *   1. require('reinpool') / import('reinpool') / `npx reinpool info --json` run on the cpu backend
 *      loaded from node_modules/reinpool/prebuilds/linux-x64/reinpool_cpu.node, with no warning;
 *   2. with the prebuild removed (and still no compiler), the install script exits 0 with one
 *      warning line, and the package runs on the ts backend with exactly one REINPOOL_FALLBACK line.
 *
 * Dependencies come from the local npm cache: `npm install --offline` first; when the cache lacks a
 * package, `--prefer-offline` (the registry only for what is missing); when that fails too (no
 * network), the tarball is unpacked into node_modules/reinpool and the repository's own
 * node_modules/* are symlinked beside it ("link" mode: the package files under test are still exactly
 * the tarball's). Optional dependencies (word vectors: 300 MB) are omitted.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const plat = `${process.platform}-${process.arch}`;
const prebuild = path.join(root, 'prebuilds', plat, 'reinpool_cpu.node');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-install-'));
const bin = path.join(work, 'bin');
const app = path.join(work, 'app');
const pkgDir = path.join(app, 'node_modules', 'reinpool');
let installMode = '';

/** one entry of `npm pack --json` */
interface PackResult { filename: string; size: number; unpackedSize: number; entryCount: number }

/** The environment of a user's shell without a compiler, and without this repo's overrides. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  for (const k of Object.keys(env)) if (/^(REINPOOL_|npm_lifecycle|npm_package|JEST_|CXX$|CC$|NODE_OPTIONS$|LD_PRELOAD$)/.test(k)) delete env[k];
  return env;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd: opts.cwd ?? app, env: opts.env ?? userEnv(), encoding: 'utf8', timeout: opts.timeout ?? 120000 });
}

const newest = (dir: string): number => {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
};

beforeAll(() => {
  // dist/ must be current: the tarball ships it
  const cjs = path.join(root, 'dist', 'src', 'index.js');
  const esm = path.join(root, 'dist', 'esm', 'index.mjs');
  if (!fs.existsSync(cjs) || !fs.existsSync(esm) || fs.statSync(cjs).mtimeMs < newest(path.join(root, 'src'))) {
    execFileSync('npm', ['run', 'build:ts'], { cwd: root, stdio: 'pipe' });
  }
  if (!fs.existsSync(prebuild)) throw new Error(`${prebuild} is missing: run \`npm run build:prebuild\``);

  // PATH with node, npm, npx and sh only: no cc, c++, g++, clang, cmake, make
  fs.mkdirSync(bin);
  const which = (c: string) => execFileSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).trim();
  for (const c of ['node', 'npm', 'npx', 'sh']) fs.symlinkSync(fs.realpathSync(which(c)), path.join(bin, c));

  const packed = (JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as PackResult[])[0];
  const tgz = path.join(work, packed.filename);
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'rp-consumer', version: '1.0.0', private: true }));
  const t0 = Date.now();
  const base = ['install', tgz, '--omit=optional', '--no-package-lock', '--no-audit', '--no-fund'];
  for (const mode of ['--offline', '--prefer-offline']) {
    const r = run('npm', [...base, mode], { timeout: 180000 });
    if (r.status === 0) { installMode = mode; break; }
  }
  if (!installMode) {
    installMode = 'link';
    fs.mkdirSync(pkgDir, { recursive: true });
    execFileSync('tar', ['-xzf', tgz, '-C', pkgDir, '--strip-components=1']);
    for (const d of fs.readdirSync(path.join(root, 'node_modules'))) {
      if (d === '.bin' || d === 'reinpool' || d.startsWith('.')) continue;
      fs.symlinkSync(path.join(root, 'node_modules', d), path.join(app, 'node_modules', d));
    }
    fs.mkdirSync(path.join(app, 'node_modules', '.bin'), { recursive: true });
    fs.symlinkSync(path.join(pkgDir, 'bin', 'reinpool.js'), path.join(app, 'node_modules', '.bin', 'reinpool'));
  }
  process.stdout.write(`install test: tarball ${packed.filename} ${(packed.size / 1024).toFixed(0)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${packed.entryCount} files; npm install (${installMode}) ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}, 300000);

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

test('there is no compiler on the restricted PATH', () => {
  for (const c of ['cc', 'c++', 'g++', 'gcc', 'clang', 'cmake', 'make']) {
    const r = run('sh', ['-c', `command -v ${c}`]);
    expect(`${c}: ${r.stdout.trim()}`).toBe(`${c}: `);
  }
});

test('the tarball is small and holds what it should', () => {
  expect(fs.existsSync(path.join(pkgDir, 'prebuilds', plat, 'reinpool_cpu.node'))).toBe(true);
  expect(fs.existsSync(path.join(pkgDir, 'prebuilds', plat, 'reinpool_cuda.node'))).toBe(false);
  expect(fs.existsSync(path.join(pkgDir, 'dist', 'src', 'index.d.ts'))).toBe(true);
  expect(fs.existsSync(path.join(pkgDir, 'dist', 'esm', 'index.mjs'))).toBe(true);
  for (const no of ['test', 'build', 'build-cuda', 'build-asan', 'build-fuzz', 'build-prebuild', 'src', 'native/fuzz', 'bench']) {
    expect(`${no}: ${fs.existsSync(path.join(pkgDir, no))}`).toBe(`${no}: false`);
  }
  const sizes: number[] = [];
  const walk = (d: string) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else sizes.push(fs.statSync(p).size); } };
  walk(pkgDir);
  expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThan(6 * 1024 * 1024);
});

test('require(\'reinpool\') runs on the prebuilt cpu addon, silently', () => {
  const r = run('node', ['-e', "const r = require('reinpool'); const k = r.getKernels(); console.log(JSON.stringify({ name: k.name, report: r.backendReport(), compress: typeof r.compress, kernels: typeof require('reinpool/kernels').getKernels }))"]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout) as {
    name: string; report: { backend: string; backends: { cpu: { available: boolean; reason: string } } }; compress: string; kernels: string;
  };
  expect(out.name).toBe('cpu');
  expect(out.report.backend).toBe('cpu');
  expect(out.report.backends.cpu.available).toBe(true);
  expect(out.report.backends.cpu.reason).toContain(path.join('node_modules', 'reinpool', 'prebuilds', plat, 'reinpool_cpu.node'));
  expect(out.compress).toBe('function');
  expect(out.kernels).toBe('function');
});

test('import(\'reinpool\') gives the same module (ESM wrapper), named and default exports', () => {
  fs.writeFileSync(path.join(app, 'esm.mjs'), [
    "import { getKernels, backendReport, compress } from 'reinpool';",
    "import def from 'reinpool';",
    "import { getKernels as gk2 } from 'reinpool/kernels';",
    "import { createRequire } from 'node:module';",
    'const cjs = createRequire(import.meta.url)(\'reinpool\');',
    'console.log(JSON.stringify({ name: getKernels().name, backend: backendReport().backend, same: getKernels === cjs.getKernels && def === cjs && gk2 === cjs.getKernels, compress: typeof compress }));',
  ].join('\n'));
  const r = run('node', ['esm.mjs']);
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout)).toEqual({ name: 'cpu', backend: 'cpu', same: true, compress: 'function' });
});

test('`npx reinpool info --json` reports the cpu backend from the prebuild', () => {
  const r = run('npx', ['--no-install', 'reinpool', 'info', '--json']);
  expect(r.status).toBe(0);
  const info = JSON.parse(r.stdout) as { backend: string; backends: { cpu: { reason: string } }; tfjs: { backend: string } };
  expect(info.backend).toBe('cpu');
  expect(info.backends.cpu.reason).toContain(path.join('prebuilds', plat, 'reinpool_cpu.node'));
  expect(info.tfjs.backend).toBeTruthy();
});

test('the bundled .d.ts types compile in a TypeScript consumer', () => {
  fs.writeFileSync(path.join(app, 'consumer.ts'), [
    "import { getKernels, compress, backendReport, type MultiVectorSet } from 'reinpool';",
    'const set: MultiVectorSet = { dim: 2, vectors: new Float32Array(4), offsets: Int32Array.from([0, 2]) };',
    'const name: string = getKernels().name;',
    'export const x = [set, name, compress, backendReport().backend];',
  ].join('\n'));
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = run('node', [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', '--typeRoots', path.join(root, 'node_modules', '@types'), 'consumer.ts']);
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
});

describe('no prebuild and no compiler', () => {
  beforeAll(() => {
    fs.renameSync(path.join(pkgDir, 'prebuilds'), path.join(pkgDir, 'prebuilds.off'));
  });
  afterAll(() => {
    fs.renameSync(path.join(pkgDir, 'prebuilds.off'), path.join(pkgDir, 'prebuilds'));
  });

  test('the install script does not fail: one warning line, exit 0, nothing built', () => {
    const r = run('node', [path.join(pkgDir, 'scripts', 'install.js')], { cwd: pkgDir });
    expect(r.status).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.trim());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^reinpool: WARNING: native addon not built: .*TypeScript kernels will be used/);
    expect(fs.existsSync(path.join(pkgDir, 'build'))).toBe(false);
  });

  test('the package runs on the ts kernels with exactly one REINPOOL_FALLBACK warning line', () => {
    const r = run('node', ['-e', "const r = require('reinpool'); r.getKernels(); r.getKernels(); const s = r.getKernels().scoreTopK({ queries: { data: Float32Array.from([1, 0]), rows: 1, dim: 2 }, keys: { data: Float32Array.from([0, 1, 1, 0]), rows: 2, dim: 2 }, k: 1 }); console.log(JSON.stringify({ name: r.getKernels().name, backend: r.backendReport().backend, id: s.ids[0] }))"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name: 'ts', backend: 'ts', id: 1 });
    // Node adds its own "(Use `node --trace-warnings ...`)" hint after the first warning: not ours
    const lines = r.stderr.split('\n').filter((l) => l.trim() && !/--trace-warnings/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Warning: reinpool: using the ts backend because cpu is unavailable \(reinpool_cpu\.node not found/);
  });
});
