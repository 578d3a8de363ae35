/**
 * How fresh cached lists stay when notifications are late, lost or never sent, and what an
 * operator sees of it (logs, metrics).
 */

import { waitUntil } from "@comments-platform/testkit/processes";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics } from "../src/plugins/metrics.js";
import { CommentStore } from "../src/store/comment-store.js";
import type { SqlExecutor } from "../src/store/executor.js";
import { ListCache } from "../src/store/list-cache.js";
import { CHANGES_CHANNEL, migrate } from "../src/store/migrations.js";
import {
  BACKENDS,
  buildTestApp,
  captureLogs,
  NEEDS_POSTGRES,
  type ScratchDatabase,
  scratchBehindProxy,
  serverExecutor,
  TEST_DATABASE_URL,
  truncate,
} from "./helper.js";
import type { TcpProxy } from "./tcp-proxy.js";

const until = (what: string, condition: () => boolean) =>
  waitUntil(what, async () => condition(), undefined, 2);
const post = (app: FastifyInstance, comment: string, contentId = "fresh") =>
  app.inject({
    method: "POST",
    url: "/api/comment/new",
    headers: { "content-type": "application/json" },
    payload: JSON.stringify({ email: "f@example.com", comment, content_id: contentId }),
  });
const comments = async (app: FastifyInstance, contentId = "fresh") =>
  (
    (await app.inject({ method: "GET", url: `/api/comment/list/${contentId}` })).json() as Array<{
      comment: string;
    }>
  ).map((c) => c.comment);

describe.each(BACKENDS)("a local write with notifications held back, on $name", (backend) => {
  let db: SqlExecutor;
  let done: () => Promise<void>;
  let app: FastifyInstance;
  const cache = new ListCache();
  beforeAll(async () => {
    ({ db, done } = await backend.open());
    await truncate(db);
    // Live, but no notification is ever delivered: what this instance shows of its own writes
    // cannot come from them.
    const silent: SqlExecutor = {
      ...db,
      close: async () => {},
      subscribe: async (_channel, listener) => {
        listener.state(true);
        return async () => listener.state(false);
      },
    };
    app = await buildTestApp(silent, { listCache: cache });
  });
  afterAll(async () => {
    await app.close();
    await done();
  });

  it("is in this instance's very next answer", async () => {
    await post(app, "one");
    expect(await comments(app)).toEqual(["one"]);
    const hits = cache.stats.hits;
    expect(await comments(app)).toEqual(["one"]);
    expect(cache.stats.hits).toBe(hits + 1);
    await post(app, "two");
    expect(await comments(app)).toEqual(["one", "two"]);
  });
});

describe.skipIf(TEST_DATABASE_URL === undefined)(`freshness on PostgreSQL${NEEDS_POSTGRES}`, () => {
  let scratch: ScratchDatabase;
  let proxy: TcpProxy;
  let writerDb: SqlExecutor;
  let readerDb: SqlExecutor;
  let writer: FastifyInstance;
  let reader: FastifyInstance;
  let now = 0;
  const readerCache = new ListCache({ maxAgeMs: 2_000 }, () => now);
  const readerMetrics = createMetrics();
  const readerLogs = captureLogs();

  beforeAll(async () => {
    let viaProxy: string;
    // The reader's notifications arrive late, as on a busy machine: the tests must not race them.
    ({ scratch, proxy, viaProxy } = await scratchBehindProxy(200));
    writerDb = serverExecutor(scratch.url);
    await migrate(writerDb);
    readerDb = serverExecutor(viaProxy);
    writer = await buildTestApp(writerDb);
    reader = await buildTestApp(readerDb, {
      listCache: readerCache,
      metrics: readerMetrics,
      logger: readerLogs.logger,
    });
    await until("the reader to listen", () => readerCache.isLive);
  });
  afterAll(async () => {
    await reader?.close();
    await writer?.close();
    await readerDb?.close();
    await writerDb?.close();
    await proxy?.close();
    await scratch?.drop();
  });

  it("an insert by this release's session notifies nothing itself; another session's insert does (migration 5)", async () => {
    const readerInvalidations = readerCache.stats.invalidations;
    const listener = new pg.Client({ connectionString: scratch.url });
    await listener.connect();
    const payloads: string[] = [];
    listener.on("notification", (message) => payloads.push(message.payload ?? ""));
    await listener.query(`LISTEN ${CHANGES_CHANNEL}`);
    // Straight through the store's executor, as the app inserts, but without the app's announcer.
    await new CommentStore(writerDb).add({ contentId: "by-app", email: "f@example.com", comment: "x" });
    const other = new pg.Client({ connectionString: scratch.url });
    await other.connect();
    await other.query(
      "INSERT INTO comments (content_id, email, comment) VALUES ('by-psql', 'f@example.com', 'y')",
    );
    await other.end();
    // Notifications arrive in commit order: had the first insert notified, it would be here first.
    await until("the other session's notification", () => payloads.length > 0);
    expect(payloads).toEqual(["by-psql"]);
    await listener.end();
    // The reader hears it too, through its proxy and maybe later: wait, so that the next test's
    // baseline does not count this notification as its own (CI on a busy machine did, 2026-12-07).
    await until(
      "the reader's invalidation for by-psql",
      () => readerCache.stats.invalidations > readerInvalidations,
    );
    expect(readerCache.stats.invalidations).toBe(readerInvalidations + 1);
  });

  it("a write that fires no trigger shows once the cached answer reaches its max age", async () => {
    const invalidations = readerCache.stats.invalidations;
    await post(writer, "seen", "bypass");
    await until("the announcement", () => readerCache.stats.invalidations > invalidations);
    expect(await comments(reader, "bypass")).toEqual(["seen"]);
    const hits = readerCache.stats.hits;
    // What logical replication, DMS or pg_restore --disable-triggers do: no trigger, no announcement.
    const bulk = new pg.Client({ connectionString: scratch.url });
    await bulk.connect();
    await bulk.query("SET session_replication_role = replica");
    await bulk.query(
      "INSERT INTO comments (content_id, email, comment) VALUES ('bypass', 'f@example.com', 'loaded')",
    );
    await bulk.end();
    now += 1_999;
    expect(await comments(reader, "bypass")).toEqual(["seen"]);
    expect(readerCache.stats.hits).toBe(hits + 1);
    now += 1;
    expect(await comments(reader, "bypass")).toEqual(["seen", "loaded"]);
    expect(readerCache.stats.expired).toBe(1);
  });

  it("logs and counts a lost listening connection, and says the cache is off", async () => {
    proxy.cut();
    await until("the reader to notice", () => !readerCache.isLive);
    const exposition = await readerMetrics.registry.metrics();
    expect(exposition).toContain("\ncomments_list_cache_listener_up 0\n");
    expect(exposition).toContain("\ncomments_list_cache_listener_losses_total 1\n");
    expect(exposition).toContain(`\ncomments_list_cache_expired_total 1\n`);
    expect(exposition).toContain(`\ncomments_list_cache_hits_total ${readerCache.stats.hits}\n`);
    expect(exposition).toContain(`\ncomments_list_cache_misses_total ${readerCache.stats.misses}\n`);
    expect(
      readerLogs
        .lines()
        .filter((line) => String(line.msg).startsWith("list cache: listening connection lost")),
    ).toEqual([
      expect.objectContaining({
        level: 40,
        msg: "list cache: listening connection lost, cache off until it is back",
      }),
    ]);
    proxy.restore();
    await until("the reader to listen again", () => readerCache.isLive);
    expect(await readerMetrics.registry.metrics()).toContain("\ncomments_list_cache_listener_up 1\n");
  });
});
