/**
 * reinpool serve: the HTTP compress service (src/serve) on HOST:PORT until SIGTERM/SIGINT, which
 * stop accepting and let in-flight requests finish before the process exits.
 */
import { Args, CliError, CliIO, CommandSpec, UsageError, progress } from './args';
import type { Command } from './main';

export const spec: CommandSpec = {
  name: 'serve',
  summary: 'Serve a trained policy over HTTP: POST /v1/compress takes a batch of multi-vector documents (safetensors, npz or JSON) '
    + 'and answers one vector per document in the same format, laid out as `reinpool compress` writes it. Requests are micro-batched '
    + 'into the native kernels behind a bounded queue (429 with Retry-After past it). GET /healthz, GET /metrics (Prometheus). '
    + 'See docs/service.md and docs/openapi.yaml.',
  synopsis: '--policy DIR [--port 8080] [--host 127.0.0.1] [options]',
  options: {
    policy: { type: 'string', value: 'DIR', desc: 'trained policy (OUT/policy from `reinpool train`, or a checkpoint directory)' },
    port: { type: 'string', value: 'N', desc: 'TCP port (0: any free port, printed on start)', default: '8080' },
    host: { type: 'string', value: 'ADDR', desc: 'address to listen on', default: '127.0.0.1' },
    engine: { type: 'string', value: 'E', desc: 'native or tfjs (default: native for an MLP policy when the addon loads)' },
    'body-limit-mb': { type: 'string', value: 'N', desc: 'largest safetensors/npz request body, MiB (413 past it)', default: '256' },
    'body-pool-mb': { type: 'string', value: 'N', desc: 'most memory kept for reuse by request buffers between requests, MiB', default: '512' },
    'json-limit-mb': { type: 'string', value: 'N', desc: 'largest JSON request body, MiB', default: '16' },
    'max-queue': { type: 'string', value: 'N', desc: 'requests waiting for the engine before 429', default: '64' },
    'batch-vectors': { type: 'string', value: 'N', desc: 'input vectors per engine call when requests are batched together', default: '262144' },
    'solo-vectors': { type: 'string', value: 'N', desc: 'a request of this many vectors or more runs alone (gathering it would copy it for no gain)', default: '16384' },
    'retry-after': { type: 'string', value: 'S', desc: 'seconds in the Retry-After header of a 429', default: '1' },
    log: { type: 'boolean', desc: 'log every request (JSON lines on stdout)' },
  },
  examples: [
    'reinpool serve --policy run1/policy --port 8080',
    'curl -s -X POST --data-binary @docs.safetensors -H "Content-Type: application/x-safetensors" '
    + '"http://127.0.0.1:8080/v1/compress?keep-top-k=8" -o docs-1v.safetensors',
  ],
};

export const command: Command = {
  spec,
  async run(args: Args, io: CliIO) {
    const log = progress(io, 'serve');
    const policyDir = args.dir('policy', true)!;
    const port = args.int('port', { min: 0, max: 65535, default: 8080 })!;
    const host = args.str('host') ?? '127.0.0.1';
    const engine = args.str('engine');
    if (engine !== undefined && engine !== 'native' && engine !== 'tfjs') throw new UsageError(`--engine: use native or tfjs, got '${engine}'`);
    const mb = 1024 * 1024;
    const bodyLimit = args.int('body-limit-mb', { min: 1, default: 256 })! * mb;
    const bodyPoolBytes = args.int('body-pool-mb', { min: 0, default: 512 })! * mb;
    const jsonLimit = args.int('json-limit-mb', { min: 1, default: 16 })! * mb;
    const maxQueue = args.int('max-queue', { min: 1, default: 64 })!;
    const maxBatchVectors = args.int('batch-vectors', { min: 1, default: 262_144 })!;
    const soloVectors = args.int('solo-vectors', { min: 1, default: 16_384 })!;
    const retryAfter = args.int('retry-after', { min: 0, default: 1 })!;

    const { createService } = await import('../serve/server');
    let service: import('../serve/server').Service;
    try {
      service = await createService({ policyDir, engine, bodyLimit, bodyPoolBytes, jsonLimit, maxQueue, maxBatchVectors, soloVectors, retryAfter, logger: args.flag('log') });
    } catch (e) {
      throw new CliError(`--policy: ${(e as Error).message}`);
    }
    let address: string;
    try {
      address = await service.app.listen({ port, host });
    } catch (e) {
      await service.close();
      throw new CliError(`--port: cannot listen on ${host}:${port}: ${(e as Error).message}`);
    }
    log(`policy: ${service.policy.describe}`);
    io.stdout.write(`listening on ${address}\n`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log(`${signal}: finishing in-flight requests`);
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        service.close().then(resolve, resolve);
      };
      const onTerm = () => stop('SIGTERM');
      const onInt = () => stop('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
    });
    log('stopped');
    return 0;
  },
};
