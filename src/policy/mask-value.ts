import { createHmac, createSecretKey } from 'node:crypto';
import type { FieldType } from '../contract/contract.js';
import { assertNever } from '../errors.js';
import type { FieldMask, MaskKind } from '../plan/plan.js';
import { daysFromCivil, type Nullable } from '../plan/scalar.js';

/**
 * What each mask does to a value (docs/policies.md). Every mask keeps the field's type,
 * so a masked field still filters, sorts and pages like its type; NULL stays
 * NULL except under the `null` mask, which makes every value NULL.
 *
 * | mask          | applies to          | value → masked value                              |
 * |---------------|---------------------|---------------------------------------------------|
 * | null          | nullable fields     | → NULL                                            |
 * | redact        | every type          | "***", 0, false, 1970-01-01, 1970-01-01T00:00:00Z  |
 * | hash          | string              | hex HMAC-SHA-256 under the configured key          |
 * | show_first_4  | string              | first 4 characters kept, the others → "*"          |
 * | show_last_4   | string              | last 4 characters kept, the others → "*"           |
 * | email_domain  | string              | "***@" + the part after the last "@"; else "***"   |
 * | year          | date, timestamp     | January 1 (00:00:00Z) of the value's year (UTC)    |
 * | round: N      | int32, int64, float | nearest multiple of N, halves away from zero       |
 *
 * Characters are Unicode code points, not UTF-16 units.
 */
export function maskApplies(kind: MaskKind, type: FieldType): boolean {
  switch (kind) {
    case 'null':
    case 'redact':
      return true;
    case 'hash':
    case 'show_first_4':
    case 'show_last_4':
    case 'email_domain':
      return type === 'string';
    case 'year':
      return type === 'date' || type === 'timestamp';
    case 'round':
      return type === 'int32' || type === 'int64' || type === 'float64';
    default:
      return assertNever(kind, 'mask');
  }
}

const DAY_US = 86_400_000_000n;

/** A function masking one field's values; `hashKey` is the HMAC key for `hash`. */
export function maskFunction(m: FieldMask, hashKey: Buffer | undefined): (v: Nullable) => Nullable {
  const { kind, type } = m;
  switch (kind) {
    case 'null':
      return () => null;
    case 'redact': {
      const redacted = REDACTED[type];
      return (v) => (v === null ? null : redacted);
    }
    case 'hash': {
      if (!hashKey) throw new Error('hash mask without a key');
      // One key object per mask function, not one per value (importing the key is most of a short HMAC's cost).
      const key = createSecretKey(hashKey);
      return (v) => (v === null ? null : createHmac('sha256', key).update(String(v), 'utf8').digest('hex'));
    }
    case 'show_first_4':
      return (v) => (v === null ? null : keepEnds(String(v), 4, 0));
    case 'show_last_4':
      return (v) => (v === null ? null : keepEnds(String(v), 0, 4));
    case 'email_domain':
      return (v) => {
        if (v === null) return null;
        const s = String(v);
        const at = s.lastIndexOf('@');
        return at < 0 ? '***' : `***@${s.slice(at + 1)}`;
      };
    case 'year':
      // daysFromCivil, not Date.UTC, which reads years 0–99 as 1900–1999.
      if (type === 'date') {
        return (v) => (v === null ? null : daysFromCivil(new Date(Number(v) * 86_400_000).getUTCFullYear(), 1, 1));
      }
      return (v) => {
        if (v === null) return null;
        const us = v as bigint;
        const day = us >= 0n ? us / DAY_US : (us - DAY_US + 1n) / DAY_US;
        const year = new Date(Number(day) * 86_400_000).getUTCFullYear();
        return BigInt(daysFromCivil(year, 1, 1)) * DAY_US;
      };
    case 'round': {
      const n = m.round ?? 1;
      if (type === 'int64') {
        const big = BigInt(n);
        return (v) => {
          if (v === null) return null;
          const x = v as bigint;
          const q = (x < 0n ? -x : x) + big / 2n;
          const r = (q / big) * big;
          return x < 0n ? -r : r;
        };
      }
      return (v) => {
        if (v === null) return null;
        const x = v as number;
        const r = Math.round(Math.abs(x) / n) * n;
        return x < 0 ? -r : r;
      };
    }
    default:
      return assertNever(kind, 'mask');
  }
}

const REDACTED: Record<FieldType, Nullable> = {
  string: '***',
  boolean: false,
  int32: 0,
  int64: 0n,
  float64: 0,
  date: 0,
  timestamp: 0n,
};

function keepEnds(s: string, head: number, tail: number): string {
  const chars = [...s];
  return chars.map((c, i) => (i < head || i >= chars.length - tail ? c : '*')).join('');
}

/** The engine's mask implementation for a deployment: these rules, this hash key. */
export const maskValuesWith =
  (hashKey: Buffer | undefined) =>
  (m: FieldMask): ((v: Nullable) => Nullable) =>
    maskFunction(m, hashKey);
