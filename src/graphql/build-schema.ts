import SchemaBuilder from '@pothos/core';
import type { GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import type { Catalog } from '../contract/catalog.js';
import {
  isNumeric,
  isOrdered,
  OPERATOR_GROUPS,
  operatorGroupsFor,
  rootFieldName,
  typeName,
  versionKey,
  type Contract,
  type ContractField,
  type OperatorGroup,
  type Relationship,
} from '../contract/contract.js';
import type { Row } from '../plan/scalar.js';
import type { AggregateArgs } from './compile-aggregate.js';
import type { ConnectionArgs, ConnectionResult, PageInfo } from './compile-connection.js';
import { EMPTY_PAGE_INFO } from './compile-connection.js';
import type { ByKeyArgs } from './compile-by-key.js';
import { resolveByKey } from './resolve-by-key.js';
import type { GatewayContext, SchemaOptions, SchemaView, VersionView } from './context.js';
import { resolveAggregate, type AggregateGroup } from './resolve-aggregate.js';
import { resolveConnection } from './resolve-connection.js';
import { resolveMany, resolveOne, type ManyArgs } from './resolve-relationship.js';
import { BigIntScalar, DateScalar, DateTimeScalar, GRAPHQL_SCALAR } from './scalars.js';

/**
 * Generates the GraphQL schema from the served contracts (docs/graphql.md) with
 * Pothos. Per product version `orders` v2:
 *
 *   ordersV2(where: OrdersV2Where, orderBy: [OrdersV2OrderBy!], first: Int,
 *            after: String, offset: Int): OrdersV2Connection!
 *
 *   ordersV2Aggregate(where: OrdersV2Where, groupBy: [OrdersV2GroupField!]): [OrdersV2Group!]!
 *
 *   ordersV2ByKey(order_id: BigInt!): OrdersV2            -- one argument per primary-key field
 *
 * Connections are Relay connections (docs/frontend-apps.md) that keep `nodes`:
 * `nodes`, `edges { cursor node }`, `pageInfo { hasNextPage hasPreviousPage
 * startCursor endCursor }` and `totalCount`, paged forward with first / after
 * (or offset) or backward with last / before.
 *
 * `where` inputs hold only the operators each field's contract allows; filter
 * input types are shared between fields with the same scalar and operator
 * groups (`StringFilter`, `BigIntEqInFilter`, …). Relationships add a field
 * to the source's object type: `kind: one` a nullable object, `kind: many` a
 * connection of the target with its own where, orderBy, first / after and
 * last / before.
 *
 * With a `view` (caller-schema.ts) the schema is one caller's: only the
 * versions, fields, operators, sort keys, relationships, lookups and
 * aggregates that session may use, and its page limits in the descriptions.
 * A field left out is absent, so asking for it is the validation error of a
 * field that does not exist (docs/frontend-apps.md).
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

/** The types generated for one product version, for relationships pointing at it. */
interface ProductTypes {
  readonly objectRef: AnyRef;
  readonly whereRef: AnyRef;
  readonly orderByRef: AnyRef;
  readonly connectionRef: AnyRef;
}

export function buildSchema(catalog: Catalog, options: SchemaOptions, view?: SchemaView): GraphQLSchema {
  // What of a version the schema shows: everything, or what the view grants.
  const viewOf = (c: Contract): VersionView | undefined => view?.versions.get(versionKey(c.product, c.major));
  const fieldsOf = (c: Contract): readonly ContractField[] => {
    const v = viewOf(c);
    return v ? c.fields.filter((f) => v.fields.has(f.name)) : c.fields;
  };
  const pageLimitsOf = (c: Contract) => {
    const max = Math.min(c.limits.maxPageSize, viewOf(c)?.maxPageSize ?? Infinity);
    return { defaultPageSize: Math.min(c.limits.defaultPageSize, max), maxPageSize: max };
  };

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

  const pageInfo = builder.objectRef<PageInfo>('PageInfo').implement({
    description: 'Where a page starts and ends, and whether rows come before or after it (Relay cursor connections).',
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage', {
        nullable: false,
        description: 'Whether rows follow this page (paging backward: whether any row sorts at or after `before`).',
      }),
      hasPreviousPage: t.exposeBoolean('hasPreviousPage', {
        nullable: false,
        description:
          'Whether rows precede this page (paging forward: whether any row sorts at or before `after`, or `offset` skipped any).',
      }),
      startCursor: t.exposeString('startCursor', {
        nullable: true,
        description: 'The cursor of the first row: pass as `before` (with `last`) for the page before; null on an empty page.',
      }),
      endCursor: t.exposeString('endCursor', {
        nullable: true,
        description: 'The cursor of the last row: pass as `after` (with `first`) for the page after; null on an empty page.',
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

  const served = catalog.served(options.today).filter((c) => !view || viewOf(c) !== undefined);
  // Types by product version, filled as the loop goes; object fields are
  // built lazily (at toSchema), so a relationship may point at any version.
  const types = new Map<string, ProductTypes>();
  /** The asOf input type, made with the first Iceberg-backed version. */
  let snapshotSelector: AnyRef;
  const targetOf = (r: Relationship) => {
    const target = catalog.get(r.product, r.major);
    return target && types.has(versionKey(target.product, target.major)) ? target : undefined;
  };

  for (const contract of served) {
    const name = typeName(contract.product, contract.major);
    const objectRef = builder.objectRef<Row>(name);
    const whereRef: AnyRef = builder.inputRef<Record<string, unknown>>(`${name}Where`);
    const fields = fieldsOf(contract);
    const limits = pageLimitsOf(contract);
    const filterable = fields.filter((f) => f.filter.length > 0);
    whereRef.implement({
      description: `Conditions on ${name} rows. Fields and operators in one object are ANDed; nulls match no operator but isNull.`,
      fields: (t: AnyRef) => ({
        ...Object.fromEntries(filterable.map((f) => [f.name, t.field({ type: filterTypeFor(f), required: false })])),
        AND: t.field({ type: [whereRef], required: false, description: 'All of these hold.' }),
        OR: t.field({ type: [whereRef], required: false, description: 'At least one of these holds.' }),
        NOT: t.field({
          type: whereRef,
          required: false,
          description: 'This does not hold (SQL: rows whose compared field is null never match).',
        }),
      }),
    });

    const sortable = fields.filter((f) => f.sort);
    // An input type needs a field: without a sort key the session may use, no orderBy.
    const orderByRef =
      sortable.length === 0
        ? undefined
        : builder.inputType(`${name}OrderBy`, {
            description: `One sort key per entry, e.g. { ${sortable[0]?.name ?? 'field'}: DESC }; the primary key (${contract.primaryKey.join(', ')}) is always the final tie-breaker.`,
            fields: (t) => Object.fromEntries(sortable.map((f) => [f.name, t.field({ type: sortDirection, required: false })])),
          });

    const edgeRef = builder.objectRef<{ readonly node: Row; readonly connection: ConnectionResult }>(`${name}Edge`).implement({
      description: `One ${name} row and its cursor (Relay cursor connections).`,
      fields: (t) => ({
        cursor: t.string({
          nullable: false,
          description: 'Pass as `after` (with `first`) for the rows after this one, or as `before` (with `last`) for the rows before it.',
          resolve: (e) => e.connection.cursorOf!(e.node),
        }),
        node: t.field({ type: objectRef, nullable: false, resolve: (e) => e.node }),
      }),
    });

    const connectionRef = builder.objectRef<ConnectionResult>(`${name}Connection`).implement({
      description: `A page of ${name} rows.`,
      fields: (t) => ({
        nodes: t.field({ type: [objectRef], nullable: false, resolve: (c) => c.nodes ?? [] }),
        edges: t.field({
          type: [edgeRef],
          nullable: false,
          description: 'The same rows as `nodes`, each with its cursor.',
          resolve: (c) => (c.nodes ?? []).map((node) => ({ node, connection: c })),
        }),
        pageInfo: t.field({ type: pageInfo, nullable: false, resolve: (c) => c.pageInfo ?? EMPTY_PAGE_INFO }),
        totalCount: t.int({
          nullable: false,
          description: 'Rows matching `where`, across all pages (computed only when selected).',
          resolve: (c) => c.totalCount ?? 0,
        }),
      }),
    });
    types.set(versionKey(contract.product, contract.major), { objectRef, whereRef, orderByRef, connectionRef });

    objectRef.implement({
      description: describeContract(contract),
      fields: (t) => ({
        ...Object.fromEntries(
          fields.map((f) => [
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
        ...relationshipFields(t, contract),
      }),
    });

    builder.queryField(rootFieldName(contract.product, contract.major), (t) =>
      t.field({
        type: connectionRef,
        nullable: false,
        description: contract.description ?? `${contract.product} v${contract.major}`,
        ...(contract.status === 'deprecated' && { deprecationReason: deprecation(contract) }),
        args: {
          where: t.arg({ type: whereRef, required: false }),
          ...(orderByRef && { orderBy: t.arg({ type: [orderByRef], required: false }) }),
          first: t.arg.int({
            required: false,
            description: `Page size, paging forward; default ${limits.defaultPageSize}, at most ${limits.maxPageSize}.`,
          }),
          after: t.arg.string({ required: false, description: 'A cursor (the endCursor of the previous page): the rows after it.' }),
          offset: t.arg.int({ required: false, description: 'Rows to skip, paging forward (not with after).' }),
          last: t.arg.int({
            required: false,
            description: `Page size, paging backward: the last rows (before \`before\`); default ${limits.defaultPageSize}, at most ${limits.maxPageSize}. Not with first, after or offset.`,
          }),
          before: t.arg.string({
            required: false,
            description: 'A cursor (the startCursor of the next page): the rows before it. Not with first, after or offset.',
          }),
          ...asOfArg(t, contract),
        },
        resolve: (_root, args, ctx, info) => resolveConnection(contract, args as ConnectionArgs, ctx, info, options, targetOf),
      }),
    );

    if (viewOf(contract)?.byKey ?? true) addByKey(contract, objectRef, fields);
    if (viewOf(contract)?.aggregate ?? true) addAggregate(contract, whereRef, fields);
  }

  /**
   * `<product>V<major>ByKey(<primary-key fields>)`: the row with that key, or
   * null when there is none or none this session may see (docs/frontend-apps.md).
   */
  function addByKey(contract: Contract, objectRef: AnyRef, fields: readonly ContractField[]): void {
    const name = typeName(contract.product, contract.major);
    const keyFields = contract.primaryKey.map((k) => fields.find((f) => f.name === k));
    if (keyFields.some((f) => f === undefined)) return;
    builder.queryField(`${rootFieldName(contract.product, contract.major)}ByKey`, (t) =>
      t.field({
        type: objectRef,
        nullable: true,
        description: `The ${name} row whose primary key (${contract.primaryKey.join(', ')}) is given; null when there is none, or none this session may see.`,
        ...(contract.status === 'deprecated' && { deprecationReason: deprecation(contract) }),
        args: {
          ...Object.fromEntries(
            keyFields.map((f) => [f!.name, t.arg({ type: GRAPHQL_SCALAR[f!.type] as any, required: true, description: f!.description })]),
          ),
          ...asOfArg(t, contract),
        },
        resolve: (_root, args, ctx, info) => resolveByKey(contract, args as ByKeyArgs, ctx, info, targetOf) as any,
      }),
    );
  }

  /** The fields a contract's relationships add to its object type (targets not served are left out). */
  function relationshipFields(t: AnyRef, contract: Contract): Record<string, AnyRef> {
    const out: Record<string, AnyRef> = {};
    for (const r of contract.relationships) {
      const target = targetOf(r);
      if (!target) continue;
      // A join on a key the session may not read on either side is refused at run time: not in its schema.
      const sourceFields = new Set(fieldsOf(contract).map((f) => f.name));
      const targetFields = new Set(fieldsOf(target).map((f) => f.name));
      if (!Object.entries(r.on).every(([from, to]) => sourceFields.has(from) && targetFields.has(to))) continue;
      const to = types.get(versionKey(target.product, target.major))!;
      const limits = pageLimitsOf(target);
      const on = Object.entries(r.on)
        .map(([from, field]) => (from === field ? from : `${from} = ${field}`))
        .join(', ');
      const deprecated = target.status === 'deprecated' ? { deprecationReason: deprecation(target) } : {};
      if (r.kind === 'one') {
        out[r.name] = t.field({
          type: to.objectRef,
          nullable: true,
          description: `The ${typeName(target.product, target.major)} row with the same ${on}; null when there is none, or none this session may see.`,
          ...deprecated,
          resolve: (row: Row, _args: unknown, ctx: GatewayContext, info: GraphQLResolveInfo) =>
            resolveOne(contract, r, target, row, ctx, info),
        });
      } else {
        out[r.name] = t.field({
          type: to.connectionRef,
          nullable: true,
          description: `The ${typeName(target.product, target.major)} rows with the same ${on}, as this session may see them; null (with an error) only when the relationship cannot be served to this session.`,
          ...deprecated,
          args: {
            where: t.arg({ type: to.whereRef, required: false }),
            ...(to.orderByRef && { orderBy: t.arg({ type: [to.orderByRef], required: false }) }),
            first: t.arg.int({
              required: false,
              description: `Page size per parent, paging forward; default ${limits.defaultPageSize}, at most ${limits.maxPageSize}.`,
            }),
            after: t.arg.string({ required: false, description: "A cursor of this parent's rows: the rows after it." }),
            last: t.arg.int({
              required: false,
              description: `Page size per parent, paging backward; default ${limits.defaultPageSize}, at most ${limits.maxPageSize}. Not with first or after.`,
            }),
            before: t.arg.string({
              required: false,
              description: "A cursor of this parent's rows: the rows before it. Not with first or after.",
            }),
          },
          resolve: (row: Row, args: ManyArgs, ctx: GatewayContext, info: GraphQLResolveInfo) =>
            resolveMany(contract, r, target, row, args, ctx, info, options),
        });
      }
    }
    return out;
  }

  /**
   * `<product>V<major>Aggregate(where:, groupBy:)` and its types (docs/graphql.md):
   * `<Type>GroupField` (field names verbatim), `<Type>Group` with `key`,
   * `count` and the `sum`/`avg` (numeric fields) and `min`/`max` (ordered
   * fields) objects. Sums of integers are BigInt, averages Float, min and
   * max keep the field's type; every aggregate ignores nulls and is null
   * over no non-null value.
   */
  function addAggregate(contract: Contract, whereRef: AnyRef, fields: readonly ContractField[]): void {
    const name = typeName(contract.product, contract.major);
    const groupField = builder.enumType(`${name}GroupField`, {
      description: `A field of ${name} to group by.`,
      values: Object.fromEntries(
        fields.map((f) => [
          f.name,
          {
            value: f.name,
            ...(f.description !== undefined && { description: f.description }),
            ...(f.deprecated !== undefined && { deprecationReason: f.deprecated }),
          },
        ]),
      ) as any,
    });
    const keyRef = builder.objectRef<Row>(`${name}GroupKey`).implement({
      description: `The values a group of ${name} rows shares; a field not in groupBy is null.`,
      fields: (t) =>
        Object.fromEntries(
          fields.map((f) => [
            f.name,
            t.field({
              type: GRAPHQL_SCALAR[f.type] as any,
              nullable: true,
              ...(f.deprecated !== undefined && { deprecationReason: f.deprecated }),
              resolve: (row: Row) => row[f.name] as any,
            }),
          ]),
        ),
    });
    const numeric = fields.filter((f) => isNumeric(f.type));
    const ordered = fields.filter((f) => isOrdered(f.type));
    const aggregateObject = (suffix: string, fields: readonly ContractField[], type: (f: ContractField) => string, description: string) =>
      fields.length === 0
        ? undefined
        : builder.objectRef<Row>(`${name}${suffix}`).implement({
            description,
            fields: (t) =>
              Object.fromEntries(
                fields.map((f) => [f.name, t.field({ type: type(f) as any, nullable: true, resolve: (row: Row) => row[f.name] as any })]),
              ),
          });
    const sumRef = aggregateObject(
      'Sum',
      numeric,
      (f) => (f.type === 'float64' ? 'Float' : 'BigInt'),
      `Sums per field over a group's non-null values (integers: exact, as BigInt); null when there is none.`,
    );
    const avgRef = aggregateObject(
      'Avg',
      numeric,
      () => 'Float',
      `Averages per field over a group's non-null values; null when there is none.`,
    );
    const minRef = aggregateObject(
      'Min',
      ordered,
      (f) => GRAPHQL_SCALAR[f.type],
      `Smallest non-null value per field in a group (strings by code point); null when there is none.`,
    );
    const maxRef = aggregateObject(
      'Max',
      ordered,
      (f) => GRAPHQL_SCALAR[f.type],
      `Largest non-null value per field in a group (strings by code point); null when there is none.`,
    );

    const groupRef = builder.objectRef<AggregateGroup>(`${name}Group`).implement({
      description: `One group of ${name} rows, as this session may see them (row filters applied, masked fields by their masked values).`,
      fields: (t) => ({
        key: t.field({
          type: keyRef,
          nullable: true,
          description: 'The grouped fields; null without groupBy (one group of every row).',
          resolve: (g) => g.key,
        }),
        count: t.int({ nullable: false, description: 'Rows in the group.', resolve: (g) => g.count }),
        ...(sumRef && {
          sum: t.field({ type: sumRef, nullable: false, description: 'Sums of the numeric fields.', resolve: (g) => g.sum }),
        }),
        ...(avgRef && {
          avg: t.field({ type: avgRef, nullable: false, description: 'Averages of the numeric fields.', resolve: (g) => g.avg }),
        }),
        ...(minRef && {
          min: t.field({ type: minRef, nullable: false, description: 'Minima of the ordered fields.', resolve: (g) => g.min }),
        }),
        ...(maxRef && {
          max: t.field({ type: maxRef, nullable: false, description: 'Maxima of the ordered fields.', resolve: (g) => g.max }),
        }),
      }),
    });

    builder.queryField(`${rootFieldName(contract.product, contract.major)}Aggregate`, (t) =>
      t.field({
        type: [groupRef],
        nullable: { list: false, items: false },
        description: `Counts, sums, averages, minima and maxima of ${name} rows matching where, per group of the groupBy fields, groups ordered by their key (nulls last). Needs a policy allowing aggregation; at most ${contract.limits.maxGroups} groups (more is a RESOURCE_LIMIT error).`,
        ...(contract.status === 'deprecated' && { deprecationReason: deprecation(contract) }),
        args: {
          where: t.arg({ type: whereRef, required: false }),
          groupBy: t.arg({
            type: [groupField],
            required: { list: false, items: true },
            description: 'Fields to group by; without it, one group of every row.',
          }),
          ...asOfArg(t, contract),
        },
        resolve: (_root, args, ctx, info) => resolveAggregate(contract, args as AggregateArgs, ctx, info),
      }),
    );
  }

  /**
   * `asOf: SnapshotSelector` on the root fields of an Iceberg-backed version
   * (docs/iceberg.md); the input type exists only in schemas that use it.
   */
  function asOfArg(t: AnyRef, contract: Contract): Record<string, AnyRef> {
    if (contract.source.format !== 'iceberg') return {};
    snapshotSelector ??= builder.inputType('SnapshotSelector', {
      description:
        'Which snapshot of an Apache Iceberg table to read: exactly one of snapshotId, timestamp (the snapshot current at that time) or ref (a branch or tag).',
      fields: (f) => ({
        snapshotId: f.field({ type: 'BigInt', required: false, description: 'A snapshot id, as lineage reports it.' }),
        timestamp: f.field({
          type: 'DateTime',
          required: false,
          description: 'The last snapshot committed at or before this time.',
        }),
        ref: f.string({ required: false, description: 'A branch or tag of the table.' }),
      }),
    });
    return {
      asOf: t.arg({
        type: snapshotSelector,
        required: false,
        description: 'Read this snapshot of the table instead of the current one. A cursor reads the snapshot of the page it came from.',
      }),
    };
  }

  /** Deprecated version: its sunset, and its replacement when the schema shows it. */
  function deprecation(c: Contract): string {
    const next = catalog.latest(c.product, options.today);
    const shown = next && next.major !== c.major && (!view || viewOf(next) !== undefined);
    return `${shown ? `use ${rootFieldName(next.product, next.major)}; ` : ''}sunset ${c.sunset}`;
  }

  builder.queryType({ description: 'Data products, one root field per served major version.' });
  if (served.length === 0) {
    builder.queryField('_empty', (t) =>
      t.boolean({
        nullable: true,
        description: view ? 'No product is available to this session.' : 'No product is served.',
        resolve: () => null,
      }),
    );
  }
  return builder.toSchema({ sortSchema: true });
}

function describeContract(c: Contract): string {
  return [c.description, `Product ${c.product} ${c.version}, owned by ${c.owner}.`].filter(Boolean).join('\n\n');
}
