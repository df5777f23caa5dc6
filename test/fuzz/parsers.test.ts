/**
 * Bounded fuzzing of every file parser (engine.ts). In the normal jest run each target gets
 * FUZZ_SECONDS (default 1) seconds; `npm run fuzz` runs this file alone with FUZZ_SECONDS=30.
 * FUZZ_SEED picks the mutation stream (default: a fixed seed in the normal run, so it is
 * reproducible). A finding is saved under test/fuzz/corpus/<target>/ and fails the test; once the
 * parser is fixed, the saved file stays as a regression input (replay.test.ts).
 */
import * as fs from 'fs';
import { fuzz, TARGETS } from './engine';

const seconds = Number(process.env.FUZZ_SECONDS ?? 1);
const seed = Number(process.env.FUZZ_SEED ?? 20260126);
const stats: string[] = [];

afterAll(() => {
  if (process.env.FUZZ_REPORT) fs.writeFileSync(process.env.FUZZ_REPORT, stats.join('\n') + '\n');
  // one line per target: the numbers docs/shipping.md quotes
  process.stdout.write(`fuzz (${seconds}s/target, seed ${seed}):\n${stats.join('\n')}\n`);
});

test.each(TARGETS.map((t, i) => [t.name, t, i] as const))('fuzz %s: every input parses and validates, or is rejected with an error naming the file', async (_n, t, i) => {
  const s = await fuzz(t, seconds, seed + i * 7919);
  stats.push(`${t.name.padEnd(12)} ${String(s.execs).padStart(7)} execs  ${(s.execs / Math.max(s.seconds, 1e-3)).toFixed(0).padStart(6)} exec/s  parsed ${s.parsed}  rejected ${s.rejected}  findings ${s.findings.length}`);
  const report = s.findings.map((f) => `${f.outcome.kind} (${f.file}): ${f.outcome.detail}`).join('\n\n');
  expect(report).toBe('');
  expect(s.execs).toBeGreaterThan(0);
}, Math.max(120000, seconds * 1000 + 60000));
