/**
 * `sluice` starts from dist/ (bin/sluice.js runs the build; the global
 * setup built it from the current sources): `--help` and `contract
 * validate` answer, and nothing written in TypeScript is loaded on the way
 * (a resolve hook refuses `.ts` modules and tsx, so a bin that fell back to
 * the sources would fail here). Start-up time itself belongs to the
 * benchmark, not to a test on a shared machine.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, SLUICE_BIN } from './start-server.js';

const REFUSE_SOURCES = `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.endsWith('.ts') || r.url.includes('/node_modules/tsx/')) throw new Error('sluice loaded ' + r.url + ' instead of dist/');
  return r;
}`;
const HOOK = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(REFUSE_SOURCES)}`)});`,
)}`;

function sluice(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', HOOK, SLUICE_BIN, ...args], { cwd: REPO, env: process.env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((ok) => child.once('close', (code) => ok({ code, stdout, stderr })));
}

describe('sluice from dist/', { timeout: 120_000 }, () => {
  it('has a build (the global setup made it)', () => {
    expect(existsSync(join(REPO, 'dist/cli/main.js'))).toBe(true);
    expect(existsSync(join(REPO, 'dist/engine/parquet/decode-worker.js'))).toBe(true);
  });

  it('prints its usage', async () => {
    const r = await sluice(['--help']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^usage: sluice <command>/);
  });

  it('validates the demo deployment', async () => {
    const r = await sluice(['contract', 'validate']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: 4 contract\(s\) valid: .*order_events v1/);
  });

  it('refuses a port in use with one line naming --port', async () => {
    const blocker = createServer();
    await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await sluice(['serve', '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toEqual([
        `sluice: port ${port} on 127.0.0.1 is already in use; stop what uses it, or choose another with --port N (or server.port in the config)`,
      ]);
    } finally {
      blocker.close();
    }
  });
});
