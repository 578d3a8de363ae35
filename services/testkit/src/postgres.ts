/**
 * A real PostgreSQL server for the tests that need one: TEST_DATABASE_URL names it (CI sets it and
 * must not silently skip), and each test file gets a scratch database of its own.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The server the real-PostgreSQL tests use; unset, they are skipped (never under CI=true). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

/** Under CI=true a missing server fails the suites that need one (they call this), never skips them. */
export function requirePostgresUnderCi(): void {
  if (process.env.CI === "true" && TEST_DATABASE_URL === undefined) {
    throw new Error("CI=true but TEST_DATABASE_URL is unset: the real-PostgreSQL tests would not run");
  }
}

/** Suffix for test names that only run against a real server, saying how to run them. */
export const NEEDS_POSTGRES =
  TEST_DATABASE_URL === undefined
    ? " (skipped: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run against a real server)"
    : "";

/** A fresh, empty database on the TEST_DATABASE_URL server, dropped by `drop()`. */
export interface ScratchDatabase {
  url: string;
  drop: () => Promise<void>;
}

/** Creates a scratch database with a random name on the TEST_DATABASE_URL server. */
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
