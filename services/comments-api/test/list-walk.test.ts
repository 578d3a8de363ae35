/**
 * The order guarantee under concurrency, on what ECS runs: two built servers on one PostgreSQL
 * database, writers on both, and clients walking the list with `Link` on both at the same time.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NEEDS_POSTGRES, type ScratchDatabase, scratchDatabase, TEST_DATABASE_URL } from "./helper.js";
import { type RunningServer, SERVICE_DIR, startServer } from "./process.js";

const WRITERS = 6;
const COMMENTS_PER_WRITER = 40;
const FOLLOWERS = 4;
const PAGE = 7;
/** Transactions that insert, then commit only after others were acknowledged (or a second passed). */
const SLOW_WRITERS = 5;

async function post(base: string, comment: string): Promise<void> {
  const response = await fetch(`${base}/api/comment/new`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "w@example.com", comment, content_id: "walk" }),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`POST ${comment}: ${response.status}`);
}

/** One walk by `Link`, each page from the next instance in turn; [] while the content is unknown. */
async function walk(bases: readonly string[]): Promise<string[]> {
  const seen: string[] = [];
  let path: string | undefined = `/api/comment/list/walk?limit=${PAGE}`;
  for (let n = 0; path !== undefined; n += 1) {
    const response: Response = await fetch(`${bases[n % bases.length]}${path}`);
    if (response.status === 404 && n === 0) return [];
    expect(response.status).toBe(200);
    seen.push(...((await response.json()) as Array<{ comment: string }>).map((c) => c.comment));
    path = /^<([^>]+)>; rel="next"$/.exec(response.headers.get("link") ?? "")?.[1];
  }
  return seen;
}

describe.skipIf(TEST_DATABASE_URL === undefined)(
  `writers and Link followers on two instances${NEEDS_POSTGRES}`,
  () => {
    let scratch: ScratchDatabase;
    const servers: RunningServer[] = [];
    beforeAll(async () => {
      scratch = await scratchDatabase();
      // The first migrates; the second finds nothing to do.
      servers.push(await startServer(SERVICE_DIR, { DATABASE_URL: scratch.url }));
      servers.push(await startServer(SERVICE_DIR, { DATABASE_URL: scratch.url }));
    });
    afterAll(async () => {
      for (const server of servers) server.child.kill("SIGTERM");
      await Promise.all(servers.map((server) => server.exited));
      await scratch?.drop();
    });

    it("every acknowledged comment is seen exactly once, every walk is a prefix of one order", async () => {
      const bases = servers.map((s) => s.base);
      const acknowledged: string[] = [];
      let writing = true;
      const writers = Array.from({ length: WRITERS }, async (_, w) => {
        for (let n = 0; n < COMMENTS_PER_WRITER; n += 1) {
          const comment = `w${w}-${n}`;
          await post(bases[(w + n) % 2] ?? "", comment);
          acknowledged.push(comment);
        }
      });
      // A slow transaction (a batch job, a writer paused by the garbage collector): it inserts, then
      // commits once two more comments were acknowledged, or after a second when those writers wait
      // for it. Its comment counts as acknowledged once committed.
      const slowWriter = (async () => {
        const client = new pg.Client({ connectionString: scratch.url });
        await client.connect();
        for (let n = 0; n < SLOW_WRITERS; n += 1) {
          await client.query("BEGIN");
          await client.query(
            "INSERT INTO comments (content_id, email, comment) VALUES ('walk', 'w@example.com', $1)",
            [`slow-${n}`],
          );
          const target = acknowledged.length + 2;
          const deadline = Date.now() + 1_000;
          while (acknowledged.length < target && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          await client.query("COMMIT");
          acknowledged.push(`slow-${n}`);
        }
        await client.end();
      })();
      const walks: Array<{ seen: string[]; ackedBefore: string[] }> = [];
      const followers = Array.from({ length: FOLLOWERS }, async (_, f) => {
        const order = f % 2 === 0 ? bases : [...bases].reverse();
        while (writing) {
          const ackedBefore = [...acknowledged];
          walks.push({ seen: await walk(order), ackedBefore });
        }
      });
      await Promise.all([...writers, slowWriter]);
      writing = false;
      await Promise.all(followers);

      const final = await walk(bases);
      expect(final.length).toBe(WRITERS * COMMENTS_PER_WRITER + SLOW_WRITERS);
      expect([...final].sort()).toEqual([...acknowledged].sort());
      for (const base of bases) {
        const whole = (await (await fetch(`${base}/api/comment/list/walk`)).json()) as Array<{
          comment: string;
        }>;
        expect(whole.map((c) => c.comment)).toEqual(final);
      }
      expect(walks.length).toBeGreaterThan(FOLLOWERS);
      const problems: string[] = [];
      for (const [n, { seen, ackedBefore }] of walks.entries()) {
        // One order: what a walk saw is where every later reader sees it, nothing inserted before.
        if (seen.join("\n") !== final.slice(0, seen.length).join("\n"))
          problems.push(`walk ${n}: not a prefix`);
        // No skip: a comment acknowledged before the walk began is in it.
        const missed = ackedBefore.filter((c) => !seen.includes(c));
        if (missed.length > 0) problems.push(`walk ${n}: missed ${missed.join(", ")}`);
      }
      expect(problems).toEqual([]);
    });
  },
);
