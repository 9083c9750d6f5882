// Builds dist/ from src/ with tsc (tsconfig.build.json): what `sluice`
// (bin/sluice.js), `npm start` and the decoder threads run.
//
//   node scripts/build.mjs             always: compiles (incrementally), and
//                                      drops what no source produces any more
//   node scripts/build.mjs --if-stale  only when a file under src/ (or the
//                                      build config) is newer than the last
//                                      build, or dist/ is missing
//
// The tests' global setup and the benchmark use --if-stale, so whatever
// spawns bin/sluice.js runs the sources as they are.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const stamp = join(root, 'dist', '.built');

/** The newest modification time under `path`, in ms. */
function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const entry of readdirSync(path)) t = Math.max(t, newest(join(path, entry)));
  return t;
}

export function isStale() {
  if (!existsSync(stamp)) return true;
  const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'tsconfig.json')), newest(join(root, 'tsconfig.build.json')));
  return sources > statSync(stamp).mtimeMs;
}

export function build() {
  const started = Date.now();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`tsc failed (exit ${run.status ?? run.signal}): see its output above`);
  dropOrphans(join(root, 'dist'), join(root, 'src'));
  writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
  // Dated when the build started: a source saved while tsc ran is newer, so the next --if-stale builds again.
  utimesSync(stamp, new Date(started), new Date(started));
  return Date.now() - started;
}

/** Removes outputs of sources that were moved or deleted since an earlier build (tsc leaves them). */
function dropOrphans(dist, src) {
  for (const entry of readdirSync(dist, { withFileTypes: true })) {
    const out = join(dist, entry.name);
    if (entry.isDirectory()) {
      if (!existsSync(join(src, entry.name))) rmSync(out, { recursive: true, force: true });
      else dropOrphans(out, join(src, entry.name));
      continue;
    }
    const source = /^(.*)\.js(\.map)?$/.exec(entry.name)?.[1];
    if (source !== undefined && !existsSync(join(src, `${source}.ts`))) rmSync(out);
  }
}

if (process.argv[1] === import.meta.filename) {
  if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);
  const ms = build();
  console.log(`built dist/ in ${(ms / 1000).toFixed(1)} s`);
}
