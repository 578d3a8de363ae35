/** A reader that does not read cannot hold a cached list's answer, or its connection, for long. */
import { connect } from "node:net";
import { waitUntil } from "@comments-platform/testkit/processes";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlExecutor } from "../src/store/executor.js";
import { ListCache } from "../src/store/list-cache.js";
import { buildTestApp, captureLogs, embeddedDatabase } from "./helper.js";

describe("a reader that does not read, embedded", () => {
  let db: SqlExecutor;
  let app: FastifyInstance;
  let port: number;
  const logs = captureLogs();
  const cache = new ListCache({ maxAgeMs: 600_000 });
  beforeAll(async () => {
    db = await embeddedDatabase();
    // A 16 MB answer in one batch, so it is cached: more than loopback's socket buffers take.
    await db.query(
      `INSERT INTO comments (content_id, email, comment)
        SELECT 'large', 'l@example.com', repeat('x', 16000) FROM generate_series(1, 1000)`,
    );
    app = await buildTestApp(db, { listCache: cache, listSendTimeoutMs: 1_000, logger: logs.logger });
    await app.inject({ method: "GET", url: "/api/comment/list/large" }).catch(() => undefined);
    port = Number(new URL(await app.listen({ port: 0, host: "127.0.0.1" })).port);
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  it("has its connection closed once the send timeout passes, before the 16 MB answer is through", async () => {
    expect(cache.size).toBe(1);
    const socket = connect(port, "127.0.0.1");
    socket.pause();
    socket.write("GET /api/comment/list/large HTTP/1.1\r\nHost: x\r\n\r\n");
    const closedLine = () =>
      logs.lines().find((line) => line.msg === "list answer not sent in time: connection closed");
    // No clock of the test's own: the server must give up (the test's timeout catches a hang).
    await waitUntil("the server to close the stalled connection", async () => closedLine() !== undefined);
    expect(closedLine()).toMatchObject({ level: 40, sendTimeoutMs: 1_000 });
    expect(cache.stats.hits).toBe(1);
    let received = 0;
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.on("error", () => {});
    socket.resume();
    await new Promise<void>((resolve) => socket.once("close", () => resolve()));
    // What the kernel had taken still arrives, then the end: a cut answer, not the whole one.
    expect(received).toBeLessThan(16_000_000);
  });
});
