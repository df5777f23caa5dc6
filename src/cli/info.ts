/**
 * reinpool info [--json]: version, the kernel backend chosen and why every other one was or was not
 * usable, the TensorFlow.js backend the policy runs on, and SIMD/thread facts when known.
 * Never throws because an addon is missing: an unavailable backend is reported with its reason.
 */
import * as os from 'os';
import { Args, CliIO, CommandSpec, packageInfo } from './args';
import type { Command } from './main';

export const spec: CommandSpec = {
  name: 'info',
  summary: 'Show the version, the kernel backend in use (REINPOOL_BACKEND=auto|cuda|cpu|ts) and why each other backend was or was not usable, the TensorFlow.js backend and SIMD/thread information.',
  synopsis: '[--json] [--no-tf]',
  options: {
    json: { type: 'boolean', desc: 'print one JSON object instead of text' },
    'no-tf': { type: 'boolean', desc: 'do not initialise TensorFlow.js (faster; tfjs fields are omitted)' },
  },
  examples: ['reinpool info', 'REINPOOL_BACKEND=ts reinpool info --json'],
};

export interface InfoReport {
  version: string;
  backend: string;
  requested: string;
  backends: Record<string, { available: boolean; reason: string }>;
  tfjs?: {
    backend: string | null; version?: string; provider?: string; skipped?: Record<string, string>; simd?: boolean; threads?: boolean | number; reason?: string;
    /** an installed tfjs-node(-gpu) that does not load: why, and the command that fixes it */
    unusable?: { package: string; reason: string; fix: string };
  };
  native?: Record<string, unknown>;
  simd?: Record<string, unknown> | string | boolean;
  threads?: number;
  node: string;
  platform: string;
  arch: string;
  cpus: number;
}

/** What the native addons report about themselves (SIMD level, threads), when they load. */
async function nativeDetails(): Promise<Record<string, unknown> | undefined> {
  try {
    const native = await import('../kernels/native');
    const out: Record<string, unknown> = {};
    for (const flavor of ['cpu', 'cuda'] as const) {
      const load = native.loadNativeAddon(flavor);
      if (!load.addon) continue;
      try { out[flavor] = { file: load.file, ...load.addon.info() }; } catch (e) { out[flavor] = { file: load.file, error: (e as Error).message }; }
    }
    return Object.keys(out).length ? out : undefined;
  } catch {
    return undefined; // loader missing: nothing to add
  }
}

/** The tfjs backend the policy module chose (initialises it), or null with the reason. */
async function tfjsDetails(): Promise<InfoReport['tfjs']> {
  try {
    const backend = await import('../policy/backend');
    const r = await backend.initTf();
    const tf = backend.tf;
    const out: NonNullable<InfoReport['tfjs']> = { backend: r.backend, version: tf.version.tfjs, provider: r.provider, skipped: r.skipped };
    if (r.unusable) out.unusable = r.unusable;
    if (r.backend === 'wasm') {
      try { out.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')); } catch { /* unknown */ }
      try { out.threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')); } catch { /* unknown */ }
    }
    return out;
  } catch (e) {
    return { backend: null, reason: (e as Error).message.split('\n')[0] };
  }
}

export async function collectInfo(opts: { tf?: boolean } = {}): Promise<InfoReport> {
  let report: { backend: string; requested: string; backends: InfoReport['backends'] };
  try {
    const kernels = await import('../kernels');
    report = kernels.backendReport();
  } catch (e) {
    const msg = (e as Error).message;
    report = {
      backend: 'ts', requested: process.env.REINPOOL_BACKEND ?? 'auto',
      backends: { cpu: { available: false, reason: msg }, cuda: { available: false, reason: msg }, ts: { available: true, reason: 'pure TypeScript, always available' } },
    };
  }
  const info: InfoReport = {
    version: packageInfo().version,
    backend: report.backend,
    requested: report.requested,
    backends: report.backends,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: os.cpus().length,
  };
  const nat = await nativeDetails();
  if (nat) {
    info.native = nat;
    const cpu = nat.cpu as { simd?: string; threads?: number } | undefined;
    if (cpu?.simd !== undefined) info.simd = cpu.simd;
    if (typeof cpu?.threads === 'number') info.threads = cpu.threads;
  }
  if (info.threads === undefined) info.threads = os.cpus().length;
  if (opts.tf !== false) info.tfjs = await tfjsDetails();
  return info;
}

export function formatInfo(info: InfoReport): string {
  const lines = [`reinpool ${info.version} (node ${info.node}, ${info.platform}-${info.arch}, ${info.cpus} CPUs)`];
  lines.push(`kernel backend: ${info.backend}${info.requested !== 'auto' ? ` (REINPOOL_BACKEND=${info.requested})` : ' (auto)'}`);
  for (const [name, s] of Object.entries(info.backends)) {
    lines.push(`  ${name.padEnd(5)} ${s.available ? 'available  ' : 'unavailable'}  ${s.reason}`);
  }
  if (info.simd !== undefined) lines.push(`SIMD: ${typeof info.simd === 'object' ? JSON.stringify(info.simd) : String(info.simd)}`);
  if (info.threads !== undefined) lines.push(`threads: ${info.threads}`);
  if (info.tfjs) {
    const t = info.tfjs;
    const extra = [t.version ? `tfjs ${t.version}` : '', t.simd !== undefined ? `simd=${t.simd}` : '', t.threads !== undefined ? `threads=${t.threads}` : ''].filter(Boolean).join(', ');
    lines.push(`tfjs backend: ${t.backend ?? `unavailable (${t.reason})`}${t.provider ? ` from ${t.provider}` : ''}${extra ? ` (${extra})` : ''}`);
    if (t.unusable) lines.push(`  unusable: ${t.unusable.reason}`, `  fix: ${t.unusable.fix}`);
  }
  return lines.join('\n') + '\n';
}

export const command: Command = {
  spec,
  async run(args: Args, io: CliIO) {
    const info = await collectInfo({ tf: !args.flag('no-tf') });
    io.stdout.write(args.flag('json') ? JSON.stringify(info, null, 2) + '\n' : formatInfo(info));
    return 0;
  },
};
