/**
 * Crash safety: a training run (labelled SYNTHETIC task, 30 steps, a checkpoint after every step) is
 * SIGKILLed at seeded random moments, several times, and resumed each time; it must end with
 * bit-identical policy weights to an uninterrupted run of the same seed. After every kill, every
 * step-* checkpoint directory that exists must be complete (manifest.json plus the three
 * .safetensors files, all readable): writeCheckpoint stages a checkpoint in a hidden directory and
 * renames it into place, so a kill at any point never leaves a half-written one.
 * The kill points are seeded (REINPOOL_CRASH_SEED); some land in the middle of a checkpoint write.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readCheckpoint } from '../../src/train';
import { readWeights } from '../../src/policy';
import { mulberry32 as rng } from '../../src/random';

const child = path.join(__dirname, 'train-child.js');
const seed = Number(process.env.REINPOOL_CRASH_SEED ?? 4242);
const KILLS = 5;
const STEPS = 30;


const env = () => {
  const e: NodeJS.ProcessEnv = { ...process.env, CRASH_STEPS: String(STEPS) };
  delete e.NODE_OPTIONS;
  return e;
};

/**
 * stderr without libtensorflow's start-up lines (absl's log prefix, and its notes on oneDNN and CPU
 * features), which tfjs-node prints in every process it loads in: with `npm run setup:tfjs-node`
 * done, the child trains on it. Anything else on stderr still fails the test.
 */
function withoutTensorFlowStartup(stderr: string): string {
  return stderr.split('\n').filter((line) => !(
    line === 'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR'
    || /^[IW]\d{4} [\d:.]+ +\d+ [\w.]+\.cc:\d+\] /.test(line)
    || /^To enable the following instructions: .*, in other operations, rebuild TensorFlow with the appropriate compiler flags\.$/.test(line)
  )).join('\n');
}

/** Runs the child; `onStep(step, proc)` sees every "step N" line. Resolves with the exit code/signal and the last step. */
function runChild(out: string, onStep?: (step: number, p: ChildProcess) => void): Promise<{ code: number | null; signal: string | null; last: number; done: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [child, out], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let last = -1;
    let done = false;
    let buf = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === 'done') done = true;
        const m = /^step (\d+)$/.exec(line);
        if (m) { last = Number(m[1]); onStep?.(last, p); }
      }
    });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('exit', (code, signal) => resolve({ code, signal, last, done, stderr: withoutTensorFlowStartup(stderr) }));
  });
}

/** Every step-* directory is a complete, readable checkpoint. */
function checkCheckpoints(root: string): number[] {
  if (!fs.existsSync(root)) return [];
  const steps: number[] = [];
  for (const n of fs.readdirSync(root)) {
    if (!/^step-\d+$/.test(n)) {
      expect(n.startsWith('.')).toBe(true); // only hidden staging / trash directories besides checkpoints
      continue;
    }
    const dir = path.join(root, n);
    expect(fs.readdirSync(dir).sort()).toEqual(['manifest.json', 'optimizer.safetensors', 'reference.safetensors', 'weights.safetensors']);
    const c = readCheckpoint(dir);
    expect(c.manifest.step).toBe(Number(n.slice(5)));
    expect(c.weights.size).toBeGreaterThan(0);
    steps.push(c.manifest.step);
  }
  return steps.sort((a, b) => a - b);
}

test('SIGKILL at random points + resume == an uninterrupted run, and no checkpoint is ever half-written', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-crash-'));
  const straight = path.join(base, 'straight');
  const killed = path.join(base, 'killed');
  try {
    const t0 = Date.now();
    const ref = await runChild(straight);
    expect(ref.stderr).toBe('');
    expect(ref.done).toBe(true);

    const r = rng(seed);
    const log: string[] = [];
    let progress = 0;
    for (let k = 0; k < KILLS && progress < STEPS - 1; k++) {
      // kill after a random number of further steps, a random few ms after that step was logged:
      // the checkpoint of that step is being written then (checkpointEvery = 1)
      const target = Math.min(STEPS - 1, progress + 1 + Math.floor(r() * 6));
      const delayMs = Math.floor(r() * 25);
      let armed = false;
      const res = await runChild(killed, (step, p) => {
        if (!armed && step >= target) {
          armed = true;
          setTimeout(() => p.kill('SIGKILL'), delayMs);
        }
      });
      expect(res.signal === 'SIGKILL' || res.done).toBe(true);
      const steps = checkCheckpoints(path.join(killed, 'checkpoints'));
      log.push(`kill ${k + 1}: logged step ${res.last} (+${delayMs} ms) -> checkpoints [${steps.join(', ')}]`);
      progress = steps.length ? steps[steps.length - 1] : 0;
      if (res.done) break;
    }
    const fin = await runChild(killed);
    expect(fin.stderr).toBe('');
    expect(fin.done).toBe(true);
    checkCheckpoints(path.join(killed, 'checkpoints'));

    const a = readWeights(path.join(straight, 'policy', 'weights.safetensors'));
    const b = readWeights(path.join(killed, 'policy', 'weights.safetensors'));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, w] of a) {
      const v = b.get(name)!;
      expect(v.shape).toEqual(w.shape);
      expect(Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength).equals(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength))).toBe(true);
    }
    const lines = fs.readFileSync(path.join(killed, 'log.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { step: number }).step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    process.stdout.write(`crash safety (seed ${seed}, ${((Date.now() - t0) / 1000).toFixed(1)} s):\n  ${log.join('\n  ')}\n`);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}, 120000);
