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
