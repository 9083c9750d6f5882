/**
 * The results chart, as a hand-written SVG: per query, warm p50 of Sluice,
 * DuckDB over Parquet and DuckDB in memory as horizontal bars on a log
 * scale (the queries span four orders of magnitude).
 */
interface Row {
  readonly id: string;
  readonly what: string;
  readonly sluice: { readonly p50Ms: number };
  readonly duckdb: { readonly p50Ms: number };
  readonly duckdbMemory: { readonly p50Ms: number };
}

interface Labelled {
  readonly id: string;
  readonly what: string;
}

interface Series<R> {
  readonly name: string;
  readonly color: string;
  of(r: R): number;
}

/** One size of the scale curve: warm p50 of each query and cold Q1, Sluice and DuckDB over Parquet. */
export interface ScalePoint {
  readonly rows: number;
  readonly queries: readonly { readonly id: string; readonly sluiceP50Ms: number; readonly duckdbP50Ms: number; readonly runs?: number }[];
  readonly coldQ1: { readonly sluiceMs: number; readonly duckdbMs: number } | null;
  /** A point bench/scale.ts measured: when, at which load, at which commit (the main size has none: it is the run's). */
  readonly measuredAt?: string;
  readonly loadAverage?: readonly number[];
  readonly commit?: string | null;
  /** Measured in a run of its own before this one (BENCH_SCALE_SAVED), not in this run. */
  readonly separate?: boolean;
}

const SERIES: readonly Series<Row>[] = [
  { name: 'Sluice (GraphQL, in-process)', color: '#2b6cb0', of: (r: Row) => r.sluice.p50Ms },
  { name: 'DuckDB over Parquet', color: '#dd6b20', of: (r: Row) => r.duckdb.p50Ms },
  { name: 'DuckDB in memory', color: '#a0aec0', of: (r: Row) => r.duckdbMemory.p50Ms },
];

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderChart(rows: readonly Row[], title: string): string {
  return renderBars(rows, title, SERIES);
}

/** The scale curve: per query (and cold Q1), one pair of bars per data size, Sluice and DuckDB over Parquet. */
export function renderScaleChart(scale: readonly ScalePoint[]): string {
  const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n.toLocaleString('en'));
  type Bar = Labelled & { readonly sluice: number; readonly duckdb: number };
  const bars: Bar[] = [];
  for (const q of scale[0]!.queries) {
    for (const p of scale) {
      const m = p.queries.find((x) => x.id === q.id)!;
      bars.push({ id: `${q.id} @ ${label(p.rows)}`, what: 'warm p50', sluice: m.sluiceP50Ms, duckdb: m.duckdbP50Ms });
    }
  }
  for (const p of scale)
    if (p.coldQ1) bars.push({ id: `Q1 @ ${label(p.rows)}`, what: 'cold', sluice: p.coldQ1.sluiceMs, duckdb: p.coldQ1.duckdbMs });
  return renderBars(bars, `Scale: ${scale.map((p) => label(p.rows)).join(' / ')} orders (ms, log scale)`, [
    { name: 'Sluice (GraphQL, in-process)', color: '#2b6cb0', of: (b: Bar) => b.sluice },
    { name: 'DuckDB over Parquet', color: '#dd6b20', of: (b: Bar) => b.duckdb },
  ]);
}

function renderBars<R extends Labelled>(rows: readonly R[], title: string, series: readonly Series<R>[]): string {
  const left = 300;
  const width = 900;
  const plot = width - left - 80;
  const bar = 12;
  const group = series.length * bar + 14;
  const top = 60;
  const height = top + rows.length * group + 40;
  const all = rows.flatMap((r) => series.map((s) => s.of(r))).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all, 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all, 10)));
  const xOf = (v: number) => left + (plot * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
  series.forEach((s, i) => {
    out.push(
      `<rect x="${left + i * 200}" y="32" width="12" height="12" fill="${s.color}"/>`,
      `<text x="${left + i * 200 + 18}" y="42">${escape(s.name)}</text>`,
    );
  });
  for (let v = lo; v <= hi; v *= 10) {
    const x = xOf(v).toFixed(1);
    out.push(
      `<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${height - 30}" stroke="#e2e8f0"/>`,
      `<text x="${x}" y="${height - 14}" text-anchor="middle">${v >= 1 ? v : v.toFixed(2)} ms</text>`,
    );
  }
  rows.forEach((r, k) => {
    const y0 = top + k * group;
    out.push(`<text x="10" y="${y0 + bar * 2}">${escape(`${r.id} ${r.what}`.slice(0, 46))}</text>`);
    series.forEach((s, i) => {
      const v = s.of(r);
      const y = y0 + i * bar;
      out.push(
        `<rect x="${left}" y="${y}" width="${(xOf(v) - left).toFixed(1)}" height="${bar - 2}" fill="${s.color}"/>`,
        `<text x="${(xOf(v) + 4).toFixed(1)}" y="${y + bar - 3}" font-size="10">${v >= 100 ? v.toFixed(0) : v.toFixed(1)}</text>`,
      );
    });
  });
  out.push('</svg>', '');
  return out.join('\n');
}
