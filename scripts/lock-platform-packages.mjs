// Keeps package-lock.json installable with `npm ci`.
//
// Native packages (DuckDB's bindings) list one optional dependency per
// platform. The registry reachable here does not serve every platform's
// package, so `npm install` leaves them out of the lockfile, and `npm ci`
// then refuses the lockfile as out of sync ("Missing: … from lock file").
// This adds the missing entries with their os/cpu/libc, which npm ci skips on
// other platforms. Run it after `npm install` changes the lockfile.
//
//   node scripts/lock-platform-packages.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const platformOf = (name) => {
  const m = /-(darwin|linux|win32)-(x64|arm64|ia32|arm)(?:-(musl|gnu|msvc))?$/.exec(name);
  if (!m) return undefined;
  const [, os, cpu, abi] = m;
  const libc = os === 'linux' ? (abi === 'musl' ? 'musl' : 'glibc') : undefined;
  return { os: [os], cpu: [cpu], ...(libc && { libc: [libc] }) };
};

let added = 0;
for (const [path, pkg] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    const platform = platformOf(name);
    if (lock.packages[key] || !platform || !/^\d/.test(version)) continue;
    lock.packages[key] = { version, ...platform, ...(pkg.dev && { dev: true }), optional: true };
    added++;
    void path;
  }
}
const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lockfile: ${added} platform package entr${added === 1 ? 'y' : 'ies'} added`);
