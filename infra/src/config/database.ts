/** The `database` section: the RDS instance's class, storage, engine, availability and backups. */
import type { Reader } from "./reader";
import type { DatabaseConfig, SectionContext } from "./types";

/** Reads the `db*` keys; prod defaults to Multi-AZ, deletion protection and two weeks of backups. */
export function parseDatabase(read: Reader, { isProd }: SectionContext): DatabaseConfig {
  return {
    instanceClass: read.string("dbInstanceClass", isProd ? "db.t4g.medium" : "db.t4g.micro"),
    allocatedStorageGiB: read.integer("dbAllocatedStorageGiB", 20, 20, 1000),
    engineVersion: read.string("dbEngineVersion", "16"),
    multiAz: read.boolean("dbMultiAz", isProd),
    deletionProtection: read.boolean("dbDeletionProtection", isProd),
    backupRetentionDays: read.integer("dbBackupRetentionDays", isProd ? 14 : 1, 0, 35),
    applyImmediately: read.boolean("dbApplyImmediately", !isProd),
  };
}
