import * as duckdbApi from '@duckdb/node-api';
import { DuckDBInstance, DuckDBTypeId, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { registerStringFunction } from '../../src/engine/duckdb/in-process-duckdb.js';

/**
 * A stand-in for a Trino coordinator, for tests on a machine that cannot run
 * Trino: it speaks Trino's client REST protocol on loopback and runs the
 * statements it receives on DuckDB over the same Parquet files.
 *
 * What it reproduces of the protocol (docs: develop/client-protocol; the
 * shapes of io.trino.client.QueryResults / QueryError and
 * server/protocol/JsonEncodingUtils):
 * - POST /v1/statement with X-Trino-User (required, else HTTP 400),
 *   X-Trino-Catalog, X-Trino-Schema, X-Trino-Time-Zone (else the
 *   "server's" zone, deliberately not UTC), X-Trino-Client-Capabilities
 *   (without PARAMETRIC_DATETIME timestamps are rounded to milliseconds, as
 *   Trino does), HTTP basic authentication when users are configured (else
 *   HTTP 401).
 * - A first answer QUEUED with a `nextUri` and no data; then RUNNING pages
 *   until the statement ends; then pages of at most `pageRows` rows, each
 *   with `columns`, the last without `nextUri`. `nextUri` tokens must come
 *   in order (the previous one may be fetched again); anything else is 404.
 * - DELETE on a `nextUri` cancels the statement (DuckDB is interrupted): 204.
 * - Errors as Trino's QueryError JSON in an HTTP 200 page, state FAILED.
 * - Values as Trino encodes them: bigint and integer as JSON numbers with
 *   every digit, double as Java prints it (`2000.0`, `1.0E10`, "NaN"),
 *   decimal as a string, date as `YYYY-MM-DD`, timestamps as
 *   `YYYY-MM-DD HH:MM:SS.ffffff[ UTC]`; column types by Trino's names.
 *
 * Tables: `<catalog>.<schema>.<product>` are DuckDB views over
 * `read_parquet(<files>)`. The few Trino functions DuckDB lacks are macros
 * (nan(), infinity(), truncate()); the operator's hash routine (`hashFunction`, a
 * catalog.schema.name) is a macro over a scalar function computing it in
 * this process. One rewrite of the text is made, and only this one: the
 * type name `timestamp(p) with time zone`, which DuckDB does not parse, is
 * read as TIMESTAMPTZ. DuckDB runs with `integer_division` (Trino's `/` on
 * integers truncates).
 *
 * Faults, scripted per request: an HTTP 500, a connection closed without an
 * answer, a request left hanging, a Trino error, or a statement that never
 * finishes (RUNNING until cancelled).
 *
 * What it cannot prove: anything about Trino's own semantics. It is
 * DuckDB's evaluation behind Trino's protocol, so a Trino function that
 * behaves differently from DuckDB's namesake (NULL handling, rounding,
 * collation, overflow) passes here and may fail on a Trino; the golden SQL
 * files (test/engine/sql/golden/*.trino.sql) are where those are checked
 * against a real one.
 */
export interface StandinOptions {
  readonly catalog: string;
  readonly schema: string;
  /** Product → Parquet glob (absolute). */
  readonly tables: Readonly<Record<string, string>>;
  /** The operator's hash routine: its qualified name and what it computes. */
  readonly hashFunction?: { readonly name: string; readonly compute: (value: string) => string };
  /** When set, every request must authenticate as one of these users (user → password). */
  readonly users?: Readonly<Record<string, string>>;
  /** Rows per data page; default 100. */
  readonly pageRows?: number;
  /** The zone of statements that send no X-Trino-Time-Zone; default Pacific/Apia (UTC+13/14). */
  readonly serverTimeZone?: string;
}

export type Fault =
  | { readonly on: 'post' | 'next'; readonly kind: 'http'; readonly status: number }
  | { readonly on: 'post' | 'next'; readonly kind: 'close' | 'hang' }
  | {
      readonly on: 'post' | 'next';
      readonly kind: 'error';
      readonly errorName: string;
      readonly errorType: string;
      readonly errorCode: number;
    }
  | { readonly on: 'post'; readonly kind: 'stall' };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

interface Column {
  readonly name: string;
  readonly type: string;
  readonly encode: (v: unknown, parametric: boolean) => string;
}

interface Query {
  readonly id: string;
  readonly slug: string;
  /** The token the next GET must carry (the one in the last nextUri served). */
  token: number;
  /** Rows already served. */
  served: number;
  state: 'QUEUED' | 'RUNNING' | 'FINISHED' | 'FAILED';
  readonly parametric: boolean;
  readonly done: Promise<void>;
  columns?: readonly Column[];
  rows?: readonly (readonly unknown[])[];
  error?: { message: string; errorCode: number; errorName: string; errorType: string };
  cancelled: boolean;
  connection?: DuckDBConnection;
  /** The page last served, to serve again when its token is fetched twice. */
  last?: string;
}

const SLEEP = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TrinoStandin {
  readonly requests: RecordedRequest[] = [];
  /** Ids of statements a DELETE cancelled. */
  readonly cancelled = new Set<string>();
  private readonly queries = new Map<string, Query>();
  private readonly faults: Fault[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private sequence = 0;

  private readonly executions: Promise<void>[] = [];

  private constructor(
    private readonly options: StandinOptions,
    private readonly db: DuckDBInstance,
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    readonly url: string,
  ) {}

  static async start(options: StandinOptions): Promise<TrinoStandin> {
    const db = await DuckDBInstance.create(':memory:', { threads: '2' });
    const setup = await db.connect();
    await setup.run('LOAD icu');
    await setup.run('SET GLOBAL integer_division = true');
    const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
    const schemas = new Set<string>();
    const ensureSchema = async (catalog: string, schema: string) => {
      if (!schemas.has(catalog)) {
        schemas.add(catalog);
        await setup.run(`ATTACH ':memory:' AS ${q(catalog)}`);
      }
      if (!schemas.has(`${catalog}.${schema}`)) {
        schemas.add(`${catalog}.${schema}`);
        await setup.run(`CREATE SCHEMA ${q(catalog)}.${q(schema)}`);
      }
    };
    await ensureSchema(options.catalog, options.schema);
    for (const [product, glob] of Object.entries(options.tables)) {
      await setup.run(
        `CREATE VIEW ${q(options.catalog)}.${q(options.schema)}.${q(product)} AS SELECT * FROM read_parquet('${glob.replaceAll("'", "''")}')`,
      );
    }
    await setup.run(`CREATE MACRO nan() AS CAST('NaN' AS DOUBLE)`);
    await setup.run(`CREATE MACRO infinity() AS CAST('Infinity' AS DOUBLE)`);
    // Trino's truncate(double) is DuckDB's trunc.
    await setup.run(`CREATE MACRO truncate(x) AS trunc(x)`);
    if (options.hashFunction) {
      registerStringFunction(duckdbApi, setup, 'standin_operator_hash', options.hashFunction.compute);
      const parts = options.hashFunction.name.split('.');
      if (parts.length !== 3) throw new Error('hashFunction must be catalog.schema.name');
      await ensureSchema(parts[0]!, parts[1]!);
      await setup.run(`CREATE MACRO ${parts.map(q).join('.')}(s) AS standin_operator_hash(s)`);
    }
    setup.closeSync();

    // Requests reach the stand-in once it exists; none come before listen() resolves.
    const ready: { standin?: TrinoStandin } = {};
    const server = createServer((req, res) => void ready.standin!.handle(req, res));
    const sockets = new Set<Socket>();
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    ready.standin = new TrinoStandin(options, db, server, sockets, `http://127.0.0.1:${port}`);
    return ready.standin;
  }

  /** The next request of that kind fails this way (faults queue in order). */
  fault(f: Fault): void {
    this.faults.push(f);
  }

  /** Statements received, in order. */
  get statements(): string[] {
    return this.requests.filter((r) => r.method === 'POST').map((r) => r.body);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.allSettled(this.executions);
    this.db.closeSync();
  }

  // --- HTTP ------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', this.url).pathname;
    this.requests.push({ method: req.method ?? '', path, headers: { ...req.headers }, body });

    const on = req.method === 'POST' ? 'post' : req.method === 'GET' ? 'next' : 'delete';
    const at = this.faults.findIndex((f) => f.on === on);
    const fault = at >= 0 ? this.faults.splice(at, 1)[0] : undefined;
    if (fault?.kind === 'http') return void res.writeHead(fault.status, { 'content-type': 'text/plain' }).end('scripted failure');
    if (fault?.kind === 'close') return void req.socket.destroy();
    if (fault?.kind === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }

    if (this.options.users !== undefined && !this.authenticated(req)) {
      return void res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="Trino"' }).end('Unauthorized');
    }
    if (req.method === 'POST' && path === '/v1/statement') return this.post(req, res, body, fault);
    const m = /^\/v1\/statement\/(queued|executing)\/([^/]+)\/([^/]+)\/(\d+)$/.exec(path);
    const query = m ? this.queries.get(m[2]!) : undefined;
    if (!m || !query || query.slug !== m[3]) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Query not found');
    if (req.method === 'DELETE') {
      query.cancelled = true;
      this.cancelled.add(query.id);
      query.connection?.interrupt();
      return void res.writeHead(204).end();
    }
    if (req.method !== 'GET') return void res.writeHead(405).end();
    if (query.cancelled) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Query not found');
    const token = Number(m[4]);
    // The page of the previous token may be fetched again (a client retrying); any other token is unknown.
    if (token === query.token - 1 && query.last !== undefined) return this.json(res, query.last);
    if (token !== query.token) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Query not found');
    if (fault?.kind === 'error')
      return this.json(
        res,
        this.page(query, {
          error: {
            message: `${fault.errorName}: scripted`,
            errorCode: fault.errorCode,
            errorName: fault.errorName,
            errorType: fault.errorType,
          },
        }),
      );
    // Long-poll a little, as Trino does (it waits up to a second for results).
    await Promise.race([query.done, SLEEP(100)]);
    this.json(res, this.page(query));
  }

  private post(req: IncomingMessage, res: ServerResponse, sql: string, fault: Fault | undefined): void {
    const user = header(req, 'x-trino-user');
    if (!user) return void res.writeHead(400, { 'content-type': 'text/plain' }).end('Error processing request: User must be set');
    const id = this.queryId();
    const zone = header(req, 'x-trino-time-zone') ?? this.options.serverTimeZone ?? 'Pacific/Apia';
    const parametric = (header(req, 'x-trino-client-capabilities') ?? '')
      .split(',')
      .map((s) => s.trim())
      .includes('PARAMETRIC_DATETIME');
    const query: Query = {
      id,
      slug: `x${randomBytes(8).toString('hex')}`,
      token: 0,
      served: 0,
      state: 'QUEUED',
      parametric,
      cancelled: false,
      done: Promise.resolve(),
    };
    this.queries.set(id, query);
    if (fault?.kind === 'error') {
      query.error = {
        message: `${fault.errorName}: scripted`,
        errorCode: fault.errorCode,
        errorName: fault.errorName,
        errorType: fault.errorType,
      };
      query.state = 'FAILED';
    } else if (fault?.kind === 'stall') {
      query.state = 'RUNNING';
      (query as { done: Promise<void> }).done = new Promise(() => undefined);
    } else {
      const done = this.execute(query, sql, zone);
      this.executions.push(done);
      (query as { done: Promise<void> }).done = done;
    }
    this.json(res, this.page(query, { queued: true }));
  }

  private authenticated(req: IncomingMessage): boolean {
    const m = /^Basic (.+)$/.exec(header(req, 'authorization') ?? '');
    if (!m) return false;
    const [user, ...rest] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':');
    return user !== undefined && this.options.users![user] === rest.join(':') && header(req, 'x-trino-user') === user;
  }

  private json(res: ServerResponse, text: string): void {
    res.writeHead(200, { 'content-type': 'application/json' }).end(text);
  }

  private queryId(): string {
    const d = new Date();
    const stamp = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
    return `${stamp.slice(0, 8)}_${stamp.slice(8)}_${String(this.sequence++).padStart(5, '0')}_${randomBytes(3).toString('hex').slice(0, 5)}`;
  }

  // --- pages -----------------------------------------------------------------------

  /** The next page of a query, as QueryResults JSON text; the token its nextUri carries is the one expected next. */
  private page(q: Query, o: { queued?: boolean; error?: Query['error'] } = {}): string {
    const error = o.error ?? (q.state === 'FAILED' ? q.error : undefined);
    const parts: string[] = [`"id":${JSON.stringify(q.id)}`, `"infoUri":${JSON.stringify(`${this.url}/ui/query.html?${q.id}`)}`];
    const next = () => {
      q.token += 1;
      return `"nextUri":${JSON.stringify(`${this.url}/v1/statement/${o.queued ? 'queued' : 'executing'}/${q.id}/${q.slug}/${q.token}`)}`;
    };
    let state: string;
    if (error !== undefined) {
      state = 'FAILED';
      parts.push(
        `"error":${JSON.stringify({ ...error, errorLocation: { lineNumber: 1, columnNumber: 1 }, failureInfo: { type: 'io.trino.spi.TrinoException', message: error.message, suppressed: [], stack: [] } })}`,
      );
    } else if (o.queued || q.rows === undefined) {
      state = o.queued ? 'QUEUED' : 'RUNNING';
      parts.push(next());
    } else {
      const rows = q.rows.slice(q.served, q.served + (this.options.pageRows ?? 100));
      q.served += rows.length;
      const more = q.served < q.rows.length;
      state = more ? 'RUNNING' : 'FINISHED';
      parts.push(`"columns":${JSON.stringify(q.columns!.map((c) => ({ name: c.name, type: c.type, typeSignature: signature(c.type) })))}`);
      if (rows.length > 0)
        parts.push(
          `"data":[${rows.map((r) => `[${r.map((v, k) => (v === null ? 'null' : q.columns![k]!.encode(v, q.parametric))).join(',')}]`).join(',')}]`,
        );
      if (more) parts.push(next());
    }
    parts.push(
      `"stats":${JSON.stringify({ state, queued: state === 'QUEUED', scheduled: state !== 'QUEUED', nodes: 1, totalSplits: 1, queuedSplits: 0, runningSplits: 0, completedSplits: 1, cpuTimeMillis: 0, wallTimeMillis: 0, queuedTimeMillis: 0, elapsedTimeMillis: 0, processedRows: 0, processedBytes: 0, peakMemoryBytes: 0, spilledBytes: 0 })}`,
    );
    parts.push('"warnings":[]');
    const text = `{${parts.join(',')}}`;
    q.last = text;
    return text;
  }

  private async execute(q: Query, sql: string, zone: string): Promise<void> {
    const connection = await this.db.connect();
    q.connection = connection;
    q.state = 'RUNNING';
    try {
      await connection.run(`SET TimeZone = '${zone.replaceAll("'", "''")}'`);
      const reader = await connection.runAndReadAll(sql.replace(/timestamp\s*\(\s*\d+\s*\)\s+with\s+time\s+zone/gi, 'TIMESTAMPTZ'));
      q.columns = reader.columnNames().map((name, k) => columnOf(name, reader.columnTypes()[k]!));
      q.rows = reader.getRows();
      q.state = 'FINISHED';
    } catch (e) {
      q.state = 'FAILED';
      q.error = q.cancelled
        ? { message: 'Query was canceled', errorCode: 3, errorName: 'USER_CANCELED', errorType: 'USER_ERROR' }
        : trinoErrorOf(String((e as Error).message));
    } finally {
      connection.closeSync();
    }
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** DuckDB's failure as the Trino error a similar failure would get. */
function trinoErrorOf(message: string): NonNullable<Query['error']> {
  const kind = /^(\w+ Error):/.exec(message)?.[1] ?? '';
  const [errorName, errorCode] =
    kind === 'Parser Error'
      ? ['SYNTAX_ERROR', 1]
      : /No function matches|does not exist|not found/i.test(message) && kind === 'Catalog Error'
        ? ['FUNCTION_NOT_FOUND', 6]
        : /overflow|out of range/i.test(message)
          ? ['NUMERIC_VALUE_OUT_OF_RANGE', 19]
          : kind === 'Binder Error'
            ? ['TYPE_MISMATCH', 58]
            : ['GENERIC_INTERNAL_ERROR', 65536];
  return {
    message: `standin: ${message}`,
    errorCode: errorCode as number,
    errorName: errorName as string,
    errorType: (errorCode as number) < 65536 ? 'USER_ERROR' : 'INTERNAL_ERROR',
  };
}

/** Trino's name and JSON encoding of a DuckDB result type. */
function columnOf(name: string, t: DuckDBType): Column {
  const number = (v: unknown) => String(v);
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { name, type: 'boolean', encode: (v) => (v ? 'true' : 'false') };
    case DuckDBTypeId.TINYINT:
      return { name, type: 'tinyint', encode: number };
    case DuckDBTypeId.SMALLINT:
      return { name, type: 'smallint', encode: number };
    case DuckDBTypeId.INTEGER:
      return { name, type: 'integer', encode: number };
    case DuckDBTypeId.BIGINT:
      return { name, type: 'bigint', encode: number };
    // Trino has no unsigned types; its Parquet reader widens them.
    case DuckDBTypeId.UTINYINT:
      return { name, type: 'smallint', encode: number };
    case DuckDBTypeId.USMALLINT:
      return { name, type: 'integer', encode: number };
    case DuckDBTypeId.UINTEGER:
      return { name, type: 'bigint', encode: number };
    case DuckDBTypeId.FLOAT:
      return { name, type: 'real', encode: (v) => javaDouble(shortestFloat(v as number)) };
    case DuckDBTypeId.DOUBLE:
      return { name, type: 'double', encode: (v) => javaDouble(v as number) };
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = t as unknown as { width: number; scale: number };
      return {
        name,
        type: `decimal(${width},${scale})`,
        encode: (v) => JSON.stringify(decimalText(v as { value: bigint; scale: number })),
      };
    }
    case DuckDBTypeId.VARCHAR:
      return { name, type: 'varchar', encode: (v) => JSON.stringify(v) };
    case DuckDBTypeId.DATE:
      return { name, type: 'date', encode: (v) => JSON.stringify(dateText((v as { days: number }).days)) };
    case DuckDBTypeId.TIMESTAMP:
      return { name, type: 'timestamp(6)', encode: (v, p) => JSON.stringify(timestampText((v as { micros: bigint }).micros, p)) };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return {
        name,
        type: 'timestamp(6) with time zone',
        encode: (v, p) => JSON.stringify(`${timestampText((v as { micros: bigint }).micros, p)} UTC`),
      };
    default:
      throw new Error(`standin: no Trino type for DuckDB ${t.toString()} (column ${name})`);
  }
}

function signature(type: string): unknown {
  const m = /^(\w+)(?:\((\d+)(?:,(\d+))?\))?/.exec(type)!;
  const args = [m[2], m[3]].filter((a) => a !== undefined).map((a) => ({ kind: 'LONG', value: Number(a) }));
  return { rawType: type.endsWith('with time zone') ? 'timestamp with time zone' : m[1], arguments: args };
}

/** Java's Double.toString (shortest digits): `2000.0`, `0.18`, `1.0E10`, `1.0E-5`; non-finite values as Jackson quotes them. */
export function javaDouble(v: number): string {
  if (Number.isNaN(v)) return '"NaN"';
  if (!Number.isFinite(v)) return v > 0 ? '"Infinity"' : '"-Infinity"';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e7) {
    const s = String(v);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = v.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/** A float32's shortest decimal digits, as Java's Float.toString prints them (0.1f is "0.1", not the widened double's digits). */
function shortestFloat(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(v.toPrecision(p));
    if (Math.fround(candidate) === v) return candidate;
  }
  return v;
}

function decimalText(d: { value: bigint; scale: number }): string {
  if (d.scale === 0) return String(d.value);
  const neg = d.value < 0n;
  const digits = String(neg ? -d.value : d.value).padStart(d.scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -d.scale)}.${digits.slice(-d.scale)}`;
}

function dateText(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD HH:MM:SS.ffffff`; rounded half up to milliseconds (`.fff`) without PARAMETRIC_DATETIME, as Trino does. */
function timestampText(micros: bigint, parametric: boolean): string {
  if (!parametric) {
    const ms = micros >= 0n ? (micros + 500n) / 1000n : -((-micros + 499n) / 1000n);
    return new Date(Number(ms)).toISOString().replace('T', ' ').replace('Z', '');
  }
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const iso = new Date(Number(ms)).toISOString();
  const fraction = String(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n).padStart(6, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction}`;
}
