/**
 * What the list cache keeps and sends: the bytes themselves, and a capped list's headers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRUNCATED_HEADER } from "../src/routes/comments.js";
import type { SqlExecutor } from "../src/store/executor.js";
import { ListCache } from "../src/store/list-cache.js";
import { buildTestApp, embeddedDatabase } from "./helper.js";

describe("cached list answers, embedded", () => {
  let db: SqlExecutor;
  beforeAll(async () => {
    db = await embeddedDatabase();
    await db.query(
      `INSERT INTO comments (content_id, email, comment)
        SELECT 'capped', 'c@example.com', 'comment ' || g FROM generate_series(1, 5) AS g`,
    );
    // 1000 comments of 16000 characters: a 16 MB answer in one batch, so it is cached.
    await db.query(
      `INSERT INTO comments (content_id, email, comment)
        SELECT 'large', 'l@example.com', repeat('x', 16000) FROM generate_series(1, 1000)`,
    );
  });
  afterAll(() => db.close());

  it("keeps a capped list's Comments-Truncated and Link when it answers from the cache", async () => {
    const cache = new ListCache();
    const app = await buildTestApp(db, { listCache: cache, unpagedListCap: 3 });
    try {
      const fromDatabase = await app.inject({ method: "GET", url: "/api/comment/list/capped" });
      const fromCache = await app.inject({ method: "GET", url: "/api/comment/list/capped" });
      expect(cache.stats.hits).toBe(1);
      const [, , third] = (await db.query<{ id: string }>(
        "SELECT id::text AS id FROM comments WHERE content_id = 'capped' ORDER BY comments.id",
      )) as Array<{ id: string }>;
      for (const answer of [fromDatabase, fromCache]) {
        expect(answer.statusCode).toBe(200);
        expect(answer.headers[TRUNCATED_HEADER]).toBe("3");
        expect(answer.headers.link).toBe(`</api/comment/list/capped?after=${third?.id}>; rel="next"`);
        expect((answer.json() as Array<{ comment: string }>).map((c) => c.comment)).toEqual([
          "comment 1",
          "comment 2",
          "comment 3",
        ]);
      }
      expect(fromCache.body).toBe(fromDatabase.body);
    } finally {
      await app.close();
    }
  });

  it("keeps the answer as one Buffer, sent as is to every reader", async () => {
    // Reading 16 MB may take longer than the default max age on a busy machine.
    const cache = new ListCache({ maxAgeMs: 600_000 });
    const app = await buildTestApp(db, { listCache: cache });
    try {
      const first = await app.inject({ method: "GET", url: "/api/comment/list/large" });
      const cached = cache.get("large")?.body;
      expect(Buffer.isBuffer(cached)).toBe(true);
      expect(cached?.length).toBe(first.rawPayload.length);
      const again = await app.inject({ method: "GET", url: "/api/comment/list/large" });
      expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
      expect(cache.get("large")?.body).toBe(cached);
    } finally {
      await app.close();
    }
  });
});
