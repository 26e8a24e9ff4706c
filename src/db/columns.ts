// Portable column helpers. Times are stored as epoch milliseconds in BIGINT on both dialects (no
// driver-specific timestamp parsing, and `pg` returns BIGINT as a string, hence the transformer).
import { Column, type ColumnOptions, type ValueTransformer } from 'typeorm';

const epochTransformer: ValueTransformer = {
  to: (value: Date | null | undefined) => (value == null ? value : value.getTime()),
  from: (value: string | number | null) => (value == null ? null : new Date(Number(value))),
};

const bigintNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | number | null) => (value == null ? null : Number(value)),
};

const json: ValueTransformer = {
  to: (value: unknown) => (value === undefined ? undefined : value === null ? null : JSON.stringify(value)),
  from: (value: string | null) => (value == null ? null : JSON.parse(value)),
};

export const EpochColumn = (name: string, options: ColumnOptions = {}) =>
  Column({ type: 'bigint', name, transformer: epochTransformer, ...options });

export const BigIntColumn = (name: string, options: ColumnOptions = {}) =>
  Column({ type: 'bigint', name, transformer: bigintNumber, ...options });

export const JsonColumn = (name: string, options: ColumnOptions = {}) =>
  Column({ type: 'text', name, transformer: json, ...options });

/** Length of every `<prefix>-<uuid>` id column; the longest prefix is "session-". */
export const ID_LENGTH = 64;
export const IdColumn = (name: string, options: ColumnOptions = {}) =>
  Column({ type: 'varchar', length: ID_LENGTH, name, ...options });
