import { SluiceError } from '../../errors.js';

/**
 * The work one request may make the engine do (docs/errors.md, RESOURCE_LIMIT),
 * shared by every plan the request runs (its page, its totalCount, its
 * relationship batches). Three measures, each checked as it grows, so a
 * query stops at the row group that would pass a limit instead of after the
 * fact:
 *
 * - rows scanned: rows of every row group read (pruned and never-reached
 *   groups cost nothing), charged before the row group is decoded;
 * - bytes read: compressed bytes of the column chunks read, from the
 *   footer, charged before they are fetched or decoded — local files and
 *   object storage alike;
 * - memory: bytes of decoded columns the request materialises, charged as
 *   each row group's columns arrive, and of the rows sorts keep (a top-K of
 *   offset + first + 1 rows, a relationship batch's related rows), charged
 *   as they fill, estimated. Operators may keep any decoded column, so the
 *   sum bounds what the request holds at once; it is not a measure of the
 *   process's memory.
 *
 * Columns served from the decoded-column cache count as if read: the budget
 * bounds the work a request asks for, so whether it fits must not depend on
 * what other requests happened to leave in the cache. An execution that
 * starts over (an object replaced while read) is charged again: the reads
 * were made.
 */
export interface ScanLimits {
  /** Absent: not limited. */
  readonly maxRowsScanned?: number;
  readonly maxBytesRead?: number;
  readonly maxMemoryBytes?: number;
}

/** What a request has used so far. */
export interface ScanUsage {
  readonly rowsScanned: number;
  readonly bytesRead: number;
  readonly memoryBytes: number;
  readonly rowGroupsRead: number;
}

export class ScanBudget {
  private readonly used = { rowsScanned: 0, bytesRead: 0, memoryBytes: 0, rowGroupsRead: 0 };

  constructor(private readonly limits: ScanLimits = {}) {}

  /** A row group about to be read: its rows and the compressed bytes of the chunks read from it. */
  chargeRowGroup(rows: number, bytes: number): void {
    this.check('maxRowsScanned', this.used.rowsScanned + rows);
    this.check('maxBytesRead', this.used.bytesRead + bytes);
    this.used.rowsScanned += rows;
    this.used.bytesRead += bytes;
    this.used.rowGroupsRead++;
  }

  /** Whether a row group of `rows` rows and `bytes` compressed bytes could be charged now. */
  allows(rows: number, bytes: number): boolean {
    const { maxRowsScanned = Infinity, maxBytesRead = Infinity } = this.limits;
    return this.used.rowsScanned + rows <= maxRowsScanned && this.used.bytesRead + bytes <= maxBytesRead;
  }

  /** More column chunks of a row group already charged (the second read of a two-phase read). */
  chargeBytes(bytes: number): void {
    this.check('maxBytesRead', this.used.bytesRead + bytes);
    this.used.bytesRead += bytes;
  }

  /** Decoded columns that reached the execution, or rows a sort keeps (`'rows'`). */
  chargeMemory(bytes: number, held: 'columns' | 'rows' = 'columns'): void {
    if (held === 'rows') this.sortedRows = true;
    const next = this.used.memoryBytes + bytes;
    if (this.limits.maxMemoryBytes !== undefined && next > this.limits.maxMemoryBytes) {
      throw this.sortedRows ? sortLimit(this.limits.maxMemoryBytes) : resourceLimit('maxMemoryBytes', this.limits.maxMemoryBytes);
    }
    this.used.memoryBytes = next;
  }

  /** Whether sorts hold part of the memory charged: the message then says so, whichever charge passes the limit. */
  private sortedRows = false;

  usage(): ScanUsage {
    return { ...this.used };
  }

  private check(limit: keyof ScanLimits, next: number): void {
    const max = this.limits[limit];
    if (max !== undefined && next > max) throw resourceLimit(limit, max);
  }
}

const WOULD: Record<keyof ScanLimits, (max: number) => string> = {
  maxRowsScanned: (max) => `scan more than ${max} rows`,
  maxBytesRead: (max) => `read more than ${max} bytes of source data`,
  maxMemoryBytes: (max) => `decode more than ${max} bytes of columns`,
};

/** Names the limit and its value, and what the caller can do; never a file or a value. */
function resourceLimit(limit: keyof ScanLimits, max: number): SluiceError {
  return new SluiceError(
    'RESOURCE_LIMIT',
    'user',
    `the request would ${WOULD[limit](max)}, the limit per request (server.limits.${limit}); ` +
      'narrow the filter (a range of the key the data is sorted by lets whole row groups be skipped), select fewer fields, or ask for smaller pages',
    { limit, value: max },
  );
}

/** The memory limit met while a sort fills: an offset or a page too big is the likelier cause than the filter. */
function sortLimit(max: number): SluiceError {
  return new SluiceError(
    'RESOURCE_LIMIT',
    'user',
    `the request would hold more than ${max} bytes of decoded columns and sorted rows, the limit per request (server.limits.maxMemoryBytes); ` +
      'a sort keeps every row it may return or skip: ask for a smaller offset (page with after: endCursor), smaller pages, or narrow the filter',
    { limit: 'maxMemoryBytes', value: max },
  );
}
