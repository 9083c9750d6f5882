import SchemaBuilder from '@pothos/core';
import type { GraphQLSchema } from 'graphql';
import type { Catalog } from '../contract/catalog.js';
import {
  OPERATOR_GROUPS,
  operatorGroupsFor,
  rootFieldName,
  typeName,
  type Contract,
  type ContractField,
  type OperatorGroup,
} from '../contract/contract.js';
import type { Row } from '../plan/scalar.js';
import type { ConnectionArgs } from './compile-connection.js';
import type { GatewayContext, SchemaOptions } from './context.js';
import { resolveConnection, type ConnectionResult } from './resolve-connection.js';
import { BigIntScalar, DateScalar, DateTimeScalar, GRAPHQL_SCALAR } from './scalars.js';

/**
 * Generates the GraphQL schema from the served contracts (SPEC §2) with
 * Pothos. Per product version `orders` v2:
 *
 *   ordersV2(where: OrdersV2Where, orderBy: [OrdersV2OrderBy!], first: Int,
 *            after: String, offset: Int): OrdersV2Connection!
 *
 * `where` inputs hold only the operators each field's contract allows; filter
 * input types are shared between fields with the same scalar and operator
 * groups (`StringFilter`, `BigIntEqInFilter`, …).
 */
type Types = {
  Context: GatewayContext;
  Scalars: {
    BigInt: { Input: bigint; Output: bigint };
    Date: { Input: number; Output: number };
    DateTime: { Input: bigint; Output: bigint };
  };
};

// Pothos types fields statically; these are generated from data, so the
// builder is used through loosely typed references below.
/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyRef = any;

const OPERATORS: Record<OperatorGroup, readonly { name: string; list?: boolean; type?: 'String' | 'Boolean'; doc: string }[]> = {
  eq: [
    { name: 'eq', doc: 'Equal to.' },
    { name: 'ne', doc: 'Not equal to (rows where the field is null do not match).' },
  ],
  in: [
    { name: 'in', list: true, doc: 'One of the values.' },
    { name: 'notIn', list: true, doc: 'None of the values (rows where the field is null do not match).' },
  ],
  range: [
    { name: 'lt', doc: 'Less than.' },
    { name: 'lte', doc: 'Less than or equal to.' },
    { name: 'gt', doc: 'Greater than.' },
    { name: 'gte', doc: 'Greater than or equal to.' },
  ],
  text: [
    { name: 'contains', type: 'String', doc: 'Contains the text (case-sensitive).' },
    { name: 'startsWith', type: 'String', doc: 'Starts with the text (case-sensitive).' },
    { name: 'endsWith', type: 'String', doc: 'Ends with the text (case-sensitive).' },
  ],
  null: [{ name: 'isNull', type: 'Boolean', doc: 'true: the field is null; false: it is not.' }],
};

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

export function buildSchema(catalog: Catalog, options: SchemaOptions): GraphQLSchema {
  const builder = new SchemaBuilder<Types>({});
  for (const s of [BigIntScalar, DateScalar, DateTimeScalar]) {
    builder.scalarType(s.name as 'BigInt', {
      description: s.description,
      serialize: s.serialize as any,
      parseValue: s.parseValue as any,
      parseLiteral: s.parseLiteral as any,
    });
  }

  const sortDirection = builder.enumType('SortDirection', {
    description: 'Sort order; nulls sort last in both directions.',
    values: { ASC: { value: 'ASC' }, DESC: { value: 'DESC' } } as const,
  });

  const pageInfo = builder.objectRef<NonNullable<ConnectionResult['pageInfo']>>('PageInfo').implement({
    description: 'Where a page ends and whether another follows.',
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage', { nullable: false, description: 'Whether rows follow this page.' }),
      endCursor: t.exposeString('endCursor', {
        nullable: true,
        description: 'Pass as `after` to get the next page of the same query; null on an empty page.',
      }),
    }),
  });

  const filterTypes = new Map<string, AnyRef>();
  const filterTypeFor = (field: ContractField): AnyRef => {
    const scalar = GRAPHQL_SCALAR[field.type];
    const full = operatorGroupsFor(field.type);
    const groups = OPERATOR_GROUPS.filter((g) => field.filter.includes(g));
    const name = groups.length === full.length ? `${scalar}Filter` : `${scalar}${groups.map(cap).join('')}Filter`;
    let ref = filterTypes.get(name);
    if (!ref) {
      ref = builder.inputType(name, {
        description: `Conditions on a ${scalar} field (${groups.join(', ')}); several are ANDed.`,
        fields: (t) =>
          Object.fromEntries(
            groups.flatMap((g) =>
              OPERATORS[g].map((op) => {
                const type = op.type ?? scalar;
                return [op.name, t.field({ type: (op.list ? [type] : type) as any, required: false, description: op.doc })];
              }),
            ),
          ),
      });
      filterTypes.set(name, ref);
    }
    return ref;
  };

  const served = catalog.served(options.today);
  for (const contract of served) {
    const name = typeName(contract.product, contract.major);
    const objectRef = builder.objectRef<Row>(name).implement({
      description: describeContract(contract),
      fields: (t) =>
        Object.fromEntries(
          contract.fields.map((f) => [
            f.name,
            t.field({
              type: GRAPHQL_SCALAR[f.type] as any,
              nullable: f.nullable,
              ...(f.description !== undefined && { description: f.description }),
              ...(f.deprecated !== undefined && { deprecationReason: f.deprecated }),
              resolve: (row: Row) => row[f.name] as any,
            }),
          ]),
        ),
    });

    const filterable = contract.fields.filter((f) => f.filter.length > 0);
    const whereRef: AnyRef = builder.inputRef<Record<string, unknown>>(`${name}Where`);
    whereRef.implement({
      description: `Conditions on ${name} rows. Fields and operators in one object are ANDed; nulls match no operator but isNull.`,
      fields: (t: AnyRef) => ({
        ...Object.fromEntries(filterable.map((f) => [f.name, t.field({ type: filterTypeFor(f), required: false })])),
        AND: t.field({ type: [whereRef], required: false, description: 'All of these hold.' }),
        OR: t.field({ type: [whereRef], required: false, description: 'At least one of these holds.' }),
        NOT: t.field({ type: whereRef, required: false, description: 'This does not hold (SQL: rows whose compared field is null never match).' }),
      }),
    });

    const sortable = contract.fields.filter((f) => f.sort);
    const orderByRef = builder.inputType(`${name}OrderBy`, {
      description: `One sort key per entry, e.g. { ${sortable[0]?.name ?? 'field'}: DESC }; the primary key (${contract.primaryKey.join(', ')}) is always the final tie-breaker.`,
      fields: (t) => Object.fromEntries(sortable.map((f) => [f.name, t.field({ type: sortDirection, required: false })])),
    });

    const connectionRef = builder.objectRef<ConnectionResult>(`${name}Connection`).implement({
      description: `A page of ${name} rows.`,
      fields: (t) => ({
        nodes: t.field({ type: [objectRef], nullable: false, resolve: (c) => c.nodes ?? [] }),
        pageInfo: t.field({ type: pageInfo, nullable: false, resolve: (c) => c.pageInfo ?? { hasNextPage: false, endCursor: null } }),
        totalCount: t.int({
          nullable: false,
          description: 'Rows matching `where`, across all pages (computed only when selected).',
          resolve: (c) => c.totalCount ?? 0,
        }),
      }),
    });

    builder.queryField(rootFieldName(contract.product, contract.major), (t) =>
      t.field({
        type: connectionRef,
        nullable: false,
        description: contract.description ?? `${contract.product} v${contract.major}`,
        ...(contract.status === 'deprecated' && { deprecationReason: deprecation(catalog, contract, options.today) }),
        args: {
          where: t.arg({ type: whereRef, required: false }),
          orderBy: t.arg({ type: [orderByRef], required: false }),
          first: t.arg.int({ required: false, description: `Page size; default ${contract.limits.defaultPageSize}, at most ${contract.limits.maxPageSize}.` }),
          after: t.arg.string({ required: false, description: 'The endCursor of the previous page.' }),
          offset: t.arg.int({ required: false, description: 'Rows to skip (not with after).' }),
        },
        resolve: (_root, args, ctx, info) => resolveConnection(contract, args as ConnectionArgs, ctx, info, options),
      }),
    );
  }

  builder.queryType({ description: 'Data products, one root field per served major version.' });
  if (served.length === 0) {
    builder.queryField('_empty', (t) => t.boolean({ nullable: true, description: 'No product is served.', resolve: () => null }));
  }
  return builder.toSchema({ sortSchema: true });
}

function describeContract(c: Contract): string {
  return [c.description, `Product ${c.product} ${c.version}, owned by ${c.owner}.`].filter(Boolean).join('\n\n');
}

function deprecation(catalog: Catalog, c: Contract, today?: string): string {
  const next = catalog.latest(c.product, today);
  const replacement = next && next.major !== c.major ? `use ${rootFieldName(next.product, next.major)}; ` : '';
  return `${replacement}sunset ${c.sunset}`;
}

