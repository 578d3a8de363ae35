import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../src/plugins/metrics.js";
import { LIST_BATCH_SIZE, TRUNCATED_HEADER } from "../src/routes/comments.js";
import type { SqlExecutor } from "../src/store/executor.js";
import { DatabaseUnavailableError } from "../src/store/executor.js";
import { BACKENDS, buildTestApp, captureLogs, truncate } from "./helper.js";

/** More than two batches, and not a multiple of one: the last batch is partial. */
const TOTAL = 2 * LIST_BATCH_SIZE + 501;

const expected = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    email: `u${from + i}@example.com`,
    comment: `comment ${from + i} "quoted" \\ é\t\n\u001f😀`,
  }));

/** Fails every list query after the first `okLists`, as a database that went away mid-stream. */
function failingAfter(db: SqlExecutor, okLists: number): SqlExecutor {
  let lists = 0;
  return {
    ...db,
    close: async () => {},
    query: (sql, params) => {
      if (sql.includes("FROM comments") && sql.includes("id <= $3")) {
        lists += 1;
        if (lists > okLists) {
          return Promise.reject(
            new DatabaseUnavailableError("query failed: Connection terminated unexpectedly"),
          );
        }
      }
      return db.query(sql, params);
    },
  };
}

describe.each(BACKENDS)("an unpaged list on $name", (backend) => {
  let db: SqlExecutor;
  let done: () => Promise<void>;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    ({ db, done } = await backend.open());
    await truncate(db);
    await db.query(
      "INSERT INTO comments (content_id, email, comment) VALUES ('other', 'x@example.com', 'x')",
    );
    await db.query(
      `INSERT INTO comments (content_id, email, comment)
        SELECT 'big', 'u' || g || '@example.com', 'comment ' || g || ' "quoted" \\ é' || chr(9) || chr(10) || chr(31) || '😀' FROM generate_series(1, $1::int) g`,
      [TOTAL],
    );
    app = await buildTestApp(db);
    base = await app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await app.close();
    await done();
  });

  it(`returns every comment (${TOTAL}), oldest first, streamed in batches over HTTP`, async () => {
    const response = await fetch(`${base}/api/comment/list/big`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("transfer-encoding")).toBe("chunked");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("link")).toBeNull();
    expect(response.headers.get(TRUNCATED_HEADER)).toBeNull();
    // Byte for byte what JSON.stringify makes of the list: PostgreSQL's escaping of the later
    // batches matches the serializer of the first.
    expect(await response.text()).toBe(JSON.stringify(expected(1, TOTAL)));
  });

  it("answers a list that fits one batch in one piece, as before", async () => {
    const response = await app.inject({ method: "GET", url: "/api/comment/list/other" });
    expect(response.headers["content-length"]).toBe("41");
    expect(response.body).toBe('[{"email":"x@example.com","comment":"x"}]');
  });

  it("still pages when asked, with a Link to the next page", async () => {
    const response = await app.inject({ method: "GET", url: "/api/comment/list/big?limit=1000" });
    expect(response.json()).toEqual(expected(1, 1000));
    // Ids advance by two (migration 4 takes a second one after the content lock): the other
    // content's comment took id 2, comment n of "big" has id 2 + 2n.
    expect(response.headers.link).toBe('</api/comment/list/big?limit=1000&after=2002>; rel="next"');
  });

  it("caps an unpaged list only when the operator set a cap, and says so with a link to the rest", async () => {
    const capped = await buildTestApp(db, { unpagedListCap: 1200 });
    try {
      const cut = await capped.inject({ method: "GET", url: "/api/comment/list/big" });
      expect(cut.statusCode).toBe(200);
      expect(cut.headers[TRUNCATED_HEADER]).toBe("1200");
      expect(cut.headers.link).toBe('</api/comment/list/big?after=2402>; rel="next"');
      expect(cut.json()).toEqual(expected(1, 1200));
      const rest = await capped.inject({ method: "GET", url: "/api/comment/list/big?after=2402" });
      expect(rest.json()).toEqual(expected(1201, 2200));

      const small = await capped.inject({ method: "GET", url: "/api/comment/list/other" });
      expect(small.headers[TRUNCATED_HEADER]).toBeUndefined();
      expect(small.headers.link).toBeUndefined();
      expect(small.json()).toEqual([{ email: "x@example.com", comment: "x" }]);
    } finally {
      await capped.close();
    }
  });

  it("answers 503 when the first batch fails: nothing was sent yet", async () => {
    const broken = await buildTestApp(failingAfter(db, 0));
    try {
      const response = await broken.inject({ method: "GET", url: "/api/comment/list/big" });
      expect(response.statusCode).toBe(503);
      expect(response.headers["retry-after"]).toBe("1");
    } finally {
      await broken.close();
    }
  });

  it("aborts the response when a later batch fails, so no client takes a cut list for a whole one", async () => {
    const logs = captureLogs();
    const metrics = createMetrics();
    const broken = await buildTestApp(failingAfter(db, 1), { logger: logs.logger, metrics });
    const brokenBase = await broken.listen({ port: 0, host: "127.0.0.1" });
    try {
      const response = await fetch(`${brokenBase}/api/comment/list/big`);
      expect(response.status).toBe(200);
      // undici reports a chunked body that ended without its last chunk as "terminated".
      await expect(response.text()).rejects.toThrow("terminated");
      // Logged with its cause, and counted as the error it is (a 503), never as a 200.
      const count = async (status: string) =>
        (await metrics.registry.getSingleMetric("http_request_duration_seconds")?.get())?.values.find(
          (v) =>
            (v as { metricName?: string }).metricName === "http_request_duration_seconds_count" &&
            v.labels.route === "/api/comment/list/:content_id" &&
            v.labels.status_code === status,
        )?.value ?? 0;
      // Closing waits for the aborted connection to be gone, and with it the response's last event.
      await broken.close();
      expect([await count("503"), await count("200")]).toEqual([1, 0]);
      const lines = logs.lines().filter((line) => line.level === 40);
      expect(
        lines.map((line) => [line.msg, line.reason ?? (line.res as { statusCode: number }).statusCode]),
      ).toEqual([
        [
          "streamed list cut by a failure after its headers: response aborted",
          "query failed: Connection terminated unexpectedly",
        ],
        ["request completed", 503],
      ]);
    } finally {
      await broken.close();
    }
  });
});
