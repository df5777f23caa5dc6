/**
 * Hand-written SVG charts (no dependency): grouped bars of metrics per method, and quality against
 * vectors kept per document (log2 x axis) with horizontal reference lines. Self-contained files that
 * any browser renders; every text is XML-escaped.
 */

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

const num = (v: number) => (Math.round(v * 100) / 100).toString();

function header(width: number, height: number, title: string): string[] {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${num(width / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold" ${FONT}>${escapeXml(title)}</text>`,
  ];
}

function legend(out: string[], x: number, y: number, items: Array<{ label: string; color: string; dash?: boolean }>): void {
  out.push(`<g class="legend" ${FONT} font-size="12">`);
  items.forEach((it, i) => {
    const yy = y + i * 18;
    if (it.dash) out.push(`<line x1="${num(x)}" y1="${num(yy + 5)}" x2="${num(x + 18)}" y2="${num(yy + 5)}" stroke="${it.color}" stroke-width="2" stroke-dasharray="5,3"/>`);
    else out.push(`<rect x="${num(x)}" y="${num(yy)}" width="14" height="10" fill="${it.color}"/>`);
    out.push(`<text x="${num(x + 22)}" y="${num(yy + 10)}">${escapeXml(it.label)}</text>`);
  });
  out.push('</g>');
}

function yAxis(out: string[], x0: number, y0: number, plotH: number, plotW: number, max: number, label: string): (v: number) => number {
  const y = (v: number) => y0 + plotH - (v / max) * plotH;
  out.push(`<g class="y-axis" ${FONT} font-size="11">`);
  const ticks = 5;
  for (let i = 0; i <= ticks; i++) {
    const v = (max * i) / ticks;
    out.push(`<line x1="${num(x0)}" y1="${num(y(v))}" x2="${num(x0 + plotW)}" y2="${num(y(v))}" stroke="#e0e0e0" stroke-width="1"/>`);
    out.push(`<text x="${num(x0 - 6)}" y="${num(y(v) + 4)}" text-anchor="end">${v.toFixed(2)}</text>`);
  }
  out.push(`<line x1="${num(x0)}" y1="${num(y0)}" x2="${num(x0)}" y2="${num(y0 + plotH)}" stroke="#333333" stroke-width="1"/>`);
  out.push(`<line x1="${num(x0)}" y1="${num(y0 + plotH)}" x2="${num(x0 + plotW)}" y2="${num(y0 + plotH)}" stroke="#333333" stroke-width="1"/>`);
  out.push(`<text x="${num(x0 - 44)}" y="${num(y0 + plotH / 2)}" text-anchor="middle" font-size="12" transform="rotate(-90 ${num(x0 - 44)} ${num(y0 + plotH / 2)})">${escapeXml(label)}</text>`);
  out.push('</g>');
  return y;
}

export interface BarChartOptions {
  title?: string;
  yLabel?: string;
  /** y axis maximum (default: 1, or the largest value rounded up to a tenth if larger) */
  yMax?: number;
}

/**
 * Grouped bars: one group per category (method), one bar per series (metric).
 * values[s][c] is series s of category c.
 */
export function barChartSvg(categories: string[], series: string[], values: number[][], opts: BarChartOptions = {}): string {
  const title = opts.title ?? 'Methods side by side';
  const groupW = Math.max(48, 18 * series.length + 22);
  const left = 70;
  const right = 150;
  const top = 40;
  const plotH = 300;
  const bottom = 110;
  const plotW = Math.max(240, groupW * categories.length);
  const width = left + plotW + right;
  const height = top + plotH + bottom;
  let maxV = 0;
  for (const row of values) for (const v of row) if (Number.isFinite(v)) maxV = Math.max(maxV, v);
  const yMax = opts.yMax ?? (maxV <= 1 ? 1 : Math.ceil(maxV * 10) / 10);
  const out = header(width, height, title);
  const y = yAxis(out, left, top, plotH, plotW, yMax, opts.yLabel ?? 'score');
  const gw = plotW / Math.max(1, categories.length);
  const barW = Math.min(18, (gw - 10) / Math.max(1, series.length));
  out.push('<g class="bars">');
  categories.forEach((cat, c) => {
    const gx = left + c * gw + (gw - barW * series.length) / 2;
    series.forEach((s, si) => {
      const v = Math.max(0, Math.min(values[si][c] ?? 0, yMax));
      const x = gx + si * barW;
      out.push(`<rect x="${num(x)}" y="${num(y(v))}" width="${num(barW - 1)}" height="${num(y(0) - y(v))}" fill="${PALETTE[si % PALETTE.length]}"><title>${escapeXml(`${cat} ${s}: ${(values[si][c] ?? 0).toFixed(4)}`)}</title></rect>`);
    });
    const lx = left + c * gw + gw / 2;
    const ly = top + plotH + 12;
    out.push(`<text x="${num(lx)}" y="${num(ly)}" text-anchor="end" font-size="11" ${FONT} transform="rotate(-40 ${num(lx)} ${num(ly)})">${escapeXml(cat)}</text>`);
  });
  out.push('</g>');
  legend(out, left + plotW + 20, top + 10, series.map((s, i) => ({ label: s, color: PALETTE[i % PALETTE.length] })));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export interface CurvePoint {
  /** vectors kept (or stored) per document, or floats with LineChartOptions.xUnit 'floats' */
  vectors: number;
  /** quality, e.g. NDCG@3 */
  value: number;
}

export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  yMax?: number;
  /** what a point's x counts, in its tooltip (default 'vectors') */
  xUnit?: string;
}

/**
 * Quality against vectors per document: one polyline with markers per series, on a log2 x axis;
 * references are horizontal dashed lines (e.g. maxsim, mean pooling).
 */
export function lineChartSvg(series: Array<{ name: string; points: CurvePoint[] }>, references: Array<{ name: string; value: number }> = [],
  opts: LineChartOptions = {}): string {
  const title = opts.title ?? 'Quality against vectors kept per document';
  const left = 70;
  const right = 250;
  const top = 40;
  const plotW = 460;
  const plotH = 300;
  const bottom = 60;
  const width = left + plotW + right;
  const height = top + plotH + bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p.vectors)).filter((v) => v > 0);
  let xMin = xs.length ? Math.min(...xs) : 1;
  let xMax = xs.length ? Math.max(...xs) : 2;
  xMin = 2 ** Math.floor(Math.log2(xMin));
  xMax = 2 ** Math.ceil(Math.log2(xMax));
  if (xMax <= xMin) xMax = xMin * 2;
  let maxV = 0;
  for (const s of series) for (const p of s.points) if (Number.isFinite(p.value)) maxV = Math.max(maxV, p.value);
  for (const r of references) if (Number.isFinite(r.value)) maxV = Math.max(maxV, r.value);
  const yMax = opts.yMax ?? (maxV <= 1 ? 1 : Math.ceil(maxV * 10) / 10);
  const out = header(width, height, title);
  const y = yAxis(out, left, top, plotH, plotW, yMax, opts.yLabel ?? 'NDCG@3');
  const lx0 = Math.log2(xMin);
  const lx1 = Math.log2(xMax);
  const x = (v: number) => left + ((Math.log2(v) - lx0) / (lx1 - lx0)) * plotW;
  out.push(`<g class="x-axis" ${FONT} font-size="11">`);
  for (let e = lx0; e <= lx1; e++) {
    const v = 2 ** e;
    out.push(`<line x1="${num(x(v))}" y1="${num(top + plotH)}" x2="${num(x(v))}" y2="${num(top + plotH + 5)}" stroke="#333333" stroke-width="1"/>`);
    out.push(`<text x="${num(x(v))}" y="${num(top + plotH + 18)}" text-anchor="middle">${escapeXml(String(v))}</text>`);
  }
  out.push(`<text x="${num(left + plotW / 2)}" y="${num(top + plotH + 40)}" text-anchor="middle" font-size="12">${escapeXml(opts.xLabel ?? 'vectors per document (log scale)')}</text>`);
  out.push('</g>');
  const items: Array<{ label: string; color: string; dash?: boolean }> = [];
  references.forEach((r, i) => {
    const color = ['#555555', '#999999', '#bbbbbb'][i % 3];
    const yy = y(Math.max(0, Math.min(r.value, yMax)));
    out.push(`<line class="reference" x1="${num(left)}" y1="${num(yy)}" x2="${num(left + plotW)}" y2="${num(yy)}" stroke="${color}" stroke-width="1.5" stroke-dasharray="6,4"><title>${escapeXml(`${r.name}: ${r.value.toFixed(4)}`)}</title></line>`);
    items.push({ label: `${r.name} (${r.value.toFixed(3)})`, color, dash: true });
  });
  series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length];
    const pts = s.points.filter((p) => p.vectors > 0 && Number.isFinite(p.value)).sort((a, b) => a.vectors - b.vectors);
    out.push(`<g class="series" fill="${color}" stroke="${color}">`);
    if (pts.length > 1) out.push(`<polyline fill="none" stroke-width="2" points="${pts.map((p) => `${num(x(p.vectors))},${num(y(p.value))}`).join(' ')}"/>`);
    for (const p of pts) {
      out.push(`<circle cx="${num(x(p.vectors))}" cy="${num(y(p.value))}" r="3.5"><title>${escapeXml(`${s.name}: ${p.vectors} ${opts.xUnit ?? 'vectors'}, ${p.value.toFixed(4)}`)}</title></circle>`);
    }
    out.push('</g>');
    items.push({ label: s.name, color });
  });
  legend(out, left + plotW + 20, top + 10, items);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
