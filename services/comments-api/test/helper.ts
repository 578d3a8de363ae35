/**
 * One way to build the app in tests, and the databases they run against: embedded PGlite always,
 * a real PostgreSQL server when TEST_DATABASE_URL is set (CI sets it and must not silently skip).
 */
import { Writable } from "node:stream";
import {
  requirePostgresUnderCi,
  scratchDatabase,
  TEST_DATABASE_URL,
} from "@comments-platform/testkit/postgres";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { buildApp, requestSerializer } from "../src/app.js";
import type { Metrics } from "../src/plugins/metrics.js";
import { CommentStore } from "../src/store/comment-store.js";
import type { LoginSource } from "../src/store/credentials.js";
import type { SqlExecutor } from "../src/store/executor.js";
import type { ListCache } from "../src/store/list-cache.js";
import { migrate } from "../src/store/migrations.js";
import { createPgExecutor } from "../src/store/pg-executor.js";
import { createPgliteExecutor } from "../src/store/pglite-executor.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

// The real server and its scratch databases come from the workspace's testkit; these suites need it.
requirePostgresUnderCi();

export {
  NEEDS_POSTGRES,
  type ScratchDatabase,
  scratchDatabase,
  TEST_DATABASE_URL,
} from "@comments-platform/testkit/postgres";

/** Log lines captured from a real pino logger, parsed. */
export interface CapturedLogs {
  logger: pino.Logger;
  lines: () => Array<Record<string, unknown>>;
  raw: () => string;
}

export function captureLogs(): CapturedLogs {
  let text = "";
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = pino({ level: "trace", serializers: { req: requestSerializer } }, sink);
  return {
    logger,
    raw: () => text,
    lines: () =>
      text
        .split("\n")
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Wraps an executor so the app's `close()` leaves it open (tests share one database per file). */
export function unclosable(db: SqlExecutor): SqlExecutor {
  return { ...db, close: async () => {} };
}

export async function buildTestApp(
  db: SqlExecutor,
  options: {
    logger?: pino.Logger;
    metrics?: Metrics | false;
    unpagedListCap?: number;
    listCache?: ListCache | false;
    listSendTimeoutMs?: number;
  } = {},
): Promise<FastifyInstance> {
  const app = await buildApp({ store: new CommentStore(unclosable(db)), ...options });
  await app.ready();
  return app;
}

/** A migrated in-memory PGlite: about 3 s to boot, so share one per test file. */
export async function embeddedDatabase(): Promise<SqlExecutor> {
  const db = await createPgliteExecutor(undefined);
  await migrate(db);
  return db;
}

/** Empties the comments table between tests. */
export async function truncate(db: SqlExecutor): Promise<void> {
  await db.exec("TRUNCATE comments, idempotency_keys RESTART IDENTITY");
}

export function serverExecutor(
  url: string,
  poolMax = 10,
  login?: LoginSource,
  tuning: { maxUses?: number } = {},
): SqlExecutor {
  return createPgExecutor(
    {
      kind: "server",
      connectionString: url,
      sslMode: "disable",
      sslCaFile: undefined,
      poolMax,
      secretArn: undefined,
    },
    () => {},
    login,
    tuning,
  );
}

/** A database a suite runs against, opened and disposed of by the suite. */
export interface Backend {
  name: string;
  open: () => Promise<{ db: SqlExecutor; done: () => Promise<void> }>;
}

/** Embedded PGlite always, and a migrated scratch database on the real server when there is one. */
export const BACKENDS: readonly Backend[] = [
  {
    name: "embedded PGlite",
    open: async () => {
      const db = await embeddedDatabase();
      return { db, done: () => db.close() };
    },
  },
  ...(TEST_DATABASE_URL === undefined
    ? []
    : [
        {
          name: "PostgreSQL server",
          open: async () => {
            const scratch = await scratchDatabase();
            const db = serverExecutor(scratch.url);
            await migrate(db);
            return {
              db,
              done: async () => {
                await db.close();
                await scratch.drop();
              },
            };
          },
        },
      ]),
];

/** A scratch database on the real server, and a URL that reaches it through a proxy the test can cut. */
export async function scratchBehindProxy(latencyMs = 0): Promise<{
  scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  proxy: TcpProxy;
  viaProxy: string;
}> {
  const scratch = await scratchDatabase();
  const target = new URL(scratch.url);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432), latencyMs);
  const viaProxy = new URL(scratch.url);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  return { scratch, proxy, viaProxy: viaProxy.toString() };
}
