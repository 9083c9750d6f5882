import { ConfigError } from '../errors.js';
import { fieldOf, type Contract } from './contract.js';

/**
 * Relationships across contracts (docs/contracts.md), checked once every contract is
 * loaded: the target product and major exist, every `on` pair names a field
 * on both sides, and the two fields have the same type (a join key compared
 * across types would match nothing, or the wrong rows). A target that exists
 * but is not served (draft, retired, past its sunset) is not an error: the
 * relationship field is then left out of the schema until it is served.
 *
 * Each problem names the file, the line, and the relationship.
 */
export function checkRelationships(
  contracts: readonly Contract[],
  lineOf: (c: Contract, path: readonly (string | number)[]) => number | undefined,
): ConfigError[] {
  const errors: ConfigError[] = [];
  for (const c of contracts) {
    c.relationships.forEach((r, i) => {
      const problem = (path: (string | number)[], message: string) => {
        const line = lineOf(c, path);
        errors.push(
          new ConfigError(line === undefined ? c.file : `${c.file}:${line}`, `${path.join('.')} (relationship ${r.name}): ${message}`),
        );
      };
      const target = contracts.find((t) => t.product === r.product && t.major === r.major);
      if (!target) {
        const majors = contracts.filter((t) => t.product === r.product).map((t) => `v${t.major}`);
        problem(
          ['relationships', i, majors.length > 0 ? 'major' : 'product'],
          majors.length > 0
            ? `product ${r.product} has no major ${r.major} (it has ${majors.join(', ')})`
            : `product ${r.product} does not exist`,
        );
        return;
      }
      for (const [from, to] of Object.entries(r.on)) {
        const mine = fieldOf(c, from);
        const theirs = fieldOf(target, to);
        if (!mine) problem(['relationships', i, 'on', from], `"${from}" is not a field of ${c.product} v${c.major}`);
        else if (!theirs) problem(['relationships', i, 'on', from], `"${to}" is not a field of ${target.product} v${target.major}`);
        else if (mine.type !== theirs.type) {
          problem(
            ['relationships', i, 'on', from],
            `${from} is ${mine.type} but ${target.product} v${target.major}'s ${to} is ${theirs.type}; join keys must have the same type`,
          );
        }
      }
    });
  }
  return errors;
}
