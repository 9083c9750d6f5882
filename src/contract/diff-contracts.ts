import semver from 'semver';
import { CLASSIFICATIONS, OPERATOR_GROUPS, type Contract, type ContractField, type FieldType, type Relationship } from './contract.js';

/**
 * What a contract change does to the people who use the product, at the
 * level of the contract (docs/contracts.md). `sluice contract diff` adds the GraphQL
 * level (the generated SDL of each side, compared by graphql-inspector) and
 * gates on the result.
 *
 * - `breaking`  a client that works today can fail or get different
 *               answers tomorrow: bump the major (a new v<N>.yaml, served
 *               side by side) instead;
 * - `dangerous` the API keeps its shape, but reviewers should look: data,
 *               protection or schedules change (a sunset, a new column
 *               behind a field, a classification);
 * - `safe`      additions and documentation.
 *
 * Fields are matched by name; a field that disappears while a new one reads
 * the same source column (and type) is reported as a rename, which keeps the
 * data but still breaks clients of the old name.
 */
export type Severity = 'breaking' | 'dangerous' | 'safe';

export interface ContractChange {
  readonly level: 'contract' | 'graphql';
  /** Stable kebab-case name of the kind of change, e.g. `field-removed`. */
  readonly kind: string;
  readonly severity: Severity;
  /** Where: `fields.total_amount`, `limits.maxPageSize`, or a GraphQL schema coordinate. */
  readonly path: string;
  readonly message: string;
}

const SEVERITY_ORDER: Record<Severity, number> = { breaking: 0, dangerous: 1, safe: 2 };

export const bySeverity = (a: ContractChange, b: ContractChange) =>
  SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.level === b.level ? 0 : a.level === 'contract' ? -1 : 1);

/** Whether every value of `from` fits `to` (and keeps its meaning). */
const WIDENINGS: Readonly<Partial<Record<FieldType, readonly FieldType[]>>> = {
  int32: ['int64', 'float64'],
  date: ['timestamp'],
};

export function diffContracts(before: Contract, after: Contract): ContractChange[] {
  const changes: ContractChange[] = [];
  const add = (kind: string, severity: Severity, path: string, message: string) =>
    changes.push(Object.freeze({ level: 'contract', kind, severity, path, message }));

  if (before.product !== after.product) {
    add(
      'product-renamed',
      'breaking',
      'product',
      `product ${before.product} became ${after.product}: every root field and type name changes`,
    );
  }
  diffVersion(before, after, add);
  diffStatus(before, after, add);
  if (before.owner !== after.owner) add('owner-changed', 'safe', 'owner', `owner ${before.owner} → ${after.owner}`);
  if ((before.description ?? '') !== (after.description ?? ''))
    add('description-changed', 'safe', 'description', 'product description changed');

  if (before.source.format !== after.source.format) {
    add(
      'source-format-changed',
      'breaking',
      'source.format',
      `source format ${before.source.format} → ${after.source.format}: values are read by a different decoder`,
    );
  }
  if (before.source.location !== after.source.location) {
    add(
      'source-location-changed',
      'dangerous',
      'source.location',
      `source ${before.source.location} → ${after.source.location}: the same fields over other data`,
    );
  }
  if (before.primaryKey.join(',') !== after.primaryKey.join(',')) {
    add(
      'primary-key-changed',
      'breaking',
      'primaryKey',
      `primary key [${before.primaryKey.join(', ')}] → [${after.primaryKey.join(', ')}]: the default order and the tie-breaker change, and cursors minted before no longer apply`,
    );
  }

  const { maxPageSize: maxBefore, defaultPageSize: defBefore } = before.limits;
  const { maxPageSize: maxAfter, defaultPageSize: defAfter } = after.limits;
  if (maxAfter < maxBefore) {
    add(
      'max-page-size-lowered',
      'breaking',
      'limits.maxPageSize',
      `maxPageSize ${maxBefore} → ${maxAfter}: requests with first > ${maxAfter} now fail with BAD_USER_INPUT`,
    );
  } else if (maxAfter > maxBefore) {
    add('max-page-size-raised', 'safe', 'limits.maxPageSize', `maxPageSize ${maxBefore} → ${maxAfter}`);
  }
  if (defAfter < defBefore) {
    add(
      'default-page-size-lowered',
      'dangerous',
      'limits.defaultPageSize',
      `defaultPageSize ${defBefore} → ${defAfter}: requests without first get fewer rows a page`,
    );
  } else if (defAfter > defBefore) {
    add('default-page-size-raised', 'safe', 'limits.defaultPageSize', `defaultPageSize ${defBefore} → ${defAfter}`);
  }

  diffFields(before, after, add);
  diffRelationships(before, after, add);
  return changes;
}

type Add = (kind: string, severity: Severity, path: string, message: string) => void;

function diffVersion(before: Contract, after: Contract, add: Add): void {
  const cmp = semver.compare(after.version, before.version);
  if (cmp < 0) {
    add('version-lowered', 'breaking', 'version', `version ${before.version} → ${after.version} goes backwards`);
  } else if (cmp > 0) {
    const bump = semver.diff(before.version, after.version) ?? 'patch';
    add(`version-${bump.replace(/^pre/, '')}-bump`, 'safe', 'version', `version ${before.version} → ${after.version}`);
  }
}

function diffStatus(before: Contract, after: Contract, add: Add): void {
  if (before.status !== after.status) {
    const transition = `status ${before.status} → ${after.status}`;
    switch (after.status) {
      case 'retired':
        add('status-retired', 'breaking', 'status', `${transition}: the version is no longer served`);
        break;
      case 'draft':
        add('status-draft', before.status === 'draft' ? 'safe' : 'breaking', 'status', `${transition}: drafts are not served`);
        break;
      case 'deprecated':
        add('status-deprecated', 'dangerous', 'status', `${transition}: served until its sunset ${after.sunset ?? '(none)'}, then retired`);
        break;
      case 'active':
        add('status-active', 'safe', 'status', transition);
        break;
    }
  }
  if (before.sunset !== after.sunset) {
    if (after.sunset === undefined) add('sunset-removed', 'safe', 'sunset', `sunset ${before.sunset} removed`);
    else if (before.sunset === undefined)
      add('sunset-set', 'dangerous', 'sunset', `sunset set to ${after.sunset}: the version stops being served after it`);
    else if (after.sunset < before.sunset)
      add('sunset-earlier', 'dangerous', 'sunset', `sunset ${before.sunset} → ${after.sunset}: clients have less time to move`);
    else add('sunset-later', 'safe', 'sunset', `sunset ${before.sunset} → ${after.sunset}`);
  }
}

function diffFields(before: Contract, after: Contract, add: Add): void {
  const afterByName = new Map(after.fields.map((f) => [f.name, f]));
  const beforeByName = new Map(before.fields.map((f) => [f.name, f]));
  const added = after.fields.filter((f) => !beforeByName.has(f.name));
  const renamedTo = new Set<string>();

  for (const old of before.fields) {
    const now = afterByName.get(old.name);
    if (now) {
      diffField(old, now, add);
      continue;
    }
    // Column continuity: a new field over the same column, of the same type.
    const successor = added.find((f) => f.column === old.column && f.type === old.type && !renamedTo.has(f.name));
    if (successor) {
      renamedTo.add(successor.name);
      add(
        'field-renamed',
        'breaking',
        `fields.${old.name}`,
        `field ${old.name} renamed to ${successor.name} (same column ${old.column}): the data continues, but clients asking for ${old.name} fail; keep ${old.name} as a deprecated field for a major`,
      );
    } else {
      add(
        'field-removed',
        'breaking',
        `fields.${old.name}`,
        `field ${old.name} (column ${old.column}) removed: clients asking for it fail`,
      );
    }
  }
  for (const f of added) {
    if (renamedTo.has(f.name)) continue;
    add(
      'field-added',
      'safe',
      `fields.${f.name}`,
      `field ${f.name} (${f.type}${f.nullable ? '' : ', non-null'}, ${f.classification}) added`,
    );
  }
}

function diffField(old: ContractField, now: ContractField, add: Add): void {
  const at = `fields.${old.name}`;
  if (old.column !== now.column) {
    add(
      'field-column-changed',
      'dangerous',
      `${at}.column`,
      `field ${old.name} reads column ${now.column} instead of ${old.column}: same name, other data`,
    );
  }
  if (old.type !== now.type) {
    const widened = WIDENINGS[old.type]?.includes(now.type) ?? false;
    add(
      widened ? 'field-type-widened' : 'field-type-narrowed',
      widened ? 'dangerous' : 'breaking',
      `${at}.type`,
      widened
        ? `field ${old.name} type ${old.type} → ${now.type}: every value still fits, but its GraphQL type changes`
        : `field ${old.name} type ${old.type} → ${now.type}: values${old.type === 'string' || now.type === 'string' ? ' change representation' : ' may not fit'}, and its GraphQL type changes`,
    );
  }
  if (!old.nullable && now.nullable) {
    add('field-nullable', 'breaking', `${at}.nullable`, `field ${old.name} becomes nullable: clients that rely on a value get null`);
  } else if (old.nullable && !now.nullable) {
    add(
      'field-non-null',
      'dangerous',
      `${at}.nullable`,
      `field ${old.name} becomes non-null: safe to read, but the source must hold no nulls (serve checks it)`,
    );
  }
  const lost = OPERATOR_GROUPS.filter((g) => old.filter.includes(g) && !now.filter.includes(g));
  const gained = OPERATOR_GROUPS.filter((g) => !old.filter.includes(g) && now.filter.includes(g));
  if (lost.length > 0) {
    add('operator-group-removed', 'breaking', `${at}.filter`, `field ${old.name} can no longer be filtered with ${lost.join(', ')}`);
  }
  if (gained.length > 0)
    add('operator-group-added', 'safe', `${at}.filter`, `field ${old.name} can now be filtered with ${gained.join(', ')}`);
  if (old.sort && !now.sort) add('sort-removed', 'breaking', `${at}.sort`, `field ${old.name} can no longer be sorted on`);
  if (!old.sort && now.sort) add('sort-added', 'safe', `${at}.sort`, `field ${old.name} can now be sorted on`);

  const rank = (c: ContractField['classification']) => CLASSIFICATIONS.indexOf(c);
  if (rank(now.classification) > rank(old.classification)) {
    add(
      'classification-raised',
      'dangerous',
      `${at}.classification`,
      `field ${old.name} classification ${old.classification} → ${now.classification}: policies may now mask or deny it to callers that read it today`,
    );
  } else if (rank(now.classification) < rank(old.classification)) {
    add(
      'classification-lowered',
      'dangerous',
      `${at}.classification`,
      `field ${old.name} classification ${old.classification} → ${now.classification}: check that the data really is less sensitive`,
    );
  }
  if (old.deprecated === undefined && now.deprecated !== undefined) {
    add('field-deprecated', 'safe', `${at}.deprecated`, `field ${old.name} deprecated: ${now.deprecated}`);
  } else if (old.deprecated !== undefined && now.deprecated === undefined) {
    add('field-undeprecated', 'safe', `${at}.deprecated`, `field ${old.name} no longer deprecated`);
  }
  if ((old.description ?? '') !== (now.description ?? ''))
    add('field-description-changed', 'safe', `${at}.description`, `field ${old.name} description changed`);
}

function diffRelationships(before: Contract, after: Contract, add: Add): void {
  const afterByName = new Map(after.relationships.map((r) => [r.name, r]));
  const beforeNames = new Set(before.relationships.map((r) => r.name));
  const describe = (r: Relationship) =>
    `${r.kind} ${r.product} v${r.major} on ${Object.entries(r.on)
      .map(([a, b]) => `${a}=${b}`)
      .join(', ')}`;
  for (const old of before.relationships) {
    const now = afterByName.get(old.name);
    const at = `relationships.${old.name}`;
    if (!now) {
      add('relationship-removed', 'breaking', at, `relationship ${old.name} (${describe(old)}) removed`);
      continue;
    }
    if (old.product !== now.product || old.major !== now.major || old.kind !== now.kind) {
      add(
        'relationship-target-changed',
        'breaking',
        at,
        `relationship ${old.name}: ${describe(old)} → ${describe(now)}: its GraphQL type changes`,
      );
    } else if (JSON.stringify(Object.entries(old.on).sort()) !== JSON.stringify(Object.entries(now.on).sort())) {
      add(
        'relationship-keys-changed',
        'dangerous',
        at,
        `relationship ${old.name} joins ${describe(now)} instead of ${describe(old)}: other rows are related`,
      );
    }
  }
  for (const r of after.relationships) {
    if (!beforeNames.has(r.name))
      add('relationship-added', 'safe', `relationships.${r.name}`, `relationship ${r.name} (${describe(r)}) added`);
  }
}

/**
 * The gate: breaking changes are allowed only with a new major (served side
 * by side with the old one).
 */
export function breaksSameMajor(before: Contract, after: Contract, changes: readonly ContractChange[]): boolean {
  return after.major <= before.major && changes.some((c) => c.severity === 'breaking');
}
