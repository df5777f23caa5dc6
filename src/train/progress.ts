/**
 * A dependency-free progress bar on stderr (only when stderr is a TTY) and a JSONL metrics log.
 */
import * as fs from 'fs';
import type { StepMetrics } from './checkpoint';

export class ProgressBar {
  private readonly enabled: boolean;
  private readonly t0 = Date.now();
  private lastDraw = 0;

  constructor(private readonly total: number, private readonly start = 0, enabled = Boolean(process.stderr.isTTY)) {
    this.enabled = enabled;
  }

  update(done: number, info: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < this.total) return;
    this.lastDraw = now;
    const width = 24;
    const frac = this.total > 0 ? done / this.total : 1;
    const fill = Math.round(frac * width);
    const rate = (now - this.t0) / 1000 / Math.max(1, done - this.start);
    const eta = Math.max(0, (this.total - done) * rate);
    const line = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${this.total} ${info} ${rate.toFixed(2)}s/step eta ${fmt(eta)}`;
    const cols = process.stderr.columns ?? 120;
    process.stderr.write('\r' + line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length)) + '\x1b[K');
  }

  finish(): void {
    if (this.enabled) process.stderr.write('\n');
  }
}

function fmt(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${Math.round((s % 3600) / 60)}m`;
}

/** Appends one JSON object per line; rewrite() replaces the file (used on resume). */
export class JsonlLog {
  constructor(readonly file: string) {}

  append(obj: unknown): void {
    fs.appendFileSync(this.file, JSON.stringify(obj) + '\n');
  }

  rewrite(objs: unknown[]): void {
    const tmp = `${this.file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, objs.map((o) => JSON.stringify(o) + '\n').join(''));
    fs.renameSync(tmp, this.file);
  }
}

/**
 * A train() log callback that prints a step line at most every `everySeconds`, and always for the
 * last step and for steps that carry a greedy evaluation.
 */
export function stepLogger(log: (msg: string) => void, steps: number, everySeconds = 15): (m: StepMetrics) => void {
  let last = 0;
  return (m) => {
    const t = Date.now() / 1000;
    if (m.evalReward === undefined && m.step !== steps && t - last <= everySeconds) return;
    last = t;
    log(`step ${m.step}/${steps}: reward ${m.rewardMean.toFixed(3)}${m.evalReward !== undefined ? `, greedy ${m.evalReward.toFixed(3)}` : ''}, `
      + `keep ${m.keepRatio.toFixed(2)}, ${m.secondsPerStep.toFixed(2)} s/step`);
  };
}
