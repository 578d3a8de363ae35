/**
 * The comments API as the benchmark runs it: the same buildApp, store and migrations as server.ts,
 * with request metrics switchable (BENCH_METRICS=0) so their cost can be measured. Logs at info to
 * stdout, like production.
 */
// The compiled service (`pnpm bench` builds it first), typed by its sources.
const dist = new URL("../../dist/", import.meta.url).href;
const { buildApp } = (await import(`${dist}app.js`)) as typeof import("../../src/app.js");
const { createLogger } = (await import(`${dist}logger.js`)) as typeof import("../../src/logger.js");
const { loadConfig } = (await import(`${dist}config.js`)) as typeof import("../../src/config.js");
const { CommentStore, createExecutor, migrate } = (await import(
  `${dist}store/index.js`
)) as typeof import("../../src/store/index.js");

const config = loadConfig(process.env);
const { log } = createLogger(config.logLevel);
const db = await createExecutor(config.database, () => {});
await migrate(db);
const app = await buildApp({
  store: new CommentStore(db),
  logger: log,
  ...(process.env.BENCH_METRICS === "0" ? { metrics: false as const } : {}),
});
const address = await app.listen({ port: 0, host: "127.0.0.1" });
process.stderr.write(`listening at ${address}\n`);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
