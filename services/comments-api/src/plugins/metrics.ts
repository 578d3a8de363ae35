import { createServer, type Server } from "node:http";
import type { FastifyInstance, onResponseHookHandler } from "fastify";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/**
 * Histogram buckets in seconds. 0.3 is the latency objective (99% under 300 ms): a bucket exactly
 * there makes the SLI an exact ratio of two counters, not an interpolation.
 */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 1, 2.5, 5, 10] as const;

/** The `route` label of every request that matched no route: one value, however many URLs. */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * Routes left out of `http_request_duration_seconds`: probes arrive on a timer, not from users, and
 * would dilute the SLIs (a quiet service would look 100% healthy on health checks alone). Scrapes
 * never reach the API: they have their own listener.
 */
export const UNMEASURED_ROUTES: ReadonlySet<string> = new Set(["/healthz", "/readyz"]);

/** The app's metrics registry and the counters routes increment. */
export interface Metrics {
  registry: Registry;
  commentsCreated: Counter;
}

/** A registry per app (tests build many apps in one process) with Node.js default metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const commentsCreated = new Counter({
    name: "comments_created_total",
    help: "Comments stored and acknowledged with 200.",
    registers: [registry],
  });
  return { registry, commentsCreated };
}

/**
 * The 5xx codes the service answers (errors.ts: 500 for a bug, 503 while the database is down).
 * Their series exist at 0 from start-up for every measured route: a series that appears with its
 * first error hides that error from rate(), which never counts a series' first sample, so the
 * first burst on every new task would be invisible to the SLIs.
 */
export const ZEROED_STATUS_CODES = ["500", "503"] as const;

/** Times every request but probes and scrapes, labelled by route template, never by raw URL. */
export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from request received to response sent, by method, route template and status code.",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: [...DURATION_BUCKETS],
    registers: [metrics.registry],
  });
  // One child per label set, looked up by a flat key: `observe(labels, v)` would hash the label
  // object on every request. Routes are templates and methods a fixed set, so this stays small.
  const observer = (route: string): onResponseHookHandler => {
    const children = new Map<string, Histogram.Internal<"method" | "route" | "status_code">>();
    return (request, reply, done) => {
      const key = `${request.method} ${reply.statusCode}`;
      let child = children.get(key);
      if (child === undefined) {
        child = duration.labels(request.method, route, String(reply.statusCode));
        children.set(key, child);
      }
      child.observe(reply.elapsedTime / 1000);
      done();
    };
  };
  // Every route registered after this (all of the API's): its error series at 0, and a hook of its
  // own that knows its template (`request.routeOptions` builds a new object on every read). HEAD
  // routes fastify adds for each GET get no zeroed series: one set per route the API declares.
  app.addHook("onRoute", (route) => {
    if (UNMEASURED_ROUTES.has(route.url)) return;
    for (const method of ([] as string[]).concat(route.method)) {
      if (method === "HEAD") continue;
      for (const status_code of ZEROED_STATUS_CODES) duration.zero({ method, route: route.url, status_code });
    }
    route.onResponse = [
      ...(route.onResponse === undefined ? [] : [route.onResponse].flat()),
      observer(route.url),
    ];
  });
  // Requests no route matched: one series, whatever the URL.
  const unmatched = observer(UNMATCHED_ROUTE);
  app.addHook("onResponse", function (request, reply, done) {
    if (request.is404) unmatched.call(this, request, reply, done);
    else done();
  });
}

/**
 * The metrics listener: `GET /metrics` and nothing else, on its own port (METRICS_PORT). The load
 * balancer forwards only the API port, so the exposition (process details, route names, traffic)
 * never reaches the internet; the collector sidecar scrapes it on localhost.
 */
export function createMetricsServer(metrics: Metrics): Server {
  return createServer((request, response) => {
    if (request.method !== "GET" || request.url?.split("?", 1)[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      response.end("not found: metrics are at /metrics\n");
      return;
    }
    metrics.registry.metrics().then(
      (body) => {
        response.writeHead(200, { "content-type": metrics.registry.contentType });
        response.end(body);
      },
      (error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        response.end(`collecting metrics failed: ${(error as Error).message}\n`);
      },
    );
  });
}
