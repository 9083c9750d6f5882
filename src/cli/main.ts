import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SluiceConfig } from '../config/config.js';
import type { Catalog } from '../contract/catalog.js';
import type { Policy } from '../policy/policy.js';
import type { Engine } from '../engine/engine.js';
import { ConfigErrors, SluiceError } from '../errors.js';
import type { AuditSink } from '../response/audit.js';
import type { Deployment } from '../server/load-catalog.js';
import type { Reloader, ReloadRequest } from '../server/reload.js';

/**
 * Each command loads what it needs when it runs (import() below), so that
 * `sluice --help` or `sluice key hash` does not pay for loading the GraphQL
 * server, the engine and their libraries (about a second of CPU).
 */
const displayPath = (file: string) => import('../contract/yaml-file.js').then((m) => m.displayPath(file));

/**
 * `sluice <command>` (docs/cli.md). Every command takes `--config` (default
 * ./sluice.yaml) and exits non-zero with a one-line reason on bad input.
 * Returns the exit code instead of exiting, so tests can call it in-process.
 */
const USAGE = `usage: sluice <command> [--config sluice.yaml]

commands:
  serve [--port N]                 start the gateway
  contract validate                validate contracts and their sources
  contract diff <old.yaml> <new.yaml> [--format markdown|json]
                                   classify every change breaking / dangerous / safe (no config needed);
                                   exit 1 when a breaking change keeps the same major
  schema print [--role R [--purpose P] [--tenant T] [--attr name=v1,v2 …]]
                                   print the generated SDL, or the schema of one caller
  schema check                     fail when schema/schema.graphql or a caller's schema under schema/callers/
                                   is stale (--write to update them)
  explain <query.graphql>          print the plan as compiled, after the analyzer, and optimized
          [--variables JSON] [--role R] [--purpose P] [--tenant T] [--attr name=v1,v2 …]
  persisted check [--against <products dir | contract.yaml> …] [--today YYYY-MM-DD] [--format markdown|json]
                                   validate the persisted operations against the contracts (or a proposed
                                   change to them); exit 1 naming the operations that break
  usage [--audit <file>] [--format markdown|json]
                                   deprecated versions and fields still used, per operation and API key
  key hash <key>                   print the SHA-256 to put in auth.apiKeys[].sha256`;

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

const consoleIO: CliIO = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

export async function main(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', default: 'sluice.yaml' },
        port: { type: 'string' },
        variables: { type: 'string' },
        role: { type: 'string' },
        purpose: { type: 'string' },
        tenant: { type: 'string' },
        attr: { type: 'string', multiple: true },
        write: { type: 'boolean', default: false },
        format: { type: 'string', default: 'markdown' },
        against: { type: 'string', multiple: true },
        today: { type: 'string' },
        audit: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    io.err(`sluice: ${(e as Error).message}`);
    io.err(USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    (values.help ? io.out : io.err)(USAGE);
    return values.help ? 0 : 2;
  }

  if (command === 'key' && sub === 'hash' && rest.length === 1) {
    // Needs no config: operators run it to fill one in.
    const { apiKeyHash } = await import('../server/authenticate.js');
    io.out(apiKeyHash(rest[0]!));
    return 0;
  }

  if (values.format !== 'markdown' && values.format !== 'json') {
    io.err(`sluice: --format takes markdown or json (got ${JSON.stringify(values.format)})`);
    return 2;
  }
  if (values.today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.today)) {
    io.err(`sluice: --today takes a date YYYY-MM-DD (got ${JSON.stringify(values.today)})`);
    return 2;
  }
  const json = values.format === 'json';

  if (command === 'contract' && sub === 'diff') {
    // From the two files alone (docs/cli.md): no config, no data.
    if (rest.length !== 2) {
      io.err('sluice: contract diff takes two contract files: <old.yaml> <new.yaml>');
      return 2;
    }
    try {
      const { diffContractFiles, formatDiffMarkdown } = await import('./contract-diff.js');
      const d = await diffContractFiles(rest[0]!, rest[1]!);
      io.out(json ? JSON.stringify(d, null, 2) : formatDiffMarkdown(d));
      if (d.gate === 'fail')
        io.err(`sluice: ${d.counts.breaking} breaking change(s) within major ${d.before.major}; bump the major version`);
      return d.gate === 'fail' ? 1 : 0;
    } catch (e) {
      return report(e, io);
    }
  }

  // Engines made by a command are closed when it ends: their decoder thread
  // would keep the process alive.
  const engines: Engine[] = [];
  const engineFor = async (config: SluiceConfig) => {
    const { createEngine } = await import('../server/create-engine.js');
    const engine = createEngine(config);
    engines.push(engine);
    return engine;
  };
  const loadDeployment = async (config: SluiceConfig) =>
    (await import('../server/load-catalog.js')).loadDeployment(config, await engineFor(config), { secrets: 'optional' });
  try {
    const { loadConfig } = await import('../config/config.js');
    const config = loadConfig(values.config);
    switch (`${command} ${sub ?? ''}`.trim()) {
      case 'serve':
        return await serve(config, values.port, io, await engineFor(config));
      case 'contract validate': {
        const { catalog, policies } = await loadDeployment(config);
        for (const line of await unprovidedWarnings(policies, config)) io.err(`sluice: warning: ${line}`);
        io.out(
          `ok: ${catalog.contracts.length} contract(s) valid: ${catalog.contracts.map((c) => `${c.product} v${c.major} (${c.version}, ${c.status})`).join(', ')}`,
        );
        io.out(
          `ok: ${policies.length} polic${policies.length === 1 ? 'y' : 'ies'} valid: ${policies.map((p) => `${p.id} v${p.version}`).join(', ') || 'none (nothing is served to anyone)'}`,
        );
        return 0;
      }
      case 'schema print': {
        const { catalog, policies } = await loadDeployment(config);
        const { printSdl, printCallerSdl } = await import('./print-sdl.js');
        if (values.role === undefined) {
          if (values.purpose !== undefined || values.tenant !== undefined || values.attr !== undefined)
            throw new SluiceError('BAD_USER_INPUT', 'user', '--purpose, --tenant and --attr describe a caller: give its --role too');
          io.out(printSdl(catalog, config).trimEnd());
          return 0;
        }
        const who = { role: values.role, purpose: values.purpose, tenant: values.tenant, attributes: parseAttributes(values.attr ?? []) };
        io.out(printCallerSdl(catalog, policies, config, who).trimEnd());
        return 0;
      }
      case 'schema check':
        return await schemaCheck(config, values.write, io, await loadDeployment(config));
      case 'persisted check': {
        if (!config.persistedFile)
          throw new SluiceError(
            'BAD_USER_INPUT',
            'user',
            `${await displayPath(config.file)} names no persisted operations manifest (persisted: ./persisted/operations.json)`,
          );
        const { Catalog } = await import('../contract/catalog.js');
        const { loadContracts } = await import('../contract/load-contracts.js');
        const { checkPersistedOperations, formatPersistedCheckMarkdown, persistedRunners, proposedCatalog } =
          await import('./persisted-check.js');
        const { loadPersistedManifest } = await import('../server/persisted-manifest.js');
        const { loadPolicies } = await import('../policy/load-policies.js');
        const current = new Catalog(loadContracts(config.productsDir));
        const proposed = values.against ? proposedCatalog(current, values.against) : undefined;
        // The keys that run persisted operations see their own schemas (docs/frontend-apps.md). The policies are
        // checked against today's contracts; over proposed ones a grant of a removed field grants nothing.
        const keys = persistedRunners(config.auth.apiKeys);
        const result = checkPersistedOperations({
          manifest: loadPersistedManifest(config.persistedFile),
          current,
          ...(proposed !== undefined && { proposed }),
          ...(values.today !== undefined && { today: values.today }),
          ...(keys.length > 0 && { runners: { policies: loadPolicies(config.policiesDir, current), keys } }),
        });
        io.out(json ? JSON.stringify(result, null, 2) : formatPersistedCheckMarkdown(result, proposed !== undefined));
        return result.problems.length > 0 ? 1 : 0;
      }
      case 'usage': {
        const file = values.audit ?? config.auditFile;
        if (!file)
          throw new SluiceError('BAD_USER_INPUT', 'user', `${await displayPath(config.file)} names no audit.file; pass --audit <file>`);
        const { EMPTY_MANIFEST, loadPersistedManifest } = await import('../server/persisted-manifest.js');
        const { usageFromAuditLog } = await import('./usage-report.js');
        const { formatUsageMarkdown } = await import('../response/deprecation-usage.js');
        const manifest = config.persistedFile ? loadPersistedManifest(config.persistedFile) : EMPTY_MANIFEST;
        const usage = await usageFromAuditLog(file, manifest);
        io.out(
          json
            ? JSON.stringify(usage, null, 2)
            : `${formatUsageMarkdown(usage)}\n\n(${usage.records} audit record(s) read from ${await displayPath(file)}${usage.skipped > 0 ? `, ${usage.skipped} unreadable line(s) skipped` : ''})`,
        );
        return 0;
      }
      default:
        if (command === 'explain' && sub) {
          if (rest.length > 0) break;
          const deployment = await loadDeployment(config);
          const { explainQuery } = await import('./explain.js');
          const document = await readText(sub);
          const variables = values.variables ? (JSON.parse(values.variables) as Record<string, unknown>) : {};
          io.out(
            await explainQuery({
              ...deployment,
              config,
              document,
              variables,
              role: values.role,
              purpose: values.purpose,
              tenant: values.tenant,
              attributes: parseAttributes(values.attr ?? []),
            }),
          );
          return 0;
        }
    }
    io.err(`sluice: unknown command "${positionals.join(' ')}"`);
    io.err(USAGE);
    return 2;
  } catch (e) {
    return report(e, io);
  } finally {
    await Promise.all(engines.map((e) => e.close()));
  }
}

function report(e: unknown, io: CliIO): number {
  if (e instanceof ConfigErrors) {
    io.err(`sluice: ${e.errors.length} problem(s) found:`);
    for (const x of e.errors) io.err(`  ${x.message}`);
    return 1;
  }
  if (e instanceof SluiceError || e instanceof SyntaxError) {
    io.err(`sluice: ${e.message.split('\n')[0]}`);
    return 1;
  }
  io.err(`sluice: unexpected error: ${(e as Error)?.stack ?? String(e)}`);
  return 70;
}

/** `--attr regions=EU,US` → { regions: ['EU', 'US'] }; a single value stays a string. */
function parseAttributes(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new SluiceError('BAD_USER_INPUT', 'user', `--attr takes name=value (got "${pair}")`);
    const values = pair.slice(eq + 1).split(',');
    out[pair.slice(0, eq)] = values.length === 1 ? values[0] : values;
  }
  return out;
}

async function readText(file: string): Promise<string> {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new SluiceError('BAD_USER_INPUT', 'user', `cannot read ${await displayPath(file)}`);
  }
}

/**
 * `schema check`: schema/schema.graphql (the full schema) and, under
 * schema/callers/, the schema of each caller the config names (print-sdl.ts,
 * goldenCallers). Stale, missing or left-over files fail the check; with
 * `--write` they are written (left-over caller files removed).
 */
async function schemaCheck(
  config: SluiceConfig,
  write: boolean,
  io: CliIO,
  { catalog, policies }: { readonly catalog: Catalog; readonly policies: readonly Policy[] },
): Promise<number> {
  const { goldenCallers, goldenText, printCallerSdl, printSdl } = await import('./print-sdl.js');
  const { displayPath } = await import('../contract/yaml-file.js');
  const dir = resolve(dirname(resolve(config.file)), 'schema');
  const callersDir = join(dir, 'callers');
  const expected = new Map<string, string>([[join(dir, 'schema.graphql'), printSdl(catalog, config)]]);
  for (const caller of goldenCallers(config)) {
    expected.set(join(callersDir, caller.file), goldenText(caller, printCallerSdl(catalog, policies, config, caller.who)));
  }
  const leftOver = existsSync(callersDir)
    ? readdirSync(callersDir)
        .filter((f) => f.endsWith('.graphql'))
        .map((f) => join(callersDir, f))
        .filter((f) => !expected.has(f))
    : [];
  const stale = [...expected].filter(([file, text]) => !existsSync(file) || readFileSync(file, 'utf8') !== text);
  if (stale.length === 0 && leftOver.length === 0) {
    io.out(`ok: ${displayPath(join(dir, 'schema.graphql'))} is up to date`);
    io.out(`ok: ${expected.size - 1} caller schema(s) under ${displayPath(callersDir)} are up to date`);
    return 0;
  }
  if (write) {
    for (const [file, text] of stale) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      io.out(`wrote ${displayPath(file)}`);
    }
    for (const file of leftOver) {
      rmSync(file);
      io.out(`removed ${displayPath(file)} (no such caller in ${displayPath(config.file)})`);
    }
    return 0;
  }
  for (const [file] of stale) {
    io.err(
      existsSync(file)
        ? `sluice: ${displayPath(file)} is stale; run \`sluice schema check --write\`, review the diff and commit it`
        : `sluice: ${displayPath(file)} does not exist; run \`sluice schema check --write\` and commit it`,
    );
  }
  for (const file of leftOver)
    io.err(`sluice: ${displayPath(file)} is no caller of ${displayPath(config.file)}; run \`sluice schema check --write\``);
  return 1;
}

async function serve(config: SluiceConfig, portArg: string | undefined, io: CliIO, engine: Engine): Promise<number> {
  const port = portArg === undefined ? config.server.port : Number(portArg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SluiceError('BAD_USER_INPUT', 'user', `--port must be a number from 0 to 65535 (got ${portArg})`);
  }
  const { adminToken, metricsToken } = await import('../config/config.js');
  const { createReloader, reloadAuditEvent } = await import('../server/reload.js');
  const { openSharedState } = await import('../server/state/shared-state.js');
  const { fileAuditSink, discardAuditSink } = await import('../response/audit.js');
  const { createGateway } = await import('../server/create-gateway.js');
  const { createHttpServer } = await import('../server/http-server.js');
  const { loadDeployment } = await import('../server/load-catalog.js');
  const { createLogger } = await import('../server/logger.js');
  const { createMetrics } = await import('../server/metrics.js');
  const { openLineageSinksOf } = await import('../server/openlineage-sinks.js');
  const { startTracing } = await import('../telemetry/tracing-sdk.js');
  const logger = createLogger();
  // Before anything makes a span: exports over OTLP only when telemetry.otlp is configured.
  const tracing = startTracing(config.raw.telemetry);
  // Listen first, so /health answers and /ready says "starting" while
  // contracts, policies and sources load (orchestrators probe both).
  const metrics = createMetrics({ engine });
  const token = metricsToken(config);
  const adminBearer = adminToken(config);
  // Rate limits, APQ registrations and notices: in Redis with `state.redis`, else here.
  const state = openSharedState(config, { logger });
  let reloader: Reloader | undefined;
  const reload = (request: ReloadRequest) =>
    reloader?.reload(request) ??
    Promise.resolve({ outcome: 'refused' as const, ...request, fingerprint: '', problems: ['still starting; nothing to reload yet'] });
  const onHangup = () => void reload({ trigger: 'SIGHUP', actor: 'signal' });
  process.on('SIGHUP', onHangup);
  const http = createHttpServer({
    ...(token !== undefined && { metrics: { registry: metrics.registry, token } }),
    state,
    ...(adminBearer !== undefined && { admin: { token: adminBearer, reload: () => reload({ trigger: 'admin', actor: 'admin token' }) } }),
  });
  await new Promise<void>((ok, fail) => {
    http.server.once('error', fail);
    http.server.listen(port, config.server.host, ok);
  }).catch((e: unknown) => {
    throw listenFailure(e, config.server.host, port);
  });
  let stopping: string | undefined;
  const signalled = new Promise<string>((ok) => {
    const on = (signal: string) => () => ok((stopping ??= signal));
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
  const address = http.server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const base = `http://${config.server.host}:${actual}`;
  io.out(
    `sluice: checking contracts and sources… (${base}/health, ${base}/ready${token === undefined ? '' : `, ${base}/metrics with its token`})`,
  );

  let audit: AuditSink;
  let closeOpenLineage: () => Promise<void>;
  try {
    const { catalog, policies } = await loadDeployment(config, engine);
    audit = config.auditFile ? fileAuditSink(config.auditFile) : discardAuditSink;
    const openLineage = openLineageSinksOf(config, logger);
    closeOpenLineage = () => openLineage?.close() ?? Promise.resolve();
    const sink = audit;
    const build = (c: SluiceConfig, d: Deployment) =>
      createGateway({ config: c, ...d, engine, audit: sink, logger, metrics, state, ...(openLineage && { openLineage }) });
    const gateway = build(config, { catalog, policies });
    // The decoder threads loaded and the sources' files opened in them: not the first query's cost.
    await engine.ready();
    await state.connected;
    http.ready(gateway);
    reloader = createReloader({
      config,
      deployment: { catalog, policies },
      load: (c) => loadDeployment(c, engine),
      build,
      apply: (g) => http.ready(g),
      notices: state.notices,
      record: (outcome) => {
        sink.event?.(reloadAuditEvent(outcome, state.notices.replica));
        if (outcome.outcome === 'applied') logger.info({ ...outcome }, 'reloaded');
        else logger.warn({ ...outcome }, 'reload refused; still serving what was loaded before');
      },
    });
    const served = catalog.served().map((c) => `${c.product} v${c.major}`);
    io.out(`sluice: serving ${served.join(', ')} at ${base}/graphql${config.server.graphiql ? ' (GraphiQL: open it in a browser)' : ''}`);
    logger.info({ port: actual, products: served }, 'ready');
    for (const line of await unprovidedWarnings(policies, config)) logger.warn({}, line);
    if (config.raw.cursors.secretEnv === undefined) {
      logger.warn(
        {},
        'cursors.secretEnv is not set: cursors are signed with a random key of this process, so they will not survive a restart ' +
          'or work on another replica; set cursors.secretEnv to a variable holding a key every replica shares',
      );
    }
  } catch (e) {
    http.server.close();
    process.off('SIGHUP', onHangup);
    await state.close();
    throw e;
  }

  const signal = await signalled;
  const inFlight = http.inFlight();
  // Drain first: once these lines are out, no new connection is accepted.
  const draining = http.drain(config.server.shutdownTimeoutMs);
  io.out(`sluice: ${signal}, finishing ${inFlight} open request(s)…`);
  logger.info({ signal, inFlight }, 'draining');
  const drained = await draining;
  await reloader?.stop();
  process.off('SIGHUP', onHangup);
  await state.close();
  await audit.close();
  await closeOpenLineage();
  await tracing?.shutdown().catch((e: Error) => logger.error({ error: e.message }, 'span export failed'));
  if (!drained) {
    io.err(`sluice: requests still open after ${config.server.shutdownTimeoutMs} ms were cut off`);
    logger.error({ shutdownTimeoutMs: config.server.shutdownTimeoutMs }, 'drain timed out');
  } else {
    logger.info({}, 'stopped');
  }
  await new Promise<void>((done) => logger.flush(() => done()));
  return drained ? 0 : 1;
}

/** Why the gateway cannot listen, in one line that says what to change (an unexpected failure stays as it is). */
function listenFailure(e: unknown, host: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  const fix = 'choose another with --port N (or server.port in the config)';
  if (code === 'EADDRINUSE')
    return new SluiceError('BAD_USER_INPUT', 'user', `port ${port} on ${host} is already in use; stop what uses it, or ${fix}`);
  if (code === 'EACCES')
    return new SluiceError('BAD_USER_INPUT', 'user', `port ${port} on ${host} needs privileges this process lacks; ${fix}`);
  if (code === 'EADDRNOTAVAIL')
    return new SluiceError('BAD_USER_INPUT', 'user', `${host} is not an address of this machine; set server.host in the config`);
  return e;
}

/** A policy whose row filter refers to a `$caller` name no configured credential provides denies everyone it applies to: say so. */
async function unprovidedWarnings(policies: readonly Policy[], config: SluiceConfig): Promise<string[]> {
  const { unprovidedCallerReferences } = await import('../policy/caller-references.js');
  return unprovidedCallerReferences(policies, config.auth).map(
    (r) =>
      `policy ${r.policy}: its row filter refers to $caller.${r.name}, which no API key's attributes and no JWT claim ` +
      `mapping (auth.jwt.claims) provide, so every caller it applies to is denied; add it to auth.apiKeys[].attributes ` +
      `or auth.jwt.claims.attributes, or correct the name`,
  );
}
