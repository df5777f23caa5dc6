/**
 * The `reinpool` command: dispatch to one module per subcommand. Every subcommand module exports a
 * `command` ({ spec, run }); heavy modules (TensorFlow.js, the native addon, io readers) are loaded
 * inside run(), so `--help` and usage errors are instant and importing this file never throws.
 *
 * Exit codes: 0 ok, 1 failure, 2 usage.
 */
import { Args, CliError, CliIO, CommandSpec, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, formatHelp, packageInfo, parseCommand } from './args';

export interface Command {
  spec: CommandSpec;
  run(args: Args, io: CliIO): Promise<number | void>;
}

type Loader = () => Promise<Command>;

/* Lazy so that e.g. `reinpool info` does not load the eval module's dependencies. */
const COMMANDS: Record<string, { summary: string; load: Loader }> = {
  info: { summary: 'show the version, the kernel backend chosen and why, tfjs backend, SIMD/threads', load: async () => (await import('./info')).command },
  encode: { summary: 'encode a BEIR corpus or text into token vectors (GloVe) -> .safetensors/.npz', load: async () => (await import('./encode')).command },
  train: { summary: 'train a ReinPool policy on documents + synthetic queries (GRPO)', load: async () => (await import('./train')).command },
  compress: { summary: 'compress multi-vector documents into one vector each with a trained policy', load: async () => (await import('./compress')).command },
  eval: { summary: 'evaluate maxsim, mean, max, tokenpool, muvera, reinpool on embedding files', load: async () => (await import('./eval')).command },
  experiment: { summary: 'BEIR dir -> encode -> synthetic queries -> train -> evaluate all methods -> report', load: async () => (await import('./experiment')).command },
  serve: { summary: 'serve a trained policy over HTTP: POST /v1/compress (safetensors, npz, JSON), /healthz, /metrics', load: async () => (await import('./serve')).command },
  worker: { summary: 'take compress and MaxSim shard jobs from a BullMQ queue on Redis (see compress/eval --queue)', load: async () => (await import('./worker')).command },
  bench: { summary: 'run the kernel benchmarks (same flags as npm run bench)', load: async () => (await import('./bench')).command },
  demo: { summary: 'the end-to-end demo on SpamAssassin e-mail: subject lines find their messages (no downloads)', load: async () => (await import('./demo')).command },
};

export const COMMAND_NAMES = Object.keys(COMMANDS);

export function topLevelHelp(): string {
  const w = Math.max(...COMMAND_NAMES.map((n) => n.length)) + 2;
  return [
    'Usage: reinpool <command> [options]',
    '',
    'ReinPool: learned single-vector pooling of multi-vector (ColBERT/ColPali) embeddings.',
    '',
    'Commands:',
    ...COMMAND_NAMES.map((n) => `  ${n.padEnd(w)}${COMMANDS[n].summary}`),
    '',
    'Run `reinpool <command> --help` for the options of a command.',
    'Exit codes: 0 ok, 1 failure, 2 usage error.',
    '',
  ].join('\n');
}

export const processIO: CliIO = { stdout: process.stdout, stderr: process.stderr };

/** Run the CLI with argv (without node and the script path). Resolves to the exit code. */
export async function main(argv: string[] = process.argv.slice(2), io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0] !== undefined) return main([rest[0], '--help'], io);
    if (name === undefined) {
      io.stderr.write(topLevelHelp());
      return EXIT_USAGE;
    }
    io.stdout.write(topLevelHelp());
    return EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(packageInfo().version + '\n');
    return EXIT_OK;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(`reinpool: unknown command '${name}'\n\n${topLevelHelp()}`);
    return EXIT_USAGE;
  }
  let cmd: Command;
  try {
    cmd = await entry.load();
  } catch (e) {
    io.stderr.write(`reinpool ${name}: failed to load: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
  try {
    const values = parseCommand(cmd.spec, rest);
    if (values.help) {
      io.stdout.write(formatHelp(cmd.spec));
      return EXIT_OK;
    }
    const cio: CliIO = { ...io, quiet: io.quiet || values.quiet === true };
    const code = await cmd.run(new Args(values, rest), cio);
    return typeof code === 'number' ? code : EXIT_OK;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`reinpool ${name}: ${e.message}\nRun 'reinpool ${name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    const err = e as Error;
    const msg = err instanceof CliError ? err.message : err && err.message ? err.message : String(e);
    io.stderr.write(`reinpool ${name}: ${msg}\n`);
    if (process.env.REINPOOL_DEBUG && err && err.stack) io.stderr.write(err.stack + '\n');
    return EXIT_FAILURE;
  }
}

/* istanbul ignore next: the binary entry point */
if (require.main === module) {
  main().then((code) => { process.exitCode = code; }, (e) => { process.stderr.write(String(e) + '\n'); process.exitCode = EXIT_FAILURE; });
}
