import { isLosslessNumber } from 'lossless-json';
import { SluiceError } from '../../errors.js';
import type { Nullable } from '../../plan/scalar.js';
import type { SqlColumn } from '../sql/lower-plan.js';

/**
 * A value of Trino's JSON result encoding (server/protocol/JsonEncodingUtils
 * in Trino) in the plan's representation, exactly:
 *
 * | Trino type                    | JSON                                    | plan            |
 * |-------------------------------|-----------------------------------------|-----------------|
 * | bigint, integer, smallint     | number, every digit (parsed losslessly) | bigint / number |
 * | decimal(p, 0) (integer sums)  | string "123"                            | bigint          |
 * | double, real                  | number, or "NaN" / "Infinity" strings   | number          |
 * | varchar, boolean              | string, true/false                      | as is           |
 * | date                          | "YYYY-MM-DD"                            | days            |
 * | timestamp(p) [with time zone] | "YYYY-MM-DD HH:MM:SS.f…f[ zone]"         | µs since epoch  |
 *
 * Timestamps keep their digits only when the client announces the
 * PARAMETRIC_DATETIME capability (client.ts does); otherwise Trino rounds
 * them to milliseconds. Digits past the microsecond are dropped
 * (floored), as the embedded engine reads nanosecond columns. A timestamp
 * without time zone is read as UTC, the session zone the client sets; one
 * with a zone must be in UTC or at a fixed offset (Iceberg's timestamptz is
 * UTC), otherwise it is refused rather than guessed.
 *
 * A value of an unexpected shape is the engine's fault: SOURCE_UNAVAILABLE,
 * naming the column, never the value.
 */
export function decodeTrinoValue(v: unknown, column: SqlColumn): Nullable {
  const decoded = decode(v, column);
  if (decoded === undefined) throw unexpected(column);
  return decoded;
}

function decode(v: unknown, column: SqlColumn): Nullable | undefined {
  switch (column.value) {
    case 'string':
      return typeof v === 'string' ? v : undefined;
    case 'boolean':
      return typeof v === 'boolean' ? v : undefined;
    case 'bigint': {
      const text = isLosslessNumber(v) ? v.value : typeof v === 'string' ? v : undefined;
      return text !== undefined && /^-?\d+$/.test(text) ? BigInt(text) : undefined;
    }
    case 'number': {
      if (isLosslessNumber(v)) {
        const n = Number(v.value);
        // An integer past 2^53 (a count) would not survive as a number.
        return /^-?\d+$/.test(v.value) && !Number.isSafeInteger(n) ? undefined : n;
      }
      if (typeof v === 'string') return NON_FINITE[v] ?? (/^-?\d+(\.\d+)?$/.test(v) ? Number(v) : undefined);
      return undefined;
    }
    case 'date':
      return typeof v === 'string' ? dateDays(v) : undefined;
    case 'timestamp':
      return typeof v === 'string' ? timestampMicros(v) : undefined;
    default:
      return undefined;
  }
}

const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

const unexpected = (column: SqlColumn) =>
  new SluiceError(
    'SOURCE_UNAVAILABLE',
    'source',
    `the trino engine returned a value of an unexpected type for ${column.name}; check that its catalog types the product's columns as the contract does`,
  );

const DATE = /^([+-]?\d{4,})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^([+-]?\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,12}))?(?: (.+))?$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (years 0–99 stay themselves, unlike Date.UTC's). */
function epochDays(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime() / 86_400_000;
}

function dateDays(text: string): number | undefined {
  const m = DATE.exec(text);
  return m ? epochDays(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

function timestampMicros(text: string): bigint | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const offsetMinutes = zoneOffsetMinutes(m[8]);
  if (offsetMinutes === undefined) return undefined;
  const days = BigInt(epochDays(Number(m[1]), Number(m[2]), Number(m[3])));
  const seconds = days * 86_400n + BigInt(Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]) - offsetMinutes * 60);
  const micros = BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  return seconds * 1_000_000n + micros;
}

/** Minutes east of UTC of a zone Trino may print, or undefined for a zone whose offset depends on the date. */
function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'UTC' || zone === 'Z' || zone === 'Etc/UTC' || zone === 'GMT' || zone === 'UCT') return 0;
  const m = /^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})$/.exec(zone);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : undefined;
}
