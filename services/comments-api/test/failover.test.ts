/**
 * What a failover or a restart of the database does to a running fleet: every backend is terminated
 * (`pg_terminate_backend`, SQLSTATE 57P01 admin_shutdown) while writers POST with Idempotency-Key to
 * two instances of the built server. Both must stay alive and answer 503 with Retry-After meanwhile,
 * writes must resume by themselves, and every acknowledged POST must be exactly one row.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NEEDS_POSTGRES, type ScratchDatabase, scratchDatabase, TEST_DATABASE_URL } from "./helper.js";
import { type RunningServer, SERVICE_DIR, startServer } from "./process.js";

const WRITERS = 12;
const TERMINATIONS = 5;
/** Acknowledged POSTs that prove writes flow again after a termination. */
const RESUMED_AFTER = 24;

describe.skipIf(TEST_DATABASE_URL === undefined)(
  `every backend terminated under keyed writes${NEEDS_POSTGRES}`,
  () => {
    let scratch: ScratchDatabase;
    let servers: RunningServer[] = [];
    beforeAll(async () => {
      scratch = await scratchDatabase();
      // One after the other: the first runs the migrations, the second finds them done.
      for (let i = 0; i < 2; i += 1)
        servers.push(await startServer(SERVICE_DIR, { DATABASE_URL: scratch.url }));
    });
    afterAll(async () => {
      for (const server of servers) {
        if (server.child.exitCode === null && server.child.signalCode === null) {
          server.child.kill("SIGTERM");
          await server.exited;
        }
      }
      servers = [];
      await scratch?.drop();
    });

    it("both instances live through five terminations, writes resume, acknowledged POSTs = rows", async () => {
      const databaseName = new URL(scratch.url).pathname.slice(1);
      const acknowledged: string[] = [];
      /** Keys given up on: a 409 (a claim its failed request could not free) is never retried here. */
      const abandoned: string[] = [];
      const statuses = new Map<number | string, number>();
      let stopping = false;
      const dead = () =>
        servers
          .filter((server) => server.child.exitCode !== null || server.child.signalCode !== null)
          .map(
            (server) =>
              `exited with ${server.child.exitCode ?? server.child.signalCode}:\n${server.stderr()}`,
          );
      /** Polls `probe` (no clock of its own: vitest's timeout bounds it), failing as soon as an instance exits. */
      const until = async (what: string, probe: () => boolean | Promise<boolean>) => {
        for (;;) {
          const exits = dead();
          if (exits.length > 0) throw new Error(`${what}: an instance ${exits.join("\n")}`);
          if (await probe()) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };

      const writer = async (w: number) => {
        for (let n = 0; !stopping; n += 1) {
          const key = `w${w}-${n}`;
          const server = servers[(w + n) % 2] as RunningServer;
          for (;;) {
            const response = await fetch(`${server.base}/api/comment/new`, {
              method: "POST",
              headers: { "content-type": "application/json", "idempotency-key": key },
              body: JSON.stringify({ email: "f@example.com", comment: key, content_id: w }),
            }).catch(() => undefined);
            const status = response?.status ?? "no answer";
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            await response?.arrayBuffer();
            if (status === 200) {
              acknowledged.push(key);
              break;
            }
            if (status === 503) expect(response?.headers.get("retry-after")).toBe("1");
            else if (status === 409 || status === "no answer") {
              abandoned.push(key);
              break;
            } else throw new Error(`POST ${key}: unexpected ${status}`);
            if (stopping) {
              abandoned.push(key);
              break;
            }
            // The client's retry with the same key, after a pause (Retry-After: 1 is the upper bound).
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      };
      const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
      try {
        for (let round = 1; round <= TERMINATIONS; round += 1) {
          const before = acknowledged.length;
          await until(
            `writes before termination ${round}`,
            () => acknowledged.length >= before + RESUMED_AFTER,
          );
          // A session of its own per round, on the scratch database: it spares itself only.
          const admin = new pg.Client({ connectionString: scratch.url });
          await admin.connect();
          const { rows } = await admin.query<{ terminated: number }>(
            // In FILTER, not WHERE: PostgreSQL may evaluate a WHERE's conditions in any order.
            `SELECT (count(*) FILTER (WHERE pg_terminate_backend(pid)))::int AS terminated
             FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
            [databaseName],
          );
          await admin.end();
          // Both pools and both LISTEN connections, at least.
          expect(rows[0]?.terminated).toBeGreaterThanOrEqual(4);
        }
        const last = acknowledged.length;
        await until("writes after the last termination", () => acknowledged.length >= last + RESUMED_AFTER);
      } finally {
        stopping = true;
        await Promise.allSettled(writers);
      }
      expect(dead()).toEqual([]);
      // Every writer's outcomes: acknowledged, or 503 while the database was gone; nothing else.
      expect(
        [...statuses.keys()].filter((status) => status !== 200 && status !== 503 && status !== 409),
      ).toEqual([]);
      for (const server of servers) expect(server.stdout() + server.stderr()).not.toContain("Unhandled");

      const check = new pg.Client({ connectionString: scratch.url });
      await check.connect();
      const { rows } = await check.query<{ comment: string }>(
        "SELECT comment FROM comments ORDER BY comment",
      );
      await check.end();
      // Each acknowledged key is one row; an abandoned one (never acknowledged) is none.
      expect(rows.map((row) => row.comment)).toEqual([...acknowledged].sort());
      expect(abandoned.filter((key) => acknowledged.includes(key))).toEqual([]);
    });
  },
);
