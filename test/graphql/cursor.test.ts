import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, queryFingerprint, type CursorKey } from '../../src/graphql/cursor.js';
import { SluiceError } from '../../src/errors.js';

const secret = Buffer.alloc(32, 7);
const keys: CursorKey[] = [
  { field: 'amount', type: 'float64' },
  { field: 'created_at', type: 'timestamp' },
  { field: 'order_id', type: 'int64' },
];
const values = [12.5, 1709294400123456n, 42n];
const fp = queryFingerprint({ w: { region: { eq: 'EU' } }, o: ['amount'] });

describe('cursor', () => {
  it('round-trips the key values, and is deterministic', () => {
    const c = encodeCursor(secret, fp, keys, values);
    expect(encodeCursor(secret, fp, keys, values)).toBe(c);
    expect(decodeCursor(secret, c, fp, keys)).toEqual(values);
    expect(decodeCursor(secret, encodeCursor(secret, fp, keys, [null, 1n, 2n]), fp, keys)).toEqual([null, 1n, 2n]);
  });

  it('rejects a cursor from another query', () => {
    const c = encodeCursor(secret, fp, keys, values);
    const other = queryFingerprint({ w: { region: { eq: 'US' } }, o: ['amount'] });
    expect(() => decodeCursor(secret, c, other, keys)).toThrow(/different where or orderBy/);
  });

  it('rejects tampering, another key, and garbage, with BAD_USER_INPUT', () => {
    const c = encodeCursor(secret, fp, keys, values);
    const [body, sig] = c.split('.');
    const forged = Buffer.from(JSON.stringify({ q: fp, k: [0, '0', '0'] })).toString('base64url');
    for (const bad of [`${forged}.${sig}`, `${body}.${sig!.slice(1)}`, 'nonsense', '', '.', `${body}`]) {
      try {
        decodeCursor(secret, bad, fp, keys);
        throw new Error(`accepted ${bad}`);
      } catch (e) {
        expect(e).toBeInstanceOf(SluiceError);
        expect((e as SluiceError).code).toBe('BAD_USER_INPUT');
      }
    }
    expect(() => decodeCursor(Buffer.alloc(32, 8), c, fp, keys)).toThrow(/not valid here/);
  });

  it('rejects a validly signed payload whose values do not fit the key types', () => {
    const c = encodeCursor(secret, fp, keys, ['x', 1n, 2n]);
    expect(() => decodeCursor(secret, c, fp, keys)).toThrow(/not valid here/);
  });
});
