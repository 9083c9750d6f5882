import type { FieldType } from '../../contract/contract.js';
import { assertNever } from '../../errors.js';

/**
 * How a Parquet column is typed, in the vocabulary of the Parquet format
 * (physical type plus annotation), and whether a contract field may read it.
 * `contract validate` and every scan ask the same question, so the answer
 * lives in one function: `checkColumnType`.
 */
export interface ColumnDescription {
  readonly name: string;
  /** BOOLEAN, INT32, INT64, INT96, FLOAT, DOUBLE, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, or GROUP for a nested column. */
  readonly physicalType: string;
  /**
   * The annotation, as shown to users: UTF8, ENUM, JSON, DATE, INT_16,
   * UINT_32, TIMESTAMP(MICROS,UTC), DECIMAL(10,2), … Absent for a bare
   * physical type.
   */
  readonly logicalType?: string;
  readonly repetition: 'required' | 'optional' | 'repeated';
  /** Nulls counted by the row groups' statistics; undefined when some row group has no null count. */
  readonly nullCount?: number;
  /** Whether the statistics show nulls (false when they show none or say nothing). */
  readonly hasNulls: boolean;
}

const SMALL_SIGNED = new Set(['INT_8', 'INT_16', 'INT_32']);
const SMALL_UNSIGNED = new Set(['UINT_8', 'UINT_16']);

/**
 * Whether `field` can be read from `column`: undefined when compatible,
 * otherwise a short reason such as "is BYTE_ARRAY (UTF8), expected int64".
 *
 * Accepted are the exact matches plus the lossless widenings the engine
 * decodes (INT32 → int64, FLOAT → float64, narrow integers → int32).
 * Nullability is a separate question: see `ColumnDescription.hasNulls`.
 */
export function checkColumnType(field: { readonly type: FieldType }, column: ColumnDescription): string | undefined {
  const found = column.logicalType === undefined ? column.physicalType : `${column.physicalType} (${column.logicalType})`;
  if (column.physicalType === 'GROUP' || column.repetition === 'repeated') {
    return `is a nested or repeated column (${found}), expected ${field.type}`;
  }
  if (!physicalTypeFits(field.type, column.physicalType, column.logicalType)) return `is ${found}, expected ${field.type}`;
  return undefined;
}

function physicalTypeFits(type: FieldType, physical: string, logical: string | undefined): boolean {
  switch (type) {
    case 'string':
      return physical === 'BYTE_ARRAY' && (logical === 'UTF8' || logical === 'ENUM' || logical === 'JSON');
    case 'boolean':
      return physical === 'BOOLEAN' && logical === undefined;
    case 'int32':
      return physical === 'INT32' && (logical === undefined || SMALL_SIGNED.has(logical) || SMALL_UNSIGNED.has(logical));
    case 'int64':
      return (
        (physical === 'INT64' && (logical === undefined || logical === 'INT_64')) ||
        (physical === 'INT32' &&
          (logical === undefined || SMALL_SIGNED.has(logical) || SMALL_UNSIGNED.has(logical) || logical === 'UINT_32'))
      );
    case 'float64':
      return (physical === 'DOUBLE' || physical === 'FLOAT') && logical === undefined;
    case 'date':
      return physical === 'INT32' && logical === 'DATE';
    case 'timestamp':
      return physical === 'INT64' && logical !== undefined && logical.startsWith('TIMESTAMP(');
    default:
      return assertNever(type, 'field type');
  }
}
