import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avsc from 'avsc';
import { afterEach, describe, expect, it } from 'vitest';
import type { SluiceError } from '../../../../src/errors.js';
import { BigIntLong, readAvroContainer } from '../../../../src/engine/table/iceberg/avro/container.js';
import { allColumns, openTable, snapshotRows, TABLES } from './support.js';

/**
 * Refusals (docs/iceberg.md): a feature Sluice does not read is SOURCE_UNSUPPORTED
 * naming it; a missing or corrupt manifest is SOURCE_UNAVAILABLE /
 * SOURCE_CORRUPT naming the manifest by its place, never by path. The
 * tables are copies of a real one with one manifest rewritten (by avsc,
 * with the writer's own schema and header) or removed.
 */

/** Rewrites a manifest in place with `change` applied to each record. */
async function rewriteManifest(path: string, change: (record: Record<string, unknown>) => void): Promise<void> {
  const container = readAvroContainer(readFileSync(path));
  const type = avsc.Type.forSchema(container.schema as avsc.Schema, { registry: { long: BigIntLong }, wrapUnions: false });
  const metadata: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(container.metadata)) if (!k.startsWith('avro.')) metadata[k] = Buffer.from(v);
  const chunks: Buffer[] = [];
  const encoder = new avsc.streams.BlockEncoder(type, { codec: 'deflate', metadata } as object);
  const done = new Promise<void>((resolve, reject) => {
    encoder.on('data', (c: Buffer) => chunks.push(c));
    encoder.on('end', resolve);
    encoder.on('error', reject);
  });
  for (const r of container.records) {
    const copy = structuredClone(r) as Record<string, unknown>;
    change(copy);
    encoder.write(copy);
  }
  encoder.end();
  await done;
  writeFileSync(path, Buffer.concat(chunks));
}

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A copy of java bunnies; its first snapshot has one manifest, holding the one data file. */
function copyBunnies(): { root: string; manifest: string } {
  dir = mkdtempSync(join(tmpdir(), 'sluice-iceberg-'));
  cpSync(TABLES.javaBunnies, dir, { recursive: true });
  return { root: dir, manifest: join(dir, 'metadata/583a45a0-7389-4d71-9305-ac3a8725c38b-m0.avro') };
}

async function failure(root: string, snapshotId: string): Promise<SluiceError> {
  const table = await openTable(root);
  const e = await table.planScan({ snapshot: table.snapshot({ snapshotId }), fields: allColumns(table) }).catch((x: unknown) => x);
  if (!(e instanceof Error)) throw new Error('the scan did not fail');
  return e as SluiceError;
}

const FIRST = '4951213507629824583';

describe('refusals', () => {
  it('the copy reads as the original before any change (the rewrite itself changes nothing)', async () => {
    const { root, manifest } = copyBunnies();
    await rewriteManifest(manifest, () => {});
    const table = await openTable(root);
    expect(await snapshotRows(table, table.snapshot({ snapshotId: FIRST }))).toHaveLength(21);
  });

  it('ORC and Avro data files are SOURCE_UNSUPPORTED naming the format', async () => {
    for (const format of ['ORC', 'AVRO']) {
      const { root, manifest } = copyBunnies();
      await rewriteManifest(manifest, (r) => ((r['data_file'] as Record<string, unknown>)['file_format'] = format));
      const e = await failure(root, FIRST);
      expect([e.code, e.message]).toEqual(['SOURCE_UNSUPPORTED', expect.stringContaining(`${format} data files`)]);
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('an encrypted data file is SOURCE_UNSUPPORTED naming encryption', async () => {
    const { root, manifest } = copyBunnies();
    await rewriteManifest(manifest, (r) => ((r['data_file'] as Record<string, unknown>)['key_metadata'] = Buffer.from('key')));
    const e = await failure(root, FIRST);
    expect([e.code, e.message]).toEqual(['SOURCE_UNSUPPORTED', expect.stringContaining('encryption')]);
  });

  it('a missing manifest is SOURCE_UNAVAILABLE naming its place, not its path', async () => {
    const { root, manifest } = copyBunnies();
    rmSync(manifest);
    const e = await failure(root, FIRST);
    expect(e.code).toBe('SOURCE_UNAVAILABLE');
    expect(e.message).toContain(`manifest 1 of 1 of snapshot ${FIRST}`);
    expect(e.message).not.toMatch(/\/|avro|583a45a0/);
    // The later snapshots do not use it only partly: they fail the same way; none answers without it.
    expect((await failure(root, '9158179788527662767')).code).toBe('SOURCE_UNAVAILABLE');
  });

  it('a truncated manifest is SOURCE_CORRUPT naming its place', async () => {
    const { root, manifest } = copyBunnies();
    truncateSync(manifest, 200);
    const e = await failure(root, FIRST);
    expect(e.code).toBe('SOURCE_CORRUPT');
    expect(e.message).toContain(`manifest 1 of 1 of snapshot ${FIRST}`);
    expect(e.message).not.toMatch(/\/|583a45a0/);
  });

  it('a data file missing from storage is SOURCE_UNAVAILABLE without its path', async () => {
    const { root } = copyBunnies();
    rmSync(join(root, 'data/bunnies-initial.parquet'));
    const e = await failure(root, FIRST);
    expect(e.code).toBe('SOURCE_UNAVAILABLE');
    expect(e.message).not.toMatch(/bunnies-initial|\//);
  });

  it('a contract field of a type no contract type serves is SOURCE_UNSUPPORTED; a wrong type is a mismatch', async () => {
    const table = await openTable(`${TABLES.defaults}/metadata/00003-3f1801a5-7dfb-4072-b14a-39cd12f9279b.metadata.json`);
    const plan = (column: string, type: 'string' | 'int64') =>
      table.planScan({ snapshot: table.snapshot(), fields: [{ name: 'f', column, type }] }).catch((e: unknown) => e as SluiceError);
    expect(await plan('col_decimal', 'string')).toMatchObject({
      code: 'SOURCE_UNSUPPORTED',
      message: expect.stringContaining('decimal(16, 2)'),
    });
    expect(await plan('col_uuid', 'string')).toMatchObject({ code: 'SOURCE_UNSUPPORTED', message: expect.stringContaining('uuid') });
    expect(await plan('col_string', 'int64')).toMatchObject({
      code: 'SOURCE_CORRUPT',
      message: 'column col_string is string, expected int64',
    });
    expect(await plan('no_such_column', 'int64')).toMatchObject({
      code: 'SOURCE_CORRUPT',
      message: expect.stringContaining('no_such_column'),
    });
  });
});
