import type { DelegatedS3Access } from '../../storage/s3-store.js';

/**
 * A catalog finds a table by name: `source: { format: iceberg, catalog: lake,
 * table: sales.orders }` (docs/iceberg.md). This is the whole boundary between a
 * catalog and the Iceberg table layer: for a table identifier, where its
 * current metadata is, that metadata as text, and the storage access the
 * catalog grants for the table's objects. The table layer parses the
 * metadata itself (64-bit snapshot ids must not pass through JSON.parse).
 */
export interface TableCatalog {
  /** The name sluice.yaml gives the catalog (`catalogs.<name>`). */
  readonly name: string;
  /**
   * The table's current metadata. Cheap to call per request: an answer is
   * reused for the catalog's refresh interval, then revalidated with one
   * conditional request. `label` (the product) starts error messages.
   * Throws SOURCE_UNAVAILABLE when the catalog does not have the table,
   * refuses access, or cannot be reached (after retries).
   */
  loadTable(table: TableIdentifier, label: string): Promise<CatalogTable>;
}

export interface CatalogTable {
  /** The metadata file the catalog points at (absent only for a table staged in a transaction). */
  readonly metadataLocation: string | undefined;
  /**
   * The table metadata JSON (the `metadata` object of the catalog's
   * answer) as text, every number exactly as the catalog wrote it.
   */
  readonly metadataJson: string;
  /** Changes whenever the metadata may have: the catalog's ETag, else the metadata location. For caches. */
  readonly version: string;
  /**
   * Storage credentials the catalog vended for the table, by location prefix;
   * pass them to the S3 store's `list` for the table's objects. Each renews
   * itself before it expires. Empty: the deployment's own storage settings
   * apply (the catalog vended none, or none was asked for).
   */
  readonly storage: readonly DelegatedS3Access[];
}

/** `sales.orders` → namespace [sales], name orders; `a.b.c` → namespace [a, b], name c. */
export interface TableIdentifier {
  readonly namespace: readonly string[];
  readonly name: string;
}

/**
 * The identifier a contract writes (`table: sales.orders`), or why it is not
 * one. Parts are dot-separated and non-empty; at least one namespace level.
 */
export function parseTableIdentifier(text: string): TableIdentifier | string {
  const parts = text.split('.');
  if (parts.length < 2) return 'a catalog table is named namespace.table (for example sales.orders)';
  if (parts.some((p) => p.trim() === '' || p !== p.trim()))
    return 'namespace and table names must be non-empty, without spaces around them';
  // The REST protocol separates namespace levels with the unit separator; a name holding one would be split.
  if (parts.some((p) => [...p].some((ch) => ch.charCodeAt(0) < 0x20)))
    return 'namespace and table names must not contain control characters';
  return { namespace: parts.slice(0, -1), name: parts[parts.length - 1]! };
}

export const tableName = (t: TableIdentifier) => [...t.namespace, t.name].join('.');
