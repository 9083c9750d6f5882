import type { Contract } from '../contract/contract.js';
import type { ScanReport, SourceFileReport } from '../engine/engine.js';
import { fieldsReferenced, maskedFieldsOf, type PlanNode } from '../plan/plan.js';
import { accessTo, type Session } from '../session/session.js';

/**
 * Lineage of one response (docs/lineage-and-audit.md): for each root field that touched a
 * product, which version and contract, which files and how many of their row
 * groups were read (not for a product read under a row filter: ShownSource),
 * and (with governance) which policies and masks applied.
 * One recorder per request; plans report into it as they run.
 */
export interface SourceLineage {
  readonly uri: string;
  readonly etag: string;
  readonly rowGroupsScanned: number;
  readonly rowGroupsTotal: number;
  /** Object storage only: body bytes fetched for this file by the response's plans (cache hits cost nothing). */
  readonly bytesFetched?: number;
  /** Object storage only: requests sent for this file, retries included. */
  readonly requests?: number;
  /** Iceberg: a delete file applied to the data files read. */
  readonly role?: 'delete';
}

export interface ProductLineage {
  readonly path: readonly (string | number)[];
  readonly product: string;
  readonly major: number;
  readonly version: string;
  readonly contractHash: string;
  readonly sources: SourceLineage[];
  readonly policies: readonly { readonly id: string; readonly version: number }[];
  readonly maskedFields: string[];
  readonly rowFilter: boolean;
  /**
   * Present (true) when a plan of this field was answered from the result
   * cache (server.resultCache): its sources are the files that answer was
   * computed from, at the versions listed now; nothing was fetched for it.
   */
  readonly fromCache?: true;
  /** The engine that ran the product's plans (docs/configuration.md). */
  readonly engine: 'embedded' | 'duckdb' | 'trino';
  /**
   * External engines only: `sha256:<hex>` of the statement text sent (never
   * the text); when the field ran several statements (a page and its
   * totalCount), their hashes sorted and separated by a space.
   */
  readonly statementHash?: string;
  /** Iceberg: the snapshot read (docs/iceberg.md), its id exactly as the metadata records it. */
  readonly snapshot?: { readonly id: string; readonly timestamp: string };
}

/**
 * A file as the caller is shown it. For a product read under a row filter,
 * only the file (uri, etag): how many row groups were read, and what
 * fetching them cost, depend on the rows the filter hides (their number
 * shapes the row groups, their values the statistics that prune them), so
 * those figures are withheld. Such a product's `sources` then means "the
 * files this answer may derive from". Operators still get the figures, in
 * traces, metrics and OpenLineage.
 */
export type ShownSource = SourceLineage | Pick<SourceLineage, 'uri' | 'etag' | 'role'>;

export interface LineageExtension {
  readonly queryId: string;
  readonly decisionId: string;
  readonly products: readonly (Omit<ProductLineage, 'major' | 'sources'> & { readonly sources: readonly ShownSource[] })[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class LineageRecorder {
  /** In the order plans started (resolver order), not the order they finished; undefined until a plan of the entry has run. */
  private readonly entries = new Map<string, Mutable<ProductLineage> | undefined>();
  /** Fields the plans of each entry read (projected, filtered, sorted, masked), for OpenLineage's column lineage. */
  private readonly read = new Map<string, Set<string>>();
  /** Where each file sits in an entry's `sources`, by entry and uri: a product of a hundred files is merged in linear time. */
  private readonly sourceAt = new Map<string, Map<string, number>>();
  private readonly failed = new Map<string, ProductLineage>();

  constructor(private readonly session: Session) {}

  /**
   * Keeps the place of the field at `path` when its plan starts, so that
   * lineage lists fields in the order their plans started whatever the
   * order they finish in (a faster plan must not reorder lineage).
   */
  reserve(path: readonly (string | number)[], contract: Contract): void {
    const key = keyOf(path, contract);
    if (!this.entries.has(key)) this.entries.set(key, undefined);
  }

  /**
   * Adds what one plan read for the field at `path`; several plans of one
   * field merge. Policies come from the session; masked fields are those
   * whose masks the optimized plan applies.
   */
  record(
    path: readonly (string | number)[],
    contract: Contract,
    result: { readonly scans: readonly ScanReport[]; readonly optimized: PlanNode; readonly fromCache?: boolean },
  ): void {
    const { scans } = result;
    const key = keyOf(path, contract);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {
        path: [...path],
        product: contract.product,
        major: contract.major,
        version: contract.version,
        contractHash: contract.hash,
        sources: [],
        policies: [],
        maskedFields: [],
        rowFilter: false,
        engine: 'embedded',
      };
      this.entries.set(key, entry);
    }
    if (result.fromCache) entry.fromCache = true;
    const access = accessTo(this.session, contract.product, contract.major);
    if (access) {
      entry.policies = access.policies.map((p) => ({ ...p }));
      entry.rowFilter = access.rowFilter !== undefined;
    }
    const read = this.read.get(key) ?? new Set<string>();
    this.read.set(key, read);
    for (const field of fieldsReferenced(result.optimized)) read.add(field);
    for (const field of maskedFieldsOf(result.optimized)) if (!entry.maskedFields.includes(field)) entry.maskedFields.push(field);
    // The page and the count of one field run concurrently: list masked fields
    // in contract order, not in the order their plans happened to finish.
    const order = (f: string) => contract.fields.findIndex((c) => c.name === f);
    entry.maskedFields.sort((a, b) => order(a) - order(b));
    for (const scan of scans) {
      if (scan.product !== contract.product || scan.major !== contract.major) continue;
      if (scan.snapshot !== undefined)
        entry.snapshot = { id: scan.snapshot.id, timestamp: new Date(scan.snapshot.timestampMs).toISOString() };
      let at = this.sourceAt.get(key);
      if (at === undefined) this.sourceAt.set(key, (at = new Map()));
      for (const s of scan.sources) mergeSource(entry.sources, at, s);
      if (scan.engine !== undefined) entry.engine = scan.engine;
      if (scan.statementHash !== undefined) {
        const hashes = new Set(entry.statementHash?.split(' '));
        hashes.add(scan.statementHash);
        entry.statementHash = [...hashes].sort().join(' ');
      }
    }
  }

  /** A plan of the field at `path` failed: not lineage of the response (nothing was read for it), but of the run (OpenLineage FAIL). */
  recordFailure(path: readonly (string | number)[], contract: Contract): void {
    const key = keyOf(path, contract);
    if (this.entries.get(key) === undefined && !this.failed.has(key)) {
      this.failed.set(key, {
        path: [...path],
        product: contract.product,
        major: contract.major,
        version: contract.version,
        contractHash: contract.hash,
        sources: [],
        policies: [],
        maskedFields: [],
        rowFilter: false,
        engine: 'embedded',
      });
    }
  }

  /** Whether any plan ran, whether or not it succeeded. */
  get attempted(): boolean {
    return this.touched || this.failed.size > 0;
  }

  /** What the request read, per field and product version, in the order plans started (OpenLineage); failed fields last, with no sources. */
  products(): readonly (ProductLineage & { readonly fieldsRead: readonly string[] })[] {
    const recorded = this.recorded();
    const failed = [...this.failed.values()].filter((f) => this.entries.get(keyOf(f.path, f)) === undefined);
    return [...recorded, ...failed].map((e) => ({ ...e, fieldsRead: [...(this.read.get(keyOf(e.path, e)) ?? [])] }));
  }

  get queryId(): string {
    return this.session.queryId;
  }

  get touched(): boolean {
    return this.recorded().length > 0;
  }

  toExtension(): LineageExtension {
    return {
      queryId: this.session.queryId,
      decisionId: this.session.decisionId,
      // `major` is internal bookkeeping; docs/lineage-and-audit.md names the version instead.
      products: this.recorded().map(({ major: _, ...shown }) =>
        shown.rowFilter ? { ...shown, sources: shown.sources.map(({ uri, etag, role }) => ({ uri, etag, ...(role && { role }) })) } : shown,
      ),
    };
  }

  private recorded(): Mutable<ProductLineage>[] {
    return [...this.entries.values()].filter((e) => e !== undefined);
  }
}

const keyOf = (path: readonly (string | number)[], contract: Pick<Contract, 'product' | 'major'>) =>
  `${path.join('.')}|${contract.product}@${contract.major}`;

/**
 * The page and the totalCount of one field read the same files; lineage shows
 * each file once with the larger number of row groups read, and what
 * fetching it cost all those plans together.
 */
function mergeSource(into: SourceLineage[], at: Map<string, number>, s: SourceFileReport): void {
  const i = at.get(s.uri) ?? -1;
  const prev = i < 0 ? undefined : into[i]!;
  const sum = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));
  const bytesFetched = sum(prev?.bytesFetched, s.bytesFetched);
  const requests = sum(prev?.requests, s.requests);
  const cost = { ...(bytesFetched !== undefined && { bytesFetched }), ...(requests !== undefined && { requests }) };
  const next: SourceLineage = {
    uri: s.uri,
    etag: s.etag,
    ...(s.role !== undefined && { role: s.role }),
    rowGroupsScanned: s.rowGroupsScanned,
    rowGroupsTotal: s.rowGroupsTotal,
    ...cost,
  };
  if (prev === undefined) at.set(s.uri, into.push(next) - 1);
  else if (prev.rowGroupsScanned < s.rowGroupsScanned) into[i] = next;
  else into[i] = { ...prev, ...cost };
}
