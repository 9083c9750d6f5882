/**
 * A throwaway PostgreSQL cluster for the bench's peer (issue 18): Debian's
 * binaries (`apt-get install postgresql`), `initdb` in a fresh temporary
 * folder, the postmaster as this process's child on a free loopback port
 * (its unix socket in the same folder), stopped and the folder removed at
 * the end, on failure, and on SIGINT/SIGTERM.
 *
 * PostgreSQL refuses to run as root: when the bench runs as root (CI, this
 * machine), the cluster runs as Debian's `postgres` account, which the
 * package creates.
 *
 * Settings: durability off (fsync, synchronous_commit, full_page_writes) so
 * that loading 10M rows takes a minute, not ten; it changes writes only, and
 * the bench reads. shared_buffers 512 MB, the rest PostgreSQL 15's defaults.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Where Debian puts each installed major's binaries, newest first; PG_BIN overrides. */
export function findPostgresBin(): string | null {
  const override = process.env['PG_BIN'];
  if (override !== undefined && override !== '') return existsSync(join(override, 'initdb')) ? override : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin/initdb')) && existsSync(join(root, v, 'bin/postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length > 0 ? join(root, majors[0]!, 'bin') : null;
}

export const NO_POSTGRES =
  "PostgreSQL's server binaries were not found (/usr/lib/postgresql/<major>/bin/initdb): `apt-get install postgresql` (Debian), or set PG_BIN to the folder holding initdb and postgres";

export interface Cluster {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/bench` (trust authentication on loopback: a throwaway cluster). */
  readonly url: string;
  /** The cluster's temporary folder (data, socket, log, staged CSV files). */
  readonly dir: string;
  /** The major version, e.g. "15". */
  readonly version: string;
  readonly pid: number;
  /** Files the server process reads are staged here (readable by the cluster's account). */
  stagingFile(name: string): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
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

/** The account the cluster runs as: this one, or `postgres` when this is root. */
function clusterAccount(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0)
    throw new Error(
      "PostgreSQL refuses to run as root, and there is no `postgres` account to run it as (Debian's postgresql package creates it)",
    );
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function startCluster(progress: (s: string) => void = () => undefined): Promise<Cluster> {
  const bin = findPostgresBin();
  if (bin === null) throw new Error(NO_POSTGRES);
  const version =
    /postgresql\/(\d+)\//.exec(bin)?.[1] ?? spawnSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).stdout.trim();
  const account = clusterAccount();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-pg-'));
  const data = join(dir, 'data');
  const owned = (path: string) => {
    if (account) chownSync(path, account.uid, account.gid);
  };
  owned(dir);
  const as = account ? { uid: account.uid, gid: account.gid } : {};
  let child: ChildProcess | undefined;
  // Synchronous (it also runs in an exit hook): an immediate shutdown, a wait until the postmaster has removed
  // its lock file (at most 10 s), then the folder.
  const removeNow = () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT');
      const lock = join(data, 'postmaster.pid');
      const until = Date.now() + 10_000;
      while (existsSync(lock) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  // A Ctrl-C or a kill of the bench stops the cluster and removes its folder (the postmaster also gets the
  // terminal's SIGINT: a fast shutdown); the exit hook covers a bench that fails and exits.
  const onSignal = (signal: NodeJS.Signals) => {
    removeNow();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', removeNow);
  const unhook = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', removeNow);
  };
  try {
    progress(`postgres: initdb (PostgreSQL ${version}) in ${dir}…`);
    const init = spawnSync(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'],
      { ...as, cwd: dir, encoding: 'utf8' },
    );
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
    const port = await freePort();
    const settings = {
      listen_addresses: '127.0.0.1',
      port: String(port),
      unix_socket_directories: dir,
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      wal_level: 'minimal',
      max_wal_senders: '0',
      max_wal_size: '4GB',
      shared_buffers: '512MB',
      maintenance_work_mem: '512MB',
      max_connections: '50',
    };
    child = spawn(join(bin, 'postgres'), ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])], {
      ...as,
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const running = child;
    let log = '';
    running.stderr!.setEncoding('utf8').on('data', (c: string) => (log = (log + c).slice(-20_000)));
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`postgres did not start within 60 s: ${log}`)), 60_000);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        fail(new Error(`postgres exited (${code}) while starting: ${log}`));
      };
      running.once('exit', onExit);
      running.stderr!.on('data', () => {
        if (/database system is ready to accept connections/.test(log)) {
          clearTimeout(timer);
          running.off('exit', onExit);
          ready();
        }
      });
    });
    const psql = spawnSync(
      join(bin, 'psql'),
      ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-qc', 'CREATE DATABASE bench'],
      {
        encoding: 'utf8',
      },
    );
    if (psql.status !== 0) throw new Error(`CREATE DATABASE failed: ${psql.stderr}`);
    progress(`postgres: PostgreSQL ${version} listening on 127.0.0.1:${port}`);
    return {
      port,
      url: `postgres://postgres@127.0.0.1:${port}/bench`,
      dir,
      version,
      pid: running.pid!,
      stagingFile(name) {
        const file = join(dir, name);
        writeFileSync(file, '');
        chmodSync(file, 0o666);
        return file;
      },
      async stop() {
        if (running.exitCode === null && running.signalCode === null) {
          const exited = new Promise((r) => running.once('exit', r));
          running.kill('SIGINT'); // fast shutdown: ends sessions, no checkpoint wait beyond the shutdown one
          const timer = setTimeout(() => running.kill('SIGQUIT'), 30_000);
          await exited;
          clearTimeout(timer);
        }
        unhook();
        rmSync(dir, { recursive: true, force: true });
        progress('postgres: stopped, folder removed');
      },
    };
  } catch (e) {
    removeNow();
    unhook();
    throw e;
  }
}
