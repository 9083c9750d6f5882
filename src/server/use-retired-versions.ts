import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Catalog } from '../contract/catalog.js';
import { rootFieldName, versionKey, type Contract } from '../contract/contract.js';

/**
 * A version that is no longer served (docs/contracts.md: `retired`, or `deprecated`
 * past its sunset date) has no root field, so graphql-js would answer a
 * request for it with `Cannot query field "ordersV1" on type "Query"`. This
 * plugin answers instead with what the caller needs to know: when it was
 * retired and which version replaces it,
 *
 *   orders v1 was retired on 2027-06-30; use ordersV2
 *
 * as a GRAPHQL_VALIDATION_FAILED error. It looks at the operation's root
 * fields (through fragments) before validation runs, and only for names
 * that belong to a retired version; everything else is validated as usual.
 * Drafts were never served and are not announced.
 */
export interface RetiredVersionsPluginOptions {
  readonly catalog: Catalog;
  /** Today (YYYY-MM-DD), as the schema was built for. */
  readonly today?: string;
}

export interface RetiredVersion {
  readonly contract: Contract;
  /** Root field names the version had. */
  readonly rootFields: readonly string[];
  /** The newest served major of the same product, if any. */
  readonly replacement?: Contract;
  /** `orders v1 was retired on 2027-06-30; use ordersV2`. */
  readonly message: string;
}

/** Versions that were served once and are not today, by their root field names. */
export function retiredVersions(catalog: Catalog, today?: string): ReadonlyMap<string, RetiredVersion> {
  const servedContracts = catalog.served(today);
  const served = new Set(servedContracts.map((c) => versionKey(c.product, c.major)));
  // The replacement: the newest active major, else the newest still served.
  const replacementOf = (product: string) =>
    servedContracts
      .filter((c) => c.product === product)
      .sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active') || b.major - a.major)[0];
  const byField = new Map<string, RetiredVersion>();
  for (const c of catalog.contracts) {
    if (c.status === 'draft' || served.has(versionKey(c.product, c.major))) continue;
    const replacement = replacementOf(c.product);
    const root = rootFieldName(c.product, c.major);
    const when = c.sunset !== undefined ? ` on ${c.sunset}` : '';
    const instead = replacement
      ? `use ${rootFieldName(replacement.product, replacement.major)}`
      : `no version of ${c.product} is served any more`;
    const retired: RetiredVersion = Object.freeze({
      contract: c,
      rootFields: [root, `${root}Aggregate`, `${root}ByKey`],
      ...(replacement !== undefined && { replacement }),
      message: `${c.product} v${c.major} was retired${when}; ${instead}`,
    });
    for (const name of retired.rootFields) byField.set(name, retired);
  }
  return byField;
}

/**
 * The errors for the retired root fields a document's operations ask for.
 * `shown`: whether the caller's schema has a root field (docs/frontend-apps.md: each
 * caller sees its own schema); a replacement it does not show is not named.
 */
export function retiredFieldErrors(
  document: DocumentNode,
  retired: ReadonlyMap<string, RetiredVersion>,
  shown: (rootField: string) => boolean = () => true,
): GraphQLError[] {
  if (retired.size === 0) return [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const errors: GraphQLError[] = [];
  const visited = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        const found = retired.get(s.name.value);
        const r = found?.replacement && !shown(rootFieldName(found.replacement.product, found.replacement.major)) ? hidden(found) : found;
        if (r) {
          errors.push(
            new GraphQLError(r.message, {
              nodes: [s],
              extensions: {
                code: 'GRAPHQL_VALIDATION_FAILED',
                retired: {
                  product: r.contract.product,
                  major: r.contract.major,
                  ...(r.contract.sunset !== undefined && { sunset: r.contract.sunset }),
                  ...(r.replacement !== undefined && { replacement: rootFieldName(r.replacement.product, r.replacement.major) }),
                },
              },
            }),
          );
        }
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        visit(s.selectionSet);
      } else {
        const f = fragments.get(s.name.value);
        if (f && !visited.has(f.name.value)) {
          visited.add(f.name.value);
          visit(f.selectionSet);
        }
      }
    }
  };
  for (const d of document.definitions) if (d.kind === Kind.OPERATION_DEFINITION && d.operation === 'query') visit(d.selectionSet);
  return errors;
}

/** A retired version as told to a caller whose schema does not show its replacement. */
function hidden(r: RetiredVersion): RetiredVersion {
  const { replacement: _replacement, ...rest } = r;
  const when = r.contract.sunset !== undefined ? ` on ${r.contract.sunset}` : '';
  return { ...rest, message: `${r.contract.product} v${r.contract.major} was retired${when}` };
}

export function useRetiredVersions(options: RetiredVersionsPluginOptions): Plugin {
  const retired = retiredVersions(options.catalog, options.today);
  return {
    onValidate({ params, setResult }) {
      const root = params.schema.getQueryType();
      const errors = retiredFieldErrors(params.documentAST, retired, (name) => root?.getFields()[name] !== undefined);
      // Set before graphql-js validates: its "Cannot query field" for the
      // same field would only repeat the question without the answer.
      if (errors.length > 0) setResult(errors);
    },
  };
}
