import type { DatabaseConfig } from "../config.js";
import type { LoginSource } from "./credentials.js";
import type { SqlExecutor } from "./executor.js";
import { createPgExecutor } from "./pg-executor.js";
import { createPgliteExecutor } from "./pglite-executor.js";

export { CommentStore } from "./comment-store.js";
export { type LoginSource, SecretsManagerLogin, SecretUnusableError } from "./credentials.js";
export { DatabaseUnavailableError } from "./executor.js";
export { migrate } from "./migrations.js";

/** The executor for the configured database: a `pg` pool, or embedded PGlite. */
export async function createExecutor(
  database: DatabaseConfig,
  onIdleError: (error: Error) => void,
  login?: LoginSource,
): Promise<SqlExecutor> {
  return database.kind === "embedded"
    ? createPgliteExecutor(database.dataDir)
    : createPgExecutor(database, onIdleError, login);
}
