import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Tests run the sources, but the end-to-end and CLI tests spawn
 * `bin/sluice.js`, which runs dist/: build it first when it is older than
 * src/ (about 15 s; nothing when it is current), so they test the sources
 * as they are.
 */
export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  const run = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) throw new Error('building dist/ for the tests failed: see the tsc output above');
}
