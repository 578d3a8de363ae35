import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlExecutor } from "../src/store/executor.js";
import { buildTestApp, embeddedDatabase } from "./helper.js";

let db: SqlExecutor;
let app: FastifyInstance;
let exposition: string;

beforeAll(async () => {
  db = await embeddedDatabase();
  app = await buildTestApp(db);
  const json = { "content-type": "application/json" };
  await app.inject({
    method: "POST",
    url: "/api/comment/new",
    headers: json,
    payload: '{"email":"m@example.com","comment":"c","content_id":3}',
  });
  await app.inject({
    method: "POST",
    url: "/api/comment/new",
    headers: json,
    payload: '{"email":"m@example.com"}',
  });
  await app.inject({ method: "GET", url: "/api/comment/list/3" });
  await app.inject({ method: "GET", url: "/api/comment/list/4" });
  await app.inject({ method: "GET", url: "/api/comment/list/5" });
  await app.inject({ method: "GET", url: "/no/such/route" });
  await app.inject({ method: "GET", url: "/another/unknown/m@example.com" });
  await app.inject({ method: "GET", url: "/healthz" });
  await app.inject({ method: "GET", url: "/readyz" });
  const response = await app.inject({ method: "GET", url: "/metrics" });
  expect(response.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
  exposition = response.body;
});
afterAll(async () => {
  await app.close();
  await db.close();
});

const lines = (prefix: string) => exposition.split("\n").filter((line) => line.startsWith(prefix));

describe("GET /metrics", () => {
  it("counts requests by method, route template and status code", () => {
    expect(lines("http_request_duration_seconds_count")).toEqual([
      'http_request_duration_seconds_count{method="POST",route="/api/comment/new",status_code="200"} 1',
      'http_request_duration_seconds_count{method="POST",route="/api/comment/new",status_code="400"} 1',
      'http_request_duration_seconds_count{method="GET",route="/api/comment/list/:content_id",status_code="200"} 1',
      'http_request_duration_seconds_count{method="GET",route="/api/comment/list/:content_id",status_code="404"} 2',
      'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 2',
    ]);
  });

  it("has a bucket at the 300 ms latency objective", () => {
    expect(lines("# HELP http_request_duration_seconds")).toEqual([
      "# HELP http_request_duration_seconds Time from request received to response sent, by method, route template and status code.",
    ]);
    expect(lines("# TYPE http_request_duration_seconds")).toEqual([
      "# TYPE http_request_duration_seconds histogram",
    ]);
    const les = lines('http_request_duration_seconds_bucket{le="')
      .filter((line) => line.includes('route="unmatched"'))
      .map((line) => line.slice(line.indexOf('le="') + 4, line.indexOf('",')));
    expect(les).toEqual([
      "0.005",
      "0.01",
      "0.025",
      "0.05",
      "0.1",
      "0.3",
      "0.5",
      "1",
      "2.5",
      "5",
      "10",
      "+Inf",
    ]);
  });

  it("counts created comments", () => {
    expect(lines("comments_created_total")).toEqual(["comments_created_total 1"]);
  });

  it("leaves probes and scrapes out of the request histogram", () => {
    expect(exposition).not.toMatch(/route="\/(healthz|readyz|metrics)"/);
  });

  it("exports Node.js default metrics used by the dashboards", () => {
    for (const type of [
      "# TYPE process_cpu_seconds_total counter",
      "# TYPE process_resident_memory_bytes gauge",
      "# TYPE nodejs_eventloop_lag_p99_seconds gauge",
      "# TYPE nodejs_heap_size_used_bytes gauge",
    ]) {
      expect(lines(type)).toEqual([type]);
    }
  });

  it("never carries an email", () => {
    expect(exposition).not.toContain("example.com");
  });
});
