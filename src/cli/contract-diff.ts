import { readFileSync } from 'node:fs';
import { CriticalityLevel, diff as diffSchemas, type Change } from '@graphql-inspector/core';
import type { GraphQLSchema } from 'graphql';
import { Catalog } from '../contract/catalog.js';
import type { Contract } from '../contract/contract.js';
import { breaksSameMajor, bySeverity, diffContracts, type ContractChange, type Severity } from '../contract/diff-contracts.js';
import { parseContract } from '../contract/load-contracts.js';
import { displayPath } from '../contract/yaml-file.js';
import { SluiceError } from '../errors.js';
import { buildSchema } from '../graphql/build-schema.js';

/**
 * `sluice contract diff <old.yaml> <new.yaml>` (docs/cli.md): every change
 * between two versions of a contract, classified breaking / dangerous / safe
 * at the contract level (diff-contracts.ts) and at the GraphQL level — the SDL
 * each contract generates on its own, compared by graphql-inspector. Needs
 * nothing but the two files (no config, no data), so it runs in any CI.
 *
 * The gate fails when a breaking change keeps the same major version.
 */
export interface ContractDiff {
  readonly before: VersionSummary;
  readonly after: VersionSummary;
  readonly changes: readonly ContractChange[];
  readonly counts: Readonly<Record<Severity, number>>;
  /** `fail`: a breaking change within the same major. */
  readonly gate: 'pass' | 'fail';
}

interface VersionSummary {
  readonly file: string;
  readonly product: string;
  readonly version: string;
  readonly major: number;
  readonly status: string;
}

export async function diffContractFiles(oldFile: string, newFile: string): Promise<ContractDiff> {
  return diffContractVersions(readContract(oldFile), readContract(newFile));
}

export async function diffContractVersions(before: Contract, after: Contract): Promise<ContractDiff> {
  const changes = [...diffContracts(before, after), ...(await diffGraphQL(before, after))].sort(bySeverity);
  const counts = { breaking: 0, dangerous: 0, safe: 0 };
  for (const c of changes) counts[c.severity]++;
  return {
    before: summary(before),
    after: summary(after),
    changes,
    counts,
    gate: breaksSameMajor(before, after, changes) ? 'fail' : 'pass',
  };
}

function readContract(file: string): Contract {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new SluiceError('BAD_USER_INPUT', 'user', `cannot read ${displayPath(file)}`);
  }
  return parseContract(text, file);
}

const summary = (c: Contract): VersionSummary => ({
  file: c.file,
  product: c.product,
  version: c.version,
  major: c.major,
  status: c.status,
});

const CRITICALITY: Record<CriticalityLevel, Severity> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};

/**
 * Across majors (v1 → v2 are served side by side, under other names), the
 * old contract is shaped under the new major's names: the diff then says
 * what changes for a client that moves from ordersV1 to ordersV2, not that
 * every type was renamed.
 */
async function diffGraphQL(before: Contract, after: Contract): Promise<ContractChange[]> {
  const aligned = before.product === after.product && before.major !== after.major ? { ...before, major: after.major } : before;
  const changes: Change[] = await diffSchemas(shapeOf(aligned), shapeOf(after));
  return changes.map((c) =>
    Object.freeze({
      level: 'graphql' as const,
      kind: c.type,
      severity: CRITICALITY[c.criticality.level],
      path: c.path ?? '',
      // Inspector's reasons are generic advice; they help only where the
      // verdict depends on the clients (dangerous).
      message:
        c.criticality.level === CriticalityLevel.Dangerous && c.criticality.reason ? `${c.message} (${c.criticality.reason})` : c.message,
    }),
  );
}

/**
 * The API one contract generates on its own (docs/graphql.md). Status decides
 * whether a version is served, not what it looks like: a draft or retired
 * contract is shown as if served (its status change is reported at the
 * contract level), a deprecated one with its sunset whatever today is.
 * Relationships name other products; when the schema cannot be built
 * without them, they are left out here (the contract level reports them).
 */
function shapeOf(contract: Contract): GraphQLSchema {
  const served: Contract = contract.status === 'deprecated' ? contract : { ...contract, status: 'active' };
  const options = { cursorSecret: Buffer.alloc(32), today: '0000-01-01' };
  try {
    return buildSchema(new Catalog([served]), options);
  } catch (e) {
    if (served.relationships.length === 0) throw e;
    return buildSchema(new Catalog([{ ...served, relationships: [] }]), options);
  }
}

const ICON: Record<Severity, string> = { breaking: '🔴 breaking', dangerous: '🟡 dangerous', safe: '🟢 safe' };

/** A table for a pull request comment. */
export function formatDiffMarkdown(d: ContractDiff): string {
  const { before: b, after: a } = d;
  const title =
    b.product === a.product ? `${b.product} ${b.version} → ${a.version}` : `${b.product} ${b.version} → ${a.product} ${a.version}`;
  const lines = [`### Contract diff: ${title}`, ''];
  const tally = `${d.counts.breaking} breaking, ${d.counts.dangerous} dangerous, ${d.counts.safe} safe`;
  if (d.changes.length === 0) lines.push('No changes.');
  else if (d.gate === 'fail') {
    lines.push(
      `**Gate: fail** — ${tally}. Breaking changes need a new major version (v${b.major + 1}.yaml, served side by side with v${b.major}).`,
    );
  } else if (d.counts.breaking > 0) {
    lines.push(`**Gate: pass** — ${tally}; the breaking changes come with a new major (v${b.major} → v${a.major}).`);
  } else lines.push(`**Gate: pass** — ${tally}.`);
  const table = (changes: readonly ContractChange[]) => [
    '| severity | level | change | where | what |',
    '|---|---|---|---|---|',
    ...changes.map((c) => `| ${ICON[c.severity]} | ${c.level} | \`${c.kind}\` | \`${c.path}\` | ${escapeCell(c.message)} |`),
  ];
  const review = d.changes.filter((c) => c.severity !== 'safe');
  const safe = d.changes.filter((c) => c.severity === 'safe');
  if (review.length > 0) lines.push('', ...table(review));
  // Safe changes (additions, descriptions) folded, so the review stays readable.
  if (safe.length > 0)
    lines.push(
      '',
      `<details><summary>${safe.length} safe change${safe.length === 1 ? '' : 's'}</summary>`,
      '',
      ...table(safe),
      '',
      '</details>',
    );
  return lines.join('\n');
}

const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
