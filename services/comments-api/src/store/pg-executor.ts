import { readFileSync } from "node:fs";
import pg from "pg";
import type { DatabaseConfig } from "../config.js";
import type { LoginSource } from "./credentials.js";
import {
  type ChangeListener,
  type Queryable,
  type Row,
  type SqlExecutor,
  unavailableOnError,
} from "./executor.js";
import { ANNOUNCED_BY_SETTING } from "./migrations.js";

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
    // This release announces its changes itself (ChangeAnnouncer): migration 5's trigger stays
    // silent for its sessions. A run-time parameter given at connection start, as `-c` would
    // (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-OPTIONS).
    options: `-c ${ANNOUNCED_BY_SETTING}=app`,
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

/** How often the listening connection proves it still works, and how long it may take to. */
export const LISTEN_HEARTBEAT_MS = 5_000;
const LISTEN_HEARTBEAT_TIMEOUT_MS = 3_000;

/**
 * LISTEN on a connection of its own (a pooled one would be handed to queries): reconnects with
 * backoff when it is lost, and runs a heartbeat query so a connection that went silent (a network
 * freeze sends no error) is noticed within LISTEN_HEARTBEAT_MS plus its timeout. Reports `false` the
 * moment it is down: notifications sent meanwhile are lost, and the caller must not trust what it
 * cached from them.
 */
function listenOn(
  options: pg.ClientConfig,
  channel: string,
  listener: ChangeListener,
  login: LoginSource | undefined,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delay = 250;
  let live = false;
  let firstAttempt: ((error?: unknown) => void) | undefined;
  const setLive = (value: boolean) => {
    if (live === value) return;
    live = value;
    listener.state(value);
  };
  const drop = (current: pg.Client) => {
    if (client !== current) return;
    client = undefined;
    clearInterval(heartbeat);
    setLive(false);
    current.removeAllListeners("notification");
    current.on("error", () => {});
    void current.end().catch(() => {});
    if (!stopped) {
      retry = setTimeout(connect, delay);
      retry.unref();
      delay = Math.min(delay * 2, 5_000);
    }
  };
  const connect = () => {
    const current = new pg.Client({ ...options, query_timeout: LISTEN_HEARTBEAT_TIMEOUT_MS });
    client = current;
    const tried = login?.current().password;
    current.on("error", () => drop(current));
    current.on("end", () => drop(current));
    current.on("notification", (message) => {
      if (message.channel === channel && message.payload !== undefined) listener.notify(message.payload);
    });
    current
      .connect()
      .then(() => current.query(`LISTEN ${channel}`))
      .then(() => {
        // Lost again before LISTEN answered: the retry already scheduled takes over.
        if (client !== current || stopped) {
          firstAttempt?.();
          firstAttempt = undefined;
          return;
        }
        delay = 250;
        setLive(true);
        heartbeat = setInterval(() => {
          current.query("SELECT 1").catch(() => drop(current));
        }, LISTEN_HEARTBEAT_MS);
        heartbeat.unref();
        firstAttempt?.();
        firstAttempt = undefined;
      })
      .catch(async (error: unknown) => {
        if (login !== undefined && tried !== undefined && refusedLogin(error)) {
          await login.refresh(tried).catch(() => {});
        }
        firstAttempt?.(error);
        firstAttempt = undefined;
        drop(current);
      });
  };
  return new Promise((resolve) => {
    // Resolves after the first attempt either way: a database down at start-up is retried in the
    // background, and nothing is cached until LISTEN is in place.
    firstAttempt = () =>
      resolve(async () => {
        stopped = true;
        clearTimeout(retry);
        clearInterval(heartbeat);
        const current = client;
        client = undefined;
        setLive(false);
        if (current !== undefined) {
          current.removeAllListeners("end");
          await current.end().catch(() => {});
        }
      });
    connect();
  });
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
    // Any failure inside is the database's (input is validated before SQL): a statement timed out
    // (57014), a lock waited on too long or a connection lost mid-transaction is a 503, as outside.
    transaction: (work) =>
      unavailableOnError("transaction", async () => {
        const client = await withLogin(() => pool.connect());
        // pg-pool takes its idle 'error' listener off a client it hands out (pg-pool index.js,
        // `_acquireClient`: https://github.com/brianc/node-postgres/blob/master/packages/pg-pool/index.js),
        // and pg emits 'error' on a client whose server ends the session between statements (57P01
        // on a failover or restart: https://github.com/brianc/node-postgres/blob/master/packages/pg/lib/client.js).
        // Unheard, that event ends the process; heard, the next statement fails and the request is a 503.
        let lost: Error | undefined;
        const onLost = (error: Error) => {
          lost = error;
        };
        client.on("error", onLost);
        let broken: Error | undefined;
        try {
          await client.query("BEGIN");
          const result = await work(queryable(client));
          await client.query("COMMIT");
          return result;
        } catch (error) {
          await client.query("ROLLBACK").catch((rollbackError: Error) => {
            broken = rollbackError;
          });
          throw error;
        } finally {
          // A connection that was lost or failed to roll back is destroyed rather than reused.
          client.release(lost ?? broken);
          client.removeListener("error", onLost);
        }
      }),
    subscribe: (channel, listener) => {
      const {
        max: _max,
        idleTimeoutMillis: _idle,
        maxUses: _uses,
        ...client
      } = poolOptions(database, login, tuning);
      return listenOn(client, channel, listener, login);
    },
    close: () => pool.end(),
  };
}
