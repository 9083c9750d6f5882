import { createHash } from 'node:crypto';
import { loadConfig, type SluiceConfig } from '../config/config.js';
import { versionKey } from '../contract/contract.js';
import { ConfigErrors, SluiceError } from '../errors.js';
import type { AuditEvent } from '../response/audit.js';
import type { Deployment } from './load-catalog.js';
import type { Notice, Notices } from './state/notices.js';

/**
 * Reloading a running replica (docs/configuration.md): on SIGHUP, on `POST /admin/reload`,
 * or on another replica's notice, the config file is read again and the
 * contracts, policies and persisted manifest it names are loaded and
 * validated into a new gateway; only when all of that succeeded is the new
 * gateway swapped in. Requests in flight finish on the gateway they started
 * on; new ones get the new one. On any error the old gateway stays, and the
 * reload is reported refused with every problem found.
 *
 * What a reload applies: `products`, `policies`, `persisted`, `auth`,
 * `cursors`, and `server`'s `graphiql`, `introspection`, `maxBodyBytes`,
 * `timeoutMs`, `limits`, `compiledExecution` and `resultCache` (the new
 * gateway starts with an empty result cache). What only a restart applies — the listening
 * address, the shutdown bound, the metrics and admin tokens, storage,
 * catalogs, audit, OpenLineage, telemetry, the masking key and `state` — is
 * compared, and a reload that would change any of it is refused, naming
 * it, rather than applied in part.
 *
 * A reload that was asked for here (signal, admin) is announced to the
 * other replicas, which reload from their own files; a reload made on a
 * notice is not announced again. Reloads run one at a time, in order.
 */
export type ReloadTrigger = 'SIGHUP' | 'admin' | 'notice';

export interface ReloadRequest {
  readonly trigger: ReloadTrigger;
  /** Who asked: `signal`, `admin token`, or the replica that sent the notice. */
  readonly actor: string;
  readonly notice?: Notice;
}

export interface DeploymentChanges {
  /** Versions added, as `orders v3`. */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Status changes, as `orders v1: deprecated → retired`. */
  readonly status: readonly string[];
  /** Versions served before and not now (retired, past their sunset, or removed). */
  readonly retired: readonly string[];
  /** Policies added, removed or changed, by id. */
  readonly policies: readonly string[];
  /** Config sections whose values changed, as `auth` or `server.limits`. */
  readonly config: readonly string[];
}

export interface ReloadOutcome {
  readonly outcome: 'applied' | 'refused';
  readonly trigger: ReloadTrigger;
  readonly actor: string;
  /** Why it was refused: every problem found. */
  readonly problems?: readonly string[];
  readonly changes?: DeploymentChanges;
  /** The deployment fingerprint now (after an applied reload: the new one). */
  readonly fingerprint: string;
  /** Whether the other replicas were told (an applied reload asked for here). */
  readonly announced?: boolean;
  /** After a notice: whether this replica's files gave the same fingerprint as the origin's. */
  readonly matchesOrigin?: boolean;
}

export interface ReloaderOptions<G> {
  readonly config: SluiceConfig;
  readonly deployment: Deployment;
  /** Loads and validates contracts, sources and policies (loadDeployment). */
  load(config: SluiceConfig): Promise<Deployment>;
  /** Builds a gateway; may throw (a manifest that does not load). */
  build(config: SluiceConfig, deployment: Deployment): G;
  /** Puts the gateway in service. */
  apply(gateway: G): void;
  readonly notices?: Notices;
  /** Every outcome, applied or refused: the audit and the log. */
  record(outcome: ReloadOutcome): void;
}

export interface Reloader {
  reload(request: ReloadRequest): Promise<ReloadOutcome>;
  readonly config: SluiceConfig;
  readonly fingerprint: string;
  /**
   * Stops listening for notices and refuses reloads asked for from now on;
   * resolves once a reload already under way has finished (shutdown closes
   * the audit sink after it, so nothing is applied or recorded later).
   */
  stop(): Promise<void>;
}

/** Sections only a restart applies (see above), as paths into the raw config. */
const RESTART_ONLY = [
  'server.port',
  'server.host',
  'server.shutdownTimeoutMs',
  'server.metrics',
  'server.admin',
  'storage',
  'catalogs',
  'audit',
  'openlineage',
  'telemetry',
  'masking',
  'state',
] as const;

/** Sections a reload applies, as paths into the raw config. */
const RELOADABLE = [
  'products',
  'policies',
  'persisted',
  'auth',
  'cursors',
  'server.graphiql',
  'server.introspection',
  'server.cors',
  'server.maxBodyBytes',
  'server.timeoutMs',
  'server.limits',
  'server.compiledExecution',
  'server.resultCache',
] as const;

const at = (raw: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), raw);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function createReloader<G>(o: ReloaderOptions<G>): Reloader {
  let config = o.config;
  let deployment = o.deployment;
  let fingerprint = deploymentFingerprint(config, deployment);
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const attempt = async (request: ReloadRequest): Promise<ReloadOutcome> => {
    const base = { trigger: request.trigger, actor: request.actor };
    if (stopped) return { ...base, outcome: 'refused', fingerprint, problems: ['the gateway is shutting down; nothing was reloaded'] };
    let next: SluiceConfig;
    let loaded: Deployment;
    let gateway: G;
    try {
      next = loadConfig(config.file);
      const restart = RESTART_ONLY.filter((p) => !same(at(config.raw, p), at(next.raw, p)));
      if (restart.length > 0) {
        return {
          ...base,
          outcome: 'refused',
          fingerprint,
          problems: [
            `${restart.join(', ')} changed; only a restart applies ${restart.length === 1 ? 'it' : 'them'}, so nothing was reloaded`,
          ],
        };
      }
      loaded = await o.load(next);
      gateway = o.build(next, loaded);
    } catch (e) {
      return { ...base, outcome: 'refused', fingerprint, problems: problemsOf(e) };
    }
    const changes = changesBetween(config, deployment, next, loaded);
    o.apply(gateway);
    config = next;
    deployment = loaded;
    fingerprint = deploymentFingerprint(next, loaded);
    if (request.trigger === 'notice') {
      return { ...base, outcome: 'applied', changes, fingerprint, matchesOrigin: request.notice?.fingerprint === fingerprint };
    }
    let announced = false;
    if (o.notices) {
      announced = await o.notices.publish({ kind: 'reload', summary: { ...changes }, fingerprint }).then(
        () => true,
        () => false,
      );
    }
    return { ...base, outcome: 'applied', changes, fingerprint, announced };
  };

  const reload = (request: ReloadRequest) => {
    const run = queue.then(() => attempt(request));
    queue = run.catch(() => undefined);
    return run.then((outcome) => {
      // Recording must not turn a reload into an unhandled rejection (SIGHUP's handler does not wait).
      try {
        o.record(outcome);
      } catch {
        // the audit sink or logger failed; the outcome is still returned
      }
      return outcome;
    });
  };

  const unsubscribe = o.notices?.subscribe((notice) => {
    if (!stopped) void reload({ trigger: 'notice', actor: notice.origin, notice });
  });

  return {
    reload,
    get config() {
      return config;
    },
    get fingerprint() {
      return fingerprint;
    },
    stop: async () => {
      stopped = true;
      unsubscribe?.();
      await queue;
    },
  };
}

function problemsOf(e: unknown): string[] {
  if (e instanceof ConfigErrors) return e.errors.map((x) => x.message);
  if (e instanceof SluiceError || e instanceof SyntaxError) return [e.message.split('\n')[0]!];
  return [`unexpected error: ${e instanceof Error ? e.message : String(e)}`];
}

/**
 * What identifies what a replica serves: the reloadable config sections,
 * every contract's content hash and status, every policy's content. Not
 * the restart-only sections, which may differ between replicas by design
 * (each its own audit file).
 */
export function deploymentFingerprint(config: SluiceConfig, deployment: Deployment): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(RELOADABLE.map((p) => at(config.raw, p))));
  for (const c of [...deployment.catalog.contracts].sort((a, b) =>
    versionKey(a.product, a.major).localeCompare(versionKey(b.product, b.major)),
  ))
    h.update(`\n${versionKey(c.product, c.major)} ${c.status} ${c.hash}`);
  for (const p of [...deployment.policies].sort((a, b) => a.id.localeCompare(b.id))) {
    const { file, ...content } = p;
    void file;
    h.update(`\n${JSON.stringify(content)}`);
  }
  return `sha256:${h.digest('hex').slice(0, 16)}`;
}

function changesBetween(config: SluiceConfig, before: Deployment, next: SluiceConfig, after: Deployment): DeploymentChanges {
  const name = (c: { product: string; major: number }) => `${c.product} v${c.major}`;
  const old = new Map(before.catalog.contracts.map((c) => [versionKey(c.product, c.major), c]));
  const now = new Map(after.catalog.contracts.map((c) => [versionKey(c.product, c.major), c]));
  const servedNow = new Set(after.catalog.served().map((c) => versionKey(c.product, c.major)));
  const oldPolicies = new Map(before.policies.map((p) => [p.id, JSON.stringify({ ...p, file: undefined })]));
  const newPolicies = new Map(after.policies.map((p) => [p.id, JSON.stringify({ ...p, file: undefined })]));
  return {
    added: [...now.entries()].filter(([k]) => !old.has(k)).map(([, c]) => name(c)),
    removed: [...old.entries()].filter(([k]) => !now.has(k)).map(([, c]) => name(c)),
    status: [...now.entries()].flatMap(([k, c]) => {
      const was = old.get(k);
      return was && was.status !== c.status ? [`${name(c)}: ${was.status} → ${c.status}`] : [];
    }),
    retired: before.catalog
      .served()
      .filter((c) => !servedNow.has(versionKey(c.product, c.major)))
      .map(name),
    policies: [...new Set([...oldPolicies.keys(), ...newPolicies.keys()])]
      .filter((id) => oldPolicies.get(id) !== newPolicies.get(id))
      .sort(),
    config: RELOADABLE.filter((p) => !same(at(config.raw, p), at(next.raw, p))),
  };
}

/** The audit line of a reload: who asked, on which replica, what came of it. */
export function reloadAuditEvent(outcome: ReloadOutcome, replica: string): AuditEvent {
  return { time: new Date().toISOString(), event: 'reload', replica, ...outcome };
}
