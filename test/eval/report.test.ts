import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  barChartSvg, budgetChart, equalBytesChart, escapeXml, EvaluationResult, lineChartSvg, markdownReport, methodsChart, tokenpoolCurve, writeReport,
} from '../../src/eval';
import { hasPython, rmrf } from './helpers';

function fakeResult(): EvaluationResult {
  const m = (n3: number, v: number, f: number) => ({ 'ndcg@3': n3, 'ndcg@5': n3, 'ndcg@10': n3 + 0.01, 'recall@10': 0.5, 'recall@100': 0.9, vectorsPerDoc: v, floatsPerDoc: f });
  const methods = {
    maxsim: m(0.5, 100, 12800), mean: m(0.25, 1, 128), 'tokenpool-1': m(0.25, 1, 128), 'tokenpool-4': m(0.4, 4, 512),
    'tokenpool-16': m(0.45, 15.5, 1984), muvera: m(0.3, 1, 10240), 'a<b&"c"': m(0.1, 1, 128),
  };
  const recoveryNdcg3: Record<string, number> = {};
  const compression: Record<string, number> = {};
  for (const [k, v] of Object.entries(methods)) {
    recoveryNdcg3[k] = v['ndcg@3'] / 0.5;
    compression[k] = 12800 / v.floatsPerDoc;
  }
  return {
    docs: 10, queries: 5, dim: 128, vectorsPerDoc: 100, depth: 10, backend: 'ts', methods, recoveryNdcg3, compression,
    methodInfo: { muvera: { kind: 'single', dim: 10240, kSim: 5 } }, methodSeconds: { maxsim: 1.5 },
    skipped: { queriesWithoutRelevant: 0, queriesWithoutVectors: 0, judgedDocsNotInCorpus: 0 },
  };
}

/** A small XML well-formedness check: balanced tags, quoted attributes, only known entities. */
function wellFormed(xml: string): string | null {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos);)/g;
  let m: RegExpExecArray | null;
  let roots = 0;
  while ((m = re.exec(body))) {
    if (m[0] === '<') return `stray '<' at ${m.index}`;
    if (m[0] === '&') return `bare '&' at ${m.index}`;
    const [, close, name, , self] = m;
    if (close) {
      if (stack.pop() !== name) return `mismatched </${name}> at ${m.index}`;
    } else if (!self) {
      if (stack.length === 0) roots++;
      stack.push(name);
    }
  }
  if (stack.length) return `unclosed <${stack[stack.length - 1]}>`;
  return roots === 1 ? null : `${roots} root elements`;
}

function pythonParses(svg: string): boolean {
  const r = spawnSync('python3', ['-c', 'import sys, xml.dom.minidom as m; d = m.parseString(sys.stdin.buffer.read()); assert d.documentElement.tagName == "svg"'], { input: svg });
  return r.status === 0;
}

describe('report and charts', () => {
  test('markdown table: every method, compression and recovery', () => {
    const md = markdownReport(fakeResult(), { title: 'T', reinpoolBudgets: [{ vectorsKept: 8, ndcg3: 0.42 }], commands: ['reinpool eval ...'] });
    expect(md).toMatch(/^# T\n/);
    expect(md).toContain('| method | vectors/doc | floats/doc | compression | NDCG@3 | NDCG@5 | NDCG@10 | R@10 | R@100 | NDCG@3 recovered |');
    expect(md).toContain('| maxsim | 100 | 12800 | 1.00x | 0.5000 | 0.5000 | 0.5100 | 0.5000 | 0.9000 | 100.0% |');
    expect(md).toContain('| mean | 1 | 128 | 100x | 0.2500 |');
    expect(md).toContain('| tokenpool-16 | 15.5 | 1984 | 6.45x |');
    expect(md).toContain('| muvera (10240-d) | 1 | 10240 | 1.25x | 0.3000 |');
    expect(md).toContain('60.0%');
    expect(md).toContain('| 8 | 0.4200 |');
    // "best" compares methods of one storage size: a 10,240-float MUVERA vector is not in the 128-float group
    expect(md).toContain('Best at 128 floats per document by NDCG@3: **mean** (0.2500, 50.0% of maxsim); then tokenpool-1 0.2500, a<b&"c" 0.1000.');
    expect(md).not.toContain('**muvera**');
    expect(md).toContain('![NDCG@3 against floats stored per document](bytes.svg)');
  });

  test('the equal-bytes chart counts floats in its tooltips, the budget chart vectors', () => {
    const r = fakeResult();
    const budgets = [{ vectorsKept: 2, ndcg3: 0.3, keptFloatsPerDoc: 256, keptNdcg3: 0.35 }];
    expect(equalBytesChart(r, budgets)).toMatch(/<title>[^<]*: 128 floats, 0\.2500<\/title>/);
    expect(equalBytesChart(r, budgets)).not.toMatch(/ vectors, /);
    expect(budgetChart(r, budgets)).toMatch(/<title>[^<]*: 2 vectors, 0\.3000<\/title>/);
  });

  test('tokenpool curve from the result', () => {
    expect(tokenpoolCurve(fakeResult())).toEqual([{ vectors: 1, value: 0.25 }, { vectors: 4, value: 0.4 }, { vectors: 15.5, value: 0.45 }]);
  });

  test('SVG charts are well-formed, escaped, with axes, labels and legend', () => {
    const r = fakeResult();
    const charts = [
      methodsChart(r),
      budgetChart(r, [{ vectorsKept: 2, ndcg3: 0.3 }, { vectorsKept: 8, ndcg3: 0.42 }, { vectorsKept: 32, ndcg3: 0.44 }]),
      barChartSvg([], ['x'], [[]]),
      lineChartSvg([], []),
    ];
    for (const svg of charts) {
      expect(wellFormed(svg)).toBeNull();
      if (hasPython()) expect(pythonParses(svg)).toBe(true);
    }
    expect(charts[0]).toContain(escapeXml('a<b&"c"'));
    expect(charts[0]).not.toContain('a<b');
    for (const t of ['NDCG@3', 'NDCG@10', 'class="legend"', 'class="y-axis"', 'maxsim', 'tokenpool-16']) expect(charts[0]).toContain(t);
    for (const t of ['class="x-axis"', 'vectors per document', 'tokenpool-N', 'reinpool (k kept', 'maxsim, all 100', 'mean pooling', '<polyline']) expect(charts[1]).toContain(t);
    expect(wellFormed('<svg><g></svg>')).not.toBeNull();
    expect(wellFormed('<svg>a & b</svg>')).not.toBeNull();
  });

  test('writeReport writes report.md and two charts that link up', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-report-'));
    try {
      const out = writeReport(dir, fakeResult(), { reinpoolBudgets: [{ vectorsKept: 4, ndcg3: 0.4 }] });
      const md = fs.readFileSync(out.report, 'utf8');
      expect(md).toContain('![NDCG@3 and NDCG@10 by method](methods.svg)');
      expect(md).toContain('](budgets.svg)');
      for (const c of out.charts) expect(wellFormed(fs.readFileSync(c, 'utf8'))).toBeNull();
    } finally {
      rmrf(dir);
    }
  });
});
