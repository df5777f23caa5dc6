/**
 * Shared argument handling for the `reinpool` subcommands: one declarative spec per command
 * (options, help text, examples), parsing with node:util parseArgs (strict), typed accessors that
 * name the bad argument, and the two error kinds that decide the exit code:
 *   UsageError -> exit 2 (bad or missing argument, unknown option, file not found),
 *   CliError   -> exit 1 (the command ran and failed).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { packageRoot } from '../io/fsutil';

/** Exit codes of the CLI. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A bad command line: exits with code 2 and prints a hint to use --help. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}

/** A failure while running a well-formed command: exits with code 1. */
export class CliError extends Error {
  readonly exitCode = EXIT_FAILURE;
  constructor(message: string) { super(message); this.name = 'CliError'; }
}

/** Where a command writes. Tests pass collecting sinks; the binary passes process streams. */
export interface CliIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** progress lines go to stderr unless quiet */
  quiet?: boolean;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** placeholder shown in help, e.g. FILE, DIR, N */
  value?: string;
  /** one line of help */
  desc: string;
  /** default shown in help (the command applies it) */
  default?: string;
  multiple?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** synopsis after `reinpool NAME`, e.g. "--docs FILE --queries FILE --qrels FILE [options]" */
  synopsis: string;
  /** extra paragraphs printed after the options */
  details?: string;
  options: Record<string, OptionSpec>;
  examples?: string[];
  /** pass the raw arguments through (the command parses them itself), e.g. bench */
  passthrough?: boolean;
}

export type ParsedValues = Record<string, string | boolean | string[] | undefined>;


const COMMON: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', desc: 'show this help and exit' },
  quiet: { type: 'boolean', short: 'q', desc: 'no progress messages on stderr' },
};

/** The full option table of a command (its own options plus --help and --quiet). */
export function allOptions(spec: CommandSpec): Record<string, OptionSpec> {
  return { ...spec.options, ...COMMON };
}

/** Help text of one command. */
export function formatHelp(spec: CommandSpec): string {
  const opts = allOptions(spec);
  const rows = Object.entries(opts).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    const def = o.default !== undefined ? ` (default: ${o.default})` : '';
    return [flag, o.desc + def] as const;
  });
  const width = Math.min(34, Math.max(...rows.map(([f]) => f.length)) + 2);
  const lines = [
    `Usage: reinpool ${spec.name} ${spec.synopsis}`.trimEnd(),
    '',
    spec.summary,
    '',
    'Options:',
    ...rows.map(([f, d]) => (f.length + 2 > width ? `  ${f}\n  ${' '.repeat(width)}${d}` : `  ${f.padEnd(width)}${d}`)),
  ];
  if (spec.details) lines.push('', spec.details.trimEnd());
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}

interface NodeError extends Error { code?: string }

/** Parse argv (the arguments after the subcommand name) against a spec; throws UsageError. */
export function parseCommand(spec: CommandSpec, argv: string[]): ParsedValues {
  if (spec.passthrough) {
    const help = argv.includes('--help') || argv.includes('-h');
    return { help, quiet: argv.includes('--quiet') || argv.includes('-q'), _: argv };
  }
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(allOptions(spec))) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  try {
    const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
    return values as ParsedValues;
  } catch (e) {
    const err = e as NodeError;
    if (err.code && err.code.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(cleanParseMessage(err));
    }
    throw e;
  }
}

function cleanParseMessage(err: NodeError): string {
  const m = err.message;
  let r: RegExpMatchArray | null;
  if ((r = m.match(/Unknown option '([^']+)'/))) return `${r[1]}: unknown option`;
  if ((r = m.match(/Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/))) return `${r[1]}: missing value`;
  if ((r = m.match(/Option '(?:-\w, )?(--[\w-]+)' does not take an argument/))) return `${r[1]}: takes no value`;
  if ((r = m.match(/Unexpected argument '([^']+)'/))) return `unexpected argument '${r[1]}'`;
  return m.split('.')[0];
}

/** Typed access to parsed values; every error names the option. */
export class Args {
  /** raw: the command's arguments as given (for reports that show the command line) */
  constructor(readonly values: ParsedValues, readonly raw: string[] = []) {}

  has(name: string): boolean { return this.values[name] !== undefined; }

  flag(name: string): boolean { return this.values[name] === true; }

  str(name: string): string | undefined {
    const v = this.values[name];
    if (Array.isArray(v)) return v[v.length - 1];
    return typeof v === 'string' ? v : undefined;
  }

  required(name: string): string {
    const v = this.str(name);
    if (v === undefined || v === '') throw new UsageError(`--${name}: required`);
    return v;
  }

  int(name: string, opts: { min?: number; max?: number; default?: number } = {}): number | undefined {
    const s = this.str(name);
    if (s === undefined) return opts.default;
    if (!/^[+-]?\d+$/.test(s.trim())) throw new UsageError(`--${name}: expected an integer, got '${s}'`);
    const v = Number(s);
    if (!Number.isSafeInteger(v)) throw new UsageError(`--${name}: integer out of range: '${s}'`);
    if (opts.min !== undefined && v < opts.min) throw new UsageError(`--${name}: must be >= ${opts.min}, got ${v}`);
    if (opts.max !== undefined && v > opts.max) throw new UsageError(`--${name}: must be <= ${opts.max}, got ${v}`);
    return v;
  }

  num(name: string, opts: { min?: number; max?: number; default?: number; exclusiveMin?: boolean } = {}): number | undefined {
    const s = this.str(name);
    if (s === undefined) return opts.default;
    const v = Number(s);
    if (s.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name}: expected a number, got '${s}'`);
    if (opts.min !== undefined && (opts.exclusiveMin ? v <= opts.min : v < opts.min)) {
      throw new UsageError(`--${name}: must be ${opts.exclusiveMin ? '>' : '>='} ${opts.min}, got ${v}`);
    }
    if (opts.max !== undefined && v > opts.max) throw new UsageError(`--${name}: must be <= ${opts.max}, got ${v}`);
    return v;
  }

  choice<T extends string>(name: string, choices: readonly T[], def?: T): T | undefined {
    const s = this.str(name);
    if (s === undefined) return def;
    if (!(choices as readonly string[]).includes(s)) {
      throw new UsageError(`--${name}: expected one of ${choices.join(', ')}, got '${s}'`);
    }
    return s as T;
  }

  /** Comma-separated list (repeated options are joined). */
  list(name: string): string[] | undefined {
    const v = this.values[name];
    if (v === undefined) return undefined;
    const parts = (Array.isArray(v) ? v : [String(v)]).join(',').split(',').map((s) => s.trim()).filter(Boolean);
    if (parts.length === 0) throw new UsageError(`--${name}: empty list`);
    return parts;
  }

  /** An existing regular file (resolved); UsageError naming the option otherwise. */
  file(name: string, required = false): string | undefined {
    const s = required ? this.required(name) : this.str(name);
    if (s === undefined) return undefined;
    return checkFile(name, s);
  }

  /** An existing directory (resolved). */
  dir(name: string, required = false): string | undefined {
    const s = required ? this.required(name) : this.str(name);
    if (s === undefined) return undefined;
    return checkDir(name, s);
  }

  /** An output path whose parent directory exists or can be created. */
  output(name: string, required = false): string | undefined {
    const s = required ? this.required(name) : this.str(name);
    if (s === undefined) return undefined;
    if (s === '') throw new UsageError(`--${name}: empty path`);
    const p = path.resolve(s);
    if (fs.existsSync(p) && fs.statSync(p).isDirectory()) throw new UsageError(`--${name}: is a directory: ${s}`);
    return p;
  }
}

export function checkFile(name: string, s: string): string {
  const p = path.resolve(s);
  let st: fs.Stats;
  try { st = fs.statSync(p); } catch { throw new UsageError(`--${name}: file not found: ${s}`); }
  if (st.isDirectory()) throw new UsageError(`--${name}: expected a file, got a directory: ${s}`);
  return p;
}

export function checkDir(name: string, s: string): string {
  const p = path.resolve(s);
  let st: fs.Stats;
  try { st = fs.statSync(p); } catch { throw new UsageError(`--${name}: directory not found: ${s}`); }
  if (!st.isDirectory()) throw new UsageError(`--${name}: expected a directory, got a file: ${s}`);
  return p;
}

/** A progress logger on stderr (silent with --quiet). */
export function progress(io: CliIO, cmd: string): (msg: string) => void {
  return (msg: string) => { if (!io.quiet) io.stderr.write(`[reinpool ${cmd}] ${msg}\n`); };
}

/** The installed package.json of reinpool (found by walking up from this file). */
export function packageInfo(): { name: string; version: string; [k: string]: unknown } {
  const root = packageRoot();
  if (root) return JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  return { name: 'reinpool', version: '0.0.0' };
}

/** Format a fixed-width table (first column left-aligned, others right-aligned). */
export function formatTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  return [fmt(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(fmt)].join('\n') + '\n';
}
