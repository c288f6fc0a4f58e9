export { createSql, DEFAULT_DATABASE_URL, type Sql, type SqlOptions } from "./client.js";
export {
  appliedVersions,
  listMigrations,
  type MigrateOptions,
  type MigrateResult,
  type MigrationFile,
  migrate,
  migrationsDir,
} from "./migrate.js";
