import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlExecutor } from "../src/store/executor.js";
import { buildTestApp, embeddedDatabase } from "./helper.js";

describe("embedded database under 50 concurrent connections", () => {
  let db: SqlExecutor;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    db = await embeddedDatabase();
    app = await buildTestApp(db);
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  it("serves every request of 50 clients writing and reading at once", async () => {
    const clients = 50;
    const rounds = 10;
    const statuses = await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        const seen: number[] = [];
        for (let round = 0; round < rounds; round += 1) {
          const created = await fetch(`${base}/api/comment/new`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              email: `c${client}@example.com`,
              comment: `r${round}`,
              content_id: client % 5,
            }),
          });
          seen.push(created.status);
          await created.arrayBuffer();
          const listed = await fetch(`${base}/api/comment/list/${client % 5}`);
          seen.push(listed.status);
          await listed.arrayBuffer();
        }
        return seen;
      }),
    );
    expect(statuses.flat().filter((status) => status !== 200)).toEqual([]);
    const total = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM comments");
    expect(total).toEqual([{ n: String(clients * rounds) }]);
  });
});
