#!/usr/bin/env node
// The `sluice` command. It runs the build in dist/ (compiled from src/ by
// `npm run build`, which `npm install` runs too): after changing src/, build
// again. The tests run the sources, and build dist/ first when it is older
// than them (scripts/build.mjs --if-stale), so what they spawn is current.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('sluice: dist/ is missing; run `npm run build` (npm install runs it too)');
  process.exit(1);
}
// Stack traces of unexpected errors (logged with the query id) point into src/.
process.setSourceMapsEnabled(true);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
