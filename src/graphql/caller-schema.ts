import { createHash } from 'node:crypto';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isObjectType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import type { Catalog } from '../contract/catalog.js';
import type { EffectivePolicy } from '../policy/effective-policy.js';
import { buildSchema } from './build-schema.js';
import type { SchemaOptions, SchemaView, VersionView } from './context.js';

/**
 * Each caller sees its own schema (docs/frontend-apps.md): the product versions its
 * session may read, their granted fields only (masked fields included: they
 * are read, filtered and sorted by their masked values, docs/policies.md), the filter
 * operators and sort keys of those fields, relationships whose keys it may
 * read on both sides, the lookup by key when the whole primary key is
 * granted and unmasked, and the aggregate root field only where every
 * matching policy allows aggregation. Validation, execution and
 * introspection all use it, so a field the caller may not read fails
 * validation exactly as a field that does not exist.
 *
 * A schema is decided by the session's combined policies alone, not by who
 * the caller is: the view below holds everything buildSchema reads, and
 * callers whose policies combine to the same view share one schema, built
 * once. Row filters and masks change answers, not the schema, so they are
 * not part of it.
 */
export function schemaViewOf(access: ReadonlyMap<string, EffectivePolicy>): SchemaView {
  const versions = new Map<string, VersionView>();
  for (const [key, e] of access) {
    const masked = new Set(e.masks.map((m) => m.field));
    versions.set(key, {
      fields: e.fields,
      aggregate: e.aggregate,
      byKey: e.contract.primaryKey.every((f) => e.fields.has(f) && !masked.has(f)),
      ...(e.maxPageSize !== undefined && { maxPageSize: e.maxPageSize }),
    });
  }
  return { versions };
}

/** A digest of everything a view decides: the cache key of its schema. Equal views, equal keys. */
export function schemaViewKey(view: SchemaView): string {
  const canonical = [...view.versions]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, v]) => [key, [...v.fields].sort(), v.aggregate, v.byKey, v.maxPageSize ?? null]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

/**
 * The schemas of the callers of one gateway (one catalog, one set of schema
 * options), built on first use and kept by view key. At most `capacity` are
 * kept; past it the least recently used is dropped (and rebuilt if it is
 * needed again), so memory stays bounded however many distinct combinations
 * of policies callers bring.
 */
export class CallerSchemas {
  private readonly schemas = new Map<string, GraphQLSchema>();
  /** Schemas built so far, rebuilt ones included (for the bench and tests). */
  built = 0;

  constructor(
    private readonly catalog: Catalog,
    private readonly options: SchemaOptions,
    private readonly capacity = 64,
  ) {}

  /** The schema of a session with this access (its `access` map, or resolveAccess's `granted`). */
  schemaFor(access: ReadonlyMap<string, EffectivePolicy>): GraphQLSchema {
    const view = schemaViewOf(access);
    const key = schemaViewKey(view);
    let schema = this.schemas.get(key);
    if (schema) {
      // Most recently used last: Map keeps insertion order.
      this.schemas.delete(key);
    } else {
      schema = buildSchema(this.catalog, this.options, view);
      this.built++;
      if (this.schemas.size >= this.capacity) this.schemas.delete(this.schemas.keys().next().value!);
    }
    this.schemas.set(key, schema);
    return schema;
  }

  /** Schemas held now. */
  get size(): number {
    return this.schemas.size;
  }
}

/**
 * What a document asks for that `caller` (a caller's schema) does not show
 * but `full` (every served field) has, as schema coordinates
 * (`OrdersV2.email`, `Query.ordersV1`, `OrdersV2Where.email`,
 * `OrdersV2GroupField.email`): for the audit trail, which tells operators
 * what a refused request reached for. The caller is told no more than that
 * the field does not exist.
 */
export function hiddenCoordinates(full: GraphQLSchema, caller: GraphQLSchema, document: DocumentNode): string[] {
  const out = new Set<string>();
  const typeInfo = new TypeInfo(full);
  const shown = (type: string, field: string) => {
    const t = caller.getType(type);
    if (isObjectType(t) || isInputObjectType(t)) return t.getFields()[field] !== undefined;
    if (isEnumType(t)) return t.getValue(field) !== undefined;
    return false;
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      // What lies under a hidden field is hidden with it: only the field is named.
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent || !typeInfo.getFieldDef() || node.name.value.startsWith('__') || shown(parent.name, node.name.value)) return;
        out.add(`${parent.name}.${node.name.value}`);
        return false;
      },
      ObjectField(node) {
        const parent = typeInfo.getParentInputType();
        if (!isInputObjectType(parent) || !parent.getFields()[node.name.value] || shown(parent.name, node.name.value)) return;
        out.add(`${parent.name}.${node.name.value}`);
        return false;
      },
      EnumValue(node) {
        const type = getNamedType(typeInfo.getInputType());
        if (isEnumType(type) && type.getValue(node.value) && !shown(type.name, node.value)) out.add(`${type.name}.${node.value}`);
      },
    }),
  );
  return [...out];
}
