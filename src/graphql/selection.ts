import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  getDirectiveValues,
  Kind,
  type FieldNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';

/**
 * What a request selects under a field, by field name (aliases merged),
 * honouring fragments, inline fragments, @skip and @include. This is how the
 * plan reads only the columns a query asks for.
 */
export interface Selection {
  /** Sub-selections by field name. */
  readonly fields: ReadonlyMap<string, Selection>;
  /** The field nodes (with arguments) selected under each name. */
  readonly nodes: ReadonlyMap<string, readonly FieldNode[]>;
}

export function selectionOf(info: GraphQLResolveInfo): Selection {
  return collect(
    info,
    info.fieldNodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : [])),
  );
}

function collect(info: GraphQLResolveInfo, sets: readonly SelectionSetNode[]): Selection {
  const byName = new Map<string, FieldNode[]>();
  const visit = (set: SelectionSetNode, seenFragments: Set<string>) => {
    for (const s of set.selections) {
      if (!included(info, s)) continue;
      switch (s.kind) {
        case Kind.FIELD: {
          const list = byName.get(s.name.value) ?? [];
          list.push(s);
          byName.set(s.name.value, list);
          break;
        }
        case Kind.INLINE_FRAGMENT:
          visit(s.selectionSet, seenFragments);
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = s.name.value;
          const fragment = info.fragments[name];
          if (fragment && !seenFragments.has(name)) visit(fragment.selectionSet, new Set([...seenFragments, name]));
          break;
        }
      }
    }
  };
  for (const set of sets) visit(set, new Set());
  const fields = new Map<string, Selection>();
  for (const [name, nodes] of byName) {
    fields.set(
      name,
      collect(
        info,
        nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : [])),
      ),
    );
  }
  return { fields, nodes: byName };
}

function included(info: GraphQLResolveInfo, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  const skip = getDirectiveValues(GraphQLSkipDirective, node, info.variableValues);
  if (skip?.['if'] === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues);
  return include?.['if'] !== false;
}

/** Several selections of one object as one (fields merged by name, recursively); undefined for none. */
export function mergeSelections(parts: readonly Selection[]): Selection | undefined {
  if (parts.length <= 1) return parts[0];
  const subs = new Map<string, Selection[]>();
  const nodes = new Map<string, FieldNode[]>();
  for (const p of parts) {
    for (const [name, sub] of p.fields) subs.set(name, [...(subs.get(name) ?? []), sub]);
    for (const [name, list] of p.nodes) nodes.set(name, [...(nodes.get(name) ?? []), ...list]);
  }
  return { fields: new Map([...subs].map(([name, list]) => [name, mergeSelections(list)!])), nodes };
}

/**
 * What a connection selects of its rows: `nodes { … }` and `edges { node { … } }`
 * together (one page serves both); undefined when neither is selected.
 */
export function connectionRows(connection: Selection | undefined): Selection | undefined {
  const node = connection?.fields.get('edges')?.fields.get('node');
  return mergeSelections([connection?.fields.get('nodes'), node].filter((s): s is Selection => s !== undefined));
}
