import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlExecutor } from "../src/store/executor.js";
import { migrate } from "../src/store/migrations.js";
import {
  buildTestApp,
  captureLogs,
  NEEDS_POSTGRES,
  type ScratchDatabase,
  scratchBehindProxy,
  serverExecutor,
  TEST_DATABASE_URL,
} from "./helper.js";
import type { TcpProxy } from "./tcp-proxy.js";

describe.skipIf(TEST_DATABASE_URL === undefined)(`database outage and recovery${NEEDS_POSTGRES}`, () => {
  let scratch: ScratchDatabase;
  let proxy: TcpProxy;
  let db: SqlExecutor;
  let app: FastifyInstance;
  const logs = captureLogs();
  const json = { "content-type": "application/json" };
  const post = (comment: string, idempotencyKey?: string) =>
    app.inject({
      method: "POST",
      url: "/api/comment/new",
      headers: idempotencyKey === undefined ? json : { ...json, "idempotency-key": idempotencyKey },
      payload: JSON.stringify({ email: "o@example.com", comment, content_id: 1 }),
    });

  beforeAll(async () => {
    let viaProxy: string;
    ({ scratch, proxy, viaProxy } = await scratchBehindProxy());
    db = serverExecutor(viaProxy);
    await migrate(db);
    app = await buildTestApp(db, { logger: logs.logger });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
    await proxy.close();
    await scratch.drop();
  });

  it("answers 503 while the database is gone, stays alive, and recovers by itself", async () => {
    expect((await post("before")).statusCode).toBe(200);

    proxy.cut();
    const during = await post("during");
    expect([during.statusCode, during.json(), during.headers["retry-after"]]).toEqual([
      503,
      { status: "UNAVAILABLE", message: "database unavailable, retry later" },
      "1",
    ]);
    const list = await app.inject({ method: "GET", url: "/api/comment/list/1" });
    expect(list.statusCode).toBe(503);
    const ready = await app.inject({ method: "GET", url: "/readyz" });
    expect([ready.statusCode, ready.json()]).toEqual([
      503,
      { status: "UNAVAILABLE", message: "database unavailable" },
    ]);
    expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);

    proxy.restore();
    // The pool replaces its dead connections on the next requests: no restart, no manual step.
    let recovered = 0;
    for (let attempt = 0; attempt < 20 && recovered === 0; attempt += 1) {
      if ((await post("after")).statusCode === 200) recovered = attempt + 1;
    }
    expect(recovered).toBeGreaterThan(0);
    expect((await app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
    const comments = (await app.inject({ method: "GET", url: "/api/comment/list/1" })).json() as Array<{
      comment: string;
    }>;
    expect(comments.map((c) => c.comment)).toEqual(["before", "after"]);
    expect(logs.raw()).not.toContain("o@example.com");
  });

  it("a write stalled past the statement timeout by another session's lock is a 503, with a key or without", async () => {
    // What a migration's `LOCK TABLE` does to writers: they wait until statement_timeout (5 s) cancels
    // them with 57014 (query_canceled).
    const migration = new pg.Client({ connectionString: scratch.url });
    await migration.connect();
    await migration.query("BEGIN");
    await migration.query("LOCK TABLE comments IN SHARE MODE");
    const keyed = post("stalled with a key", "k-stalled");
    const unkeyed = post("stalled without a key");
    const unavailable = { status: "UNAVAILABLE", message: "database unavailable, retry later" };
    for (const response of [await keyed, await unkeyed]) {
      expect([response.statusCode, response.headers["retry-after"], response.json()]).toEqual([
        503,
        "1",
        unavailable,
      ]);
    }
    await migration.query("COMMIT");
    await migration.end();
    // The failed attempt freed its key: the client's retry with it stores the comment once.
    expect((await post("stalled with a key", "k-stalled")).statusCode).toBe(200);
    const stored = await db.query<{ comment: string }>(
      "SELECT comment FROM comments WHERE comment LIKE 'stalled%' ORDER BY id",
    );
    expect(stored.map((row) => row.comment)).toEqual(["stalled with a key"]);
  });
});
