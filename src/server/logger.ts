import { pino, type DestinationStream, type Logger } from 'pino';
import type { AuditRecord, AuditSink } from '../response/audit.js';
import type { ErrorLogger } from './mask-error.js';

/**
 * Structured JSON logs (pino), one object a line. What goes in them is
 * chosen here, never a request as it came: query ids, operation names,
 * document hashes, codes, statuses and durations — no variable values, no
 * documents, no credentials, no row values. `redact` is a second line of
 * defence should a caller of this logger pass a header or variables anyway.
 */
export type { Logger } from 'pino';

export function createLogger(destination?: DestinationStream, level = 'info'): Logger {
  return pino(
    {
      level,
      base: { service: 'sluice' },
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['headers.authorization', 'headers["x-api-key"]', 'headers.cookie', 'variables', '*.variables', 'query', '*.query'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/** The gateway's error logger (mask-error.ts) over a pino logger. */
export const errorLoggerOf =
  (logger: Logger): ErrorLogger =>
  (message, fields) =>
    logger.error(fields, message);

/**
 * An audit sink that also logs one line per request: its query id, what it
 * asked for by name and hash, who by API key id and role (not the subject,
 * which may be a person: the audit log has it under the same query id), and
 * how it ended.
 */
export function loggingAuditSink(sink: AuditSink, logger: Logger): AuditSink {
  return {
    write(record: AuditRecord) {
      sink.write(record);
      const line = {
        queryId: record.queryId,
        decisionId: record.decisionId,
        // Whatever the client sent as operationName: logged only when it is a GraphQL name.
        operationName: typeof record.operationName === 'string' && OPERATION_NAME.test(record.operationName) ? record.operationName : null,
        documentHash: record.documentHash,
        keyId: record.keyId,
        role: record.role,
        purpose: record.purpose,
        status: record.status,
        decision: record.decision,
        codes: record.errors,
        products: record.products.map((p) => `${p.product}@${p.version}`),
        rowsReturned: record.rowsReturned,
        durationMs: record.durationMs,
      };
      if (record.status >= 500) logger.error(line, 'request');
      else logger.info(line, 'request');
    },
    close: () => sink.close(),
  };
}
