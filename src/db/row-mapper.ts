// One mapping from a raw SQL row to an entity, derived from the entity's TypeORM column metadata:
// each column's database name, property name, type and transformer (src/db/columns.ts), hydrated by
// the driver exactly as TypeORM's own queries hydrate them. The raw hot-path statements (sql.ts)
// map through it, so a new column is declared once, on the entity. The mapper is built once per
// DataSource and entity, so a row costs one pass over the entity's columns, no metadata lookups.
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { DataSource, EntityManager } from 'typeorm';
import type { Driver } from 'typeorm/driver/Driver';

/** A raw row (keys are database column names) as an entity instance. */
type RowMapper<T> = (row: Record<string, unknown>) => T;

/** One column's database value as its entity value. */
type Converter = (value: unknown) => unknown;

const mappers = new WeakMap<DataSource, Map<new () => object, RowMapper<object>>>();

/** Drivers whose prepareHydratedValue and preparePersistentValue pass a `PLAIN_TYPES` value through (after or before its transformer). */
const PLAIN_TYPE_DRIVERS = new Set(['better-sqlite3', 'sqlite', 'postgres']);
/**
 * Column types that those drivers' prepareHydratedValue leaves as they are (no branch of
 * AbstractSqliteDriver's or PostgresDriver's names them, in either direction): only the transformer applies. Any other
 * type (Date, boolean, json, enum ...) goes through the driver itself.
 */
const PLAIN_TYPES = new Set<unknown>(['varchar', 'character varying', 'text', 'bigint', 'integer', 'int', 'uuid']);

/** The transformer's `from` (a list of them applied last to first, as TypeORM's ApplyValueTransformers does), or none. */
function transformFrom(column: ColumnMetadata): Converter | undefined {
  const { transformer } = column;
  if (!transformer) return undefined;
  if (!Array.isArray(transformer)) return (value) => transformer.from(value);
  const reversed = [...transformer].reverse();
  return (value) => reversed.reduce((converted, each) => each.from(converted), value);
}

/**
 * The hydration of `column`, decided once: for a plain column on a known driver, its transformer
 * alone (or nothing), exactly what the driver would do; otherwise the driver's own prepareHydratedValue.
 */
function converter(driver: Driver, column: ColumnMetadata): Converter | undefined {
  if (!plainColumn(driver, column)) return (value) => driver.prepareHydratedValue(value, column);
  return transformFrom(column);
}

/** Whether the driver's prepareHydratedValue and preparePersistentValue leave `column`'s values as they are (its transformer aside). */
function plainColumn(driver: Driver, column: ColumnMetadata): boolean {
  return PLAIN_TYPE_DRIVERS.has(driver.options.type) && PLAIN_TYPES.has(column.type) && !column.isArray;
}

/**
 * The persisting of `column`, decided once: for a plain column on a known driver, its transformer's
 * `to` alone (or nothing), exactly what the driver would do; otherwise the driver's own preparePersistentValue.
 */
function persister(driver: Driver, column: ColumnMetadata): Converter {
  if (!plainColumn(driver, column)) return (value) => driver.preparePersistentValue(value, column);
  const { transformer } = column;
  if (!transformer) return (value) => value;
  if (!Array.isArray(transformer)) return (value) => transformer.to(value);
  return (value) => transformer.reduce((converted, each) => each.to(converted), value);
}

/**
 * How TypeORM's getEntityValue reads `column` from an instance, decided once: a column outside
 * embeddeds that references no other column (no foreign key a relation object could supply) is its
 * property, as getEntityValue returns it; any other through getEntityValue itself.
 */
function reader(column: ColumnMetadata): (instance: object) => unknown {
  if (column.embeddedMetadata || column.referencedColumn) return (instance) => column.getEntityValue(instance);
  const { propertyName } = column;
  return (instance) => (instance as Record<string, unknown>)[propertyName];
}

function buildMapper<T extends object>(dataSource: DataSource, entity: new () => T): RowMapper<T> {
  const { driver } = dataSource;
  const columns = dataSource
    .getMetadata(entity)
    .columns.filter((column) => !column.isVirtual && !column.embeddedMetadata)
    .map((column) => ({ databaseName: column.databaseName, propertyName: column.propertyName, convert: converter(driver, column) }));
  const count = columns.length;
  return (row) => {
    const instance = new entity() as Record<string, unknown>;
    // Only the columns the statement selected; the others stay unset, as with a TypeORM `select`.
    for (let i = 0; i < count; i++) {
      const { databaseName, propertyName, convert } = columns[i];
      if (databaseName in row) instance[propertyName] = convert ? convert(row[databaseName]) : row[databaseName];
    }
    return instance as T;
  };
}

/** The cached row mapper of `entity` on `dataSource`. */
function rowMapper<T extends object>(dataSource: DataSource, entity: new () => T): RowMapper<T> {
  let perEntity = mappers.get(dataSource);
  if (!perEntity) mappers.set(dataSource, (perEntity = new Map()));
  let mapper = perEntity.get(entity) as RowMapper<T> | undefined;
  if (!mapper) perEntity.set(entity, (mapper = buildMapper(dataSource, entity)));
  return mapper;
}

/**
 * Rows of a raw SELECT (database column names as keys) as instances of `entity`: each selected
 * column's value hydrated by the driver and the column's transformer, under its property name.
 * Columns the row lacks stay unset. Throws TypeORM's EntityMetadataNotFoundError for a class that
 * is no entity of this DataSource.
 */
export function fromRows<T extends object>(manager: EntityManager, entity: new () => T, rows: ReadonlyArray<Record<string, unknown>>): T[] {
  return rows.map(rowMapper(manager.connection, entity));
}

/** An entity's INSERT statement with `?` placeholders, and the values of one instance in its column order. */
interface InsertMapper<T> {
  readonly text: string;
  /** The table and its insertable columns, escaped, in the order `values` answers them. */
  readonly table: string;
  readonly columns: readonly string[];
  values(entity: T): unknown[];
}

const inserters = new WeakMap<DataSource, Map<new () => object, InsertMapper<object>>>();

function buildInserter<T extends object>(dataSource: DataSource, entity: new () => T): InsertMapper<T> {
  const { driver } = dataSource;
  const metadata = dataSource.getMetadata(entity);
  const columns = metadata.columns.filter((column) => column.isInsert && !column.isVirtual && !column.isGenerated && !column.embeddedMetadata);
  const escaped = columns.map((column) => driver.escape(column.databaseName));
  const names = escaped.join(', ');
  const persisters = columns.map((column) => persister(driver, column));
  const readers = columns.map(reader);
  const count = columns.length;
  return {
    text: `INSERT INTO ${driver.escape(metadata.tableName)} (${names}) VALUES (${columns.map(() => '?').join(', ')})`,
    table: driver.escape(metadata.tableName),
    columns: escaped,
    // Each value as TypeORM persists it: the column's transformer, then the driver's conversion.
    values: (instance) => {
      const values = new Array<unknown>(count);
      for (let i = 0; i < count; i++) values[i] = persisters[i](readers[i](instance)) ?? null;
      return values;
    },
  };
}

/**
 * The raw INSERT of one `entity` instance for the hot path (sql.ts), built from the entity's column
 * metadata, as `rowMapper` reads rows back: every insertable column, each value through its
 * transformer and the driver, as TypeORM's own insert writes it. Cached per DataSource and entity.
 * Every column must be set on the instance (an unset one is written as NULL, not its default).
 */
export function insertStatement<T extends object>(manager: EntityManager, entity: new () => T, instance: T): { text: string; params: unknown[] } {
  const inserter = inserterOf(manager, entity);
  return { text: inserter.text, params: inserter.values(instance) };
}

/**
 * The parts of `insertStatement` for a statement that composes its own INSERT (a data-modifying
 * CTE's `INSERT INTO table (columns) SELECT ...`): the escaped table and column names and the
 * values of `instance` in their order.
 */
export function insertParts<T extends object>(manager: EntityManager, entity: new () => T, instance: T): { table: string; columns: readonly string[]; params: unknown[] } {
  const inserter = inserterOf(manager, entity);
  return { table: inserter.table, columns: inserter.columns, params: inserter.values(instance) };
}

function inserterOf<T extends object>(manager: EntityManager, entity: new () => T): InsertMapper<T> {
  const dataSource = manager.connection;
  let perEntity = inserters.get(dataSource);
  if (!perEntity) inserters.set(dataSource, (perEntity = new Map()));
  let inserter = perEntity.get(entity) as InsertMapper<T> | undefined;
  if (!inserter) perEntity.set(entity, (inserter = buildInserter(dataSource, entity)));
  return inserter;
}

/**
 * The entity class a relation of `entity` points to, from the DataSource's metadata: a relation
 * declared by name (`@OneToMany('Totp', 'user')`) maps its raw rows through `fromRows` without
 * importing its target. Throws TypeORM's EntityMetadataNotFoundError for a class that is no entity,
 * and a TypeError for a property that is no relation (a programming error, never a client's).
 */
export function relationTarget<T extends object>(manager: EntityManager, entity: new () => object, relation: string): new () => T {
  // Cached per DataSource, entity and relation: users.require asks on every authentication.
  let perSource = relationTargets.get(manager.connection);
  if (!perSource) relationTargets.set(manager.connection, (perSource = new Map()));
  const key = `${entity.name}.${relation}`;
  let target = perSource.get(key);
  if (!target) {
    const found = manager.connection.getMetadata(entity).findRelationWithPropertyPath(relation)?.inverseEntityMetadata.target;
    if (typeof found !== 'function') throw new TypeError(`${key} is no relation to an entity class`);
    perSource.set(key, (target = found as new () => object));
  }
  return target as new () => T;
}

const relationTargets = new WeakMap<DataSource, Map<string, new () => object>>();
