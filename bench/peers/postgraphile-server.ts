/**
 * The bench's peer server: PostGraphile v4 (v5 needs Node 22) over the
 * bench's PostgreSQL, with postgraphile-plugin-connection-filter, in its
 * own process like bench/floor.ts. Settings as a read-only production
 * deployment would have them: no GraphiQL, no query log, no mutations, no
 * schema watching.
 *
 * Callers: a request without a token runs as the connecting role (the
 * tables' owner, which row-level security does not restrict: Q1–Q7's
 * admin); a request with a JWT signed with PEER_JWT_SECRET runs as the
 * token's `role`, its claims set as `jwt.claims.*` (Q8's analyst: role
 * `analyst`, `regions: "EU,US"`), PostGraphile's own way of passing a caller
 * to row-level security.
 *
 * Env: PEER_DATABASE_URL, PEER_JWT_SECRET. Prints
 * `postgraphile: listening at <url>` once it listens.
 */
import './one-graphql.js'; // first: PostGraphile's own graphql 15 for every module of this process
import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import ConnectionFilterPlugin from 'postgraphile-plugin-connection-filter';

const database = process.env['PEER_DATABASE_URL'];
const secret = process.env['PEER_JWT_SECRET'];
if (!database || !secret) throw new Error('PEER_DATABASE_URL and PEER_JWT_SECRET are required');

const middleware = postgraphile(database, 'public', {
  appendPlugins: [ConnectionFilterPlugin],
  graphiql: false,
  disableQueryLog: true,
  disableDefaultMutations: true,
  watchPg: false,
  retryOnInitFail: false,
  setofFunctionsContainNulls: false,
  legacyRelations: 'omit',
  jwtSecret: secret,
});

const server = createServer(middleware);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.stdout.write(`postgraphile: listening at http://127.0.0.1:${address.port}/graphql\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  // Keep-alive sockets of a load client would hold close() open.
  server.closeAllConnections();
});
