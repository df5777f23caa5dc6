/**
 * The Markdown report and its two charts: methods side by side (NDCG@3 and NDCG@10 bars), and
 * NDCG@3 against vectors kept per document for tokenpool-N and for ReinPool keep budgets.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { EvaluationResult } from './evaluate';
import { barChartSvg, CurvePoint, lineChartSvg } from './svg';

/** A ReinPool keep budget: top-k vectors kept before pooling into one vector, and the NDCG@3 it reached. */
export interface BudgetPoint {
  vectorsKept: number;
  ndcg3: number;
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
  charts?: { methods?: string; budgets?: string };
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
  const charts = { methods: opts.charts?.methods ?? 'methods.svg', budgets: opts.charts?.budgets ?? 'budgets.svg' };
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
  const single = Object.entries(result.methods).filter(([, m]) => m.vectorsPerDoc === 1).sort((a, b) => b[1]['ndcg@3'] - a[1]['ndcg@3']);
  if (single.length) {
    out.push(`Best one-vector method by NDCG@3: **${single[0][0]}** (${f4(single[0][1]['ndcg@3'])}`
      + `${result.recoveryNdcg3[single[0][0]] !== undefined ? `, ${fmtShare(result.recoveryNdcg3[single[0][0]])} of maxsim` : ''}).`, '');
  }
  out.push('## Charts', '', `![NDCG@3 and NDCG@10 by method](${charts.methods})`, '', `![NDCG@3 against vectors kept per document](${charts.budgets})`, '');
  if (opts.reinpoolBudgets?.length) {
    out.push('### ReinPool keep budgets', '', '| vectors kept | NDCG@3 |', '| ---: | ---: |');
    for (const b of [...opts.reinpoolBudgets].sort((a, c) => a.vectorsKept - c.vectorsKept)) out.push(`| ${fmtCount(b.vectorsKept)} | ${f4(b.ndcg3)} |`);
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

/** Writes report.md, methods.svg and budgets.svg into `dir`; returns their paths. */
export function writeReport(dir: string, result: EvaluationResult, opts: ReportOptions = {}): { report: string; charts: string[] } {
  fs.mkdirSync(dir, { recursive: true });
  const names = { methods: opts.charts?.methods ?? 'methods.svg', budgets: opts.charts?.budgets ?? 'budgets.svg' };
  const files = { report: path.join(dir, 'report.md'), methods: path.join(dir, names.methods), budgets: path.join(dir, names.budgets) };
  fs.writeFileSync(files.methods, methodsChart(result));
  fs.writeFileSync(files.budgets, budgetChart(result, opts.reinpoolBudgets));
  fs.writeFileSync(files.report, markdownReport(result, { ...opts, charts: names }));
  return { report: files.report, charts: [files.methods, files.budgets] };
}
