import { randomUUID } from 'node:crypto';
import type { RedisState } from './redis.js';

/**
 * Change notices between replicas (docs/configuration.md): when one replica reloads its
 * contracts, policies and config — say, because a version was retired — it
 * tells the others, which reload too. A notice says what happened and
 * where; it never carries the files themselves: every replica reads its own
 * (the same ones, from the same image or volume), so a notice cannot change
 * what a replica serves beyond what its own files say.
 *
 * Listeners get the notices of other replicas, never their own, each once,
 * in the order published. Delivery is at most once per notice, best effort:
 * a replica that was cut off when a notice went out catches up on the latest
 * one when it reconnects (the Redis implementation), and reloading is
 * idempotent, so a late or repeated notice is harmless.
 */
export interface Notice {
  /** Unique per notice. */
  readonly id: string;
  readonly kind: 'reload';
  /** The replica that published it. */
  readonly origin: string;
  readonly at: string;
  /** What the origin's reload changed, for logs and audits (e.g. `retired: ["orders v1"]`). */
  readonly summary: Readonly<Record<string, unknown>>;
  /** The origin's deployment fingerprint after its reload: a replica whose own differs is reading other files. */
  readonly fingerprint: string;
}

export type NoticeListener = (notice: Notice) => void;

export interface Notices {
  /** This replica's id, the `origin` of what it publishes. */
  readonly replica: string;
  /** Resolves once the notice is handed to the transport; rejects when it cannot be (Redis down). */
  publish(notice: Omit<Notice, 'id' | 'origin' | 'at'>): Promise<Notice>;
  /** Returns a function that stops the listener. */
  subscribe(listener: NoticeListener): () => void;
  close(): Promise<void>;
}

export function newReplicaId(): string {
  return `${process.pid}-${randomUUID().slice(0, 8)}`;
}

const stamp = (n: Omit<Notice, 'id' | 'origin' | 'at'>, origin: string): Notice => ({
  ...n,
  id: randomUUID(),
  origin,
  at: new Date().toISOString(),
});

/**
 * Notices within one process: a bus that replicas in this process (one, in
 * production; several in tests) join with `join(replicaId)`.
 */
export function inProcessNoticeBus(): { join(replica?: string): Notices } {
  const members = new Set<{ replica: string; listeners: Set<NoticeListener> }>();
  return {
    join(replica = newReplicaId()) {
      const member = { replica, listeners: new Set<NoticeListener>() };
      members.add(member);
      return {
        replica,
        publish(n) {
          const notice = stamp(n, replica);
          // Delivered after publish resolves, as over a network.
          queueMicrotask(() => {
            for (const m of members) if (m !== member) for (const l of m.listeners) l(notice);
          });
          return Promise.resolve(notice);
        },
        subscribe(listener) {
          member.listeners.add(listener);
          return () => member.listeners.delete(listener);
        },
        close() {
          members.delete(member);
          return Promise.resolve();
        },
      };
    },
  };
}

/**
 * Notices over Redis publish/subscribe on `<prefix>notices`. Each notice is
 * also kept as `<prefix>notices:last` (for a week), read when the
 * subscription is made again after a reconnection: a notice published while
 * this replica was cut off is delivered then. The latest one present at
 * start-up is not delivered: a replica that starts reads the files as they
 * are.
 */
export function redisNotices(redis: RedisState, replica = newReplicaId()): Notices {
  const channel = `${redis.keyPrefix}notices`;
  const lastKey = `${redis.keyPrefix}notices:last`;
  const listeners = new Set<NoticeListener>();
  const seen = new Set<string>();
  let connectedOnce = false;
  let subscriber: ReturnType<RedisState['subscriber']> | undefined;

  const deliver = (text: string | null, catchingUp: boolean) => {
    if (text === null) return;
    let notice: Notice;
    try {
      notice = JSON.parse(text) as Notice;
    } catch {
      return;
    }
    if (typeof notice?.id !== 'string' || notice.origin === replica || seen.has(notice.id)) return;
    remember(notice.id);
    if (catchingUp && !connectedOnce) return; // the latest at start-up: already in the files read
    for (const l of listeners) l(notice);
  };
  const remember = (id: string) => {
    seen.add(id);
    if (seen.size > 100) seen.delete(seen.values().next().value!);
  };

  const start = () => {
    if (subscriber) return;
    subscriber = redis.subscriber();
    subscriber.on('message', (from: string, text: string) => {
      if (from === channel) deliver(text, false);
    });
    // 'ready' comes on the first connection and after every reconnection,
    // once ioredis has subscribed again: read what may have been missed.
    // The command connection may come back a moment after this one: a few tries.
    const catchUp = async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          return deliver(await redis.client.get(lastKey), true);
        } catch {
          await new Promise((wait) => setTimeout(wait, 300));
        }
      }
    };
    subscriber.on('ready', () => void catchUp().finally(() => (connectedOnce = true)));
    subscriber.subscribe(channel).catch(() => undefined);
  };

  return {
    replica,
    async publish(n) {
      const notice = stamp(n, replica);
      remember(notice.id);
      const text = JSON.stringify(notice);
      await redis.client
        .multi()
        .set(lastKey, text, 'EX', 7 * 86_400)
        .publish(channel, text)
        .exec();
      return notice;
    },
    subscribe(listener) {
      start();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      await subscriber?.unsubscribe(channel).catch(() => undefined);
    },
  };
}
