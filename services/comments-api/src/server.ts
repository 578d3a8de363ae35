/**
 * The process: read the environment, open the database, migrate, listen, and on SIGTERM or SIGINT
 * finish in-flight requests, close the pool and exit 0. Everything else lives in `app.ts`.
 */
import type { AddressInfo } from "node:net";
import type { pino } from "pino";
import { buildApp } from "./app.js";
import { type Config, ConfigError, loadConfig, secretRegion } from "./config.js";
import { createLogger } from "./logger.js";
import { createMetrics, createMetricsServer } from "./plugins/metrics.js";
import { startIdempotencySweeper } from "./store/idempotency-sweeper.js";
import {
  CommentStore,
  createExecutor,
  migrate,
  SecretsManagerLogin,
  SecretUnusableError,
} from "./store/index.js";
import { ListCache } from "./store/list-cache.js";

/** The list cache's bound on the bodies it keeps, in bytes. */
const LIST_CACHE_MAX_BYTES = 64 * 2 ** 20;

/** How long start-up keeps retrying an unreachable database before exiting 1 (ECS then restarts the task). */
const STARTUP_DATABASE_DEADLINE_MS = 60_000;

/** Runs `run` until it resolves, backing off, or until `deadline` (then its last error is thrown). */
async function retryUntil<T>(
  what: string,
  run: () => Promise<T>,
  log: pino.Logger,
  deadline: number,
): Promise<T> {
  for (let attempt = 1, delay = 250; ; attempt += 1, delay = Math.min(delay * 2, 5_000)) {
    try {
      return await run();
    } catch (error) {
      // A secret of the wrong shape stays wrong: say so now, not after the deadline.
      if (error instanceof SecretUnusableError || Date.now() + delay > deadline) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      log.warn({ attempt, reason, retryInMs: delay }, `${what}: not ready, retrying`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function start(config: Config, { log, flush }: ReturnType<typeof createLogger>): Promise<void> {
  const exit = (code: number) => {
    flush();
    process.exit(code);
  };
  const deadline = Date.now() + STARTUP_DATABASE_DEADLINE_MS;
  const secretArn = config.database.kind === "server" ? config.database.secretArn : undefined;
  const login =
    secretArn === undefined
      ? undefined
      : // The line an operator watches after `aws secretsmanager rotate-secret` (docs/operations.md).
        SecretsManagerLogin.forTask(secretArn, secretRegion(secretArn), (outcome) =>
          outcome === "unchanged"
            ? log.warn({ secretArn }, "database login refused; the secret holds no other password")
            : log.info(
                { secretArn, stage: outcome },
                "database login re-read from Secrets Manager after a refusal",
              ),
        );
  if (login !== undefined) {
    const { username } = await retryUntil("database secret", () => login.load(), log, deadline);
    log.info({ secretArn, username }, "database login read from Secrets Manager");
  }
  const db = await createExecutor(
    config.database,
    (error) => log.warn({ reason: error.message }, "idle database connection lost"),
    login,
  );
  const applied = await retryUntil("migrations", () => migrate(db), log, deadline);
  log.info({ applied, database: config.database.kind }, "migrations done");

  const store = new CommentStore(db);
  // Idempotency-Keys are kept 24 hours: swept now and every hour, in the background.
  const stopSweeping = startIdempotencySweeper(store, log);
  const metrics = createMetrics();
  const app = await buildApp({
    store,
    logger: log,
    metrics,
    unpagedListCap: config.unpagedListCap,
    rateLimitPerMinute: config.rateLimitPerMinute,
    trustedProxyHops: config.trustedProxyHops,
    listCache:
      config.listCacheEntries === 0
        ? false
        : new ListCache({
            maxEntries: config.listCacheEntries,
            maxBytes: LIST_CACHE_MAX_BYTES,
            maxAgeMs: config.listCacheMaxAgeMs,
          }),
  });
  await app.listen({ port: config.port, host: config.host });
  // Metrics on their own port: the load balancer forwards only the API's.
  const metricsServer = createMetricsServer(metrics);
  await new Promise<void>((resolve, reject) => {
    metricsServer.once("error", reject);
    metricsServer.listen(config.metricsPort, config.host, () => resolve());
  });
  const { port: metricsPort } = metricsServer.address() as AddressInfo;
  log.info({ metricsPort }, `metrics listening at http://${config.host}:${metricsPort}/metrics`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: finishing in-flight requests");
    stopSweeping();
    const timer = setTimeout(() => {
      log.error(
        { timeoutMs: config.shutdownTimeoutMs },
        "shutdown timed out, exiting with requests in flight",
      );
      exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    // Node's server.close() drops idle keep-alive connections at once (since Node 19): a request a
    // client writes to one just then is reset. Keep them for the idle grace; responses meanwhile
    // carry `Connection: close` (app.ts), so each closes after its answer.
    const server = app.server;
    const closeIdle = server.closeIdleConnections.bind(server);
    server.closeIdleConnections = () => {};
    setTimeout(() => {
      server.closeIdleConnections = closeIdle;
      closeIdle();
    }, config.shutdownIdleGraceMs).unref();
    // Whatever is still open after the drain (a client that sent half a body and stalled) is closed.
    setTimeout(() => {
      log.warn({ drainMs: config.shutdownDrainMs }, "closing connections still open after the drain");
      server.closeAllConnections();
    }, config.shutdownDrainMs).unref();
    app
      .close()
      // The metrics listener last: a scrape during the drain still sees the final counts.
      .then(() => new Promise<void>((resolve) => metricsServer.close(() => resolve())))
      .then(
        () => {
          log.info("shut down cleanly");
          exit(0);
        },
        (error: unknown) => {
          log.error({ err: error }, "shutdown failed");
          exit(1);
        },
      );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

let flushLogs = () => {};
try {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  flushLogs = logger.flush;
  await start(config, logger);
} catch (error) {
  // One line a person can act on: the variable, its value and what is allowed, or why start-up failed.
  const message =
    error instanceof ConfigError
      ? error.message
      : `start-up failed: ${error instanceof Error ? error.message : String(error)}`;
  flushLogs();
  process.stderr.write(`comments-api: ${message}\n`);
  process.exit(1);
}
