/**
 * One order for every reader, and no committed comment behind a cursor: a writer that commits late
 * (a slow transaction) must not be skipped by a client following `Link`.
 */
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlExecutor } from "../src/store/executor.js";
import { migrate } from "../src/store/migrations.js";
import {
  BACKENDS,
  buildTestApp,
  NEEDS_POSTGRES,
  type ScratchDatabase,
  scratchDatabase,
  serverExecutor,
  TEST_DATABASE_URL,
  truncate,
} from "./helper.js";

const post = (app: FastifyInstance, comment: string, contentId: string) =>
  app.inject({
    method: "POST",
    url: "/api/comment/new",
    headers: { "content-type": "application/json" },
    payload: JSON.stringify({ email: "o@example.com", comment, content_id: contentId }),
  });

/** Follows `Link` from the first page of `limit` to the last; the comments in the order received. */
async function walk(app: FastifyInstance, contentId: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  for (let url: string | undefined = `/api/comment/list/${contentId}?limit=${limit}`; url !== undefined; ) {
    const page: Awaited<ReturnType<FastifyInstance["inject"]>> = await app.inject({ method: "GET", url });
    expect(page.statusCode).toBe(200);
    seen.push(...(page.json() as Array<{ comment: string }>).map((c) => c.comment));
    url = /^<([^>]+)>; rel="next"$/.exec(String(page.headers.link ?? ""))?.[1];
  }
  return seen;
}

const whole = async (app: FastifyInstance, contentId: string) =>
  (
    (await app.inject({ method: "GET", url: `/api/comment/list/${contentId}` })).json() as Array<{
      comment: string;
    }>
  ).map((c) => c.comment);

describe.each(BACKENDS)("comment order on $name", (backend) => {
  let db: SqlExecutor;
  let done: () => Promise<void>;
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ db, done } = await backend.open());
    await truncate(db);
    app = await buildTestApp(db, { listCache: false });
  });
  afterAll(async () => {
    await app.close();
    await done();
  });

  it("lists one content's comments in the order they were acknowledged, paged or whole", async () => {
    for (const comment of ["a", "b", "c", "d", "e"])
      expect((await post(app, comment, "seq")).statusCode).toBe(200);
    expect(await walk(app, "seq", 2)).toEqual(["a", "b", "c", "d", "e"]);
    expect(await whole(app, "seq")).toEqual(["a", "b", "c", "d", "e"]);
  });
});

describe.skipIf(TEST_DATABASE_URL === undefined)(`a slow writer on PostgreSQL${NEEDS_POSTGRES}`, () => {
  let scratch: ScratchDatabase;
  let db: SqlExecutor;
  let app: FastifyInstance;
  beforeAll(async () => {
    scratch = await scratchDatabase();
    db = serverExecutor(scratch.url);
    await migrate(db);
    app = await buildTestApp(db, { listCache: false });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await scratch?.drop();
  });

  it("is not skipped by a client following Link: a transaction commits 3 s after its insert, 3 POSTs meanwhile", async () => {
    const slow = new pg.Client({ connectionString: scratch.url });
    await slow.connect();
    await slow.query("BEGIN");
    await slow.query(
      "INSERT INTO comments (content_id, email, comment) VALUES ('slow', 'o@example.com', 'slow writer')",
    );
    const committed = new Promise((resolve) => setTimeout(resolve, 3_000)).then(() => slow.query("COMMIT"));
    // Before the fix these were stored (and acknowledged) at once, with ids after the slow writer's,
    // and the client below paged past the slow writer's id before it was visible.
    const acknowledged = await Promise.all(["fast 1", "fast 2", "fast 3"].map((c) => post(app, c, "slow")));
    expect(acknowledged.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    const paged = await walk(app, "slow", 2);
    await committed;
    await slow.end();

    const final = await whole(app, "slow");
    expect([...final].sort()).toEqual(["fast 1", "fast 2", "fast 3", "slow writer"]);
    // Acknowledged after the slow commit, so listed after it.
    expect(final[0]).toBe("slow writer");
    expect(paged).toEqual(final);
    expect(await walk(app, "slow", 2)).toEqual(final);
  });

  it("lets writers of other contents go on while one content's writer is slow", async () => {
    const slow = new pg.Client({ connectionString: scratch.url });
    await slow.connect();
    await slow.query("BEGIN");
    await slow.query(
      "INSERT INTO comments (content_id, email, comment) VALUES ('held', 'o@example.com', 'held writer')",
    );
    // The slow transaction is still open: nothing above may wait for it.
    expect((await post(app, "free", "elsewhere")).statusCode).toBe(200);
    expect(await whole(app, "elsewhere")).toEqual(["free"]);
    await slow.query("COMMIT");
    await slow.end();
    expect(await whole(app, "held")).toEqual(["held writer"]);
  });
});
