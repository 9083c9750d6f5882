import { SluiceError } from '../../../../errors.js';

/**
 * The table uses a feature this reader does not read (docs/iceberg.md): the answer
 * is refused, never given without it. The message names the feature and
 * nothing else (no paths).
 */
export const unsupported = (feature: string) =>
  new SluiceError('SOURCE_UNSUPPORTED', 'source', `the Iceberg table uses a feature Sluice does not read: ${feature}`);

/** The metadata or a manifest cannot be decoded: a source problem, named without paths. */
export const corrupt = (what: string) => new SluiceError('SOURCE_CORRUPT', 'source', what);
