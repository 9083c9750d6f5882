import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * A real Redis (Debian's `redis-server`) on a free loopback port, with
 * persistence off, for the tests of shared state. `.ci/run` installs the
 * package when it is missing; where it is absent all the same, the tests
 * that need it are skipped with `describe.skipIf(!HAVE_REDIS)` and say so.
 *
 * Faults, as operators meet them: `stop()` (SIGTERM: gone, connections
 * refused), `start()` again on the same port (empty: no persistence),
 * `pause()` / `resume()` (SIGSTOP / SIGCONT: connected but silent, like an
 * overloaded or partitioned Redis).
 */
export const REDIS_SERVER = process.env['SLUICE_REDIS_SERVER'] ?? 'redis-server';
export const HAVE_REDIS = spawnSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' }).status === 0;
// CI installs it (.ci/run): there, a missing redis-server is a failure, not a skip.
if (!HAVE_REDIS && process.env['CI']) throw new Error(`${REDIS_SERVER} is not installed; .ci/run installs Debian's redis-server`);
if (!HAVE_REDIS) console.warn(`${REDIS_SERVER} is not installed: the Redis and replicas tests are skipped (apt-get install redis-server)`);

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Starts it (again) on the same port. */
  start(): Promise<void>;
  stop(): Promise<void>;
  pause(): void;
  resume(): void;
  readonly pid: number | undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => ok(port));
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const c = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'yes',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = c;
    let output = '';
    c.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    c.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    // Ready once it accepts a connection (it logs nothing at this log level).
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (c.exitCode !== null) throw new Error(`redis-server exited (${c.exitCode}) on port ${port}: ${output}`);
      if (await accepts(port)) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not accept connections on port ${port} within 20 s: ${output}`);
      await new Promise((wait) => setTimeout(wait, 50));
    }
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      c.kill('SIGCONT');
      const exited = new Promise((ok) => c.once('exit', ok));
      c.kill('SIGTERM');
      await exited;
    },
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    get pid() {
      return child?.pid;
    },
  };
}

/** Whether something answers PING on the port. */
async function accepts(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((ok) => {
    const socket = connect(port, '127.0.0.1');
    const done = (v: boolean) => {
      socket.destroy();
      ok(v);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}
