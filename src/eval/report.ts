/**
 * The Markdown report and its two charts: methods side by side (NDCG@3 and NDCG@10 bars), and
 * NDCG@3 against vectors kept per document for tokenpool-N and for ReinPool keep budgets.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { EvaluationResult } from './evaluate';
import { barChartSvg, CurvePoint, lineChartSvg } from './svg';

/**
 * A ReinPool keep budget: the top-k vectors kept (on average per document; fewer where a document is
 * shorter), the NDCG@3 of pooling them into one vector, and of keeping them as vectors (MaxSim).
 */
export interface BudgetPoint {
  vectorsKept: number;
  ndcg3: number;
  /** floats per document stored when the kept vectors are kept as vectors */
  keptFloatsPerDoc?: number;
  keptNdcg3?: number;
}

export interface ReportOptions {
  title?: string;
  /** a line under the title, e.g. the dataset and split */
  subtitle?: string;
  /** ReinPool keep budgets (vectors kept, NDCG@3), measured by the caller */
  reinpoolBudgets?: BudgetPoint[];
  /** commands that reproduce the report */
  commands?: string[];
  /** chart file names relative to the report (default methods.svg, budgets.svg) */
  charts?: { methods?: string; budgets?: string; bytes?: string };
}

const f4 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(4));

function fmtCount(v: number): string {
  if (!Number.isFinite(v)) return '-';
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function fmtRatio(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '-';
  return v >= 10 ? `${v.toFixed(0)}x` : `${v.toFixed(2)}x`;
}

function fmtShare(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '-' : `${(v * 100).toFixed(1)}%`;
}

/** tokenpool-N points (N from the name; x = vectors actually stored per document) from a result. */
export function tokenpoolCurve(result: EvaluationResult): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const [name, m] of Object.entries(result.methods)) {
    if (/^tokenpool-\d+$/.test(name)) out.push({ vectors: m.vectorsPerDoc, value: m['ndcg@3'] });
  }
  return out.sort((a, b) => a.vectors - b.vectors);
}

/** Chart 1: NDCG@3 and NDCG@10 of every method. */
export function methodsChart(result: EvaluationResult, title = 'NDCG@3 and NDCG@10 by method'): string {
  const names = Object.keys(result.methods);
  return barChartSvg(names, ['NDCG@3', 'NDCG@10'], [names.map((n) => result.methods[n]['ndcg@3']), names.map((n) => result.methods[n]['ndcg@10'])],
    { title, yLabel: 'NDCG' });
}

/** Chart 2: NDCG@3 against vectors per document for tokenpool-N and ReinPool budgets, maxsim and mean as references. */
export function budgetChart(result: EvaluationResult, reinpoolBudgets: BudgetPoint[] = [], title = 'NDCG@3 against vectors kept per document'): string {
  const series: Array<{ name: string; points: CurvePoint[] }> = [];
  const tp = tokenpoolCurve(result);
  if (tp.length) series.push({ name: 'tokenpool-N (N stored)', points: tp });
  if (reinpoolBudgets.length) {
    series.push({ name: 'reinpool (k kept, 1 stored)', points: reinpoolBudgets.map((b) => ({ vectors: b.vectorsKept, value: b.ndcg3 })) });
  }
  const refs: Array<{ name: string; value: number }> = [];
  if (result.methods.maxsim) refs.push({ name: `maxsim, all ${fmtCount(result.methods.maxsim.vectorsPerDoc)}`, value: result.methods.maxsim['ndcg@3'] });
  if (result.methods.mean) refs.push({ name: 'mean pooling', value: result.methods.mean['ndcg@3'] });
  if (result.methods.reinpool) refs.push({ name: 'reinpool (default)', value: result.methods.reinpool['ndcg@3'] });
  return lineChartSvg(series, refs, { title, yLabel: 'NDCG@3', xLabel: 'vectors per document (log2 scale)' });
}

/**
 * Chart 3, quality against storage: NDCG@3 against floats stored per document (log scale) for every
 * method, so each method is compared with those of its size: tokenpool-N and ReinPool's kept top-k
 * (k x dim floats), MUVERA at each size evaluated, the one-vector methods at dim floats, MaxSim at all.
 */
export function equalBytesChart(result: EvaluationResult, reinpoolBudgets: BudgetPoint[] = [], title = 'NDCG@3 against floats stored per document'): string {
  const series: Array<{ name: string; points: CurvePoint[] }> = [];
  const byName = (re: RegExp) => Object.entries(result.methods).filter(([n]) => re.test(n))
    .map(([, m]) => ({ vectors: m.floatsPerDoc, value: m['ndcg@3'] })).sort((a, b) => a.vectors - b.vectors);
  const tp = byName(/^tokenpool-\d+$/);
  if (tp.length) series.push({ name: 'tokenpool-N', points: tp });
  const mv = byName(/^muvera(-\d+)?$/);
  if (mv.length) series.push({ name: 'MUVERA', points: mv });
  const kept = reinpoolBudgets.filter((b) => b.keptFloatsPerDoc !== undefined && b.keptNdcg3 !== undefined)
    .map((b) => ({ vectors: b.keptFloatsPerDoc!, value: b.keptNdcg3! })).sort((a, b) => a.vectors - b.vectors);
  if (kept.length) series.push({ name: 'reinpool top-k, kept as k vectors', points: kept });
  for (const [name, m] of Object.entries(result.methods)) {
    if (m.vectorsPerDoc === 1 && m.floatsPerDoc === result.dim && !/^muvera/.test(name)) series.push({ name: `${name} (1 vector)`, points: [{ vectors: m.floatsPerDoc, value: m['ndcg@3'] }] });
  }
  const refs: Array<{ name: string; value: number }> = [];
  if (result.methods.maxsim) refs.push({ name: `maxsim, ${fmtCount(result.methods.maxsim.floatsPerDoc)} floats`, value: result.methods.maxsim['ndcg@3'] });
  return lineChartSvg(series, refs, { title, yLabel: 'NDCG@3', xLabel: 'floats stored per document (log2 scale)', xUnit: 'floats' });
}

/**
 * The best method of each storage size that more than one method has (floats per document), so that
 * "best" never compares a 10,240-float MUVERA encoding with 100-float vectors.
 */
export function bestBySize(result: EvaluationResult): Array<{ floats: number; best: string; ndcg3: number; others: string[] }> {
  const groups = new Map<number, Array<[string, number]>>();
  for (const [name, m] of Object.entries(result.methods)) {
    const f = Math.round(m.floatsPerDoc);
    if (!groups.has(f)) groups.set(f, []);
    groups.get(f)!.push([name, m['ndcg@3']]);
  }
  return [...groups.entries()].filter(([, g]) => g.length > 1).sort((a, b) => a[0] - b[0]).map(([floats, g]) => {
    g.sort((a, b) => b[1] - a[1]);
    return { floats, best: g[0][0], ndcg3: g[0][1], others: g.slice(1).map(([n, v]) => `${n} ${f4(v)}`) };
  });
}

/** The comparison table (Markdown). */
export function resultsTable(result: EvaluationResult): string {
  const rows = [
    '| method | vectors/doc | floats/doc | compression | NDCG@3 | NDCG@5 | NDCG@10 | R@10 | R@100 | NDCG@3 recovered |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [name, m] of Object.entries(result.methods)) {
    const dim = result.methodInfo[name]?.dim;
    const label = name === 'muvera' && dim !== undefined ? `muvera (${dim}-d)` : name;
    rows.push(`| ${label} | ${fmtCount(m.vectorsPerDoc)} | ${fmtCount(m.floatsPerDoc)} | ${fmtRatio(result.compression[name])} | ${f4(m['ndcg@3'])} | ${f4(m['ndcg@5'])} | ${f4(m['ndcg@10'])} | ${f4(m['recall@10'])} | ${f4(m['recall@100'])} | ${fmtShare(result.recoveryNdcg3[name])} |`);
  }
  return rows.join('\n');
}

/** The whole Markdown report. */
export function markdownReport(result: EvaluationResult, opts: ReportOptions = {}): string {
  const charts = { methods: opts.charts?.methods ?? 'methods.svg', budgets: opts.charts?.budgets ?? 'budgets.svg', bytes: opts.charts?.bytes ?? 'bytes.svg' };
  const out: string[] = [`# ${opts.title ?? 'reinpool evaluation'}`, ''];
  if (opts.subtitle) out.push(opts.subtitle, '');
  out.push(`${result.docs} documents (${fmtCount(result.vectorsPerDoc)} vectors of dimension ${result.dim} per document on average), `
    + `${result.queries} queries with at least one relevant judgement, ranking depth ${result.depth}, kernels: ${result.backend}.`, '');
  const sk = result.skipped;
  if (sk.queriesWithoutRelevant || sk.queriesWithoutVectors || sk.judgedDocsNotInCorpus) {
    out.push(`Left out of the averages: ${sk.queriesWithoutRelevant} queries without a relevant judgement, ${sk.queriesWithoutVectors} judged queries without vectors; `
      + `${sk.judgedDocsNotInCorpus} judged documents are not in the corpus (they still count as relevant, as in trec_eval).`, '');
  }
  out.push('## Results', '', resultsTable(result), '');
  out.push('NDCG as trec_eval\'s ndcg_cut, recall as recall_k, averaged over the evaluated queries. Compression: floats stored per document by '
    + 'maxsim (every token vector) over floats stored by the method. NDCG@3 recovered: the method\'s NDCG@3 over maxsim\'s.', '');
  for (const g of bestBySize(result)) {
    out.push(`Best at ${fmtCount(g.floats)} floats per document by NDCG@3: **${g.best}** (${f4(g.ndcg3)}`
      + `${result.recoveryNdcg3[g.best] !== undefined ? `, ${fmtShare(result.recoveryNdcg3[g.best])} of maxsim` : ''}); then ${g.others.join(', ')}.`, '');
  }
  out.push('## Charts', '', `![NDCG@3 and NDCG@10 by method](${charts.methods})`, '', `![NDCG@3 against vectors kept per document](${charts.budgets})`, '',
    `![NDCG@3 against floats stored per document](${charts.bytes})`, '');
  if (opts.reinpoolBudgets?.length) {
    out.push('### ReinPool keep budgets', '', '| vectors kept | NDCG@3 pooled into 1 vector | NDCG@3 kept as vectors (MaxSim) | floats stored kept |', '| ---: | ---: | ---: | ---: |');
    for (const b of [...opts.reinpoolBudgets].sort((a, c) => a.vectorsKept - c.vectorsKept)) {
      out.push(`| ${fmtCount(b.vectorsKept)} | ${f4(b.ndcg3)} | ${f4(b.keptNdcg3)} | ${b.keptFloatsPerDoc === undefined ? '-' : fmtCount(b.keptFloatsPerDoc)} |`);
    }
    out.push('');
  }
  const info = Object.entries(result.methodInfo).filter(([, i]) => Object.keys(i).length > 2);
  if (info.length) {
    out.push('## Method settings', '');
    for (const [name, i] of info) out.push(`- ${name}: ${Object.entries(i).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    out.push('');
  }
  if (result.runs) {
    out.push('## Reproduce with trec_eval', '', 'Run files (top ' + result.depth + ') and qrels are in `' + result.runs.dir + '`:', '', '```',
      ...Object.keys(result.runs.files).map((n) => `trec_eval -m ndcg_cut.3,5,10 -m recall.10,100 qrels.txt ${n}.run`), '```', '');
  }
  if (opts.commands?.length) out.push('## Commands', '', '```', ...opts.commands, '```', '');
  out.push('## Timing', '', '| method | seconds |', '| --- | ---: |');
  for (const [n, s] of Object.entries(result.methodSeconds)) out.push(`| ${n} | ${s.toFixed(2)} |`);
  out.push('');
  return out.join('\n');
}

/** Writes report.md, methods.svg, budgets.svg and bytes.svg into `dir`; returns their paths. */
export function writeReport(dir: string, result: EvaluationResult, opts: ReportOptions = {}): { report: string; charts: string[] } {
  fs.mkdirSync(dir, { recursive: true });
  const names = { methods: opts.charts?.methods ?? 'methods.svg', budgets: opts.charts?.budgets ?? 'budgets.svg', bytes: opts.charts?.bytes ?? 'bytes.svg' };
  const files = { report: path.join(dir, 'report.md'), methods: path.join(dir, names.methods), budgets: path.join(dir, names.budgets), bytes: path.join(dir, names.bytes) };
  fs.writeFileSync(files.methods, methodsChart(result));
  fs.writeFileSync(files.budgets, budgetChart(result, opts.reinpoolBudgets));
  fs.writeFileSync(files.bytes, equalBytesChart(result, opts.reinpoolBudgets));
  fs.writeFileSync(files.report, markdownReport(result, { ...opts, charts: names }));
  return { report: files.report, charts: [files.methods, files.budgets, files.bytes] };
}
