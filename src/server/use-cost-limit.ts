import {
  getNamedType,
  getOperationAST,
  GraphQLInt,
  isInterfaceType,
  isObjectType,
  Kind,
  valueFromAST,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { tooComplex } from './use-query-limits.js';

/**
 * Refuses operations that would ask for more rows than `maxCost`, before any
 * plan is made (docs/errors.md: QUERY_TOO_COMPLEX). Depth and alias limits alone let
 * `customersV1(first: 500) { nodes { orders(first: 500) { … } } }` through:
 * 250,000 rows from a document of forty tokens. So a field with a `first`
 * argument (a page, at the root or through a relationship) costs its page
 * size — `first` (or `last`), from a literal or a variable, or the product's default page
 * size — times (1 + the cost of one of its rows); any other object field
 * costs 1 + the cost of its selection; leaves cost nothing. Nested pages
 * multiply, aliases add up, fragments count where they are spread.
 *
 * An `offset` adds the rows it skips: they are sorted and held like the rows
 * returned (a top-K of offset + first + 1 rows), though nothing is resolved
 * under them. Fifteen aliases asking for `offset: 2147483000` each held every
 * row of a 1M-row product fifteen times over; counted, they are refused here
 * (and each offset is also capped by server.limits.maxOffset).
 *
 * Runs at execution, where variable values are known.
 */
export interface CostLimitPluginOptions {
  readonly maxCost: number;
  /** Page size of a field whose `first` is not given, by the field's (connection) type name. */
  readonly defaultPageSize: ReadonlyMap<string, number>;
}

export function useCostLimit(options: CostLimitPluginOptions): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const d of args.document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
      const root = args.schema.getRootType(operation.operation);
      if (!root) return;
      const cost = costOf(operation.selectionSet, root, {
        schema: args.schema,
        fragments,
        variables: (args.variableValues ?? {}) as Record<string, unknown>,
        defaults: options.defaultPageSize,
        spreading: new Set(),
      });
      if (cost > options.maxCost) {
        setResultAndStopExecution({
          errors: [
            tooComplex(
              `The query asks for about ${Math.round(cost)} rows and nested rows, more than the limit of ${options.maxCost}: ` +
                'ask for smaller pages (first), fewer nested pages, or page with after: endCursor instead of offset.',
            ),
          ],
        });
      }
    },
  };
}

interface Walk {
  readonly schema: GraphQLSchema;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly variables: Record<string, unknown>;
  readonly defaults: ReadonlyMap<string, number>;
  /** Fragments being expanded (validation refuses cycles; this keeps the walk finite regardless). */
  readonly spreading: Set<string>;
}

export function costOf(selectionSet: SelectionSetNode, parent: GraphQLNamedType, w: Walk): number {
  if (!isObjectType(parent) && !isInterfaceType(parent)) return 0;
  const fields = parent.getFields();
  let cost = 0;
  for (const s of selectionSet.selections) {
    if (s.kind === Kind.FIELD) {
      const def = fields[s.name.value];
      if (!def || !s.selectionSet) continue;
      const type = getNamedType(def.type);
      const inner = 1 + costOf(s.selectionSet, type, w);
      if (!def.args.some((a) => a.name === 'first')) {
        cost += inner;
        continue;
      }
      const skipped = def.args.some((a) => a.name === 'offset') ? (intArgument(s, 'offset', w) ?? 0) : 0;
      // `last` pages backward: as many rows as `first` (they do not go together).
      const size = intArgument(s, 'first', w) ?? intArgument(s, 'last', w);
      cost += (size ?? w.defaults.get(type.name) ?? 1) * inner + skipped;
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      const type = s.typeCondition ? w.schema.getType(s.typeCondition.name.value) : parent;
      if (type) cost += costOf(s.selectionSet, type, w);
    } else {
      const name = s.name.value;
      const fragment = w.fragments.get(name);
      if (!fragment || w.spreading.has(name)) continue;
      const type = w.schema.getType(fragment.typeCondition.name.value);
      if (!type) continue;
      w.spreading.add(name);
      cost += costOf(fragment.selectionSet, type, w);
      w.spreading.delete(name);
    }
  }
  return cost;
}

function intArgument(field: FieldNode, name: string, w: Walk): number | undefined {
  const given = field.arguments?.find((a) => a.name.value === name);
  const value = given ? valueFromAST(given.value, GraphQLInt, w.variables) : undefined;
  return typeof value === 'number' ? Math.max(0, value) : undefined;
}
