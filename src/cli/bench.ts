/**
 * reinpool bench [flags]: runs the kernel benchmarks, exactly `npm run bench` (node dist/bench/run.js)
 * with the same flags, passed through unchanged.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Args, CliError, CliIO, CommandSpec } from './args';
import type { Command } from './main';

export const spec: CommandSpec = {
  name: 'bench',
  summary: 'Run the kernel benchmarks (every available backend: ts, cpu, cuda). Same program and flags as `npm run bench`; every argument is passed to it unchanged.',
  synopsis: '[bench flags...]',
  passthrough: true,
  options: {},
  details: 'Flags of the benchmark (dist/bench/run.js, built by `npm run build:ts`):\n'
    + '  --quick                 small shapes, about a minute\n'
    + '  --json FILE             write every measurement as JSON\n'
    + '  --backends LIST         ts,cpu,cuda (default: all that load)\n'
    + '  --kernels LIST          e.g. scoreTopK,maxSimTopK,poolMasked,inverseRetrievalReward\n'
    + '  --threads N             threads of the cpu backend',
  examples: ['reinpool bench --quick --json bench.json', 'reinpool bench --backends cpu --kernels maxSimTopK'],
};

/** dist/bench/run.js, from dist/src/cli/bench.js (or from src/cli when run through ts-jest). */
export function benchScript(): string | null {
  const candidates = [
    path.resolve(__dirname, '../../bench/run.js'), // dist/src/cli -> dist/bench
    path.resolve(__dirname, '../../dist/bench/run.js'), // src/cli -> dist/bench
  ];
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

function runNode(script: string, argv: string[], io: CliIO): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...argv], { stdio: ['inherit', 'pipe', 'pipe'] });
    child.stdout.on('data', (b: Buffer) => io.stdout.write(b.toString()));
    child.stderr.on('data', (b: Buffer) => io.stderr.write(b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(signal ? 1 : code ?? 1));
  });
}

export const command: Command = {
  spec,
  async run(args: Args, io: CliIO) {
    const argv = (args.values._ as string[] | undefined) ?? [];
    const script = benchScript();
    if (!script) throw new CliError('the benchmark is not built (dist/bench/run.js is missing): run `npm run build:ts` first');
    return runNode(script, argv, io);
  },
};
