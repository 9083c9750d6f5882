/**
 * The schemas of manifests and manifest lists (format v2), described once
 * as Iceberg structs and turned into both forms a real writer puts in the
 * files: the Avro writer schema (`avro.schema`, every field carrying its
 * `field-id`, optional fields as `["null", T]` unions, int-keyed maps as
 * arrays of key/value records, records named `r<field id>` and
 * `k<key id>_v<value id>`) and the Iceberg schema (`iceberg.schema`). The
 * field ids, names, order and docs are those of Iceberg Java 1.8
 * (compare test/fixtures/iceberg/duckdb-iceberg/…/metadata/*.avro).
 */
import { FIRST_PARTITION_FIELD_ID, type PartitionField, type PrimitiveTypeName, type TableSchema, partitionResultType } from './schema.js';

type Primitive = PrimitiveTypeName | 'binary';
type FieldType =
  | Primitive
  | { readonly struct: readonly Field[] }
  | { readonly list: FieldType; readonly elementId: number }
  | { readonly map: readonly [Primitive, Primitive]; readonly keyId: number; readonly valueId: number };

interface Field {
  readonly id: number;
  readonly name: string;
  readonly required: boolean;
  readonly type: FieldType;
  readonly doc?: string;
}

const req = (id: number, name: string, type: FieldType, doc?: string): Field => ({ id, name, required: true, type, ...(doc && { doc }) });
const opt = (id: number, name: string, type: FieldType, doc?: string): Field => ({ id, name, required: false, type, ...(doc && { doc }) });
const intMap = (keyId: number, valueId: number, value: Primitive): FieldType => ({ map: ['int', value], keyId, valueId });

/** The fields of `data_file` (spec "Manifests"), partition struct given. */
function dataFileFields(partition: readonly Field[]): Field[] {
  return [
    req(134, 'content', 'int', 'Contents of the file: 0=data, 1=position deletes, 2=equality deletes'),
    req(100, 'file_path', 'string', 'Location URI with FS scheme'),
    req(101, 'file_format', 'string', 'File format name: avro, orc, or parquet'),
    req(102, 'partition', { struct: partition }, 'Partition data tuple, schema based on the partition spec'),
    req(103, 'record_count', 'long', 'Number of records in the file'),
    req(104, 'file_size_in_bytes', 'long', 'Total file size in bytes'),
    opt(108, 'column_sizes', intMap(117, 118, 'long'), 'Map of column id to total size on disk'),
    opt(109, 'value_counts', intMap(119, 120, 'long'), 'Map of column id to total count, including null and NaN'),
    opt(110, 'null_value_counts', intMap(121, 122, 'long'), 'Map of column id to null value count'),
    opt(137, 'nan_value_counts', intMap(138, 139, 'long'), 'Map of column id to number of NaN values in the column'),
    opt(125, 'lower_bounds', intMap(126, 127, 'binary'), 'Map of column id to lower bound'),
    opt(128, 'upper_bounds', intMap(129, 130, 'binary'), 'Map of column id to upper bound'),
    opt(131, 'key_metadata', 'binary', 'Encryption key metadata blob'),
    opt(132, 'split_offsets', { list: 'long', elementId: 133 }, 'Splittable offsets'),
    opt(135, 'equality_ids', { list: 'int', elementId: 136 }, 'Equality comparison field IDs'),
    opt(140, 'sort_order_id', 'int', 'Sort order ID'),
    opt(143, 'referenced_data_file', 'string', 'Fully qualified location (URI with FS scheme) of a data file that all deletes reference'),
  ];
}

function manifestEntryFields(partition: readonly Field[]): Field[] {
  return [
    req(0, 'status', 'int'),
    opt(1, 'snapshot_id', 'long'),
    opt(3, 'sequence_number', 'long'),
    opt(4, 'file_sequence_number', 'long'),
    req(2, 'data_file', { struct: dataFileFields(partition) }),
  ];
}

const MANIFEST_FILE_FIELDS: Field[] = [
  req(500, 'manifest_path', 'string', 'Location URI with FS scheme'),
  req(501, 'manifest_length', 'long', 'Total file size in bytes'),
  req(502, 'partition_spec_id', 'int', 'Spec ID used to write'),
  req(517, 'content', 'int', 'Contents of the manifest: 0=data, 1=deletes'),
  req(515, 'sequence_number', 'long', 'Sequence number when the manifest was added'),
  req(516, 'min_sequence_number', 'long', 'Lowest sequence number in the manifest'),
  req(503, 'added_snapshot_id', 'long', 'Snapshot ID that added the manifest'),
  req(504, 'added_files_count', 'int', 'Added entry count'),
  req(505, 'existing_files_count', 'int', 'Existing entry count'),
  req(506, 'deleted_files_count', 'int', 'Deleted entry count'),
  req(512, 'added_rows_count', 'long', 'Added rows count'),
  req(513, 'existing_rows_count', 'long', 'Existing rows count'),
  req(514, 'deleted_rows_count', 'long', 'Deleted rows count'),
  opt(
    507,
    'partitions',
    {
      list: {
        struct: [
          req(509, 'contains_null', 'boolean', 'True if any file has a null partition value'),
          opt(518, 'contains_nan', 'boolean', 'True if any file has a nan partition value'),
          opt(510, 'lower_bound', 'binary', 'Partition lower bound for all files'),
          opt(511, 'upper_bound', 'binary', 'Partition upper bound for all files'),
        ],
      },
      elementId: 508,
    },
    'Summary for each partition',
  ),
  opt(519, 'key_metadata', 'binary', 'Encryption key metadata blob'),
];

/** The partition struct of a spec: one optional field per partition field, typed by its transform. */
function partitionFields(spec: readonly PartitionField[], schema: TableSchema): Field[] {
  return spec.map((p, i) => opt(FIRST_PARTITION_FIELD_ID + i, p.name, partitionResultType(p, schema)));
}

export interface ManifestSchemas {
  readonly avro: object;
  readonly iceberg: object;
}

export function manifestEntrySchemas(spec: readonly PartitionField[], schema: TableSchema): ManifestSchemas {
  const fields = manifestEntryFields(partitionFields(spec, schema));
  return { avro: avroRecord('manifest_entry', fields), iceberg: icebergStruct(fields, 0) };
}

export function manifestListSchemas(): ManifestSchemas {
  return { avro: avroRecord('manifest_file', MANIFEST_FILE_FIELDS), iceberg: icebergStruct(MANIFEST_FILE_FIELDS, 0) };
}

function avroRecord(name: string, fields: readonly Field[]): object {
  return {
    type: 'record',
    name,
    fields: fields.map((f) => {
      const type = avroType(f.type, f.id);
      return f.required
        ? { name: avroName(f.name), type, ...(f.doc && { doc: f.doc }), 'field-id': f.id }
        : { name: avroName(f.name), type: ['null', type], ...(f.doc && { doc: f.doc }), default: null, 'field-id': f.id };
    }),
  };
}

function avroType(t: FieldType, fieldId: number): unknown {
  if (typeof t === 'string') return avroPrimitive(t);
  if ('struct' in t) return avroRecord(`r${fieldId}`, t.struct);
  if ('list' in t) return { type: 'array', items: avroType(t.list, t.elementId), 'element-id': t.elementId };
  return {
    type: 'array',
    items: {
      type: 'record',
      name: `k${t.keyId}_v${t.valueId}`,
      fields: [
        { name: 'key', type: avroPrimitive(t.map[0]), 'field-id': t.keyId },
        { name: 'value', type: avroPrimitive(t.map[1]), 'field-id': t.valueId },
      ],
    },
    logicalType: 'map',
  };
}

function avroPrimitive(t: Primitive): unknown {
  switch (t) {
    case 'binary':
      return 'bytes';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'timestamp':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false };
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true };
    default:
      return t;
  }
}

/**
 * Avro names are `[A-Za-z_][A-Za-z0-9_]*`; Iceberg rewrites other characters
 * as `_x<HEX>` (and a leading digit as `_<digit>`), keeping the field id, by
 * which readers find the field.
 */
export function avroName(name: string): string {
  let out = '';
  for (const [i, ch] of Array.from(name).entries()) {
    const ok = /[A-Za-z_]/.test(ch) || (i > 0 && /[0-9]/.test(ch));
    out += ok ? ch : /[0-9]/.test(ch) ? `_${ch}` : `_x${ch.codePointAt(0)!.toString(16).toUpperCase()}`;
  }
  return out;
}

function icebergStruct(fields: readonly Field[], schemaId?: number): object {
  return { type: 'struct', ...(schemaId !== undefined && { 'schema-id': schemaId }), fields: fields.map(icebergField) };
}

function icebergField(f: Field): object {
  return { id: f.id, name: f.name, required: f.required, type: icebergType(f.type), ...(f.doc && { doc: f.doc }) };
}

function icebergType(t: FieldType): unknown {
  if (typeof t === 'string') return t;
  if ('struct' in t) return icebergStruct(t.struct);
  if ('list' in t) return { type: 'list', 'element-id': t.elementId, element: icebergType(t.list), 'element-required': true };
  return { type: 'map', 'key-id': t.keyId, key: t.map[0], 'value-id': t.valueId, value: t.map[1], 'value-required': true };
}
