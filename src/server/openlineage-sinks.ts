import { dirname, resolve } from 'node:path';
import type { SluiceConfig } from '../config/config.js';
import { displayPath } from '../contract/yaml-file.js';
import { ConfigError } from '../errors.js';
import { httpOpenLineageSink } from '../response/openlineage-http.js';
import { fanOutOpenLineage, fileOpenLineageSink, type OpenLineageSink } from '../response/openlineage.js';
import type { Logger } from './logger.js';

/**
 * The OpenLineage sinks `openlineage` in sluice.yaml asks for (a file, an
 * HTTP consumer, or both), or undefined when it is absent. The HTTP sink
 * logs its delivery problems as warnings and gets the shutdown's bound
 * (`server.shutdownTimeoutMs`) to drain. A key named in `http.apiKeyEnv`
 * but not set is a config error at start-up, not a stream of 401s.
 */
export function openLineageSinksOf(config: SluiceConfig, logger: Logger): OpenLineageSink | undefined {
  const o = config.raw.openlineage;
  if (o === undefined) return undefined;
  const sinks: OpenLineageSink[] = [];
  if (o.file !== undefined) sinks.push(fileOpenLineageSink(resolve(dirname(resolve(config.file)), o.file)));
  if (o.http !== undefined) {
    const env = o.http.apiKeyEnv;
    const apiKey = env !== undefined ? process.env[env] : undefined;
    if (env !== undefined && !apiKey)
      throw new ConfigError(displayPath(config.file), `openlineage.http.apiKeyEnv names ${env}, which is not set in the environment`);
    sinks.push(
      httpOpenLineageSink({
        url: o.http.url,
        ...(apiKey !== undefined && { apiKey }),
        timeoutMs: o.http.timeoutMs,
        maxQueue: o.http.maxQueue,
        drainTimeoutMs: config.server.shutdownTimeoutMs,
        log: (fields, message) => logger.warn(fields, message),
      }),
    );
  }
  return sinks.length === 1 ? sinks[0] : fanOutOpenLineage(sinks);
}
