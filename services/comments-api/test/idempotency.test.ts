/**
 * Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) on POST /api/comment/new, on one
 * PostgreSQL server shared by two instances, as in production: the same key and body return the
 * first answer without storing again, from either instance; a different body is 422; a key still in
 * flight is 409; keys expire after 24 hours.
 */
import { createHash } from "node:crypto";
import { waitUntil } from "@comments-platform/testkit";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CommentStore, SWEEP_IDEMPOTENCY_KEYS_SQL } from "../src/store/comment-store.js";
import type { SqlExecutor } from "../src/store/executor.js";
import { startIdempotencySweeper } from "../src/store/idempotency-sweeper.js";
import { migrate } from "../src/store/migrations.js";
import {
  buildTestApp,
  NEEDS_POSTGRES,
  type ScratchDatabase,
  scratchDatabase,
  serverExecutor,
  TEST_DATABASE_URL,
  truncate,
} from "./helper.js";

describe.skipIf(TEST_DATABASE_URL === undefined)(
  `Idempotency-Key across two instances${NEEDS_POSTGRES}`,
  () => {
    let scratch: ScratchDatabase;
    let dbA: SqlExecutor;
    let dbB: SqlExecutor;
    let a: FastifyInstance;
    let b: FastifyInstance;
    beforeAll(async () => {
      scratch = await scratchDatabase();
      dbA = serverExecutor(scratch.url);
      dbB = serverExecutor(scratch.url);
      await migrate(dbA);
      a = await buildTestApp(dbA);
      b = await buildTestApp(dbB);
    });
    afterAll(async () => {
      await a.close();
      await b.close();
      await dbA.close();
      await dbB.close();
      await scratch.drop();
    });
    beforeEach(() => truncate(dbA));

    const post = (app: FastifyInstance, body: object, key?: string) =>
      app.inject({
        method: "POST",
        url: "/api/comment/new",
        headers: {
          "content-type": "application/json",
          ...(key === undefined ? {} : { "idempotency-key": key }),
        },
        payload: JSON.stringify(body),
      });
    const stored = async () =>
      (await dbA.query<{ n: string }>("SELECT count(*)::text AS n FROM comments"))[0]?.n;
    const BODY = { email: "a@example.com", comment: "once", content_id: 9 };
    const SUCCESS = { status: "SUCCESS", message: "comment created and associated with content_id 9" };

    it("a retry with the same key and body, on the other instance, gets the first answer and stores nothing", async () => {
      const first = await post(a, BODY, '"8e03978e-40d5-43e8-bc93-6894a57f9324"');
      const retry = await post(b, BODY, '"8e03978e-40d5-43e8-bc93-6894a57f9324"');
      expect([first.statusCode, first.json(), first.headers["idempotent-replayed"]]).toEqual([
        200,
        SUCCESS,
        undefined,
      ]);
      expect([retry.statusCode, retry.json(), retry.headers["idempotent-replayed"]]).toEqual([
        200,
        SUCCESS,
        "true",
      ]);
      expect(await stored()).toBe("1");
    });

    it("the same key with a different body: 422, nothing stored", async () => {
      await post(a, BODY, "k-422");
      const other = await post(b, { ...BODY, comment: "twice?" }, "k-422");
      expect([other.statusCode, other.json()]).toEqual([
        422,
        {
          status: "UNPROCESSABLE",
          message: "Idempotency-Key: already used with a different body; send a new key for a new comment",
        },
      ]);
      expect(await stored()).toBe("1");
    });

    it("a key another instance is still processing: 409 with Retry-After", async () => {
      // What an instance's claim looks like while its request runs.
      await dbA.query("INSERT INTO idempotency_keys (key, request_hash) VALUES ('k-409', 'whatever')");
      const response = await post(b, BODY, "k-409");
      expect([response.statusCode, response.headers["retry-after"], response.json()]).toEqual([
        409,
        "1",
        {
          status: "CONFLICT",
          message: "Idempotency-Key: a request with this key is still being processed; retry shortly",
        },
      ]);
      expect(await stored()).toBe("0");
    });

    it("forgets a key after 24 hours, and takes over a claim abandoned for a minute", async () => {
      await post(a, BODY, "k-old");
      await dbA.query(
        "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'k-old'",
      );
      expect((await post(b, { ...BODY, comment: "a day later" }, "k-old")).statusCode).toBe(200);
      await dbA.query(
        "INSERT INTO idempotency_keys (key, request_hash, created_at) VALUES ('k-dead', 'x', now() - interval '2 minutes')",
      );
      expect((await post(b, BODY, "k-dead")).statusCode).toBe(200);
      expect(await stored()).toBe("3");
    });

    it("without a key, every POST stores (the original contract); a key that is not one is 400", async () => {
      await post(a, BODY);
      await post(a, BODY);
      expect(await stored()).toBe("2");
      const bad = await post(a, BODY, "has spaces in it");
      expect([bad.statusCode, bad.json().message]).toEqual([
        400,
        "Idempotency-Key: must be 1 to 255 visible ASCII characters, like a UUID",
      ]);
    });

    it('the same comment with its keys reordered, other spacing, and content_id 77 as "77" is the same request', async () => {
      const first = await a.inject({
        method: "POST",
        url: "/api/comment/new",
        headers: { "content-type": "application/json", "idempotency-key": "k-normalized" },
        payload: '{"email":"n@example.com","comment":"same","content_id":77}',
      });
      const again = await b.inject({
        method: "POST",
        url: "/api/comment/new",
        headers: { "content-type": "application/json", "idempotency-key": "k-normalized" },
        payload: '{ "content_id": "77",  "comment": "same", "email": "n@example.com" }',
      });
      const success = { status: "SUCCESS", message: "comment created and associated with content_id 77" };
      expect([first.statusCode, first.json()]).toEqual([200, success]);
      expect([again.statusCode, again.json(), again.headers["idempotent-replayed"]]).toEqual([
        200,
        success,
        "true",
      ]);
      expect(await stored()).toBe("1");
    });

    it("a key the previous release stored (a hash of the body's text) still replays", async () => {
      // What the previous release wrote: sha256 of JSON.stringify(request.body), with its answer.
      const previousHash = createHash("sha256").update(JSON.stringify(BODY)).digest("hex");
      await dbA.query(
        "INSERT INTO idempotency_keys (key, request_hash, response_status, response_body) VALUES ('k-prev', $1, 200, $2)",
        [previousHash, JSON.stringify(SUCCESS)],
      );
      const retry = await post(b, BODY, "k-prev");
      expect([retry.statusCode, retry.json(), retry.headers["idempotent-replayed"]]).toEqual([
        200,
        SUCCESS,
        "true",
      ]);
      expect(await stored()).toBe("0");
    });

    it("sweeps keys older than 24 hours at start and then every interval, and keeps younger ones", async () => {
      const age = (key: string, interval: string) =>
        dbA.query(
          `INSERT INTO idempotency_keys (key, request_hash, response_status, response_body, created_at)
           VALUES ($1, 'h', 200, '{}', now() - $2::interval)`,
          [key, interval],
        );
      await age("k-30-days", "30 days");
      await age("k-25-hours", "25 hours");
      await age("k-23-hours", "23 hours");
      const lines: Array<[string, unknown]> = [];
      const log = {
        info: (fields: { deleted: number }, message: string) => lines.push([message, fields]),
        warn: (fields: { reason: string }, message: string) => lines.push([message, fields]),
      };
      // A short interval, so the test sees a second sweep; no assertion depends on its length.
      const stop = startIdempotencySweeper(new CommentStore(dbA), log, 50);
      try {
        await waitUntil("the start-up sweep", async () => lines.length > 0);
        expect(lines[0]).toEqual(["expired idempotency keys swept", { deleted: 2 }]);
        const keys = async () =>
          (await dbA.query<{ key: string }>("SELECT key FROM idempotency_keys ORDER BY key")).map(
            (r) => r.key,
          );
        expect(await keys()).toEqual(["k-23-hours"]);
        await age("k-later", "2 days");
        await waitUntil("a periodic sweep", async () => !(await keys()).includes("k-later"));
        expect(await keys()).toEqual(["k-23-hours"]);
      } finally {
        stop();
      }
    });

    it("the sweep walks the created_at index (migration 2), never the whole table", async () => {
      const plan = await dbA.transaction(async (tx) => {
        // With sequential scans priced out, an index the statement can use is used; one it cannot is not.
        await tx.query("SET LOCAL enable_seqscan = off");
        return tx.query<{ "QUERY PLAN": unknown }>(
          `EXPLAIN (FORMAT JSON) ${SWEEP_IDEMPOTENCY_KEYS_SQL}`,
          [5000],
        );
      });
      // The index bounds the scan (an Index Cond), rather than being walked whole for its order.
      const scans: Array<{ index: unknown; condition: unknown }> = [];
      const walk = (node: unknown): void => {
        if (typeof node !== "object" || node === null) return;
        const record = node as Record<string, unknown>;
        if ("Index Name" in record)
          scans.push({ index: record["Index Name"], condition: record["Index Cond"] });
        for (const value of Object.values(record)) walk(value);
      };
      walk(plan);
      expect(scans).toContainEqual({
        index: "idempotency_keys_created_at",
        condition: "(created_at < (now() - '24:00:00'::interval))",
      });
    });
  },
);
