import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type DocumentNode, type ParseOptions, type Source, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Refuses documents whose shape is abuse (depth, aliases, directives,
 * tokens) with graphql-armor's rules, configured from `server.limits`.
 *
 * graphql-armor reports its rejections as `Syntax Error: …` with no code, in
 * a 200 (FIELD-NOTES); here each becomes QUERY_TOO_COMPLEX (SPEC §6) with the
 * limit named, as a request error (HTTP 400 under
 * application/graphql-response+json, like any validation failure). The token
 * count runs in the parser, so a document of a million tokens is refused
 * after the limit, not after parsing all of it.
 *
 * armor's suggestion blocker is not used: it misses enum-value suggestions;
 * use-no-suggestions.ts strips every "Did you mean".
 */
export interface QueryLimitsPluginOptions {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxTokens: number;
}

/** A request error: 400 under application/graphql-response+json, 200 under application/json (GraphQL over HTTP). */
export const tooComplex = (message: string, nodes?: GraphQLError['nodes']) =>
  new GraphQLError(message, { ...(nodes && { nodes }), extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400, spec: true } } });

/** armor's message without its misleading prefix: the document is well-formed, just too big. */
const ARMOR_PREFIX = /^Syntax Error: /;
const reworded = (message: string) => `${message.replace(ARMOR_PREFIX, '').replace(/\.$/, '')}: the query is too complex.`;

export function useQueryLimits(options: QueryLimitsPluginOptions): Plugin {
  // Validation rules report through the context (armor would throw, which
  // ends validation with an uncoded error); the token count must throw to
  // stop the parser, and is recognised by the error it hands over.
  const report = [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(tooComplex(reworded(error.message), error.nodes))];
  const rule = { exposeLimits: true, onReject: report, propagateOnRejection: false };
  const rules = [
    maxDepthRule({ ...rule, n: options.maxDepth, ignoreIntrospection: true, flattenFragments: true }),
    maxAliasesRule({ ...rule, n: options.maxAliases }),
    maxDirectivesRule({ ...rule, n: options.maxDirectives }),
  ];
  const tokenLimit = new WeakSet<GraphQLError>();
  const tokens = { exposeLimits: true, onReject: [(_: unknown, error: GraphQLError) => void tokenLimit.add(error)], propagateOnRejection: true, n: options.maxTokens };
  const parse = (source: string | Source, parseOptions?: ParseOptions): DocumentNode => {
    try {
      return new MaxTokensParserWLexer(source, { ...parseOptions, ...tokens }).parseDocument();
    } catch (e) {
      if (e instanceof GraphQLError && tokenLimit.has(e)) throw tooComplex(reworded(e.message));
      throw e;
    }
  };
  return {
    onParse({ setParseFn }) {
      setParseFn(parse);
    },
    onValidate({ addValidationRule }) {
      for (const r of rules) addValidationRule(r);
    },
  };
}
