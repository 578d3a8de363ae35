import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics, createMetricsServer } from "../src/plugins/metrics.js";
import type { SqlExecutor } from "../src/store/executor.js";
import { buildTestApp, embeddedDatabase } from "./helper.js";

let db: SqlExecutor;
let app: FastifyInstance;
let exposition: string;
let apiMetrics: LightMyRequestResponse;
let metricsServer: Server;

beforeAll(async () => {
  db = await embeddedDatabase();
  const metrics = createMetrics();
  app = await buildTestApp(db, { metrics });
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
  apiMetrics = await app.inject({ method: "GET", url: "/metrics" });
  // The exposition comes from its own listener, as the collector scrapes it on METRICS_PORT.
  metricsServer = createMetricsServer(metrics);
  await new Promise<void>((resolve) => metricsServer.listen(0, "127.0.0.1", resolve));
  const response = await fetch(`http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/metrics`);
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  exposition = await response.text();
});
afterAll(async () => {
  await app.close();
  await db.close();
  metricsServer?.close();
});

describe("the API port", () => {
  // The ALB forwards every path of the API port to the internet: metrics must not be one of them.
  it("answers 404 on /metrics, in the API's error format", () => {
    expect([apiMetrics.statusCode, apiMetrics.json()]).toEqual([
      404,
      { status: "NOT-FOUND", message: "no route for GET at this URL" },
    ]);
  });
});

describe("the metrics listener", () => {
  it("serves nothing but /metrics", async () => {
    const base = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}`;
    const other = await fetch(`${base}/api/comment/list/3`);
    expect([other.status, await other.text()]).toEqual([404, "not found: metrics are at /metrics\n"]);
  });
});

const lines = (prefix: string) => exposition.split("\n").filter((line) => line.startsWith(prefix));

describe("GET /metrics", () => {
  it("counts requests by method, route template and status code", () => {
    expect(lines("http_request_duration_seconds_count")).toEqual([
      // Created at 0 on start-up (see "exists before the first error").
      'http_request_duration_seconds_count{method="POST",route="/api/comment/new",status_code="500"} 0',
      'http_request_duration_seconds_count{method="POST",route="/api/comment/new",status_code="503"} 0',
      'http_request_duration_seconds_count{method="GET",route="/api/comment/list/:content_id",status_code="500"} 0',
      'http_request_duration_seconds_count{method="GET",route="/api/comment/list/:content_id",status_code="503"} 0',
      'http_request_duration_seconds_count{method="POST",route="/api/comment/new",status_code="200"} 1',
      'http_request_duration_seconds_count{method="POST",route="/api/comment/new",status_code="400"} 1',
      'http_request_duration_seconds_count{method="GET",route="/api/comment/list/:content_id",status_code="200"} 1',
      'http_request_duration_seconds_count{method="GET",route="/api/comment/list/:content_id",status_code="404"} 2',
      // Two unknown routes, and /metrics on the API port: it is served on its own listener only.
      'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 3',
    ]);
  });

  // rate() never counts a series' first sample: an error series born with its first error would
  // hide that error. Each route's 5xx series exist from start-up, at 0.
  it("exists before the first error: every route's 5xx series at 0 on a fresh app", async () => {
    const fresh = createMetrics();
    const untouched = await buildTestApp(db, { metrics: fresh });
    const counts = (await fresh.registry.metrics())
      .split("\n")
      .filter((line) => line.startsWith("http_request_duration_seconds_count"));
    await untouched.close();
    expect(counts).toEqual([
      'http_request_duration_seconds_count{method="POST",route="/api/comment/new",status_code="500"} 0',
      'http_request_duration_seconds_count{method="POST",route="/api/comment/new",status_code="503"} 0',
      'http_request_duration_seconds_count{method="GET",route="/api/comment/list/:content_id",status_code="500"} 0',
      'http_request_duration_seconds_count{method="GET",route="/api/comment/list/:content_id",status_code="503"} 0',
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
