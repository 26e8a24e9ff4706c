// The DataSource TypeORM's CLI loads (`npm run typeorm -- migration:show|run|revert`, which runs
// `typeorm -d dist/ormconfig.js` on the build): the database DATABASE_URL names, configured exactly
// as the gateway configures it (src/data-source.ts). The gateway itself never imports this file:
// building the DataSource reads the environment (src/config.ts) the moment the file is loaded.
import 'reflect-metadata';
import { loadConfig } from './src/config';
import { createDataSource } from './src/data-source';

export const dataSource = createDataSource(loadConfig().database);
