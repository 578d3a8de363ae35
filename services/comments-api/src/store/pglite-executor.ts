import { PGlite } from "@electric-sql/pglite";
import { type Queryable, type Row, type SqlExecutor, unavailableOnError } from "./executor.js";
import { Limiter } from "./limiter.js";
import { ANNOUNCED_BY_SETTING } from "./migrations.js";

/** Waiting requests beyond which the embedded database answers 503 rather than queueing more. @default 1024 */
export const EMBEDDED_MAX_QUEUED = 1024;

interface PgliteLike {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  exec(sql: string): Promise<unknown>;
}

function queryable(db: PgliteLike): Queryable {
  return {
    async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
      return (await db.query<R>(sql, params as unknown[])).rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
  };
}

/**
 * Embedded PostgreSQL (PGlite, WebAssembly) in this process: in memory, or in `dataDir` so comments
 * survive a restart. One query runs at a time; the limiter bounds how many wait.
 */
export async function createPgliteExecutor(dataDir: string | undefined): Promise<SqlExecutor> {
  const db = await PGlite.create(dataDir === undefined ? undefined : { dataDir });
  // One session: the app announces its changes, as on a server (pg-executor.ts).
  await db.exec(`SET ${ANNOUNCED_BY_SETTING} = 'app'`);
  const limiter = new Limiter(1, EMBEDDED_MAX_QUEUED);
  const direct = queryable(db);
  return {
    query: (sql, params) => limiter.run(() => unavailableOnError("query", () => direct.query(sql, params))),
    exec: (sql) => limiter.run(() => unavailableOnError("query", () => direct.exec(sql))),
    async subscribe(channel, listener) {
      // One process holds the embedded database: every change is made here, and delivered here.
      const unlisten = await db.listen(channel, (payload) => listener.notify(payload));
      listener.state(true);
      return async () => {
        listener.state(false);
        await unlisten();
      };
    },
    transaction: (work) =>
      limiter.run(() => unavailableOnError("transaction", () => db.transaction((tx) => work(queryable(tx))))),
    close: () => db.close(),
  };
}
