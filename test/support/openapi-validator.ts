import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

/**
 * Checks HTTP requests and responses against an OpenAPI 3.x description, so
 * a test stand-in that speaks a protocol cannot drift from it: every
 * request it receives and every response it sends is held against the
 * operation the description gives for that method and path.
 *
 * What is checked: the operation exists; path, query and header parameters
 * (required ones present, values valid for their schemas, no query
 * parameter the operation does not define); the security requirement (a
 * bearer token, except at the OAuth2 scheme's token URL, which a client
 * calls to get one); request bodies by media type (JSON, form-encoded);
 * response statuses (exact, `4XX`/`5XX`, `default`), their media types,
 * bodies and headers. A response without content must have no body.
 *
 * The description's schemas are JSON Schema 2020-12 (OpenAPI 3.1) and are
 * given to ajv with generic adaptations only, none naming a schema:
 * - `$ref: '#/components/schemas/X'` → the schemas are added as `$defs` of
 *   one schema document, and refs rewritten to point there.
 * - `nullable: true` (an OpenAPI 3.0 keyword some 3.1 documents still use)
 *   → `null` added to `type`, or `anyOf: [schema, {type: null}]`.
 * - Annotation keywords of OpenAPI (`example`, `discriminator`, `xml`,
 *   `externalDocs`) are declared as keywords that validate nothing;
 *   `discriminator` only names which `oneOf` branch applies, and `oneOf`
 *   itself is still enforced.
 * - OpenAPI's formats `int32`, `int64`, `float`, `double`, `byte`,
 *   `binary`, `password` are accepted as annotations (an int64 written past
 *   2^53 cannot be range-checked after JSON parsing anyway); other formats
 *   (`uuid`, `date`, `duration`, …) are ajv-formats' checks.
 * - `oneOf` is read as `anyOf` (unless `strictOneOf`). The description
 *   writes unions with `oneOf` whose branches overlap, so JSON Schema's
 *   "exactly one" rejects values the Iceberg spec documents as valid: every
 *   integer `initial-default` is both an IntegerTypeValue and a
 *   LongTypeValue (and a Float/DoubleTypeValue), every decimal both a
 *   DecimalTypeValue and a StringTypeValue, the type "variant" both a
 *   VariantType and a PrimitiveType. A real table's metadata (pyarrow's
 *   add_columns_with_defaults fixture) fails the strict reading; the test of
 *   this file shows it.
 * - Schema style checks (ajv's strictTypes, strictRequired) are off: the
 *   description uses `required` beside `allOf` without repeating `type`.
 *   Unknown keywords stay errors, so a typo in an adaptation shows.
 */
export interface OperationMatch {
  readonly method: string;
  /** The path template as the description writes it, e.g. `/v1/{prefix}/namespaces/{namespace}`. */
  readonly template: string;
  readonly operationId: string;
  /** Decoded path parameters. */
  readonly params: Readonly<Record<string, string>>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const SCHEMAS_REF = '#/components/schemas/';
const ROOT_ID = 'openapi-description';
const OPENAPI_FORMATS = ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password'];
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export class OpenApiDescription {
  private readonly ajv: Ajv2020;
  private readonly validators = new WeakMap<object, ValidateFunction>();
  private readonly named = new Map<string, ValidateFunction>();
  private readonly routes: { method: string; template: string; segments: string[]; operation: JsonObject; pathItem: JsonObject }[] = [];
  private readonly tokenUrls: Set<string>;

  private readonly adapt: (node: Json) => Json;

  private constructor(
    private readonly doc: JsonObject,
    options: { readonly strictOneOf?: boolean },
  ) {
    this.adapt = (node) => adapt(node, options.strictOneOf === true);
    this.ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true, allErrors: false });
    addFormats(this.ajv);
    for (const f of OPENAPI_FORMATS) this.ajv.addFormat(f, true);
    this.ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
    const components = (doc['components'] ?? {}) as JsonObject;
    this.ajv.addSchema({ $id: ROOT_ID, $defs: this.adapt(components['schemas'] ?? {}) as JsonObject });
    for (const [template, item] of Object.entries((doc['paths'] ?? {}) as JsonObject)) {
      const pathItem = item as JsonObject;
      for (const method of ['get', 'put', 'post', 'delete', 'head', 'patch', 'options']) {
        const operation = pathItem[method] as JsonObject | undefined;
        if (operation === undefined) continue;
        this.routes.push({ method: method.toUpperCase(), template, segments: template.split('/').slice(1), operation, pathItem });
      }
    }
    const schemes = (components['securitySchemes'] ?? {}) as Record<string, JsonObject>;
    this.tokenUrls = new Set(
      Object.values(schemes).flatMap((s) =>
        Object.values((s['flows'] ?? {}) as Record<string, JsonObject>).map((f) => String(f['tokenUrl'] ?? '')),
      ),
    );
  }

  static load(file: string, options: { readonly strictOneOf?: boolean } = {}): OpenApiDescription {
    return new OpenApiDescription(parseYaml(readFileSync(file, 'utf8')) as JsonObject, options);
  }

  /** The JSON schema validator of `components/schemas/<name>`. */
  schema(name: string): ValidateFunction {
    let v = this.named.get(name);
    if (v === undefined) {
      v = this.compile({ $ref: `${SCHEMAS_REF}${name}` });
      this.named.set(name, v);
    }
    return v;
  }

  /** What `schema(name)` finds wrong with `value`, or undefined. */
  problemsWith(name: string, value: unknown): string | undefined {
    const v = this.schema(name);
    return v(value) ? undefined : errorsText(v);
  }

  /**
   * The operation for `method` and `pathname` (raw, still percent-encoded).
   * `optionalSegments` names path parameters a server may leave out of the
   * path altogether (the Iceberg spec's "optional prefix").
   */
  match(method: string, pathname: string, optionalSegments: readonly string[] = []): OperationMatch | undefined {
    const got = pathname.split('/').slice(1);
    let best: { match: OperationMatch; literals: number } | undefined;
    for (const r of this.routes) {
      if (r.method !== method) continue;
      for (const segments of variants(r.segments, optionalSegments)) {
        if (segments.length !== got.length) continue;
        const params: Record<string, string> = {};
        let literals = 0;
        let ok = true;
        for (let i = 0; i < segments.length && ok; i++) {
          const s = segments[i]!;
          const p = /^\{(.+)\}$/.exec(s);
          if (p !== null) {
            if (got[i] === '') ok = false;
            else params[p[1]!] = safeDecode(got[i]!);
          } else if (s === got[i]) literals++;
          else ok = false;
        }
        if (ok && (best === undefined || literals > best.literals)) {
          best = {
            match: { method, template: r.template, operationId: String(r.operation['operationId'] ?? r.template), params },
            literals,
          };
        }
      }
    }
    return best?.match;
  }

  /** What is wrong with a request (empty: nothing). */
  checkRequest(
    request: { method: string; url: URL; headers: IncomingHttpHeaders; body: string },
    optionalSegments: readonly string[] = [],
  ): { match: OperationMatch | undefined; problems: string[] } {
    const match = this.match(request.method, request.url.pathname, optionalSegments);
    if (match === undefined)
      return { match, problems: [`${request.method} ${request.url.pathname}: no such operation in the description`] };
    const { operation, pathItem } = this.route(match);
    const at = `${match.operationId} request`;
    const problems: string[] = [];
    const parameters = [...((pathItem['parameters'] ?? []) as Json[]), ...((operation['parameters'] ?? []) as Json[])].map(
      (p) => this.resolve(p) as JsonObject,
    );
    const known = new Set<string>();
    for (const p of parameters) {
      const name = String(p['name']);
      const where = String(p['in']);
      let raw: string | undefined;
      if (where === 'path') raw = match.params[name];
      else if (where === 'query') {
        known.add(name);
        raw = request.url.searchParams.get(name) ?? undefined;
      } else if (where === 'header') {
        const h = request.headers[name.toLowerCase()];
        raw = Array.isArray(h) ? h.join(',') : h;
      } else continue;
      if (raw === undefined) {
        if (p['required'] === true && !(where === 'path' && optionalSegments.includes(name)))
          problems.push(`${at}: ${where} parameter ${name} is required`);
        continue;
      }
      const schema = (p['schema'] ?? {}) as JsonObject;
      const problem = this.validate(schema, parameterValue(schema, raw));
      if (problem !== undefined) problems.push(`${at}: ${where} parameter ${name} ${problem}`);
    }
    for (const name of new Set(request.url.searchParams.keys()))
      if (!known.has(name)) problems.push(`${at}: query parameter ${name} is not defined`);
    const security = (operation['security'] ?? this.doc['security'] ?? []) as Json[];
    const open = security.length === 0 || security.some((s) => Object.keys(s as JsonObject).length === 0);
    if (!open && !this.tokenUrls.has(match.template) && !/^Bearer \S+$/.test(request.headers.authorization ?? '')) {
      problems.push(`${at}: the security requirement needs an Authorization: Bearer header`);
    }
    const body = operation['requestBody'] === undefined ? undefined : (this.resolve(operation['requestBody']) as JsonObject);
    if (body === undefined) {
      if (request.body !== '') problems.push(`${at}: the operation takes no body`);
    } else if (request.body === '') {
      if (body['required'] === true) problems.push(`${at}: a body is required`);
    } else {
      problems.push(...this.checkContent(at, (body['content'] ?? {}) as JsonObject, request.headers['content-type'], request.body));
    }
    return { match, problems };
  }

  /** What is wrong with a response to the operation `match` (empty: nothing). */
  checkResponse(
    match: OperationMatch,
    response: { status: number; headers: Readonly<Record<string, string | undefined>>; body: string },
  ): string[] {
    const { operation } = this.route(match);
    const at = `${match.operationId} response ${response.status}`;
    const responses = (operation['responses'] ?? {}) as JsonObject;
    const spec = responses[String(response.status)] ?? responses[`${Math.floor(response.status / 100)}XX`] ?? responses['default'];
    if (spec === undefined) return [`${at}: the status is not a documented answer of the operation`];
    const resolved = this.resolve(spec) as JsonObject;
    const problems: string[] = [];
    for (const [name, h] of Object.entries((resolved['headers'] ?? {}) as JsonObject)) {
      const header = this.resolve(h) as JsonObject;
      const value = response.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header['required'] === true) problems.push(`${at}: header ${name} is required`);
        continue;
      }
      const problem = this.validate((header['schema'] ?? {}) as JsonObject, value);
      if (problem !== undefined) problems.push(`${at}: header ${name} ${problem}`);
    }
    const content = resolved['content'] as JsonObject | undefined;
    if (content === undefined) {
      if (response.body !== '') problems.push(`${at}: the description gives this answer no content, but it has a body`);
      return problems;
    }
    return [...problems, ...this.checkContent(at, content, response.headers['content-type'], response.body)];
  }

  private checkContent(at: string, content: JsonObject, contentType: string | undefined, text: string): string[] {
    const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const entry = content[mediaType] as JsonObject | undefined;
    if (entry === undefined)
      return [`${at}: content type ${JSON.stringify(contentType ?? null)} is not one of ${Object.keys(content).join(', ')}`];
    let value: Json;
    if (mediaType === 'application/json') {
      try {
        value = JSON.parse(text) as Json;
      } catch {
        return [`${at}: the body is not JSON`];
      }
    } else if (mediaType === 'application/x-www-form-urlencoded') {
      value = Object.fromEntries(new URLSearchParams(text));
    } else {
      return [];
    }
    const problem = this.validate((entry['schema'] ?? {}) as JsonObject, value);
    return problem === undefined ? [] : [`${at}: body ${problem}`];
  }

  private route(match: OperationMatch): { operation: JsonObject; pathItem: JsonObject } {
    const r = this.routes.find((x) => x.method === match.method && x.template === match.template)!;
    return { operation: r.operation, pathItem: r.pathItem };
  }

  /** Follows `$ref`s to components (parameters, responses, request bodies, headers). */
  private resolve(node: Json | undefined): Json | undefined {
    let n = node;
    for (let depth = 0; depth < 10 && n !== null && typeof n === 'object' && !Array.isArray(n) && typeof n['$ref'] === 'string'; depth++) {
      const ref = n['$ref'] as string;
      if (!ref.startsWith('#/')) throw new Error(`the description refers outside itself: ${ref}`);
      n = ref
        .slice(2)
        .split('/')
        .reduce<Json | undefined>(
          (at, key) =>
            at !== null && typeof at === 'object' && !Array.isArray(at) ? at[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined,
          this.doc,
        );
    }
    return n;
  }

  private validate(schema: JsonObject, value: unknown): string | undefined {
    const v = this.compile(schema);
    return v(value) ? undefined : errorsText(v);
  }

  private compile(schema: JsonObject): ValidateFunction {
    let v = this.validators.get(schema);
    if (v === undefined) {
      v = this.ajv.compile(this.adapt(schema) as JsonObject);
      this.validators.set(schema, v);
    }
    return v;
  }
}

/** ajv's errors as `at /path: message; …` (`/` for the value itself). */
function errorsText(v: ValidateFunction): string {
  return (v.errors ?? []).map((e) => `${e.instancePath === '' ? '' : `at ${e.instancePath}: `}${e.message ?? 'is invalid'}`).join('; ');
}

/** The generic adaptations of an OpenAPI schema to JSON Schema (see the class comment). */
function adapt(node: Json, strictOneOf: boolean): Json {
  if (Array.isArray(node)) return node.map((n) => adapt(n, strictOneOf));
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMAS_REF)) out[k] = `${ROOT_ID}#/$defs/${v.slice(SCHEMAS_REF.length)}`;
    else if (k === 'oneOf' && !strictOneOf && Array.isArray(v) && !('anyOf' in node)) out['anyOf'] = adapt(v, strictOneOf);
    else out[k] = adapt(v, strictOneOf);
  }
  if ('nullable' in out) {
    const nullable = out['nullable'] === true;
    delete out['nullable'];
    if (nullable) {
      if (typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
      else if (Array.isArray(out['type'])) out['type'] = [...out['type'], 'null'];
      else return { anyOf: [out, { type: 'null' }] };
    }
  }
  return out;
}

/** A parameter's raw text as the value its schema describes (style `simple`/`form`, not exploded). */
function parameterValue(schema: JsonObject, raw: string): unknown {
  const type = schema['type'];
  if (type === 'array') return raw.split(',').map((s) => s.trim());
  if ((type === 'integer' || type === 'number') && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

function* variants(segments: readonly string[], optional: readonly string[]): Generator<string[]> {
  yield [...segments];
  const without = segments.filter((s) => !optional.some((o) => s === `{${o}}`));
  if (without.length !== segments.length) yield without;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
