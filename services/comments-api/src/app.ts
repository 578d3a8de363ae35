import { randomUUID } from "node:crypto";
import rateLimit from "@fastify/rate-limit";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from "fastify";
import { registerCacheMetrics } from "./plugins/cache-metrics.js";
import {
  clientErrorResponse,
  expectationFailedResponse,
  frameworkError,
  missingHostError,
  notFoundBody,
  registerErrorHandling,
} from "./plugins/errors.js";
import { registerJsonBody } from "./plugins/json-body.js";
import { createMetrics, type Metrics, registerRequestMetrics } from "./plugins/metrics.js";
import { commentRoutes } from "./routes/comments.js";
import { healthRoutes } from "./routes/health.js";
import { BODY_LIMIT_BYTES } from "./schemas/comment.js";
import { ChangeAnnouncer } from "./store/announcer.js";
import type { CommentStore } from "./store/comment-store.js";
import { ListCache } from "./store/list-cache.js";

/** What the app is built from. */
export interface AppOptions {
  /** The app owns it from here: closing the app closes the store. */
  store: CommentStore;
  /** A pino logger (server.ts passes its own, tests a captured one). @default none: nothing is logged */
  logger?: FastifyBaseLogger;
  /** `false` turns request metrics and `/metrics` off (the benchmark measures their cost). @default a fresh registry */
  metrics?: Metrics | false;
  /** Most comments an unpaged list returns (LIST_UNPAGED_MAX). @default undefined: every one */
  unpagedListCap?: number | undefined;
  /** Requests per minute per client (RATE_LIMIT_PER_MINUTE). @default undefined: no limit */
  rateLimitPerMinute?: number | undefined;
  /** Trusted proxies in front (TRUSTED_PROXY_HOPS): how far back X-Forwarded-For names the client. @default 0 */
  trustedProxyHops?: number;
  /** Hot lists' answers, kept fresh by the database's notifications; `false`: none. @default a fresh cache */
  listCache?: ListCache | false;
  /** Longest an unpaged list's answer may take to reach the socket (tests shorten it). @default LIST_SEND_TIMEOUT_MS */
  listSendTimeoutMs?: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** How long a request's headers and body may take to arrive. @default 30000 */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Node's HTTP server options. Node checks the request and headers timeouts only every
 * `connectionsCheckingInterval` (30 s by default: https://nodejs.org/api/http.html#httpcreateserveroptions-requestlistener),
 * so a 30 s timeout would close a stalled request after 30 to 60 s; checked every second, within
 * 31 s. `headersTimeout` defaults to min(60 s, the requestTimeout given at creation), and fastify
 * sets requestTimeout only after creating the server: set here, the headers get 30 s too.
 * `requireHostHeader` off: `missingHostError` answers in the API's format instead of Node's empty 400.
 */
export const HTTP_SERVER_OPTIONS = {
  requestTimeout: REQUEST_TIMEOUT_MS,
  headersTimeout: REQUEST_TIMEOUT_MS,
  connectionsCheckingInterval: 1_000,
  requireHostHeader: false,
} as const;

/**
 * Logged request fields: method and path only. The query string is dropped because clients may put
 * anything there, and emails are personal data that never reach the logs.
 */
export const requestSerializer = (request: { method: string; url: string; id: string }) => ({
  method: request.method,
  path: request.url.split("?", 1)[0],
  requestId: request.id,
});

/** The comments API as a fastify instance that never listens: `server.ts` listens, tests `inject`. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const hops = options.trustedProxyHops ?? 0;
  const app = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    // The client is the address `hops` proxies back in X-Forwarded-For: the ALB appends the address
    // it saw (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html),
    // so with one hop trusted a client cannot pick its own address by sending the header.
    // (proxy-addr's trust function: hop 0 is the socket's peer; a number n means `hop < n`).
    trustProxy: hops > 0 ? (_address: string, hop: number) => hop < hops : false,
    bodyLimit: BODY_LIMIT_BYTES,
    // "__proto__" and "constructor" keys are dropped before validation sees the body.
    onProtoPoisoning: "remove",
    onConstructorPoisoning: "remove",
    // Long enough for any content_id the validator would reject by name rather than with 414.
    routerOptions: { maxParamLength: 512 },
    // The router's and the HTTP parser's refusals in the API's format, not fastify's.
    frameworkErrors: (error, _request, reply) => {
      const { statusCode, body } = frameworkError(error);
      // The router's reply is typed for no route in particular.
      (reply as unknown as FastifyReply)
        .code(statusCode)
        .header("x-content-type-options", "nosniff")
        .send(body);
    },
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (error.code === "ECONNRESET" || socket.destroyed) return;
      if (socket.writable) socket.write(clientErrorResponse(error.code));
      socket.destroy(error);
    },
    // One log line per request, written when it completes (below), instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Reuse the caller's (or the ALB's) request id when it is sane, so one id follows a request.
    genReqId: (request) => {
      const header = request.headers["x-request-id"];
      return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
    },
    // During shutdown, requests already on an open keep-alive connection are still served: a 503
    // there would fail a request only because its task is being replaced.
    return503OnClosing: false,
    // Connections are closed by server.ts's shutdown phases (idle grace, then drain), not by close().
    forceCloseConnections: false,
    // Above the ALB's 60 s idle timeout, so the load balancer closes idle connections first and
    // never reuses one the service just closed
    // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout).
    keepAliveTimeout: 72_000,
    // A request's headers and body must arrive within 30 s: a client trickling bytes cannot hold a
    // connection.
    requestTimeout: REQUEST_TIMEOUT_MS,
    http: HTTP_SERVER_OPTIONS,
  });
  // An Expect Node does not know (anything but 100-continue): 417 in the API's format.
  app.server.on("checkExpectation", (_request, response) => {
    const { statusCode, headers, body } = expectationFailedResponse();
    response.writeHead(statusCode, headers).end(body);
  });
  // Node's own check is off (HTTP_SERVER_OPTIONS): the same refusal, in the API's format.
  app.addHook("onRequest", (request, reply, done) => {
    const missingHost = missingHostError(request.raw);
    if (missingHost === undefined) return done();
    reply.code(400).header("connection", "close").send(missingHost);
  });

  let draining = false;
  app.addHook("preClose", async () => {
    draining = true;
  });
  const cache = options.listCache === undefined ? new ListCache() : options.listCache;
  let closing = false;
  // This instance's changes reach every instance's cache through it, whether or not this one caches
  // (migration 5: the trigger is silent for this release's sessions).
  const announcer = new ChangeAnnouncer((contentIds) => options.store.announce(contentIds), {
    failed: (error, count) =>
      app.log.warn(
        { reason: error instanceof Error ? error.message : String(error), contents: count },
        "list cache: announcing changes failed; other instances serve them after the cache's max age",
      ),
  });
  const unsubscribe =
    cache === false
      ? async () => {}
      : await options.store.subscribe({
          notify: (payload) => cache.notified(payload),
          state: (live) => {
            // Lost notifications are a stale cache on other paths: say so, and count it (metrics).
            if (live) app.log.info("list cache: listening for changes, cache on");
            else if (cache.isLive && !closing) {
              app.log.warn("list cache: listening connection lost, cache off until it is back");
            }
            cache.setLive(live);
          },
        });
  app.addHook("onClose", async () => {
    closing = true;
    await unsubscribe();
    await announcer.idle();
    await options.store.close();
  });
  // Whether debug lines are written at all (the level is fixed at start-up): the hot path skips
  // building a line nobody writes.
  const logsSuccesses =
    (options.logger as { isLevelEnabled?: (level: string) => boolean } | undefined)?.isLevelEnabled?.(
      "debug",
    ) ?? false;
  // The per-request hooks are callback-style: no promise per request on the hot path (pnpm bench).
  app.addHook("onResponse", (request, reply, done) => {
    // Every request that went wrong is logged with its id; successful ones only at debug. A line per
    // success would cost about a quarter of the throughput (pnpm bench) and CloudWatch ingestion
    // for what the ALB access logs already record.
    const level = reply.statusCode >= 500 ? "warn" : reply.statusCode >= 400 ? "info" : "debug";
    if (level !== "debug" || logsSuccesses) {
      request.log[level](
        { req: request, res: { statusCode: reply.statusCode }, responseTimeMs: reply.elapsedTime },
        "request completed",
      );
    }
    done();
  });
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.header("x-request-id", request.id);
    // Every answer: the browser must not sniff a JSON body into something it would run
    // (https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/X-Content-Type-Options).
    reply.header("x-content-type-options", "nosniff");
    // A connection busy when shutdown began is not idle then, so close() would wait for its
    // keep-alive timeout: tell the client to close it after this response instead.
    if (draining) reply.header("connection", "close");
    done(null, payload);
  });

  registerJsonBody(app);
  registerErrorHandling(app);
  if (options.rateLimitPerMinute !== undefined) {
    const max = options.rateLimitPerMinute;
    // Per task and in memory: the WAF's rate-based rule (prod) is the limit across the fleet.
    await app.register(rateLimit, {
      max,
      timeWindow: 60_000,
      keyGenerator: (request) => request.ip,
      // The wait is in Retry-After (seconds), which the plugin sets.
      errorResponseBuilder: () =>
        Object.assign(
          new Error(
            `rate limit: at most ${max} requests a minute per client; retry after Retry-After seconds`,
          ),
          { statusCode: 429, code: "COMMENTS_RATE_LIMITED" },
        ),
    });
  }
  // Unknown URLs count against a client's limit like the others: a client probing for routes is
  // limited too (the plugin's README, "Preventing guessing of URLS through 404s").
  app.setNotFoundHandler(
    options.rateLimitPerMinute === undefined ? {} : { preHandler: app.rateLimit() },
    (request, reply) => reply.code(404).send(notFoundBody(request.method)),
  );
  const metrics = options.metrics === undefined ? createMetrics() : options.metrics;
  if (metrics !== false) registerRequestMetrics(app, metrics);
  if (metrics !== false && cache !== false) registerCacheMetrics(metrics.registry, cache, announcer);

  await app.register(commentRoutes, {
    store: options.store,
    onCreated: metrics === false ? () => {} : () => metrics.commentsCreated.inc(),
    unpagedListCap: options.unpagedListCap,
    cache: cache === false ? undefined : cache,
    announce: (contentId) => announcer.changed(contentId),
    sendTimeoutMs: options.listSendTimeoutMs,
  });
  await app.register(healthRoutes, { store: options.store, isDraining: () => draining });
  return app;
}
