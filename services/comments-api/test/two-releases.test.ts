/**
 * Blue/green on one database: the previous release (its own build, from git) and this one run side
 * by side, as through a canary and the termination wait, and after a rollback. The previous release
 * invalidates its cache only through migration 3's trigger and has no max age; this release's
 * writes reach it through the app's announcements, and its writes reach this release through the
 * trigger.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NEEDS_POSTGRES, type ScratchDatabase, scratchDatabase, TEST_DATABASE_URL } from "./helper.js";
import { buildPreviousRelease } from "./previous-release.js";
import { type RunningServer, SERVICE_DIR, startServer } from "./process.js";

/**
 * How long a write may take to show on the other release. Notifications take milliseconds (the
 * test prints them); this is wide for a busy CI machine, and finite where it matters: this
 * release's answers live for an hour here, so only a notification can refresh them in time.
 */
const VISIBLE_WITHIN_MS = 10_000;

async function post(server: RunningServer, comment: string): Promise<void> {
  const response = await fetch(`${server.base}/api/comment/new`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "bg@example.com", comment, content_id: "shared" }),
  });
  await response.arrayBuffer();
  expect(response.status).toBe(200);
}

async function comments(server: RunningServer): Promise<string[]> {
  const response = await fetch(`${server.base}/api/comment/list/shared`);
  return ((await response.json()) as Array<{ comment: string }>).map((c) => c.comment);
}

/** Reads `server` until `comment` shows; how long that took, or `undefined` past the bound. */
async function visibleAfter(server: RunningServer, comment: string): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < VISIBLE_WITHIN_MS) {
    if ((await comments(server)).includes(comment)) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return undefined;
}

describe.skipIf(TEST_DATABASE_URL === undefined)(
  `the previous release and this one on one database${NEEDS_POSTGRES}`,
  () => {
    let scratch: ScratchDatabase;
    let previous: RunningServer;
    let current: RunningServer;
    beforeAll(async () => {
      const previousDir = buildPreviousRelease();
      scratch = await scratchDatabase();
      // Blue runs first, on its own schema; green starts and migrates beside it.
      previous = await startServer(previousDir, { DATABASE_URL: scratch.url });
      current = await startServer(SERVICE_DIR, {
        DATABASE_URL: scratch.url,
        LIST_CACHE_MAX_AGE_MS: "3600000",
      });
    });
    afterAll(async () => {
      for (const server of [previous, current]) server?.child.kill("SIGTERM");
      await Promise.all([previous, current].map((server) => server?.exited));
      await scratch?.drop();
    });

    it("each sees the other's writes, with its cache warm, and both list them in one order", async () => {
      await post(previous, "seed");
      for (const server of [previous, current]) {
        expect(await visibleAfter(server, "seed")).toBeDefined();
        // Served from the cache from now on.
        await comments(server);
      }
      const lags: string[] = [];
      for (let n = 0; n < 5; n += 1) {
        await post(current, `green ${n}`);
        const onPrevious = await visibleAfter(previous, `green ${n}`);
        await post(previous, `blue ${n}`);
        const onCurrent = await visibleAfter(current, `blue ${n}`);
        expect([n, onPrevious === undefined, onCurrent === undefined]).toEqual([n, false, false]);
        lags.push(`${onPrevious?.toFixed(1)}/${onCurrent?.toFixed(1)}`);
      }
      const expected = ["seed", ...[0, 1, 2, 3, 4].flatMap((n) => [`green ${n}`, `blue ${n}`])];
      expect(await comments(previous)).toEqual(expected);
      expect(await comments(current)).toEqual(expected);
      console.log(`visible on the previous/this release after (ms): ${lags.join(", ")}`);
    });

    it("writers on both at once: every acknowledged comment is on both, in the same order", async () => {
      const written = await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          const server = w % 2 === 0 ? previous : current;
          const mine: string[] = [];
          for (let n = 0; n < 10; n += 1) {
            await post(server, `w${w}-${n}`);
            mine.push(`w${w}-${n}`);
          }
          return mine;
        }),
      );
      const last = written.map((mine) => mine.at(-1) ?? "");
      for (const server of [previous, current]) {
        for (const comment of last) expect(await visibleAfter(server, comment)).toBeDefined();
      }
      const onPrevious = await comments(previous);
      expect(await comments(current)).toEqual(onPrevious);
      expect(onPrevious.length).toBe(11 + 80);
      expect(new Set(onPrevious).size).toBe(onPrevious.length);
      // Each writer's comments in the order it wrote them.
      for (const mine of written) expect(onPrevious.filter((c) => mine.includes(c))).toEqual(mine);
    });
  },
);
