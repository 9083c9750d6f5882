import { readFileSync } from 'node:fs';
import { buildSchema as parseSdl, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printSdl } from '../../src/cli/print-sdl.js';
import { Catalog } from '../../src/contract/catalog.js';
import { loadContracts } from '../../src/contract/load-contracts.js';

const catalog = new Catalog(loadContracts('products'));
const sdl = printSdl(catalog, { cursorSecret: Buffer.alloc(32) });

describe('generated schema', () => {
  it('equals the committed schema/schema.graphql (run `npx sluice schema check --write` after a contract change)', () => {
    expect(sdl).toBe(readFileSync('schema/schema.graphql', 'utf8'));
  });

  it('is sorted and round-trips through the SDL parser', () => {
    expect(printSchema(parseSdl(sdl))).toBe(sdl.trimEnd());
  });

  it('holds only the operators each contract allows', () => {
    const schema = parseSdl(sdl);
    const where = schema.getType('OrdersV2Where') as import('graphql').GraphQLInputObjectType;
    const opsOf = (field: string) => {
      const t = where.getFields()[field]!.type as import('graphql').GraphQLInputObjectType;
      return Object.keys(t.getFields()).sort();
    };
    expect(opsOf('total_amount')).toEqual(['eq', 'gt', 'gte', 'lt', 'lte', 'ne']);
    expect(opsOf('email')).toEqual(['eq', 'isNull', 'ne']);
    expect(opsOf('notes')).toEqual(['contains', 'endsWith', 'isNull', 'startsWith']);
    expect(opsOf('status')).toEqual(['contains', 'endsWith', 'eq', 'gt', 'gte', 'in', 'lt', 'lte', 'ne', 'notIn', 'startsWith']);
    // fields with sort: false are not in orderBy
    const orderBy = schema.getType('OrdersV2OrderBy') as import('graphql').GraphQLInputObjectType;
    expect(Object.keys(orderBy.getFields())).not.toContain('email');
  });

  it('carries scalars, nullability, deprecations and sunsets from the contracts', () => {
    expect(sdl).toMatch(/order_id: BigInt!/);
    expect(sdl).toMatch(/order_date: Date!/);
    expect(sdl).toMatch(/created_at: DateTime!/);
    expect(sdl).toMatch(/email: String\n/);
    expect(sdl).toMatch(/is_gift: Boolean @deprecated\(reason: "always null before 2023; use the gift_wrap product instead"\)/);
    expect(sdl).toMatch(/ordersV1\([\s\S]*?\): OrdersV1Connection! @deprecated\(reason: "use ordersV2; sunset 2027-06-30"\)/s);
    expect(sdl).toMatch(/ordersV2\(/);
  });

  it('stops serving a deprecated version after its sunset, and never serves draft or retired ones', () => {
    const after = printSdl(catalog, { cursorSecret: Buffer.alloc(32) }, '2027-07-01');
    expect(after).not.toMatch(/ordersV1/);
    expect(after).toMatch(/ordersV2/);
  });
});
