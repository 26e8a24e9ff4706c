// One mapping from a raw SQL row to an entity, derived from the entity's TypeORM column metadata:
// each column's database name, property name, type and transformer (src/db/columns.ts), hydrated by
// the driver exactly as TypeORM's own queries hydrate them. The raw hot-path statements (sql.ts)
// map through it, so a new column is declared once, on the entity. The mapper is built once per
// DataSource and entity, so a row costs one pass over the entity's columns, no metadata lookups.
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { DataSource, EntityManager } from 'typeorm';

/** A raw row (keys are database column names) as an entity instance. */
type RowMapper<T> = (row: Record<string, unknown>) => T;

const mappers = new WeakMap<DataSource, Map<new () => object, RowMapper<object>>>();

function buildMapper<T extends object>(dataSource: DataSource, entity: new () => T): RowMapper<T> {
  const { driver } = dataSource;
  const columns: ReadonlyArray<readonly [databaseName: string, propertyName: string, column: ColumnMetadata]> = dataSource
    .getMetadata(entity)
    .columns.filter((column) => !column.isVirtual && !column.embeddedMetadata)
    .map((column) => [column.databaseName, column.propertyName, column] as const);
  return (row) => {
    const instance = new entity() as Record<string, unknown>;
    // Only the columns the statement selected; the others stay unset, as with a TypeORM `select`.
    for (const [databaseName, propertyName, column] of columns) {
      if (databaseName in row) instance[propertyName] = driver.prepareHydratedValue(row[databaseName], column);
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
  values(entity: T): unknown[];
}

const inserters = new WeakMap<DataSource, Map<new () => object, InsertMapper<object>>>();

function buildInserter<T extends object>(dataSource: DataSource, entity: new () => T): InsertMapper<T> {
  const { driver } = dataSource;
  const metadata = dataSource.getMetadata(entity);
  const columns = metadata.columns.filter((column) => column.isInsert && !column.isVirtual && !column.isGenerated && !column.embeddedMetadata);
  const names = columns.map((column) => driver.escape(column.databaseName)).join(', ');
  return {
    text: `INSERT INTO ${driver.escape(metadata.tableName)} (${names}) VALUES (${columns.map(() => '?').join(', ')})`,
    // Each value as TypeORM persists it: the column's transformer, then the driver's conversion.
    values: (instance) => columns.map((column) => driver.preparePersistentValue(column.getEntityValue(instance), column) ?? null),
  };
}

/**
 * The raw INSERT of one `entity` instance for the hot path (sql.ts), built from the entity's column
 * metadata, as `rowMapper` reads rows back: every insertable column, each value through its
 * transformer and the driver, as TypeORM's own insert writes it. Cached per DataSource and entity.
 * Every column must be set on the instance (an unset one is written as NULL, not its default).
 */
export function insertStatement<T extends object>(manager: EntityManager, entity: new () => T, instance: T): { text: string; params: unknown[] } {
  const dataSource = manager.connection;
  let perEntity = inserters.get(dataSource);
  if (!perEntity) inserters.set(dataSource, (perEntity = new Map()));
  let inserter = perEntity.get(entity) as InsertMapper<T> | undefined;
  if (!inserter) perEntity.set(entity, (inserter = buildInserter(dataSource, entity)));
  return { text: inserter.text, params: inserter.values(instance) };
}

/**
 * The entity class a relation of `entity` points to, from the DataSource's metadata: a relation
 * declared by name (`@OneToMany('Totp', 'user')`) maps its raw rows through `fromRows` without
 * importing its target. Throws TypeORM's EntityMetadataNotFoundError for a class that is no entity,
 * and a TypeError for a property that is no relation (a programming error, never a client's).
 */
export function relationTarget<T extends object>(manager: EntityManager, entity: new () => object, relation: string): new () => T {
  const target = manager.connection.getMetadata(entity).findRelationWithPropertyPath(relation)?.inverseEntityMetadata.target;
  if (typeof target !== 'function') throw new TypeError(`${entity.name}.${relation} is no relation to an entity class`);
  return target as new () => T;
}
