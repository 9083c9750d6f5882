/**
 * The table contract (docs/contracts.md): the one description of a data product version
 * from which its GraphQL API, its plan and its checks are derived.
 * Loaded contracts are frozen plain data.
 */
export const FIELD_TYPES = ['string', 'boolean', 'int32', 'int64', 'float64', 'date', 'timestamp'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const OPERATOR_GROUPS = ['eq', 'in', 'range', 'text', 'null'] as const;
export type OperatorGroup = (typeof OPERATOR_GROUPS)[number];

export const CLASSIFICATIONS = ['public', 'internal', 'confidential', 'restricted'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export const STATUSES = ['draft', 'active', 'deprecated', 'retired'] as const;
export type ContractStatus = (typeof STATUSES)[number];

export interface ContractField {
  /** GraphQL field name, verbatim. */
  readonly name: string;
  /** Source column; equals `name` unless the field was renamed. */
  readonly column: string;
  readonly type: FieldType;
  readonly nullable: boolean;
  readonly description?: string;
  readonly classification: Classification;
  readonly filter: readonly OperatorGroup[];
  readonly sort: boolean;
  readonly deprecated?: string;
}

export interface Relationship {
  readonly name: string;
  readonly product: string;
  readonly major: number;
  readonly kind: 'one' | 'many';
  readonly on: Readonly<Record<string, string>>;
}

export interface ContractLimits {
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
  /** Most groups one aggregate request may form (more is a RESOURCE_LIMIT error, never a truncated answer). */
  readonly maxGroups: number;
  /**
   * Most rows of this product one relationship batch may hold in memory: a
   * kind-many batch reads every related row of a page of parents before
   * paging each parent's rows (more is a RESOURCE_LIMIT error).
   */
  readonly maxRelatedRows: number;
}

export interface ContractSource {
  /** `parquet`: a glob of Parquet files; `iceberg`: an Apache Iceberg table (docs/iceberg.md). */
  readonly format: 'parquet' | 'iceberg';
  /** As written in the contract; for a table found through a catalog, `<catalog>:<namespace.table>`. */
  readonly location: string;
  /**
   * Parquet: an absolute glob for local files, or an `s3://` URI. Iceberg: the
   * absolute table root or metadata file, an `s3://` location, or
   * `catalog:<catalog>/<namespace.table>` for a table a catalog names.
   */
  readonly resolved: string;
  /** Iceberg through a catalog: the catalog's name in sluice.yaml and the table's identifier. */
  readonly catalog?: string;
  readonly table?: string;
}

/** How `ContractSource.resolved` names a table that a catalog of sluice.yaml finds. */
export const catalogSource = (catalog: string, table: string) => `catalog:${catalog}/${table}`;

export interface Contract {
  readonly product: string;
  readonly version: string;
  readonly major: number;
  readonly status: ContractStatus;
  readonly sunset?: string;
  readonly owner: string;
  readonly description?: string;
  readonly source: ContractSource;
  readonly primaryKey: readonly string[];
  readonly limits: ContractLimits;
  readonly fields: readonly ContractField[];
  readonly relationships: readonly Relationship[];
  /** `sha256:<hex>` of the file's bytes, reported in lineage. */
  readonly hash: string;
  /** The file it came from, as shown in messages. */
  readonly file: string;
}

/** Operator groups a type supports, in the order they are listed by default. */
export function operatorGroupsFor(type: FieldType): readonly OperatorGroup[] {
  switch (type) {
    case 'string':
      return ['eq', 'in', 'range', 'text', 'null'];
    case 'boolean':
      return ['eq', 'null'];
    case 'int32':
    case 'int64':
    case 'float64':
    case 'date':
    case 'timestamp':
      return ['eq', 'in', 'range', 'null'];
  }
}

/** Types whose values have an order (sort, range, min/max). */
export const isOrdered = (type: FieldType) => type !== 'boolean';
export const isNumeric = (type: FieldType) => type === 'int32' || type === 'int64' || type === 'float64';

export const fieldOf = (c: Contract, name: string): ContractField | undefined => c.fields.find((f) => f.name === name);

/** `orders` major 2 → `OrdersV2`; `customer_risk` → `CustomerRiskV1`. */
export function typeName(product: string, major: number): string {
  const pascal = product
    .split('_')
    .filter((s) => s.length > 0)
    .map((s) => s[0]!.toUpperCase() + s.slice(1))
    .join('');
  return `${pascal}V${major}`;
}

/** `orders` major 2 → `ordersV2`. */
export function rootFieldName(product: string, major: number): string {
  const t = typeName(product, major);
  return t[0]!.toLowerCase() + t.slice(1);
}

/** A served version is identified by product and major. */
export const versionKey = (product: string, major: number) => `${product}@v${major}`;
