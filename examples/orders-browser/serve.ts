/**
 * Builds the page (esbuild bundles src/main.ts into one ES module) and
 * serves it on its own origin, so the gateway is another origin and the
 * browser applies CORS to every request the page makes:
 *
 *   npm run example              # http://localhost:5173, against the gateway at http://localhost:4000
 *
 * test/e2e/frontend-example.test.ts builds and serves it the same way,
 * on ports of its own.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The page's two files: index.html and the bundle it loads. */
export interface BuiltExample {
  readonly html: string;
  readonly script: string;
}

export async function buildExample(): Promise<BuiltExample> {
  const out = mkdtempSync(join(tmpdir(), 'sluice-example-'));
  await build({
    entryPoints: [join(HERE, 'src/main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    outfile: join(out, 'main.js'),
    logLevel: 'silent',
  });
  return { html: readFileSync(join(HERE, 'index.html'), 'utf8'), script: readFileSync(join(out, 'main.js'), 'utf8') };
}

export interface ServedExample {
  /** The page's origin, e.g. http://127.0.0.1:5173 (what server.cors.origins must list). */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves the built page at `host:port` (port 0: any free port). Only its two files; anything else is 404. */
export async function serveExample(page: BuiltExample, port = 0, host = '127.0.0.1'): Promise<ServedExample> {
  const files: Record<string, readonly [string, string]> = {
    '/': ['text/html; charset=utf-8', page.html],
    '/index.html': ['text/html; charset=utf-8', page.html],
    '/main.js': ['text/javascript; charset=utf-8', page.script],
  };
  const server: Server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://page').pathname];
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    origin: `http://${host}:${bound}`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const served = await serveExample(await buildExample(), Number(process.env['PORT'] ?? 5173), process.env['HOST'] ?? 'localhost');
  console.log(`example: serving ${served.origin} (gateway: ?endpoint=http://localhost:4000/graphql by default)`);
}
