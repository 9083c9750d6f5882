import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, Lexer, Source, TokenKind, type DocumentNode, type ParseOptions, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Refuses documents whose shape is abuse (depth, aliases, directives,
 * tokens) with graphql-armor's rules, configured from `server.limits`.
 *
 * graphql-armor reports its rejections as `Syntax Error: …` with no code, in
 * a 200 (measured on the machines that build Sluice); here each becomes QUERY_TOO_COMPLEX (docs/errors.md) with the
 * limit named, as a request error (HTTP 400 under
 * application/graphql-response+json, like any validation failure). The token
 * count runs in the parser, so a document of a million tokens is refused
 * after the limit, not after parsing all of it.
 *
 * graphql-js parses recursively, so nesting is bounded before the parser
 * runs, by one iterative pass over the tokens (see `checkNesting`).
 *
 * armor's suggestion blocker is not used: it misses enum-value suggestions;
 * use-no-suggestions.ts strips every "Did you mean".
 */
export interface QueryLimitsPluginOptions {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxTokens: number;
  /** How deep a `where` may nest AND, OR and NOT (use-where-limits.ts); bounds the nesting of argument values here. */
  readonly maxWhereDepth: number;
}

/** A request error: 400 under application/graphql-response+json, 200 under application/json (GraphQL over HTTP). */
export const tooComplex = (message: string, nodes?: GraphQLError['nodes']) =>
  new GraphQLError(message, { ...(nodes && { nodes }), extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400, spec: true } } });

/** A request error for an input the caller must change: BAD_USER_INPUT, 400 under application/graphql-response+json. */
export const badUserInput = (message: string, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extensions, http: { status: 400, spec: true } } });

/** armor's message without its misleading prefix: the document is well-formed, just too big. */
const ARMOR_PREFIX = /^Syntax Error: /;
const reworded = (message: string) => `${message.replace(ARMOR_PREFIX, '').replace(/\.$/, '')}: the query is too complex.`;

export function useQueryLimits(options: QueryLimitsPluginOptions): Plugin {
  // Validation rules report through the context (armor would throw, which
  // ends validation with an uncoded error); the token count must throw to
  // stop the parser, and is recognised by the error it hands over.
  const report = [
    (ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(tooComplex(reworded(error.message), error.nodes)),
  ];
  const rule = { exposeLimits: true, onReject: report, propagateOnRejection: false };
  const rules = [
    maxDepthRule({ ...rule, n: options.maxDepth, ignoreIntrospection: true, flattenFragments: true }),
    maxAliasesRule({ ...rule, n: options.maxAliases }),
    maxDirectivesRule({ ...rule, n: options.maxDirectives }),
  ];
  const tokenLimit = new WeakSet<GraphQLError>();
  const tokens = {
    exposeLimits: true,
    onReject: [(_: unknown, error: GraphQLError) => void tokenLimit.add(error)],
    propagateOnRejection: true,
    n: options.maxTokens,
  };
  const parse = (source: string | Source, parseOptions?: ParseOptions): DocumentNode => {
    checkNesting(typeof source === 'string' ? new Source(source) : source, options);
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

/**
 * Refuses a document that nests deeper than any honest one, before the
 * parser sees it. graphql-js parses recursively: within the token limit,
 * `[` repeated 1,990 times (one token each) overflowed the stack, and where
 * exactly depended on the stack already in use, so one request was answered
 * GRAPHQL_PARSE_FAILED or INTERNAL_SERVER_ERROR from run to run. This pass
 * reads the tokens in a loop (up to the token limit; past it the parser
 * refuses the document) and keeps two depths:
 *
 * - selections, braces outside parentheses: a selection level is one brace,
 *   so more than 4 × maxDepth + 8 is QUERY_TOO_COMPLEX (validation would
 *   refuse the depth anyway, were the parser able to get there);
 * - values, inside the parentheses of arguments and variable definitions:
 *   a `where` level is at most two brackets (`OR: [{`), so more than
 *   4 × maxWhereDepth + 8 is BAD_USER_INPUT naming maxWhereDepth.
 *
 * Both bounds stay far below what the parser survives (maxWhereDepth is at
 * most 100: 408), and above what the exact checks after parsing allow, so
 * an honest document always reaches those and their precise messages.
 * A token the lexer refuses ends the pass: the parser reports it.
 */
export function checkNesting(source: Source, limits: Pick<QueryLimitsPluginOptions, 'maxDepth' | 'maxWhereDepth' | 'maxTokens'>): void {
  const maxSelections = 4 * limits.maxDepth + 8;
  const maxValues = 4 * limits.maxWhereDepth + 8;
  const lexer = new Lexer(source);
  // One entry a bracket: whether it opened a value (inside parentheses) or a selection set.
  const open: boolean[] = [];
  let selections = 0;
  let values = 0;
  try {
    for (let n = 0; n <= limits.maxTokens; n++) {
      const token = lexer.advance();
      switch (token.kind) {
        case TokenKind.EOF:
          return;
        case TokenKind.PAREN_L:
        case TokenKind.BRACKET_L:
        case TokenKind.BRACE_L: {
          const inValue = token.kind !== TokenKind.BRACE_L || values > 0;
          open.push(inValue);
          if (inValue && ++values > maxValues) {
            throw badUserInput(
              `An argument nests more than ${maxValues} brackets deep. A where may nest AND, OR and NOT at most ${limits.maxWhereDepth} levels ` +
                '(server.limits.maxWhereDepth): flatten it (fields side by side in one object are ANDed; in: [...] lists values).',
              { limit: 'maxWhereDepth', value: limits.maxWhereDepth },
            );
          }
          if (!inValue && ++selections > maxSelections) {
            throw tooComplex(
              `Selections nest more than ${maxSelections} levels deep (server.limits.maxDepth is ${limits.maxDepth}): the query is too complex.`,
            );
          }
          break;
        }
        case TokenKind.PAREN_R:
        case TokenKind.BRACKET_R:
        case TokenKind.BRACE_R: {
          const wasValue = open.pop();
          if (wasValue === undefined) return;
          if (wasValue) values--;
          else selections--;
          break;
        }
      }
    }
  } catch (e) {
    if (e instanceof GraphQLError && (e.extensions['code'] === 'BAD_USER_INPUT' || e.extensions['code'] === 'QUERY_TOO_COMPLEX')) throw e;
    // A syntax error: left to the parser, which reports it with its location.
  }
}
