import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fault-injecting HTTP proxy for S3 tests: sits on loopback in front of
 * s3rver and, per request, forwards it or does something worse. Rules are
 * tried in order; the first that matches (and has uses left) applies.
 * Every request is logged, so tests can count attempts per object and range.
 */
export interface ProxiedRequest {
  readonly method: string;
  /** The object key (path-style, without the bucket), or '' for a bucket request. */
  readonly key: string;
  readonly bucket: string;
  /** `list` for ListObjectsV2, else `head`, `get` or `put`. */
  readonly kind: 'list' | 'head' | 'get' | 'put' | 'other';
  readonly range: string | undefined;
  /** From the SigV4 Authorization header: which credentials signed it (the id, never the secret). */
  readonly accessKeyId: string | undefined;
  /** The X-Amz-Security-Token sent (temporary credentials' session token). */
  readonly sessionToken: string | undefined;
  readonly at: number;
}

export type Fault =
  /** Wait, then forward. */
  | { readonly kind: 'latency'; readonly ms: number }
  /** Answer with an S3 error document. */
  | { readonly kind: 'status'; readonly status: number; readonly code: string }
  /** Destroy the connection before answering (the client sees a reset). */
  | { readonly kind: 'reset' }
  /** Forward, but close the connection after `bytes` bytes of the body. */
  | { readonly kind: 'truncate'; readonly bytes: number }
  /** Forward the headers and `bytes` bytes of the body, then send nothing more. */
  | { readonly kind: 'stall'; readonly bytes: number }
  /** Run `before` (say, replace the object), then forward. */
  | { readonly kind: 'before'; readonly run: () => Promise<void> };

export interface Rule {
  readonly match: (r: ProxiedRequest) => boolean;
  readonly fault: Fault;
  /** How many requests it applies to; default: all. */
  readonly times?: number;
}

interface ActiveRule extends Rule {
  hits: number;
}

export interface FaultProxyOptions {
  /**
   * Access key ids to pass upstream as another: s3rver knows one account
   * (S3RVER) and checks only the key id, not the signature, so requests
   * signed with a test profile's credentials can still reach it.
   */
  readonly accessKeyAliases?: Readonly<Record<string, string>>;
}

export class FaultProxy {
  readonly log: ProxiedRequest[] = [];
  private rules: ActiveRule[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Connections whose answers were stalled, and whether the client has since closed them. */
  readonly stalled: { closed: boolean }[] = [];
  private port = 0;

  private constructor(
    private readonly upstream: URL,
    private readonly options: FaultProxyOptions,
  ) {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(upstream: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
    const proxy = new FaultProxy(new URL(upstream), options);
    await new Promise<void>((ok) => proxy.server.listen(0, '127.0.0.1', ok));
    proxy.port = (proxy.server.address() as AddressInfo).port;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Connections open from clients right now (idle kept-alive ones included). */
  get openConnections(): number {
    return this.sockets.size;
  }

  add(rule: Rule): void {
    this.rules.push({ ...rule, hits: 0 });
  }

  /** Drops the rules and the log. */
  reset(): void {
    this.rules = [];
    this.log.length = 0;
  }

  count(pred: (r: ProxiedRequest) => boolean): number {
    return this.log.filter(pred).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const method = req.method ?? 'GET';
    const kind =
      method === 'GET' && key === '' && url.searchParams.get('list-type') === '2'
        ? 'list'
        : method === 'HEAD'
          ? 'head'
          : method === 'GET'
            ? 'get'
            : method === 'PUT'
              ? 'put'
              : 'other';
    const accessKeyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
    const sessionToken = req.headers['x-amz-security-token'] as string | undefined;
    const r: ProxiedRequest = { method, key, bucket, kind, range: req.headers.range, accessKeyId, sessionToken, at: Date.now() };
    this.log.push(r);
    const rule = this.rules.find((x) => x.match(r) && (x.times === undefined || x.hits < x.times));
    if (rule) rule.hits++;
    const fault = rule?.fault;
    switch (fault?.kind) {
      case undefined:
        return this.forward(req, res);
      case 'latency':
        await new Promise((ok) => setTimeout(ok, fault.ms));
        return this.forward(req, res);
      case 'before':
        await fault.run();
        return this.forward(req, res);
      case 'status': {
        req.resume();
        const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>injected</Message><RequestId>fault-proxy</RequestId></Error>`;
        res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
        res.end(method === 'HEAD' ? undefined : body);
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'truncate':
      case 'stall':
        return this.forward(req, res, fault);
    }
  }

  private forward(req: IncomingMessage, res: ServerResponse, fault?: { kind: 'truncate' | 'stall'; bytes: number }): void {
    const headers = { ...req.headers };
    const id = /Credential=([^/]+)\//.exec(headers.authorization ?? '')?.[1];
    const alias = id === undefined ? undefined : this.options.accessKeyAliases?.[id];
    if (alias !== undefined) headers.authorization = headers.authorization!.replace(`Credential=${id}/`, `Credential=${alias}/`);
    const upstream = httpRequest(
      { host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (fault === undefined) {
          up.pipe(res);
          return;
        }
        let sent = 0;
        let done = false;
        up.on('data', (chunk: Buffer) => {
          if (done) return;
          const room = fault.bytes - sent;
          if (chunk.length < room) {
            res.write(chunk);
            sent += chunk.length;
            return;
          }
          if (room > 0) res.write(chunk.subarray(0, room));
          done = true;
          up.destroy();
          if (fault.kind === 'truncate') {
            // Let the bytes out, then cut the connection short of Content-Length.
            res.socket?.end(() => res.socket?.destroy());
          } else {
            const entry = { closed: false };
            this.stalled.push(entry);
            res.socket?.once('close', () => (entry.closed = true));
          }
        });
        up.on('end', () => {
          if (!done) res.end();
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}

export const isGetOf = (key: string) => (r: ProxiedRequest) => r.kind === 'get' && r.key === key;
export const isListOf = (bucket: string) => (r: ProxiedRequest) => r.kind === 'list' && r.bucket === bucket;
