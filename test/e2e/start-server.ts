import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

/**
 * Starts the real gateway as a child process, the way an operator does:
 * `node bin/sluice.js serve --config <file> --port 0`, and reads the URL from
 * the line the CLI prints once it listens. `stop()` sends SIGTERM and checks
 * that the process shuts down gracefully (exit code 0) within a bounded time.
 *
 * Every wait is bounded; a failure names what was awaited and shows the
 * process's captured stderr and stdout.
 *
 * Tests write only to temporary folders: the server runs a copy of its config
 * (isolatedConfig) whose audit trail and OpenLineage file are in a fresh
 * temporary folder, never the repository's ./audit.log. Starting a process
 * costs seconds of CPU (tsx transpiles the sources), so at most
 * `SLUICE_TEST_SPAWNS` (default 1) processes per test worker are starting or
 * running a CLI command at once; a started server holds no slot while it
 * serves.
 */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const SLUICE_BIN = join(REPO, 'bin/sluice.js');

export interface StartServerOptions {
  /** Config file, relative to the repository or absolute (default: sluice.yaml). */
  readonly config?: string;
  /** How long to wait for the "serving … at <url>" line (default 120 s: the machine may be busy). */
  readonly startTimeoutMs?: number;
  /** How long to wait for the process to exit after SIGTERM (default 15 s). */
  readonly stopTimeoutMs?: number;
  readonly env?: Record<string, string>;
  /** Top-level sections set in the server's copy of the config (e.g. `{ cursors: { secretEnv: 'X' } }`). */
  readonly configSections?: Record<string, unknown>;
}

export interface RunningServer {
  /** The GraphQL endpoint, `http://127.0.0.1:<port>/graphql`. */
  readonly url: string;
  /** Where this server appends its audit trail (a temporary folder). */
  readonly auditFile: string;
  readonly pid: number;
  /** Everything the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then waits for the exit; throws unless the exit code is 0. */
  stop(): Promise<void>;
}

const SERVING = /sluice: serving .* at (http:\/\/127\.0\.0\.1:\d+\/graphql)/;

/**
 * A copy of `config` (relative to the repository, or absolute) in a fresh
 * temporary folder, with its paths made absolute and its audit trail (always
 * on) and OpenLineage file (when configured) written in that folder.
 */
export function isolatedConfig(
  config: string,
  sections: Record<string, unknown> = {},
): { readonly file: string; readonly dir: string; readonly auditFile: string } {
  const source = resolve(REPO, config);
  const base = dirname(source);
  const raw = (parse(readFileSync(source, 'utf8')) ?? {}) as Record<string, unknown> & {
    audit?: unknown;
    openlineage?: { file?: string };
    auth?: { jwt?: { jwksFile?: string } };
  };
  const dir = mkdtempSync(join(tmpdir(), 'sluice-serve-'));
  const absolute = (path: unknown) => (typeof path === 'string' ? resolve(base, path) : path);
  raw['products'] = absolute(raw['products'] ?? './products');
  raw['policies'] = absolute(raw['policies'] ?? './policies');
  if (raw['persisted'] !== undefined) raw['persisted'] = absolute(raw['persisted']);
  if (raw.auth?.jwt?.jwksFile !== undefined) raw.auth.jwt.jwksFile = absolute(raw.auth.jwt.jwksFile) as string;
  const auditFile = join(dir, 'audit.log');
  raw.audit = { file: auditFile };
  if (raw.openlineage?.file !== undefined) raw.openlineage.file = join(dir, 'openlineage.jsonl');
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, stringify({ ...raw, ...sections }));
  return { file, dir, auditFile };
}

const SPAWN_SLOTS = Math.max(1, Number(process.env['SLUICE_TEST_SPAWNS'] ?? 1));
let spawning = 0;
const queued: (() => void)[] = [];

/** Waits for a spawn slot; the returned function gives it back (once). */
async function spawnSlot(): Promise<() => void> {
  if (spawning >= SPAWN_SLOTS) await new Promise<void>((ok) => queued.push(ok));
  else spawning++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const next = queued.shift();
    if (next) next();
    else spawning--;
  };
}

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const { file: config, auditFile } = isolatedConfig(options.config ?? 'sluice.yaml', options.configSections);
  const release = await spawnSlot();
  const child = spawn(process.execPath, [SLUICE_BIN, 'serve', '--config', config, '--port', '0'], {
    cwd: REPO,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = exitOf(child);
  const describe = () => `pid ${child.pid}\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`;

  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`sluice serve did not print its URL within ${startTimeoutMs} ms; ${describe()}`));
    }, startTimeoutMs);
    const onData = () => {
      const m = SERVING.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      ok(m[1]!);
    };
    child.stdout.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`sluice serve exited (code ${code}, signal ${signal}) before listening; ${describe()}`));
    });
  }).finally(release);

  let stopping: Promise<void> | undefined;
  return {
    url,
    auditFile,
    pid: child.pid!,
    output: () => ({ stdout, stderr }),
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timeoutMs = options.stopTimeoutMs ?? 15_000;
        let timer: NodeJS.Timeout | undefined;
        const result = await Promise.race([exited, new Promise<'timeout'>((ok) => (timer = setTimeout(() => ok('timeout'), timeoutMs)))]);
        clearTimeout(timer);
        if (result === 'timeout') {
          child.kill('SIGKILL');
          await exited;
          throw new Error(`sluice serve did not exit within ${timeoutMs} ms of SIGTERM; ${describe()}`);
        }
        if (result.code !== 0) {
          throw new Error(`sluice serve did not shut down gracefully (code ${result.code}, signal ${result.signal}); ${describe()}`);
        }
      })();
      return stopping;
    },
  };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((ok) => child.once('close', (code, signal) => ok({ code, signal })));
}

/** Runs `node bin/sluice.js <args>` to completion (bounded), capturing its output. */
export async function runCli(
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const release = await spawnSlot();
  try {
    return await run(args, options);
  } finally {
    release();
  }
}

async function run(
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [SLUICE_BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timeoutMs = options.timeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([exitOf(child), new Promise<'timeout'>((ok) => (timer = setTimeout(() => ok('timeout'), timeoutMs)))]);
  clearTimeout(timer);
  if (result === 'timeout') {
    child.kill('SIGKILL');
    throw new Error(`sluice ${args.join(' ')} did not finish within ${timeoutMs} ms\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`);
  }
  return { code: result.code, stdout, stderr };
}
