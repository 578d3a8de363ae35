/**
 * One way to build the app in tests, and the databases they run against: embedded PGlite always,
 * a real PostgreSQL server when TEST_DATABASE_URL is set (CI sets it and must not silently skip).
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { pino } from "pino";
import { buildApp, requestSerializer } from "../src/app.js";
import type { Metrics } from "../src/plugins/metrics.js";
import { CommentStore } from "../src/store/comment-store.js";
import type { SqlExecutor } from "../src/store/executor.js";
import { migrate } from "../src/store/migrations.js";
import { createPgExecutor } from "../src/store/pg-executor.js";
import { createPgliteExecutor } from "../src/store/pglite-executor.js";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

if (process.env.CI === "true" && TEST_DATABASE_URL === undefined) {
  throw new Error("CI=true but TEST_DATABASE_URL is unset: the real-PostgreSQL tests would not run");
}

/** Suffix for test names that only run against a real server, saying how to run them. */
export const NEEDS_POSTGRES =
  TEST_DATABASE_URL === undefined
    ? " (skipped: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run against a real server)"
    : "";

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
  options: { logger?: pino.Logger; metrics?: Metrics | false } = {},
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
  await db.exec("TRUNCATE comments RESTART IDENTITY");
}

/** A fresh, empty database on the TEST_DATABASE_URL server, dropped by `drop()`. */
export interface ScratchDatabase {
  url: string;
  drop: () => Promise<void>;
}

export async function scratchDatabase(): Promise<ScratchDatabase> {
  if (TEST_DATABASE_URL === undefined) throw new Error("TEST_DATABASE_URL is unset");
  const name = `comments_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export function serverExecutor(url: string, poolMax = 10): SqlExecutor {
  return createPgExecutor(
    { kind: "server", connectionString: url, sslMode: "disable", sslCaFile: undefined, poolMax },
    () => {},
  );
}
