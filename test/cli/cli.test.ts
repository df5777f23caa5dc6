/**
 * The reinpool command, in-process (main(argv, io)): help, usage errors and exit codes, info --json,
 * eval on real ColBERT vectors, and the built binary when dist/ exists.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { COMMAND_NAMES } from '../../src/cli/main';
import { NANOFIQA, cli, hasNanofiqa, nanofiqaArgs, rmrf, tmpDir } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'reinpool.js');
const BUILT = fs.existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'));

describe('reinpool: help and usage', () => {
  test('every subcommand exists and prints its help with exit 0', async () => {
    expect(COMMAND_NAMES).toEqual(['info', 'encode', 'train', 'compress', 'eval', 'experiment', 'serve', 'worker', 'bench', 'demo']);
    for (const name of COMMAND_NAMES) {
      const r = await cli(name, '--help');
      expect({ name, code: r.code }).toEqual({ name, code: 0 });
      expect(r.stdout).toContain(`Usage: reinpool ${name}`);
      expect(r.stdout).toContain('--help');
    }
  });

  test('eval --help lists exactly the issue\'s flags', async () => {
    const r = await cli('eval', '--help');
    for (const f of ['--docs FILE', '--doc-offsets FILE', '--doc-ids FILE', '--queries FILE', '--query-offsets FILE', '--query-ids FILE',
      '--qrels FILE', '--methods LIST', '--policy DIR', '--json FILE', '--runs DIR']) expect(r.stdout).toContain(f);
  });

  test('no command: usage on stderr, exit 2; --help: exit 0; --version', async () => {
    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: reinpool <command>');
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const n of COMMAND_NAMES) expect(help.stdout).toContain(`  ${n}`);
    const v = await cli('--version');
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect((await cli('help', 'eval')).stdout).toContain('Usage: reinpool eval');
  });

  test('usage errors exit 2 and name the bad argument', async () => {
    const cases: Array<[string[], string]> = [
      [['nope'], "reinpool: unknown command 'nope'"],
      [['eval'], 'reinpool eval: --docs: required'],
      [['eval', '--docs', 'x.npy', '--queries', 'y.npy', '--qrels', 'q.tsv'], 'reinpool eval: --docs: file not found: x.npy'],
      [['eval', '--bogus'], 'reinpool eval: --bogus: unknown option'],
      [['eval', '--docs'], 'reinpool eval: --docs: missing value'],
      [['eval', 'stray'], "reinpool eval: unexpected argument 'stray'"],
      [['experiment', '--beir', '/nonexistent/beir'], 'reinpool experiment: --beir: directory not found: /nonexistent/beir'],
      [['experiment', '--beir', __dirname, '--steps', 'ten'], 'reinpool experiment: --beir:'],
      [['demo', '--docs', 'many'], "reinpool demo: --docs: expected an integer, got 'many'"],
      [['demo', '--stop-df', '2'], 'reinpool demo: --stop-df: must be <= 1, got 2'],
      [['demo', '--query-stop-df', '0'], 'reinpool demo: --query-stop-df: must be > 0, got 0'],
      [['train', '--docs', __filename, '--synthetic', __filename], 'reinpool train: --out: required'],
      [['compress', '--policy', '/nonexistent/policy'], 'reinpool compress: --policy: directory not found'],
      [['encode', '--out', 'x.safetensors'], 'reinpool encode: --beir or --text: one is required'],
      [['encode', '--text', __filename, '--out', 'x.txt'], 'reinpool encode: --out: use a .safetensors or .npz file name'],
    ];
    for (const [argv, msg] of cases) {
      const r = await cli(...argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.stderr).toContain(msg);
    }
  });

  test('a bad option value of a data command names it', async () => {
    if (!hasNanofiqa) return;
    const r = await cli('eval', ...nanofiqaArgs(), '--methods', 'maxsim,bogus');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--methods: unknown method 'bogus'");
    const r2 = await cli('eval', ...nanofiqaArgs(), '--methods', 'reinpool');
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('--methods: reinpool needs --policy DIR');
    const r3 = await cli('eval', ...nanofiqaArgs(), '--depth', '5');
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain('--depth: must be >= 100, got 5');
  });

  test('a malformed input file is a failure (exit 1) that names the option and the file', async () => {
    const dir = tmpDir('bad');
    try {
      const bad = path.join(dir, 'bad.npy');
      fs.writeFileSync(bad, 'not numpy at all');
      const r = await cli('eval', '--docs', bad, '--queries', bad, '--qrels', bad);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/\nreinpool eval: --docs: .*bad\.npy: /);
    } finally {
      rmrf(dir);
    }
  });
});

describe('reinpool info', () => {
  test('--json has version, backend and the three backends with reasons, plus tfjs', async () => {
    const r = await cli('info', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(typeof j.version).toBe('string');
    expect(['ts', 'cpu', 'cuda']).toContain(j.backend);
    for (const b of ['cpu', 'cuda', 'ts']) {
      expect(typeof j.backends[b].available).toBe('boolean');
      expect(typeof j.backends[b].reason).toBe('string');
    }
    expect(j.backends.ts.available).toBe(true);
    expect(j.backends[j.backend].available).toBe(true);
    expect(j.tfjs).toBeDefined();
    expect(typeof j.tfjs.backend === 'string' || j.tfjs.backend === null).toBe(true);
    expect(typeof j.threads).toBe('number');
  });

  test('text output names the chosen backend', async () => {
    const r = await cli('info', '--no-tf');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/kernel backend: (ts|cpu|cuda)/);
  });

  const tfjsNodeHere = (() => {
    try { require.resolve('@tensorflow/tfjs-node/package.json'); return true; } catch { return false; }
  })();
  // NODE_PATH is searched after the repository's node_modules: only without a real tfjs-node there
  (BUILT && !tfjsNodeHere ? test : test.skip)('an installed tfjs-node that does not load: info says why and the command that fixes it', () => {
    const dir = tmpDir('tfnode');
    try {
      const pkg = path.join(dir, '@tensorflow', 'tfjs-node');
      fs.mkdirSync(pkg, { recursive: true });
      fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'index.js' }));
      // what tfjs-node does when its binding was never built (install script skipped or failed offline)
      fs.writeFileSync(path.join(pkg, 'index.js'), "module.exports = require('./lib/napi-v8/tfjs_binding.node');\n");
      const env = { ...process.env, NODE_PATH: dir, REINPOOL_TF_BACKEND: 'node' };
      const text = spawnSync(process.execPath, [BIN, 'info'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120000 });
      expect(text.status).toBe(0);
      expect(text.stdout).toMatch(/tfjs backend: (wasm|cpu)/);
      expect(text.stdout).toContain("unusable: @tensorflow/tfjs-node is installed but does not load (Cannot find module './lib/napi-v8/tfjs_binding.node'");
      expect(text.stdout).toContain('fix: npm run setup:tfjs-node');
      const json = spawnSync(process.execPath, [BIN, 'info', '--json'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120000 });
      const j = JSON.parse(json.stdout);
      expect(j.tfjs.unusable).toMatchObject({ package: '@tensorflow/tfjs-node', fix: 'npm run setup:tfjs-node' });
      expect(j.tfjs.skipped.node).toBe(j.tfjs.unusable.reason);
    } finally {
      rmrf(dir);
    }
  });
});

(hasNanofiqa ? describe : describe.skip)('reinpool eval on colbert-nanofiqa (real ColBERTv2 vectors)', () => {
  const dir = tmpDir('eval');
  afterAll(() => rmrf(dir));

  test('maxsim NDCG@10 0.936, mean 0.809; --json, --runs and --report written', async () => {
    const json = path.join(dir, 'r.json');
    const runs = path.join(dir, 'runs');
    const report = path.join(dir, 'report');
    const r = await cli('eval', ...nanofiqaArgs(), '--methods', 'maxsim,mean,max,tokenpool-4,muvera', '--json', json, '--runs', runs, '--report', report, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(Object.keys(j.methods)).toEqual(['maxsim', 'mean', 'max', 'tokenpool-4', 'muvera']);
    expect(j.methods.maxsim['ndcg@10']).toBeCloseTo(0.936, 3);
    expect(j.methods.mean['ndcg@10']).toBeCloseTo(0.809, 3);
    for (const m of Object.values<Record<string, number>>(j.methods)) {
      for (const k of ['ndcg@3', 'ndcg@5', 'ndcg@10', 'recall@10', 'recall@100', 'vectorsPerDoc', 'floatsPerDoc']) expect(typeof m[k]).toBe('number');
    }
    expect(j.recoveryNdcg3.maxsim).toBe(1);
    expect(j.compression.mean).toBeGreaterThan(100);
    expect(r.stdout).toMatch(/maxsim\s+126\.6\s+16201\.1\s+1\.00x\s+0\.9531\s+0\.9369\s+0\.9363/);
    expect(r.stdout).toMatch(/\nmean\s+1\s+128\s+127x\s+0\.8000\s+0\.8829\s+0\.8085/);
    for (const n of ['maxsim', 'mean', 'max', 'tokenpool-4', 'muvera']) expect(fs.existsSync(path.join(runs, `${n}.run`))).toBe(true);
    expect(fs.readFileSync(path.join(runs, 'qrels.txt'), 'utf8').split('\n')[0]).toMatch(/^\S+ 0 \S+ 1$/);
    expect(fs.readFileSync(path.join(runs, 'maxsim.run'), 'utf8').split('\n')[0]).toMatch(/^\S+ Q0 \S+ 1 \S+ maxsim$/);
    expect(fs.readFileSync(path.join(report, 'report.md'), 'utf8')).toContain('| maxsim |');
    expect(fs.readFileSync(path.join(report, 'methods.svg'), 'utf8')).toContain('<svg');
  });

  test('per-query arrays (.npz) and TREC qrels give the same numbers', async () => {
    const io = await import('../../src/io');
    const docs = io.loadMultiVectors({ file: path.join(NANOFIQA, 'doc_vectors.npy'), offsets: path.join(NANOFIQA, 'doc_offsets.npy'), ids: path.join(NANOFIQA, 'doc_ids.txt') });
    const entries: Record<string, { data: Float32Array; shape: number[] }> = {};
    const n = docs.offsets.length - 1;
    for (let d = 0; d < n; d++) {
      entries[`doc${d}`] = { data: docs.vectors.slice(docs.offsets[d] * docs.dim, docs.offsets[d + 1] * docs.dim), shape: [docs.offsets[d + 1] - docs.offsets[d], docs.dim] };
    }
    const npz = path.join(dir, 'perdoc.npz');
    io.writeNpz(npz, entries);
    const trec = path.join(dir, 'qrels.trec');
    io.writeTrecQrels(trec, io.readBeirQrels(path.join(NANOFIQA, 'qrels.tsv')));
    const json = path.join(dir, 'perdoc.json');
    const r = await cli('eval', '--docs', npz, '--doc-ids', path.join(NANOFIQA, 'doc_ids.txt'), '--queries', path.join(NANOFIQA, 'query_vectors.npy'),
      '--query-ids', path.join(NANOFIQA, 'query_ids.txt'), '--qrels', trec, '--methods', 'maxsim,mean', '--json', json, '-q');
    expect(r.code).toBe(0);
    const j = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(j.methods.maxsim['ndcg@10']).toBeCloseTo(0.936, 3);
    expect(j.methods.mean['ndcg@10']).toBeCloseTo(0.809, 3);
  });
});

if (!hasNanofiqa) {
  console.warn(`cli.test: nanofiqa checks skipped: ${NANOFIQA} is missing (set REINPOOL_DATA_DIR to the folder holding colbert-nanofiqa/)`);
}

(BUILT ? describe : describe.skip)('the built binary (bin/reinpool.js -> dist)', () => {
  test('info --json with the ts backend forced, and exit codes through the shim', () => {
    const r = spawnSync(process.execPath, [BIN, 'info', '--json', '--no-tf'], { env: { ...process.env, REINPOOL_BACKEND: 'ts' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.backend).toBe('ts');
    expect(j.requested).toBe('ts');
    const bad = spawnSync(process.execPath, [BIN, 'eval', '--docs', 'x.npy'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('reinpool eval: --docs: file not found: x.npy');
    const help = spawnSync(process.execPath, [BIN, 'demo', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
  });
});
