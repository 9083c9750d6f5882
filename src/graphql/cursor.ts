import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { FieldType } from '../contract/contract.js';
import { userError } from '../errors.js';
import type { Nullable } from '../plan/scalar.js';

/**
 * Keyset cursors (docs/graphql.md, docs/frontend-apps.md). A cursor holds the sort-key values of one row
 * of a page (every edge has one; `startCursor` and `endCursor` are those of
 * the first and last) and a fingerprint of the query that made it (product
 * version, `where`, `orderBy`), signed with HMAC-SHA-256. The same cursor
 * serves as `after` (rows following it) and as `before` (rows preceding it).
 *
 * - Deterministic: no time, no randomness, no replica identity inside, so the
 *   same query over the same data yields the same cursor on every replica that
 *   shares the signing key (derived from config; see `cursorKey`).
 * - Tamper-evident: a changed byte fails the signature; a cursor used with a
 *   different `where` or `orderBy` fails the fingerprint.
 * - It holds only values of the page's own rows, as the caller sees them.
 *   Its payload is readable (base64url JSON): opaque by contract, not secret.
 */
export interface CursorKey {
  readonly field: string;
  readonly type: FieldType;
}

interface Payload {
  /** Fingerprint of product version + where + orderBy. */
  readonly q: string;
  /** Sort-key values, encoded per type. */
  readonly k: readonly (string | number | boolean | null)[];
  /** An Iceberg source: the snapshot the page was read from (docs/iceberg.md), which the next page reads too. */
  readonly s?: string;
}

const SIG_BYTES = 16;

export function queryFingerprint(parts: unknown): string {
  const json = JSON.stringify(parts, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  let fingerprint = fingerprints.get(json);
  if (fingerprint === undefined) {
    fingerprint = createHash('sha256').update(json).digest('base64url').slice(0, 22);
    fingerprints.set(json, fingerprint);
  }
  return fingerprint;
}

/** Fingerprints of recent queries: a client pages through the same query many times (bounded by count and length). */
const fingerprints = new LRUCache<string, string>({ max: 4096, maxSize: 8 * 1024 * 1024, sizeCalculation: (_v, json) => json.length + 40 });

export function encodeCursor(
  secret: Buffer,
  fingerprint: string,
  keys: readonly CursorKey[],
  values: readonly Nullable[],
  snapshotId?: string,
): string {
  const payload: Payload = {
    q: fingerprint,
    k: values.map((v) => (typeof v === 'bigint' ? v.toString() : v)),
    ...(snapshotId !== undefined && { s: snapshotId }),
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${sign(secret, body)}`;
}

/** `argument`: which argument the cursor came in, as messages name it (a page's cursors serve as `after` and `before` alike). */
export function decodeCursor(
  secret: Buffer,
  cursor: string,
  fingerprint: string,
  keys: readonly CursorKey[],
  argument: 'after' | 'before' = 'after',
): Nullable[] {
  const invalid = () =>
    userError(`${argument}: this cursor is not valid here; use a cursor of a previous page of the same query (same where and orderBy)`);
  const dot = cursor.indexOf('.');
  if (dot <= 0 || cursor.length > 4096) throw invalid();
  const body = cursor.slice(0, dot);
  const given = Buffer.from(cursor.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(secret, body), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let payload: Payload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
  } catch {
    throw invalid();
  }
  if (payload.q !== fingerprint) {
    throw userError(
      `${argument}: this cursor was issued for a different where or orderBy; start again without ${argument}, or send the same where and orderBy`,
    );
  }
  if (!Array.isArray(payload.k) || payload.k.length !== keys.length) throw invalid();
  return keys.map((key, i) => {
    const v = payload.k[i];
    if (v === null || v === undefined) return null;
    switch (key.type) {
      case 'int64':
      case 'timestamp':
        if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
        break;
      case 'string':
        if (typeof v === 'string') return v;
        break;
      case 'boolean':
        if (typeof v === 'boolean') return v;
        break;
      case 'int32':
      case 'date':
      case 'float64':
        if (typeof v === 'number') return v;
        break;
    }
    throw invalid();
  });
}

/**
 * The snapshot a validly signed cursor pins (undefined: none, or a cursor
 * that is not valid, which `decodeCursor` then refuses with its reason).
 */
export function cursorSnapshot(secret: Buffer, cursor: string): string | undefined {
  const dot = cursor.indexOf('.');
  if (dot <= 0 || cursor.length > 4096) return undefined;
  const body = cursor.slice(0, dot);
  const given = Buffer.from(cursor.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(secret, body), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const s = (JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload).s;
    return typeof s === 'string' && /^-?\d{1,20}$/.test(s) ? s : undefined;
  } catch {
    return undefined;
  }
}

/** The secret as a key object, imported once per secret rather than once per cursor. */
const keys = new WeakMap<Buffer, KeyObject>();
function sign(secret: Buffer, body: string): string {
  let key = keys.get(secret);
  if (key === undefined) keys.set(secret, (key = createSecretKey(secret)));
  return createHmac('sha256', key).update(body).digest().subarray(0, SIG_BYTES).toString('base64url');
}
