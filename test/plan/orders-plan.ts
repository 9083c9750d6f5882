import { ScanNode, type ScanField } from '../../src/plan/plan.js';

/** Test fixtures: the demo `orders` product, v2, as a scan. */
export const ORDERS_FIELDS: readonly ScanField[] = [
  { name: 'order_id', column: 'order_id', type: 'int64' },
  { name: 'customer_id', column: 'customer_id', type: 'int64' },
  { name: 'amount', column: 'amount', type: 'float64' },
  { name: 'region', column: 'region', type: 'string' },
  { name: 'status', column: 'status', type: 'string' },
  { name: 'email', column: 'email', type: 'string' },
  { name: 'order_date', column: 'order_date', type: 'date' },
  // Renamed in the contract, so printing shows `name←column`.
  { name: 'created_at', column: 'created_ts', type: 'timestamp' },
];

/** A scan of orders v2 reading every field, without filters unless given. */
export function ordersScan(overrides: Partial<Omit<ScanNode, 'kind'>> = {}): ScanNode {
  return ScanNode.create({
    product: 'orders',
    major: 2,
    version: '2.1.0',
    source: '/data/orders/*.parquet',
    fields: ORDERS_FIELDS,
    filters: [],
    ...overrides,
  });
}

/** Only the named fields of orders, in the contract's order. */
export const ordersFields = (...names: string[]): ScanField[] => ORDERS_FIELDS.filter((f) => names.includes(f.name));

/**
 * An expected printed plan written as an indented template literal: drops the
 * first and last line breaks and the indentation common to every line.
 */
export function planText(text: string): string {
  const lines = text
    .replace(/^\n/, '')
    .replace(/\n\s*$/, '')
    .split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
