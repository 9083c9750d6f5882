/**
 * Errors that cross a boundary carry a stable code (docs/errors.md) and say whose
 * fault they are, in the manner of DataFusion's `Plan` / `NotImplemented` /
 * `Internal` / `Execution` split:
 *
 * - `user`      the request or input is wrong; the message says what to fix.
 * - `config`    a contract, policy or sluice.yaml is wrong; names file and key.
 * - `source`    the data behind a product is unreachable or corrupt.
 * - `internal`  a bug in Sluice; the message is masked before it leaves.
 *
 * Messages of expected errors are shown to callers as they are, so they must
 * never hold stack traces, secrets, file-system paths or masked values.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'GRAPHQL_PARSE_FAILED'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_REQUIRED'
  | 'QUERY_TOO_COMPLEX'
  | 'QUERY_TIMEOUT'
  | 'RESOURCE_LIMIT'
  | 'SOURCE_UNAVAILABLE'
  | 'SOURCE_CORRUPT'
  /** The source uses a feature Sluice does not read (an Iceberg deletion vector, ORC files): refused, never answered without it. */
  | 'SOURCE_UNSUPPORTED'
  | 'INTERNAL_SERVER_ERROR'
  | 'INVALID_CONFIG';

export type Fault = 'user' | 'config' | 'source' | 'internal';

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RESOURCE_LIMIT: 429,
  QUERY_TIMEOUT: 504,
  SOURCE_UNAVAILABLE: 503,
};

export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly fault: Fault;
  /** Extra, caller-safe details put in `extensions` (never secrets or paths). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, fault: Fault, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'SluiceError';
    this.code = code;
    this.fault = fault;
    this.details = details;
  }

  get httpStatus(): number | undefined {
    return HTTP_STATUS[this.code];
  }
}

/** The request is wrong (a bad argument, cursor, limit). */
export const userError = (message: string, details?: Record<string, unknown>) =>
  new SluiceError('BAD_USER_INPUT', 'user', message, details);

/** A contract, policy or config file is wrong; `where` is `file` or `file:line`. */
export class ConfigError extends SluiceError {
  readonly where: string;
  constructor(where: string, message: string) {
    super('INVALID_CONFIG', 'config', `${where}: ${message}`);
    this.name = 'ConfigError';
    this.where = where;
  }
}

/** Several config problems reported at once, so one run of `validate` shows them all. */
export class ConfigErrors extends SluiceError {
  readonly errors: readonly ConfigError[];
  constructor(errors: readonly ConfigError[]) {
    super('INVALID_CONFIG', 'config', errors.map((e) => e.message).join('\n'));
    this.name = 'ConfigErrors';
    this.errors = errors;
  }
}

export const sourceError = (code: 'SOURCE_UNAVAILABLE' | 'SOURCE_CORRUPT', message: string) => new SluiceError(code, 'source', message);

/** A bug: an invariant did not hold. Masked before it reaches a caller. */
export const internalError = (message: string) => new SluiceError('INTERNAL_SERVER_ERROR', 'internal', message);

export function assertNever(x: never, what = 'value'): never {
  throw internalError(`unexpected ${what}: ${JSON.stringify(x)}`);
}
