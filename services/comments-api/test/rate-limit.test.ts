import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp, HTTP_SERVER_OPTIONS } from "../src/app.js";
import { CommentStore } from "../src/store/comment-store.js";
import type { SqlExecutor } from "../src/store/executor.js";
import { embeddedDatabase, unclosable } from "./helper.js";

let db: SqlExecutor;
beforeAll(async () => {
  db = await embeddedDatabase();
});
afterAll(() => db.close());

const ALB = "10.0.1.17";
const list = (app: FastifyInstance, forwardedFor: string | undefined, remoteAddress = ALB) =>
  app.inject({
    method: "GET",
    url: "/api/comment/list/1?limit=1",
    remoteAddress,
    headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor },
  });

async function appWith(options: { rateLimitPerMinute?: number; trustedProxyHops?: number }) {
  const app = await buildApp({ store: new CommentStore(unclosable(db)), metrics: false, ...options });
  await app.ready();
  return app;
}

describe("the in-process rate limit", () => {
  it("is off unless configured: 300 requests from one client all answer, with no limit headers", async () => {
    const app = await appWith({});
    try {
      const statuses = new Set<number>();
      for (let n = 0; n < 300; n += 1) {
        const response = await list(app, "203.0.113.7");
        statuses.add(response.statusCode);
        expect(response.headers["x-ratelimit-limit"]).toBeUndefined();
      }
      expect([...statuses]).toEqual([404]);
    } finally {
      await app.close();
    }
  });

  it("answers 429 in the API's format with Retry-After past the limit, per client the ALB names", async () => {
    const app = await appWith({ rateLimitPerMinute: 5, trustedProxyHops: 1 });
    try {
      for (let n = 0; n < 5; n += 1) {
        const response = await list(app, "203.0.113.7");
        expect(response.statusCode).toBe(404);
        expect(response.headers["x-ratelimit-remaining"]).toBe(String(4 - n));
      }
      const limited = await list(app, "203.0.113.7");
      expect(limited.statusCode).toBe(429);
      expect(limited.headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(limited.headers["x-content-type-options"]).toBe("nosniff");
      expect(limited.json()).toEqual({
        status: "TOO-MANY-REQUESTS",
        message: "rate limit: at most 5 requests a minute per client; retry after Retry-After seconds",
      });
      const retryAfter = Number(limited.headers["retry-after"]);
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);

      // Only the ALB's entry (the last) counts: a client that writes its own X-Forwarded-For in
      // front of it is still itself.
      expect((await list(app, "198.51.100.1, 203.0.113.7")).statusCode).toBe(429);
      // Another client behind the same ALB has its own budget.
      expect((await list(app, "203.0.113.8")).statusCode).toBe(404);
      // Probes are never limited.
      for (const url of ["/healthz", "/readyz"]) {
        const probe = await app.inject({
          method: "GET",
          url,
          remoteAddress: ALB,
          headers: { "x-forwarded-for": "203.0.113.7" },
        });
        expect(probe.statusCode).toBe(200);
      }
    } finally {
      await app.close();
    }
  });

  it("without a trusted proxy, keys on the socket's address and ignores X-Forwarded-For", async () => {
    const app = await appWith({ rateLimitPerMinute: 2 });
    try {
      expect((await list(app, "203.0.113.1", "192.0.2.10")).statusCode).toBe(404);
      expect((await list(app, "203.0.113.2", "192.0.2.10")).statusCode).toBe(404);
      expect((await list(app, "203.0.113.3", "192.0.2.10")).statusCode).toBe(429);
      expect((await list(app, "203.0.113.3", "192.0.2.11")).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it("limits unknown URLs like the others: probing for routes is counted too", async () => {
    const app = await appWith({ rateLimitPerMinute: 2 });
    try {
      const probe = () => app.inject({ method: "GET", url: "/admin", remoteAddress: "192.0.2.20" });
      expect([(await probe()).statusCode, (await probe()).statusCode]).toEqual([404, 404]);
      const limited = await probe();
      expect([limited.statusCode, limited.json().status]).toEqual([429, "TOO-MANY-REQUESTS"]);
      // One budget per client across known and unknown URLs.
      expect((await list(app, undefined, "192.0.2.20")).statusCode).toBe(429);
    } finally {
      await app.close();
    }
  });

  it("counts over a window of exactly 60 s", async () => {
    // Only Date is faked: the plugin's store reads Date.now(); fastify's timers and I/O stay real.
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-01-01T00:00:00Z") });
    const app = await appWith({ rateLimitPerMinute: 1 });
    try {
      const start = Date.now();
      const at = async (elapsedMs: number) => {
        vi.setSystemTime(start + elapsedMs);
        const response = await list(app, undefined, "192.0.2.30");
        return [response.statusCode, response.headers["retry-after"]];
      };
      expect(await at(0)).toEqual([404, undefined]);
      expect(await at(0)).toEqual([429, "60"]);
      expect(await at(59_999)).toEqual([429, "1"]);
      expect(await at(60_000)).toEqual([404, undefined]);
    } finally {
      vi.useRealTimers();
      await app.close();
    }
  });
});

describe("Node's HTTP timeouts", () => {
  it("headers and body within 30 s, checked every second (Node's default check is every 30 s)", async () => {
    const app = await appWith({});
    try {
      const server = app.server as typeof app.server & { connectionsCheckingInterval?: number };
      expect([server.requestTimeout, server.headersTimeout, server.connectionsCheckingInterval]).toEqual([
        30_000, 30_000, 1_000,
      ]);
      expect(HTTP_SERVER_OPTIONS.requireHostHeader).toBe(false);
    } finally {
      await app.close();
    }
  });
});
