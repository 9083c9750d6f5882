import {
  getNamedType,
  getNullableType,
  getOperationAST,
  isInputObjectType,
  isListType,
  Kind,
  TypeInfo,
  typeFromAST,
  visit,
  visitWithTypeInfo,
  type GraphQLError,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badUserInput } from './use-query-limits.js';

/**
 * Bounds what a `where` may hold before anything reads it, in the document
 * and in variables alike (docs/errors.md: BAD_USER_INPUT, naming the limit):
 *
 * - `maxWhereDepth`: levels of AND / OR / NOT. graphql-js coerces variables
 *   recursively: a `where: $w` nested 1,000 deep overflowed the stack
 *   (INTERNAL_SERVER_ERROR), and the walks after it (compiling, printing,
 *   planning) recurse too.
 * - `maxWhereConditions`: field operators in one `where`; the planner and
 *   the engine do work for each.
 * - `maxInListLength`: values in one `in` / `notIn` list.
 *
 * The token limit and armor's depth see only the document: a 330 KiB
 * variable held two lists of 20,000 values. So this runs at execution, where
 * variable values are known, before graphql-js coerces them (envelop calls
 * onExecute before execute), and walks values with an explicit stack, never
 * by recursion. It follows the types: a value is only descended into where
 * its shape fits its type, as graphql-js's coercion does, so the walk goes
 * exactly where coercion would, and a `where` deeper than the limit is
 * refused after maxWhereDepth + 1 levels whatever its depth.
 *
 * A `where` type is an input object that nests itself through `AND`, `OR`
 * and `NOT` (build-schema.ts); its other fields hold operator objects whose
 * entries are the conditions. Relationship batches build their key lists
 * internally, so those are not bounded here (nor by anything a caller sends).
 */
export interface WhereLimitsPluginOptions {
  readonly maxWhereDepth: number;
  readonly maxWhereConditions: number;
  readonly maxInListLength: number;
}

export function useWhereLimits(options: WhereLimitsPluginOptions): Plugin {
  // An operation without variables is judged by its document and schema alone: once per document (yoga's
  // parse cache hands the same DocumentNode for the same text), per schema (callers are served their own).
  const judged = new WeakMap<object, WeakMap<GraphQLSchema, Map<string, GraphQLError | undefined>>>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const check = () =>
        checkWhereLimits(args.schema, args.document, (args.variableValues ?? {}) as Record<string, unknown>, args.operationName, options);
      const operation = getOperationAST(args.document, args.operationName);
      let error: GraphQLError | undefined;
      if (operation == null || (operation.variableDefinitions?.length ?? 0) > 0) error = check();
      else {
        let bySchema = judged.get(args.document);
        if (bySchema === undefined) judged.set(args.document, (bySchema = new WeakMap()));
        let byName = bySchema.get(args.schema);
        if (byName === undefined) bySchema.set(args.schema, (byName = new Map()));
        const name = args.operationName ?? '';
        if (byName.has(name)) error = byName.get(name);
        else byName.set(name, (error = check()));
      }
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

/** The first limit the operation's `where` values pass, as the error to answer with; undefined when all fit. */
export function checkWhereLimits(
  schema: GraphQLSchema,
  document: Parameters<typeof getOperationAST>[0],
  variables: Readonly<Record<string, unknown>>,
  operationName: string | null | undefined,
  limits: WhereLimitsPluginOptions,
): GraphQLError | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const walker = new WhereWalker(limits, variables);
  // Every variable the operation declares is coerced by graphql-js, used or not.
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type);
    if (type === undefined) continue;
    const name = definition.variable.name.value;
    const error =
      name in variables
        ? walker.walk({ raw: variables[name] }, type as GraphQLInputType, `Variable $${name}`)
        : definition.defaultValue && walker.walk({ node: definition.defaultValue }, type as GraphQLInputType, `Variable $${name}`);
    if (error) return error;
  }
  // Arguments where they are written, variables included where they are used.
  const typeInfo = new TypeInfo(schema);
  let error: GraphQLError | undefined;
  // Arguments are visited right after their field is entered, before its selections.
  let field = '';
  const definitions = [operation, ...document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)];
  for (const definition of definitions) {
    visit(
      definition,
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          field = (node.alias ?? node.name).value;
        },
        Argument(node) {
          const argument = typeInfo.getArgument();
          if (argument && !error) error = walker.walk({ node: node.value }, argument.type, `The ${node.name.value} of ${field}`);
          // The walker reads the value itself.
          return false;
        },
      }),
    );
    if (error) return error;
  }
  return undefined;
}

/** A value as written in the document, or as sent in the variables (JSON). */
type Value = { readonly node: ValueNode } | { readonly raw: unknown };

interface Visit {
  readonly value: Value;
  readonly type: GraphQLInputType;
  /** Levels of `where` around this value (0: outside any). */
  readonly depth: number;
  /** The `where` this value belongs to, counting its conditions; undefined outside any. */
  readonly where: { conditions: number } | undefined;
}

class WhereWalker {
  private readonly whereTypes = new Map<GraphQLInputObjectType, boolean>();

  constructor(
    private readonly limits: WhereLimitsPluginOptions,
    private readonly variables: Readonly<Record<string, unknown>>,
  ) {}

  /** Walks one value of `type`; `what` names it in messages ("The where of ordersV2", "Variable $w"). */
  walk(value: Value, type: GraphQLInputType, what: string): GraphQLError | undefined {
    const stack: Visit[] = [{ value, type, depth: 0, where: undefined }];
    for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
      const resolved = this.resolve(v.value);
      if (resolved === undefined) continue;
      const type = getNullableType(v.type);
      if (isListType(type)) {
        // A single value where a list is expected is coerced as a list of one.
        const items = listItems(resolved);
        for (const item of items ?? [resolved]) stack.push({ ...v, value: item, type: type.ofType });
        continue;
      }
      if (!isInputObjectType(type)) continue;
      const entries = objectEntries(resolved);
      if (entries === undefined) continue;
      if (!this.isWhere(type)) {
        for (const [name, field] of entries) {
          const def = type.getFields()[name];
          if (def) stack.push({ ...v, value: field, type: def.type });
        }
        continue;
      }
      const depth = v.depth + 1;
      if (depth > this.limits.maxWhereDepth) {
        return badUserInput(
          `${what} nests AND, OR and NOT more than ${this.limits.maxWhereDepth} levels deep, the limit (server.limits.maxWhereDepth): ` +
            'flatten it (fields side by side in one object are ANDed; in: [...] lists values).',
          { limit: 'maxWhereDepth', value: this.limits.maxWhereDepth },
        );
      }
      const where = v.where ?? { conditions: 0 };
      for (const [name, field] of entries) {
        const def = type.getFields()[name];
        if (!def) continue;
        if (name === 'AND' || name === 'OR' || name === 'NOT') {
          stack.push({ value: field, type: def.type, depth, where });
          continue;
        }
        const error = this.countConditions(field, def.type, where, what);
        if (error) return error;
      }
    }
    return undefined;
  }

  /** One field's operator object (`{ eq: …, in: […] }`): each operator given is a condition; lists are measured. */
  private countConditions(value: Value, type: GraphQLInputType, where: { conditions: number }, what: string): GraphQLError | undefined {
    const operators = getNullableType(type);
    const resolved = this.resolve(value);
    if (resolved === undefined || !isInputObjectType(operators)) return undefined;
    for (const [name, operand] of objectEntries(resolved) ?? []) {
      const def = operators.getFields()[name];
      const given = this.resolve(operand);
      if (!def || given === undefined || isNullValue(given)) continue;
      if (++where.conditions > this.limits.maxWhereConditions) {
        return badUserInput(
          `${what} holds more than ${this.limits.maxWhereConditions} conditions, the limit (server.limits.maxWhereConditions): ` +
            'combine values of one field into one in: [...] list, or split the request.',
          { limit: 'maxWhereConditions', value: this.limits.maxWhereConditions },
        );
      }
      if (!isListType(getNullableType(def.type))) continue;
      const length = listItems(given)?.length ?? 1;
      if (length > this.limits.maxInListLength) {
        return badUserInput(
          `The ${name} list in ${lowerFirst(what)} holds ${length} values, more than the limit of ${this.limits.maxInListLength} (server.limits.maxInListLength): ` +
            'split it over several requests, or filter on a range instead.',
          { limit: 'maxInListLength', value: this.limits.maxInListLength },
        );
      }
    }
    return undefined;
  }

  /** A variable in the document stands for its value; an absent variable is no value. */
  private resolve(value: Value): Value | undefined {
    if (!('node' in value) || value.node.kind !== Kind.VARIABLE) return value;
    const name = value.node.name.value;
    return name in this.variables ? { raw: this.variables[name] } : undefined;
  }

  /** An input object type that nests itself through AND, OR or NOT. */
  private isWhere(type: GraphQLInputObjectType): boolean {
    let known = this.whereTypes.get(type);
    if (known === undefined) {
      const fields = type.getFields();
      known = ['AND', 'OR', 'NOT'].some((f) => fields[f] !== undefined && getNamedType(fields[f].type) === type);
      this.whereTypes.set(type, known);
    }
    return known;
  }
}

function listItems(value: Value): Value[] | undefined {
  if ('node' in value) return value.node.kind === Kind.LIST ? value.node.values.map((node) => ({ node })) : undefined;
  return Array.isArray(value.raw) ? value.raw.map((raw: unknown) => ({ raw })) : undefined;
}

function objectEntries(value: Value): [string, Value][] | undefined {
  if ('node' in value) return value.node.kind === Kind.OBJECT ? value.node.fields.map((f) => [f.name.value, { node: f.value }]) : undefined;
  const raw = value.raw;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  return Object.entries(raw).map(([k, v]) => [k, { raw: v }]);
}

const isNullValue = (value: Value): boolean =>
  'node' in value ? value.node.kind === Kind.NULL : value.raw === null || value.raw === undefined;

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
