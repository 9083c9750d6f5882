/**
 * `s3://bucket/prefix/*.parquet` (docs/contracts.md): which bucket, which keys.
 *
 * `*` and `?` match within one path segment (they never match `/`), as for
 * local files, and may appear in any segment after the bucket. A listing
 * asks S3 for the keys under the literal part before the first wildcard and
 * filters them here; a location without wildcards names one object.
 */
export interface S3Location {
  readonly bucket: string;
  /** The key pattern, without the bucket. */
  readonly pattern: string;
  /** The literal key prefix before the first wildcard (the whole key when there is none). */
  readonly listPrefix: string;
  /** No wildcard: the location is one object, read with HeadObject rather than listed. */
  readonly literal: boolean;
  matches(key: string): boolean;
}

export const isS3Uri = (location: string) => location.startsWith('s3://');

/** The location's parts, or a reason it is not a usable S3 location. */
export function parseS3Location(uri: string): S3Location | string {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (m === null) return 'an s3:// location needs a bucket and a key pattern (s3://bucket/prefix/*.parquet)';
  const bucket = m[1]!;
  const pattern = m[2]!;
  if (/[*?]/.test(bucket)) return 'wildcards are not supported in the bucket name';
  const wildcard = pattern.search(/[*?]/);
  const literal = wildcard < 0;
  const matcher = globKey(pattern);
  const segments = pattern.split('/');
  return {
    bucket,
    pattern,
    listPrefix: literal ? pattern : pattern.slice(0, wildcard),
    literal,
    matches: (key) => matcher.test(key) && !hiddenMatch(segments, key.split('/')),
  };
}

/** `s3://bucket/key` of one object. */
export const s3Uri = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/** `a/*.parquet` → /^a\/[^/]*\.parquet$/ */
function globKey(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'su');
}

/**
 * As in a shell (and as for local sources), a wildcard does not match a name
 * starting with `.` (`.part-0.parquet.crc`, writers' temporaries) unless the
 * pattern's segment starts with one too.
 */
function hiddenMatch(patternSegments: readonly string[], keySegments: readonly string[]): boolean {
  return keySegments.some((s, i) => {
    const p = patternSegments[i] ?? '';
    return s.startsWith('.') && !p.startsWith('.') && /[*?]/.test(p);
  });
}
