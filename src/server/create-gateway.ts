import { dirname, resolve } from 'node:path';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { SluiceConfig } from '../config/config.js';
import type { Catalog } from '../contract/catalog.js';
import type { Engine } from '../engine/engine.js';
import type { Policy } from '../policy/policy.js';
import { buildSchema } from '../graphql/build-schema.js';
import { CallerSchemas } from '../graphql/caller-schema.js';
import { discardAuditSink, type AuditSink } from '../response/audit.js';
import { useAudit } from './use-audit.js';
import { useOrderedExecution } from './use-ordered-execution.js';
import {
  accessResolver,
  createRequestContext,
  endRequestSessions,
  type RequestContext,
  type RequestPathOptions,
} from './request-context.js';
import { createAuthenticator } from './authenticate.js';
import { maskError, type ErrorLogger } from './mask-error.js';
import { authenticationOf, useAuthentication } from './use-authentication.js';
import { createLogger, errorLoggerOf, loggingAuditSink, type Logger } from './logger.js';
import { metricsAuditSink, type GatewayMetrics } from './metrics.js';
import { useBodyLimit } from './use-body-limit.js';
import { useCallerSchema } from './use-caller-schema.js';
import { corsOptionsOf, useVaryOrigin } from './use-cors.js';
import { useTracing } from './use-tracing.js';
import { useOpenLineage } from './use-openlineage.js';
import type { OpenLineageSink } from '../response/openlineage.js';
import { useCostLimit } from './use-cost-limit.js';
import { useCsrfPrevention } from './use-csrf-prevention.js';
import { useQueryLimits } from './use-query-limits.js';
import { useRateLimit } from './use-rate-limit.js';
import { typeName } from '../contract/contract.js';
import { useLineage } from './use-lineage.js';
import { useCompiledExecution } from './use-compiled-execution.js';
import { ResultCache } from '../session/result-cache.js';
import { useMediaTypeError } from './use-media-type-error.js';
import { useNoSuggestions } from './use-no-suggestions.js';
import { countingAuditSink, type DeprecationUsage } from '../response/deprecation-usage.js';
import { EMPTY_MANIFEST, loadPersistedManifest, type PersistedManifest } from './persisted-manifest.js';
import { usePersistedOperations } from './use-persisted-operations.js';
import { useRequestShape } from './use-request-shape.js';
import { useRetiredVersions } from './use-retired-versions.js';
import { useWhereLimits } from './use-where-limits.js';
import { unavailableReporter, type SharedState } from './state/shared-state.js';

export interface GatewayOptions {
  readonly config: SluiceConfig;
  readonly catalog: Catalog;
  readonly engine: Engine;
  /** Loaded and checked against the catalog (loadPolicies); none = nothing is served to anyone. */
  readonly policies: readonly Policy[];
  /** Where audit records go (serve opens the config's audit.file); default: nowhere. */
  readonly audit?: AuditSink;
  /** Structured logs: unexpected errors, and one line per request; default: errors only, to stderr. */
  readonly logger?: Logger;
  /** Counts requests and scans (serve exposes them at /metrics); default: not counted. */
  readonly metrics?: GatewayMetrics;
  /** Where OpenLineage RunEvents go (serve opens the config's sinks: openlineage-sinks.ts); default: nowhere. */
  readonly openLineage?: OpenLineageSink;
  /** Overrides where unexpected errors are logged (tests). */
  readonly log?: ErrorLogger;
  /** Today's date (YYYY-MM-DD) for sunset decisions; tests pin it. */
  readonly today?: string;
  /** Counts uses of deprecated versions and fields per operation and API key; default: not counted. */
  readonly usage?: DeprecationUsage;
  /** The persisted operations; default: the config's `persisted` manifest, if any. */
  readonly manifest?: PersistedManifest;
  /** Rate-limit buckets and APQ registrations shared with other replicas and kept across reloads (state/); default: this gateway's own. */
  readonly state?: Pick<SharedState, 'rateLimits' | 'registered'>;
}

export type { RequestContext } from './request-context.js';

export type Gateway = YogaServerInstance<Record<string, unknown>, RequestContext>;

/**
 * The GraphQL gateway: the generated schema served by graphql-yoga, one
 * session per request. Before any of the plugins below, yoga answers CORS
 * preflights and grants the origins of `server.cors` (use-cors.ts), so a
 * preflight needs no credentials. Plugins, in order:
 *  0. tracing      — first, so the request span covers every other plugin
 *                    (and Vary: Origin on every response when CORS is on);
 *  1. CSRF         — refuse the POSTs a browser sends cross-site without a
 *                    preflight, before anything reads them;
 *  2. body limit   — refuse oversized bodies before anything parses them, and
 *                    count the bytes of those without a length as they are read;
 *  3. media type   — a POST body none of yoga's parsers took gets a 415 with a
 *                    message (yoga's parsers run before any of these);
 * 3b. request shape — every parameter of the type the protocol gives it, or 400
 *                    BAD_USER_INPUT, before any plugin reads the parameters;
 *                    after the body limit, whose 413 its parser lets through;
 *  4. audit        — before authentication, so refused requests are audited too;
 *  5. authentication — before parsing and validation, so a caller without
 *                    credentials learns nothing about the schema, and before
 *                    any plugin that needs to know the caller;
 *  6. rate limit   — after authentication, which names the bucket; before any
 *                    work is done for the request;
 *  7. persisted operations — after authentication, because the caller decides
 *                    which stores it may read and whether it may send a query;
 *                    before parsing, which needs the document it looks up;
 * 7b. caller schema — the schema this caller's policies allow (docs/frontend-apps.md), for
 *                    parsing, validation, introspection and execution alike:
 *                    after authentication, which names the caller (a bad
 *                    credential is 401 before any schema), and after the rate
 *                    limit and persisted operations, which may refuse first;
 *  8. query limits — tokens while parsing, depth/aliases/directives in
 *                    validation: abuse is refused before anything else reads it;
 *  9. introspection off (when configured) — before validation sees the query;
 * 10. retired versions — before validation, to answer a retired root field
 *                    with its replacement instead of "Cannot query field";
 * 11. no suggestions — strips "Did you mean" from validation messages;
 * 12. where limits — at execution, where variables are known, before
 *                    graphql-js coerces them (recursively: depth first);
 * 13. cost limit   — at execution, where variables (first: $n) are known;
 *                    before lineage, so a refused operation runs no plan;
 * 14. lineage      — wraps execution, so it sees every plan the request ran;
 * 15. OpenLineage  — (when configured) after execution, from the same recorder;
 * 16. compiled execution — (server.compiledExecution) graphql-jit runs what
 *                    every plugin above let through.
 */
export function createGateway(o: GatewayOptions): Gateway {
  const { config, catalog, engine } = o;
  // Without a logger, one to stderr is made on the first unexpected error.
  let fallback: Logger | undefined;
  const log: ErrorLogger = o.log ?? ((message, fields) => errorLoggerOf(o.logger ?? (fallback ??= createLogger()))(message, fields));
  const schemaOptions = {
    cursorSecret: config.cursorSecret,
    maxOffset: config.server.limits.maxOffset,
    ...(o.today !== undefined && { today: o.today }),
  };
  const schema = buildSchema(catalog, schemaOptions);
  const served = catalog.served(o.today);
  // Built once per distinct combination of grants, not per caller or request.
  const callerSchemas = new CallerSchemas(catalog, schemaOptions);
  let sink = o.audit ?? discardAuditSink;
  if (o.logger) sink = loggingAuditSink(sink, o.logger);
  if (o.metrics) sink = metricsAuditSink(sink, o.metrics);
  const manifest = o.manifest ?? (config.persistedFile ? loadPersistedManifest(config.persistedFile) : EMPTY_MANIFEST);
  const audit = useAudit({ sink: o.usage ? countingAuditSink(sink, o.usage) : sink, log });
  const limits = config.server.limits;
  const keyRates = new Map(config.auth.apiKeys.flatMap((k) => (k.rate !== undefined ? [[k.id, k.rate] as const] : [])));
  const defaultPageSize = new Map(catalog.contracts.map((c) => [`${typeName(c.product, c.major)}Connection`, c.limits.defaultPageSize]));
  const tracing = useTracing();
  const authenticated = authenticationOf(
    createAuthenticator(config.auth, { configDir: dirname(resolve(config.file)), configFile: config.file }),
  );
  const accessOf = accessResolver(o.policies, served);
  const requestPath: RequestPathOptions = {
    config,
    engine,
    accessOf,
    trailOf: (request) => audit.trailOf(request),
    spanOf: (request) => tracing.spanOf(request),
    metrics: o.metrics,
    log,
    results: config.server.resultCache && new ResultCache(config.server.resultCache.maxBytes),
  };

  return createYoga<Record<string, unknown>, RequestContext>({
    schema,
    graphqlEndpoint: '/graphql',
    extraParamNames: ['documentId'],
    landingPage: false,
    // Arrays of operations: refused (400) unless server.limits.maxBatch allows them.
    batching: limits.maxBatch > 0 ? { limit: limits.maxBatch } : false,
    // No file uploads; a multipart body gets the media-type 415.
    multipart: false,
    // use-body-limit.ts counts every body against server.maxBodyBytes.
    maxRequestBodySize: false,
    graphiql: config.server.graphiql ? { title: 'Sluice', defaultQuery: DEFAULT_QUERY } : false,
    // Only the origins of server.cors get a grant (yoga alone would echo any).
    cors: corsOptionsOf(config.server.cors),
    renderGraphiQL,
    logging: false,
    maskedErrors: {
      maskError: (error, _message, isDev) => {
        void isDev;
        return maskError(error, log);
      },
    },
    context: async ({ request }): Promise<RequestContext> => createRequestContext(requestPath, request, await authenticated(request)),
    plugins: [
      tracing,
      // Answered: the request's sessions stop their deadline timers (session.ts, endSession).
      { onResponse: ({ request }) => endRequestSessions(request) },
      ...(config.server.cors ? [useVaryOrigin()] : []),
      useCsrfPrevention(),
      useBodyLimit({ maxBytes: config.server.maxBodyBytes }),
      useMediaTypeError(),
      useRequestShape({ refused: (request, reason) => audit.trailOf(request).refuse(reason) }),
      audit,
      useAuthentication({ authenticated }),
      ...(limits.rate || keyRates.size > 0
        ? [
            useRateLimit({
              ...(limits.rate && { rate: limits.rate }),
              keyRates,
              authenticated,
              ...(o.state && { store: o.state.rateLimits }),
              onUnavailable: unavailableReporter(o.logger, 'rate-limited requests answered 503'),
            }),
          ]
        : []),
      usePersistedOperations({
        manifest,
        authenticated,
        registrants: new Set(config.auth.apiKeys.filter((k) => k.allowPersistRegistration).map((k) => k.id)),
        ...(o.state && { registered: o.state.registered }),
        onUnavailable: unavailableReporter(o.logger, 'APQ ids answered as not found, registrations skipped'),
      }),
      useCallerSchema({
        schemaOf: async (request) => {
          const who = await authenticated(request);
          audit.trailOf(request).identify(who.caller, who.role, who.purpose);
          return callerSchemas.schemaFor(accessOf(who).granted);
        },
        none: callerSchemas.schemaFor(new Map()),
        full: schema,
        hidden: (request, coordinates) => audit.trailOf(request).hide(coordinates),
      }),
      useQueryLimits(limits),
      ...(config.server.introspection ? [] : [useDisableIntrospection()]),
      useRetiredVersions({ catalog, ...(o.today !== undefined && { today: o.today }) }),
      useNoSuggestions(),
      useWhereLimits(limits),
      useCostLimit({ maxCost: limits.maxCost, defaultPageSize }),
      useLineage({ recorderOf: (ctx) => (ctx as Partial<RequestContext>).lineage }),
      ...(o.openLineage
        ? [
            useOpenLineage({
              sink: o.openLineage,
              catalog,
              namespace: config.raw.openlineage?.namespace ?? 'sluice',
              recorderOf: (ctx) => (ctx as Partial<RequestContext>).lineage,
            }),
          ]
        : []),
      // Last: the plugins above check the operation in their onExecute before it runs, whichever function runs it.
      useOrderedExecution(),
      ...(config.server.compiledExecution ? [useCompiledExecution()] : []),
    ],
  });
}

const DEFAULT_QUERY = `# Sluice serves each data product version as a root field.
# Try: change the filter, add totalCount, page with after: endCursor.
query LargeEuOrders {
  ordersV2(
    where: { region: { eq: "EU" }, total_amount: { gt: 1500 } }
    orderBy: [{ total_amount: DESC }]
    first: 5
  ) {
    nodes { order_id total_amount currency order_date created_at }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}
`;
