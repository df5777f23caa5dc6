/**
 * reinpool against its peers, side by side in one run (not a test):
 *
 *   npm run bench:peers -- --json peers.json     [--pairs 5] [--threads 2] [--python PATH]
 *                                                [--tasks scoreTopK,maxSimTopK]  (task names, prefixes)
 *
 * The same seeded inputs are written as .npy to a temp dir and run through bench/peers.py in one
 * long-lived Python process: faiss-cpu IndexFlatIP and numpy (matmul + argpartition) against
 * scoreTopK, numpy (matmul + max) against maxSimTopK, plain PyTorch CPU against one GRPO step
 * (src/train: MLP policy, B=16 G=16 T=200 D=100, 6,000 queries, inverse reward) and against
 * compress (src/policy, both engines: native and tfjs). Timings are interleaved: each pair is one reinpool call, then one peer
 * call; the ratio printed is the median over pairs of peer ms / reinpool ms (> 1: reinpool faster).
 * Both sides get the same thread count (the addon's _setThreads; OMP/MKL/OPENBLAS_NUM_THREADS,
 * torch.set_num_threads, faiss.omp_set_num_threads). Python is $REINPOOL_PEERS_PYTHON, --python,
 * or python3; a missing interpreter or package skips that peer with the reason, never fails the run.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { writeNpy } from '../src/io/npy';
import { loadNativeAddon, loadNativeBackend } from '../src/kernels/native';
import type { Kernels } from '../src/kernels/types';
import { compress, Policy, tfBackendInfo } from '../src/policy';
import { train } from '../src/train';
import { arg, floats, machine, offsetsOf, rng } from './lib';

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

/** One long-lived Python process answering {"case"} requests with {"ms"} or {"error"}. */
class PythonPeers {
  private lines: AsyncIterableIterator<string>;
  private constructor(private child: ReturnType<typeof spawn>, public info: Record<string, unknown>, lines: AsyncIterableIterator<string>) {
    this.lines = lines;
  }

  static async start(python: string, dir: string, threads: number): Promise<PythonPeers | string> {
    const env = {
      ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads),
      REINPOOL_PEER_THREADS: String(threads),
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(python, [path.join(__dirname, '..', '..', 'bench', 'peers.py'), dir], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      return `could not start ${python}: ${(e as Error).message}`;
    }
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
    const failed = new Promise<string>((resolve) => {
      child.on('error', (e) => resolve(`could not start ${python}: ${e.message}`));
      child.on('exit', (code) => resolve(`${python} exited (${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
    const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = await Promise.race([lines.next().then((r) => (r.done ? null : r.value)), failed]);
    if (first === null) return `${python} gave no answer: ${stderr.trim()}`;
    try {
      return new PythonPeers(child, JSON.parse(first) as Record<string, unknown>, lines);
    } catch {
      child.kill();
      return typeof first === 'string' ? first : 'python peers did not start';
    }
  }

  get cases(): string[] { return (this.info.cases as string[] | undefined) ?? []; }

  async time(name: string): Promise<number> {
    this.child.stdin!.write(`${JSON.stringify({ case: name })}\n`);
    const r = await this.lines.next();
    if (r.done) throw new Error(`python peers ended during ${name}`);
    const a = JSON.parse(r.value) as { ms?: number; error?: string };
    if (a.error !== undefined || a.ms === undefined) throw new Error(a.error ?? 'no time');
    return a.ms;
  }

  stop(): void { this.child.stdin!.end(); }
}

interface Row {
  task: string;
  shape: string;
  peer: string;
  reinpoolMs: number[];
  peerMs: number[];
  reinpoolMedianMs: number;
  peerMedianMs: number;
  /** median over pairs of peerMs / reinpoolMs: > 1 means reinpool is faster */
  ratioMedian: number;
}

interface Task {
  task: string;
  shape: string;
  /** peer case names in bench/peers.py, with a label */
  peers: [string, string][];
  /** one reinpool call; returns its wall ms (or the ms it measured itself) */
  reinpool: () => Promise<number>;
}

async function main(): Promise<void> {
  const jsonFile = arg('json');
  const pairs = Number(arg('pairs') ?? 5);
  const threads = Number(arg('threads') ?? 2);
  const python = arg('python') ?? process.env.REINPOOL_PEERS_PYTHON ?? 'python3';
  const wantTasks = arg('tasks')?.split(',');
  const addon = loadNativeAddon('cpu').addon;
  if (addon) addon._setThreads(threads);
  const backend = loadNativeBackend('cpu');
  const K: Kernels | null = backend.kernels;
  if (!K) console.log(`reinpool cpu backend unavailable (${backend.status.reason}): the kernel rows are skipped`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-peers-'));
  const rand = rng(20260101);
  const meta: Record<string, Record<string, number>> = {};
  const tasks: Task[] = [];
  const timed = (fn: () => unknown) => async () => { const t0 = process.hrtime.bigint(); await fn(); return Number(process.hrtime.bigint() - t0) / 1e6; };

  // scoreTopK m=1024 n=50,000 D=128 k=10
  {
    const m = 1024, n = 50000, D = 128, k = 10;
    const q = floats(rand, m * D), keys = floats(rand, n * D);
    writeNpy(path.join(dir, 'score_q.npy'), q, [m, D]);
    writeNpy(path.join(dir, 'score_k.npy'), keys, [n, D]);
    meta.score = { m, n, D, k };
    const args = { queries: { rows: m, dim: D, data: q }, keys: { rows: n, dim: D, data: keys }, k };
    if (K) tasks.push({ task: 'scoreTopK', shape: `m=${m} n=${n} D=${D} k=${k}`, peers: [['score.faiss', 'faiss IndexFlatIP'], ['score.faiss1', 'faiss IndexFlatIP, 1 thread'], ['score.numpy', 'numpy matmul + argpartition']], reinpool: timed(() => K.scoreTopK(args)) });
  }
  // maxSimTopK 32 queries x 32 tokens vs 1,000 documents x 200 tokens, D=128
  {
    const nq = 32, lq = 32, nd = 1000, td = 200, D = 128, k = 10;
    const qv = floats(rand, nq * lq * D), dv = floats(rand, nd * td * D);
    writeNpy(path.join(dir, 'maxsim_q.npy'), qv, [nq * lq, D]);
    writeNpy(path.join(dir, 'maxsim_d.npy'), dv, [nd * td, D]);
    meta.maxsim = { nq, lq, nd, td, D, k };
    const args = { queries: { dim: D, vectors: qv, offsets: offsetsOf(nq, lq) }, docs: { dim: D, vectors: dv, offsets: offsetsOf(nd, td) }, k };
    if (K) tasks.push({ task: 'maxSimTopK', shape: `${nq}q x ${lq}tok vs ${nd}d x ${td}tok D=${D} k=${k}`, peers: [['maxsim.numpy', 'numpy matmul + max']], reinpool: timed(() => K.maxSimTopK(args)) });
  }
  // one GRPO step: MLP policy, B=16 G=16 T=200 D=100, 6,000 queries (6 per document), inverse reward
  {
    const N = 1000, T = 200, D = 100, Q = 6000, hidden = 64;
    const docs = { dim: D, vectors: floats(rand, N * T * D), offsets: offsetsOf(N, T) };
    const queries = { rows: Q, dim: D, data: floats(rand, Q * D) };
    const queryOwner = new Int32Array(Q).map((_, i) => Math.floor(i / (Q / N)));
    writeNpy(path.join(dir, 'grpo_docs.npy'), docs.vectors, [N * T, D]);
    writeNpy(path.join(dir, 'grpo_queries.npy'), queries.data, [Q, D]);
    writeNpy(path.join(dir, 'grpo_owner.npy'), queryOwner, [Q]);
    const config = {
      steps: 2, batchDocs: 16, groupSize: 16, evalEvery: 0, checkpointEvery: 0, policy: { type: 'mlp' as const, hidden, layers: 1 },
      reward: 'inverse' as const, rewardK: 3,
    };
    meta.grpo = { docs: N, T, D, B: 16, G: 16, k: 3, hidden, lr: 3e-3, weightDecay: 0.01, advEps: 1e-4, innerEpochs: 2, clipEps: 0.2, beta: 0.01, maxGradNorm: 1 };
    tasks.push({
      task: 'GRPO step', shape: `MLP h=${hidden}, B=16 G=16 T=${T} D=${D}, ${Q} queries, inverse NDCG@3, 2 inner epochs`,
      peers: [['grpo.torch', 'PyTorch CPU']],
      // train() times each step itself (secondsPerStep); the second step of a 2-step run is taken (the first warms up)
      reinpool: async () => {
        const steps: number[] = [];
        await train({ docs, queries, queryOwner, config, log: (mm) => { steps.push(mm.secondsPerStep * 1000); }, progress: false });
        return steps[steps.length - 1];
      },
    });
  }
  // compress: MLP keep-logits, p > 0.5, mean pool, L2 (the same random policy weights on both sides)
  {
    const N = 500, T = 200, D = 100, hidden = 64;
    const set = { dim: D, vectors: floats(rand, N * T * D), offsets: offsetsOf(N, T) };
    writeNpy(path.join(dir, 'compress_docs.npy'), set.vectors, [N * T, D]);
    const policy = new Policy({ dim: D, type: 'mlp', hidden, layers: 1, seed: 3 });
    for (const [name, w] of policy.getWeights()) writeNpy(path.join(dir, `compress_${name.replace('.', '_')}.npy`), w.data, w.shape);
    meta.compress = { docs: N, T, D, hidden };
    for (const engine of ['native', 'tfjs'] as const) {
      tasks.push({
        task: `compress ${engine}`, shape: `${N} docs x ${T} vectors x ${D} (${N * T} vectors), MLP h=${hidden}, p > 0.5, mean+L2`,
        peers: [['compress.torch', 'PyTorch CPU']],
        reinpool: timed(() => compress(policy, set, { engine })),
      });
    }
  }
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));

  const started = await PythonPeers.start(python, dir, threads);
  const peers = typeof started === 'string' ? null : started;
  const skipped: Record<string, string> = {};
  if (!peers) console.log(`python peers skipped: ${started as string}`);
  else {
    for (const p of ['numpy', 'faiss', 'torch']) {
      const why = peers.info[`${p}Error`];
      if (!peers.info[p]) skipped[p] = `not importable in ${python}: ${typeof why === 'string' ? why : 'missing'}`;
    }
    console.log(`python peers (${python}): numpy ${String(peers.info.numpy)}, faiss ${String(peers.info.faiss)}, torch ${String(peers.info.torch)}, ${threads} threads`);
  }

  const rows: Row[] = [];
  const load: number[][] = [os.loadavg()];
  for (const t of tasks) {
    if (wantTasks && !wantTasks.some((w) => t.task.startsWith(w))) continue;
    const usable = t.peers.filter(([c]) => peers?.cases.includes(c));
    for (const [c, label] of t.peers) if (!usable.some(([u]) => u === c)) skipped[`${t.task} / ${label}`] = peers ? 'its Python package is missing' : 'no Python';
    if (!usable.length) continue;
    await t.reinpool(); // warm-up, untimed
    for (const [c] of usable) await peers!.time(c);
    const rp: number[] = [];
    const pm = usable.map(() => [] as number[]);
    for (let i = 0; i < pairs; i++) {
      for (let j = 0; j < usable.length; j++) {
        rp.push(await t.reinpool());
        pm[j].push(await peers!.time(usable[j][0]));
      }
    }
    usable.forEach(([, label], j) => {
      const ours = rp.filter((_, i) => i % usable.length === j);
      const row: Row = {
        task: t.task, shape: t.shape, peer: label,
        reinpoolMs: ours.map((x) => round(x)), peerMs: pm[j].map((x) => round(x)),
        reinpoolMedianMs: round(median(ours)), peerMedianMs: round(median(pm[j])),
        ratioMedian: round(median(ours.map((x, i) => pm[j][i] / x)), 3),
      };
      rows.push(row);
      console.log(`${t.task.padEnd(15)} ${label.padEnd(30)} reinpool ${row.reinpoolMedianMs.toFixed(1).padStart(8)} ms  peer ${row.peerMedianMs.toFixed(1).padStart(8)} ms  ratio ${row.ratioMedian.toFixed(2)}x  (${t.shape})`);
    });
    load.push(os.loadavg());
  }
  peers?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [k, why] of Object.entries(skipped)) console.log(`skipped ${k}: ${why}`);
  const out = {
    data: 'synthetic random (seeded uniform [-1, 1)); the same arrays on both sides (.npy in a temp dir)',
    pairs, threads,
    ratio: 'median over interleaved pairs of peer ms / reinpool ms (> 1: reinpool faster)',
    machine: machine({ loadAverageDuring: load.map((l) => l.map((x) => round(x))), tfjs: tfBackendInfo(), python: peers?.info ?? null }),
    skipped,
    rows,
  };
  console.log(`load average during the run: ${load.map((l) => l.map((x) => x.toFixed(2)).join('/')).join(', ')}`);
  if (jsonFile) { fs.writeFileSync(jsonFile, `${JSON.stringify(out, null, 2)}\n`); console.log(`wrote ${jsonFile}`); }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
