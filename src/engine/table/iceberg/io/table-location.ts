import { dirname, isAbsolute, resolve } from 'node:path';
import { SluiceError } from '../../../../errors.js';
import { isS3Uri } from '../../../storage/s3-location.js';
import { sourceFailure, type SourceObject, type SourceStore } from '../../../storage/source-files.js';

/**
 * Where a table lives and how its files are reached (docs/iceberg.md): the
 * configured location is a table root, a `*.metadata.json` file, or an
 * `s3://` prefix; bytes come through the engine's stores (local files or
 * S3, with their ranged reads, ETag checks and caches).
 *
 * Paths recorded inside the metadata are the writer's (`s3a://bucket/t/…`,
 * `file:/…`, or relative like `data/persistent/t/…`). Those under the
 * table's recorded `location` are read under the configured root instead,
 * so a table can be copied or moved and still be read.
 */
export interface TableLocation {
  /** The configured root: an absolute local directory or `s3://bucket/prefix`, without a trailing slash. */
  readonly root: string;
  /** The metadata file the location named, when it named one. */
  readonly metadataFile?: string;
}

/** `location` as configured (relative local paths against `baseDir`) → the table root and maybe its metadata file. */
export function resolveTableLocation(location: string, baseDir: string = process.cwd()): TableLocation {
  const absolute = isS3Uri(location) ? location : resolve(baseDir, location);
  const trimmed = absolute.replace(/\/+$/, '');
  if (trimmed.endsWith('.metadata.json')) {
    const folder = dirname(trimmed);
    // The table root is the folder above `metadata/`; a metadata file elsewhere is its own root's child.
    const root = folder.endsWith('/metadata') ? dirname(folder) : folder;
    return Object.freeze({ root, metadataFile: trimmed });
  }
  return Object.freeze({ root: trimmed });
}

/** Scheme spellings that name the same store: s3a:// and s3n:// are s3://, file: URIs are plain paths. */
function normalise(path: string): string {
  return path.replace(/^s3[an]:\/\//, 's3://').replace(/^file:(\/\/)?/, '');
}

/**
 * The location to read for a path recorded in the metadata. Paths under the
 * recorded table location go under the configured root; `s3://` paths
 * elsewhere are read as they are when the table is in S3 (data may live in
 * another prefix). Anything else is outside the table and is not read:
 * metadata must not make the server read arbitrary local files.
 */
export function mapRecordedPath(recorded: string, recordedLocation: string, root: string): string | undefined {
  const path = normalise(recorded);
  const base = normalise(recordedLocation).replace(/\/+$/, '');
  if (path === base) return root;
  if (base !== '' && path.startsWith(`${base}/`)) return `${root}${path.slice(base.length)}`;
  if (isS3Uri(path) && isS3Uri(root)) return path;
  if (!isS3Uri(root) && isAbsolute(path) && (path === root || path.startsWith(`${root}/`))) return path;
  return undefined;
}

/**
 * Reads whole small files (metadata, manifests) and opens data files through
 * a store. `shown` names the file in messages ("the manifest list of
 * snapshot 42", "manifest 2 of 5"): never a path.
 */
export class TableFiles {
  constructor(
    readonly root: string,
    private readonly store: SourceStore,
    private readonly label: string,
  ) {}

  /** The object at `uri`, or a SOURCE_UNAVAILABLE naming `shown`. */
  async object(uri: string, shown: string): Promise<SourceObject> {
    try {
      const [object] = await this.store.list(uri, this.label);
      if (object !== undefined) return object;
    } catch (e) {
      throw this.failure('SOURCE_UNAVAILABLE', `${shown} cannot be read (it is missing or unreachable)`, e);
    }
    throw this.failure('SOURCE_UNAVAILABLE', `${shown} cannot be read (it is missing)`);
  }

  /** The bytes of the object at `uri`; files larger than `maxBytes` are refused as corrupt (metadata is small). */
  async readAll(uri: string, shown: string, maxBytes = 512 * 1024 * 1024): Promise<Uint8Array> {
    const object = await this.object(uri, shown);
    if (object.size > maxBytes) throw this.failure('SOURCE_CORRUPT', `${shown} is larger than any Iceberg metadata file should be`);
    try {
      const reader = await object.open();
      return new Uint8Array(await reader.read(0, object.size));
    } catch (e) {
      throw this.failure('SOURCE_UNAVAILABLE', `${shown} cannot be read`, e);
    }
  }

  /** Objects matching a pattern (a `*` in the last segment), or [] when nothing matches or the place cannot be listed. */
  async listOrNone(pattern: string): Promise<SourceObject[]> {
    try {
      return await this.store.list(pattern, this.label);
    } catch {
      return [];
    }
  }

  failure(code: 'SOURCE_UNAVAILABLE' | 'SOURCE_CORRUPT', message: string, cause?: unknown): SluiceError {
    const e = sourceFailure(code, this.label, message);
    // Kept for logs (the store's own message may name a path); never shown to callers.
    if (cause !== undefined) Object.defineProperty(e, 'cause', { value: cause, enumerable: false });
    return e;
  }
}

/**
 * The current metadata file of a table root (docs/iceberg.md): `metadata/version-hint.text`
 * when present (a version number N means `vN.metadata.json`, anything else
 * is a file name without `.metadata.json`), else the highest `vN.metadata.json`
 * or `NNNNN-<uuid>.metadata.json` in `metadata/`.
 */
export async function findCurrentMetadata(files: TableFiles): Promise<string> {
  const folder = `${files.root}/metadata`;
  const hintObjects = await files.listOrNone(`${folder}/version-hint.text`);
  if (hintObjects.length === 1) {
    let hint = '';
    try {
      const reader = await hintObjects[0]!.open();
      hint = new TextDecoder().decode(await reader.read(0, Math.min(hintObjects[0]!.size, 4096))).trim();
    } catch {
      // An unreadable hint is no hint: the listing below decides.
    }
    if (/^\d+$/.test(hint)) {
      const named = `${folder}/v${Number(hint)}.metadata.json`;
      if ((await files.listOrNone(named)).length === 1) return named;
    } else if (/^[\w.-]+$/.test(hint)) {
      const named = `${folder}/${hint.replace(/\.metadata\.json$/, '')}.metadata.json`;
      if ((await files.listOrNone(named)).length === 1) return named;
    }
  }
  const listed = await files.listOrNone(`${folder}/*.metadata.json`);
  let best: { version: number; uri: string } | undefined;
  for (const o of listed) {
    const name = o.uri.slice(o.uri.lastIndexOf('/') + 1);
    const m = /^v(\d+)\.metadata\.json$/.exec(name) ?? /^(\d+)-[^/]*\.metadata\.json$/.exec(name);
    if (m === null) continue;
    const version = Number(m[1]);
    const uri = `${folder}/${name}`;
    if (best === undefined || version > best.version || (version === best.version && uri > best.uri)) best = { version, uri };
  }
  if (best === undefined) throw files.failure('SOURCE_UNAVAILABLE', 'no Iceberg table metadata was found at the table location');
  return best.uri;
}
