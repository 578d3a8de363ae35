import { readFileSync } from "node:fs";
import pg from "pg";
import type { DatabaseConfig } from "../config.js";
import { type Queryable, type Row, type SqlExecutor, unavailableOnError } from "./executor.js";

type ServerDatabase = Extract<DatabaseConfig, { kind: "server" }>;

/** Bounds that keep a request from waiting on a dead database longer than a client would. */
const CONNECT_TIMEOUT_MS = 3_000;
const STATEMENT_TIMEOUT_MS = 5_000;

/** `pg.Pool` options for the config; TLS as RDS needs it (`verify-full` with its CA bundle). */
export function poolOptions(database: ServerDatabase): pg.PoolConfig {
  const ssl =
    database.sslMode === "disable"
      ? false
      : database.sslMode === "require"
        ? { rejectUnauthorized: false }
        : {
            rejectUnauthorized: true,
            ca: database.sslCaFile === undefined ? undefined : readFileSync(database.sslCaFile, "utf8"),
          };
  return {
    // Unset: pg reads PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD (how ECS passes the RDS secret).
    ...(database.connectionString === undefined ? {} : { connectionString: database.connectionString }),
    ssl,
    max: database.poolMax,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 1_000,
    keepAlive: true,
    application_name: "comments-api",
  };
}

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
      const result = await client.query<R>(sql, params as unknown[]);
      return result.rows;
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

/** A real PostgreSQL server through a connection pool. */
export function createPgExecutor(database: ServerDatabase, onIdleError: (error: Error) => void): SqlExecutor {
  const pool = new pg.Pool(poolOptions(database));
  // An idle client whose server went away emits here; unhandled, it would crash the process.
  pool.on("error", onIdleError);
  const direct = queryable(pool);
  return {
    query: (sql, params) => unavailableOnError("query", () => direct.query(sql, params)),
    exec: (sql) => unavailableOnError("query", () => direct.exec(sql)),
    async transaction(work) {
      const client = await unavailableOnError("connect", () => pool.connect());
      let broken: Error | undefined;
      try {
        await unavailableOnError("begin", () => client.query("BEGIN"));
        const result = await work(queryable(client));
        await unavailableOnError("commit", () => client.query("COMMIT"));
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        // A connection that failed to roll back is destroyed rather than reused mid-transaction.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
