/**
 * PostGraphile v4 in a project whose graphql is 16: npm keeps PostGraphile's
 * graphql 15 nested under it, but places graphile-build-pg (with a second
 * graphile-build and a second graphql 15 of its own) and
 * graphql-parse-resolve-info (which finds graphql 16) beside the project's
 * packages, and graphql refuses types built by another copy ("Cannot use
 * GraphQLScalarType from another module or realm"). In the peer's process
 * only, before PostGraphile loads, every `require('graphql…')` and
 * `require('graphile-build…')` is answered with PostGraphile's own copy:
 * the process then runs PostGraphile as a project of its own would.
 */
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';

const fromPostgraphile = createRequire(createRequire(import.meta.url).resolve('postgraphile/package.json'));
const own = (name: string) => dirname(fromPostgraphile.resolve(`${name}/package.json`));
const redirect = Object.entries({ graphql: own('graphql'), 'graphile-build': own('graphile-build') });

type Resolve = (this: unknown, request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolve };
const resolve = loader._resolveFilename;
loader._resolveFilename = function (request, ...rest) {
  for (const [name, dir] of redirect)
    if (request === name || request.startsWith(`${name}/`)) return resolve.call(this, dir + request.slice(name.length), ...rest);
  return resolve.call(this, request, ...rest);
};
