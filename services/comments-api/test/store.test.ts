import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CommentStore } from "../src/store/comment-store.js";
import type { SqlExecutor } from "../src/store/executor.js";
import { MIGRATIONS, migrate } from "../src/store/migrations.js";
import { createPgliteExecutor } from "../src/store/pglite-executor.js";
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

describe.each(BACKENDS)("comment store on $name", (backend) => {
  let db: SqlExecutor;
  let done: () => Promise<void>;
  let store: CommentStore;

  beforeAll(async () => {
    ({ db, done } = await backend.open());
    store = new CommentStore(db);
  });
  afterAll(() => done());
  beforeEach(() => truncate(db));

  it("loses nothing to 50 concurrent writers, and lists in creation order", async () => {
    const writers = 50;
    const perWriter = 10;
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        for (let n = 0; n < perWriter; n += 1) {
          await store.add({ email: `w${writer}@example.com`, comment: `${writer}-${n}`, contentId: "hot" });
        }
      }),
    );
    const page = await store.list("hot", 1000, undefined);
    expect(page.comments).toHaveLength(writers * perWriter);
    expect(new Set(page.comments.map((c) => c.comment)).size).toBe(writers * perWriter);
    // Each writer's own comments come back in the order that writer created them.
    for (let writer = 0; writer < writers; writer += 1) {
      const own = page.comments.filter((c) => c.email === `w${writer}@example.com`).map((c) => c.comment);
      expect(own).toEqual(Array.from({ length: perWriter }, (_, n) => `${writer}-${n}`));
    }
  });

  it("stores text byte for byte, including quotes, emoji and SQL", async () => {
    const comment = `it's "fine" 🚀 '); DROP TABLE comments; --`;
    await store.add({ email: "o'brien@example.com", comment, contentId: "x:1" });
    expect((await store.list("x:1", 10, undefined)).comments).toEqual([
      { email: "o'brien@example.com", comment },
    ]);
  });

  it("applies no migration twice", async () => {
    expect(await migrate(db)).toEqual([]);
    const rows = await db.query<{ version: number; name: string }>(
      "SELECT version, name FROM schema_migrations ORDER BY version",
    );
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  });
});

describe("embedded PGlite with a data directory", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "comments-pglite-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("keeps acknowledged comments across a restart", async () => {
    const first = await createPgliteExecutor(dir);
    await migrate(first);
    await new CommentStore(first).add({ email: "a@example.com", comment: "durable", contentId: "1" });
    await first.close();

    const second = await createPgliteExecutor(dir);
    expect(await migrate(second)).toEqual([]);
    expect((await new CommentStore(second).list("1", 10, undefined)).comments).toEqual([
      { email: "a@example.com", comment: "durable" },
    ]);
    await second.close();
  });
});

describe.skipIf(TEST_DATABASE_URL === undefined)(
  `two instances on one PostgreSQL server${NEEDS_POSTGRES}`,
  () => {
    let scratch: ScratchDatabase;
    beforeAll(async () => {
      scratch = await scratchDatabase();
    });
    afterAll(() => scratch.drop());

    it("migrate exactly once when six start at the same moment", async () => {
      const instances = Array.from({ length: 6 }, () => serverExecutor(scratch.url, 2));
      const applied = await Promise.all(instances.map((db) => migrate(db)));
      expect(applied.flat()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(applied.filter((versions) => versions.length === 0)).toHaveLength(5);
      await Promise.all(instances.map((db) => db.close()));
    });

    it("see each other's comments, and keep them across a restart", async () => {
      const dbA = serverExecutor(scratch.url);
      const dbB = serverExecutor(scratch.url);
      await migrate(dbA);
      const a = await buildTestApp(dbA);
      const b = await buildTestApp(dbB);
      const json = { "content-type": "application/json" };
      await a.inject({
        method: "POST",
        url: "/api/comment/new",
        headers: json,
        payload: '{"email":"a@example.com","comment":"from A","content_id":77}',
      });
      await b.inject({
        method: "POST",
        url: "/api/comment/new",
        headers: json,
        payload: '{"email":"b@example.com","comment":"from B","content_id":"77"}',
      });
      const expected = [
        { email: "a@example.com", comment: "from A" },
        { email: "b@example.com", comment: "from B" },
      ];
      expect((await a.inject({ method: "GET", url: "/api/comment/list/77" })).json()).toEqual(expected);
      expect((await b.inject({ method: "GET", url: "/api/comment/list/77" })).json()).toEqual(expected);
      await Promise.all([a.close(), b.close(), dbA.close(), dbB.close()]);

      const dbC = serverExecutor(scratch.url);
      const c = await buildTestApp(dbC);
      expect((await c.inject({ method: "GET", url: "/api/comment/list/77" })).json()).toEqual(expected);
      await c.close();
      await dbC.close();
    });
  },
);
