import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Starts the real gateway as a child process, the way an operator does:
 * `node bin/sluice.js serve --config <file> --port 0`, and reads the URL from
 * the line the CLI prints once it listens. `stop()` sends SIGTERM and checks
 * that the process shuts down gracefully (exit code 0) within a bounded time.
 *
 * Every wait is bounded; a failure names what was awaited and shows the
 * process's captured stderr and stdout.
 */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const SLUICE_BIN = join(REPO, 'bin/sluice.js');

export interface StartServerOptions {
  /** Config file, relative to the repository or absolute (default: sluice.yaml). */
  readonly config?: string;
  /** How long to wait for the "serving … at <url>" line (default 30 s). */
  readonly startTimeoutMs?: number;
  /** How long to wait for the process to exit after SIGTERM (default 15 s). */
  readonly stopTimeoutMs?: number;
  readonly env?: Record<string, string>;
}

export interface RunningServer {
  /** The GraphQL endpoint, `http://127.0.0.1:<port>/graphql`. */
  readonly url: string;
  readonly pid: number;
  /** Everything the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then waits for the exit; throws unless the exit code is 0. */
  stop(): Promise<void>;
}

const SERVING = /sluice: serving .* at (http:\/\/127\.0\.0\.1:\d+\/graphql)/;

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const config = options.config ?? 'sluice.yaml';
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

  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`sluice serve did not print its URL within ${options.startTimeoutMs ?? 30_000} ms; ${describe()}`));
    }, options.startTimeoutMs ?? 30_000);
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
  });

  let stopping: Promise<void> | undefined;
  return {
    url,
    pid: child.pid!,
    output: () => ({ stdout, stderr }),
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timeoutMs = options.stopTimeoutMs ?? 15_000;
        let timer: NodeJS.Timeout | undefined;
        const result = await Promise.race([
          exited,
          new Promise<'timeout'>((ok) => (timer = setTimeout(() => ok('timeout'), timeoutMs))),
        ]);
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
  const child = spawn(process.execPath, [SLUICE_BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    exitOf(child),
    new Promise<'timeout'>((ok) => (timer = setTimeout(() => ok('timeout'), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (result === 'timeout') {
    child.kill('SIGKILL');
    throw new Error(`sluice ${args.join(' ')} did not finish within ${timeoutMs} ms\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`);
  }
  return { code: result.code, stdout, stderr };
}
