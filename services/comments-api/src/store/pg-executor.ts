import { readFileSync } from "node:fs";
import pg from "pg";
import type { DatabaseConfig } from "../config.js";
import type { LoginSource } from "./credentials.js";
import { type Queryable, type Row, type SqlExecutor, unavailableOnError } from "./executor.js";

type ServerDatabase = Extract<DatabaseConfig, { kind: "server" }>;

/** Bounds that keep a request from waiting on a dead database longer than a client would. */
const CONNECT_TIMEOUT_MS = 3_000;
const STATEMENT_TIMEOUT_MS = 5_000;
/**
 * Tries per operation when the server refuses the login. PostgreSQL checks the password before the
 * session starts (SQLSTATE 28P01, invalid_password:
 * https://www.postgresql.org/docs/current/errcodes-appendix.html), so no statement ran and a retry
 * cannot apply one twice. Three: the old password, then AWSCURRENT, then AWSPENDING.
 */
export const LOGIN_ATTEMPTS = 3;

/**
 * `pg.Pool` options for the config; TLS as RDS needs it (`verify-full` with its CA bundle). With a
 * login source, the user and password come from it: the password as a function, which pg calls for
 * every new connection (so a rotated one is used as soon as it is known).
 */
export function poolOptions(
  database: ServerDatabase,
  login?: LoginSource,
  tuning: Pick<pg.PoolConfig, "maxUses"> = {},
): pg.PoolConfig {
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
    // Unset: pg reads PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD from the environment.
    ...(database.connectionString === undefined
      ? {}
      : login === undefined
        ? { connectionString: database.connectionString }
        : // pg lets every key of a parsed connection string (a missing password too) override the
          // options beside it: take only where the server is, and the login from the source.
          serverOf(database.connectionString)),
    ...(login === undefined
      ? {}
      : { user: login.current().username, password: async () => login.current().password }),
    ssl,
    max: database.poolMax,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 1_000,
    keepAlive: true,
    application_name: "comments-api",
    ...tuning,
  };
}

function serverOf(connectionString: string): pg.PoolConfig {
  const url = new URL(connectionString);
  return {
    host: decodeURIComponent(url.hostname),
    ...(url.port === "" ? {} : { port: Number(url.port) }),
    ...(url.pathname.length > 1 ? { database: decodeURIComponent(url.pathname.slice(1)) } : {}),
  };
}

const refusedLogin = (error: unknown) => (error as { code?: unknown } | null)?.code === "28P01";

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

/**
 * A real PostgreSQL server through a connection pool. With a login source, a refused login (28P01:
 * the password was rotated) makes the source read the secret again, and the operation is retried
 * with what it found, up to LOGIN_ATTEMPTS times.
 */
export function createPgExecutor(
  database: ServerDatabase,
  onIdleError: (error: Error) => void,
  login?: LoginSource,
  /** `maxUses`: connections closed and replaced after that many queries (tests: new logins under load). */
  tuning: Pick<pg.PoolConfig, "maxUses"> = {},
): SqlExecutor {
  const pool = new pg.Pool(poolOptions(database, login, tuning));
  // An idle client whose server went away emits here; unhandled, it would crash the process.
  pool.on("error", onIdleError);
  const direct = queryable(pool);
  async function withLogin<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      // The password the operation's new connection (if it opens one) is given.
      const tried = login?.current().password;
      try {
        return await operation();
      } catch (error) {
        if (login === undefined || tried === undefined || !refusedLogin(error) || attempt >= LOGIN_ATTEMPTS) {
          throw error;
        }
        await login.refresh(tried);
      }
    }
  }
  return {
    query: (sql, params) => unavailableOnError("query", () => withLogin(() => direct.query(sql, params))),
    exec: (sql) => unavailableOnError("query", () => withLogin(() => direct.exec(sql))),
    async transaction(work) {
      const client = await unavailableOnError("connect", () => withLogin(() => pool.connect()));
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
