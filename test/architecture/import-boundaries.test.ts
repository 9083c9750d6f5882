import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer order of src/ (eslint.config.js, ARCHITECTURE.md) is enforced
 * by ESLint's import boundaries: this lints planted imports with the
 * project's own configuration, so a rule that stops matching (a renamed
 * folder, a broken pattern) fails here, not silently in CI.
 */
const root = join(import.meta.dirname, '../..');
let eslint: ESLint;
let LAYERS: readonly string[];
let APART: Readonly<Record<string, readonly string[]>>;

beforeAll(async () => {
  eslint = new ESLint({ cwd: root });
  ({ LAYERS, APART } = (await import(pathToFileURL(join(root, 'eslint.config.js')).href)) as {
    LAYERS: string[];
    APART: Record<string, string[]>;
  });
});

/** The boundary messages ESLint reports for `code` placed at `filePath`. */
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it('refuses the backward import that used to loop the folders (policy → graphql)', async () => {
    const errors = await boundaryErrors('src/policy/x.ts', `import { x } from '../graphql/compile-where.js';`);
    expect(errors).toEqual([expect.stringContaining('src/policy may import only from')]);
  });

  it('allows the same import from below both layers (policy → plan)', async () => {
    expect(await boundaryErrors('src/policy/x.ts', `import { x } from '../plan/compile-where.js';`)).toEqual([]);
  });

  it('refuses a backward import from inside an engine room, however deep', async () => {
    expect(await boundaryErrors('src/engine/scan/x.ts', `import { x } from '../../session/session.js';`)).toHaveLength(1);
    expect(await boundaryErrors('src/engine/table/iceberg/scan/x.ts', `import { x } from '../../../../graphql/context.js';`)).toHaveLength(
      1,
    );
    expect(await boundaryErrors('src/engine/scan/x.ts', `import { x } from '../columnar/batch.js';`)).toEqual([]);
  });

  it('keeps the optimizer and the engine apart both ways', async () => {
    expect(await boundaryErrors('src/engine/x.ts', `import { x } from './../optimizer/optimize.js';`)).toHaveLength(1);
    expect(await boundaryErrors('src/optimizer/x.ts', `import { x } from '../engine/engine.js';`)).toHaveLength(1);
  });

  it('lets other layers into the engine only through engine/engine.js', async () => {
    expect(await boundaryErrors('src/server/x.ts', `import { x } from '../engine/engine.js';`)).toEqual([]);
    expect(await boundaryErrors('src/server/x.ts', `import { x } from '../engine/scan/scan.js';`)).toEqual([
      expect.stringContaining('only through engine/engine.js'),
    ]);
    expect(await boundaryErrors('src/session/x.ts', `import type { x } from '../engine/engine-interface.js';`)).toHaveLength(1);
  });

  it('allows every forward import and refuses every backward one, for each pair of layers', async () => {
    for (const [i, from] of LAYERS.entries()) {
      for (const [j, to] of LAYERS.entries()) {
        if (i === j) continue;
        const target = to === 'engine' ? 'engine/engine.js' : `${to}/x.js`;
        const errors = await boundaryErrors(`src/${from}/x.ts`, `import { x } from '../${target}';`);
        const allowed = j > i && !(APART[from] ?? []).includes(to);
        expect({ from, to, refused: errors.length > 0 }).toEqual({ from, to, refused: !allowed });
      }
    }
  });

  it('finds no boundary error in src/ as it is', async () => {
    const results = await eslint.lintFiles(['src']);
    const errors = results.flatMap((r) =>
      r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${r.filePath}: ${m.message}`),
    );
    expect(errors).toEqual([]);
  });
});
