import type { OpenLineageSink } from './openlineage.js';

/**
 * OpenLineage's HTTP transport: each RunEvent is POSTed as JSON to
 * `{url}/api/v1/lineage` (Marquez, or any OpenLineage consumer), with
 * `Authorization: Bearer <key>` when a key is configured.
 *
 * Lineage must never cost a caller its answer, so `write` only queues: one
 * event is in flight at a time, in the order written, each bounded by
 * `timeoutMs`. The queue holds at most `maxQueue` events; past that, new
 * events are dropped (a consumer that is down must not grow the process's
 * memory) and the drop is logged. Failures — refused connections, timeouts,
 * non-2xx answers — are logged with the endpoint and status, never the key,
 * and the event is not retried. `close` lets the queue drain for at most
 * `drainTimeoutMs` (graceful shutdown), then gives up on the rest.
 */
export interface HttpOpenLineageOptions {
  /** The consumer's base URL, e.g. http://marquez:5000 (no credentials in it). */
  readonly url: string;
  /** Sent as a bearer token; from the environment, never from the config file. */
  readonly apiKey?: string;
  readonly timeoutMs: number;
  readonly maxQueue: number;
  readonly drainTimeoutMs: number;
  /** Where delivery problems go (the server's logger). */
  readonly log: (fields: Record<string, unknown>, message: string) => void;
}

export function httpOpenLineageSink(o: HttpOpenLineageOptions): OpenLineageSink {
  const endpoint = `${o.url.replace(/\/+$/, '')}/api/v1/lineage`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(o.apiKey !== undefined && { authorization: `Bearer ${o.apiKey}` }),
  };
  const queue: string[] = [];
  let sending: Promise<void> | undefined;
  let dropped = 0;
  let closed = false;

  const send = async (body: string): Promise<void> => {
    try {
      const res = await fetch(endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(o.timeoutMs) });
      // The body is not needed; reading it frees the connection.
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) o.log({ endpoint, status: res.status }, 'openlineage event not accepted');
    } catch (e) {
      const reason = e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${o.timeoutMs} ms` : causeOf(e);
      o.log({ endpoint, reason }, 'openlineage event not delivered');
    }
  };

  const pump = async (): Promise<void> => {
    for (let body = queue.shift(); body !== undefined; body = queue.shift()) await send(body);
    sending = undefined;
  };

  return {
    write(event) {
      if (closed) return;
      if (queue.length >= o.maxQueue) {
        // Logged once per run of drops, with the count when the queue has room again.
        if (dropped++ === 0) o.log({ endpoint, maxQueue: o.maxQueue }, 'openlineage queue full; dropping events');
        return;
      }
      if (dropped > 0) {
        o.log({ endpoint, dropped }, 'openlineage events dropped');
        dropped = 0;
      }
      queue.push(JSON.stringify(event));
      sending ??= pump();
    },
    async close() {
      closed = true;
      if (sending === undefined) return;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), o.drainTimeoutMs)));
      const outcome = await Promise.race([sending.then(() => 'drained' as const), deadline]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        o.log({ endpoint, undelivered: queue.length + 1 }, 'openlineage events undelivered at shutdown');
        queue.length = 0;
      }
    },
  };
}

/** A fetch failure's reason (undici puts ECONNREFUSED and the like in `cause`); never a header. */
function causeOf(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return e instanceof Error ? e.message : 'unknown error';
}
