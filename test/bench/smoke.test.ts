import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../../bench/generate.js';

/**
 * `npm run bench` in its 10,000-row smoke mode: the whole harness (data
 * generation, warm in-process, cold processes, HTTP, autocannon against the
 * gateway, its variants and the floor) runs and reports every query's
 * figures. Cold processes cost seconds each, so the smoke mode measures
 * Q1's cold start only (the path every query's takes); every other figure
 * is there for every query. The figures themselves are not judged here: a
 * shared CI machine is too noisy.
 */
const out = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const positive = expect.any(Number);

describe('bench smoke mode', () => {
  // Two cold processes and four servers: a minute or more on a busy 2-core machine, so a generous bound.
  it('produces every query’s figures', { timeout: 960_000 }, () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
      cwd: REPO,
      // Data, config and audit log in the temporary folder too, not bench/.cache.
      env: { ...process.env, BENCH_ROWS: '10000', BENCH_OUT: out, BENCH_CACHE: join(out, 'cache') },
      encoding: 'utf8',
      timeout: 900_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.queries.map((q: { id: string }) => q.id)).toEqual(['Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6', 'Q7', 'Q8']);
    for (const q of results.queries) {
      for (const t of [q.sluice, q.duckdb, q.duckdbMemory, q.http]) {
        expect(t).toMatchObject({ firstMs: positive, p50Ms: positive, p99Ms: positive });
        expect(t.p50Ms).toBeGreaterThan(0);
      }
      if (q.id === 'Q1') {
        expect(q.cold.sluiceMs).toBeGreaterThan(0);
        expect(q.cold.duckdbMs).toBeGreaterThan(0);
        expect(q.ratio.cold).toBeGreaterThan(0);
      } else {
        expect(q.cold).toBeNull();
      }
      expect(q.plans).toBeGreaterThanOrEqual(1);
    }
    const t = results.throughput;
    for (const server of [t.gateway, t.floor, t.typename, t.compiled, t.resultCache]) {
      expect(server.requestsPerSecond).toBeGreaterThan(0);
      expect(server.errors).toBe(0);
      expect(server.non2xx).toBe(0);
    }
    expect(results.memory.serverPeakRssBytes).toBeGreaterThan(0);
    expect(results.memory.columnCacheBudgetBytes).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toContain('| Q8 |');
    expect(readFileSync(join(out, 'results.svg'), 'utf8')).toMatch(/^<svg[\s\S]*Q8[\s\S]*<\/svg>\n$/);
  });
});
