/**
 * `pnpm bench`: loads the comments API and two references with autocannon, alternating, and prints
 * req/s, latency and peak memory side by side. Env: BENCH_DURATION (s, default 10), BENCH_ROUNDS
 * (default 1), BENCH_CONNECTIONS (default 50), BENCH_DATABASE_URL (default TEST_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/test; unreachable: only the embedded runs), BENCH_BIG_LIST
 * (comments in the long-list run, default 100000; 0 skips it), BENCH_BIG_CLIENTS (default 20),
 * BENCH_PGBENCH_ROUNDS (insert-throughput rounds with pgbench, default 3; 0 skips it) and
 * BENCH_PGBENCH_SECONDS (per run, default 5).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { insertThroughput } from "./pgbench.js";

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  "postgres://postgres@127.0.0.1:5432/test";
const CONTENT = "bench";
const BIG_LIST = Number(process.env.BENCH_BIG_LIST ?? 100_000);
const BIG_CLIENTS = Number(process.env.BENCH_BIG_CLIENTS ?? 20);
const PGBENCH_ROUNDS = Number(process.env.BENCH_PGBENCH_ROUNDS ?? 3);
const PGBENCH_SECONDS = Number(process.env.BENCH_PGBENCH_SECONDS ?? 5);
const HERE = import.meta.dirname;

interface Target {
  name: string;
  script: string;
  env: Record<string, string>;
}
interface Running {
  target: Target;
  child: ChildProcess;
  base: string;
}
interface Result {
  target: string;
  workload: string;
  rps: number;
  p50: number;
  p99: number;
  failures: number;
  peakRssMiB: number;
}

const LOG_DIR = mkdtempSync(join(tmpdir(), "comments-bench-"));

/**
 * Starts a server with its logs going to a file, as a log driver would take them: piped into this
 * process they would cost the load generator's CPU, not the server's. The servers announce their
 * address on stderr.
 */
async function start(target: Target): Promise<Running> {
  const logFile = join(LOG_DIR, `${target.name.replace(/\W+/g, "-")}.log`);
  const child = spawn(process.execPath, ["--import", "tsx", join(HERE, "servers", target.script)], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", ...target.env },
    stdio: ["ignore", openSync(logFile, "w"), "pipe"],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let seen = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`${target.name} exited with ${code}: ${seen}`)));
  });
  return { target, child, base };
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * BIG_CLIENTS clients at once each read the whole unpaged list of BIG_LIST comments. Prints time to
 * first byte, total time and how far the server's resident memory rose above its level before.
 */
async function bigList(server: Running, url: string): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query(
    `INSERT INTO comments (content_id, email, comment)
      SELECT 'big', 'reader' || g || '@example.com', 'a comment of ordinary length, number ' || g
      FROM generate_series(1, $1::int) g`,
    [BIG_LIST],
  );
  // Fresh statistics, as autovacuum keeps them on a table that grew slowly: without them the
  // planner takes the just-inserted 100,000 rows for two and sorts instead of walking the index.
  await db.query("ANALYZE comments");
  await db.end();
  const pid = server.child.pid ?? 0;
  const before = rssMiB(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid));
  }, 20);
  const started = performance.now();
  const runs = await Promise.all(
    Array.from({ length: BIG_CLIENTS }, async (_, client) => {
      const response = await fetch(`${server.base}/api/comment/list/big`);
      let ttfb = 0;
      let bytes = 0;
      // One client keeps and parses the body to check it; the others count bytes, so the load
      // generator's own CPU stays off the figures.
      const kept: Uint8Array[] = [];
      for await (const chunk of response.body ?? []) {
        if (ttfb === 0) ttfb = performance.now() - started;
        bytes += (chunk as Uint8Array).byteLength;
        if (client === 0) kept.push(chunk as Uint8Array);
      }
      const total = performance.now() - started;
      if (client === 0) {
        const count = (JSON.parse(Buffer.concat(kept).toString("utf8")) as unknown[]).length;
        if (count !== BIG_LIST) throw new Error(`long list: ${count} comments, expected ${BIG_LIST}`);
      }
      if (response.status !== 200) throw new Error(`long list: status ${response.status}`);
      return { ttfb, total, bytes };
    }),
  );
  if (new Set(runs.map((r) => r.bytes)).size !== 1)
    throw new Error("long list: clients got different bodies");
  clearInterval(sampler);
  peak = Math.max(peak, rssMiB(pid));
  const max = (key: "ttfb" | "total") => Math.max(...runs.map((r) => r[key]));
  const median = (key: "ttfb" | "total") =>
    runs.map((r) => r[key]).sort((a, b) => a - b)[runs.length >> 1] ?? 0;
  console.log(
    `long list (${server.target.name}): ${BIG_CLIENTS} clients at once, ${BIG_LIST} comments ` +
      `(${((runs[0]?.bytes ?? 0) / 2 ** 20).toFixed(1)} MiB) each: time to first byte median ` +
      `${median("ttfb").toFixed(0)} ms, max ${max("ttfb").toFixed(0)} ms; total median ${median("total").toFixed(0)} ms, ` +
      `max ${max("total").toFixed(0)} ms; server RSS ${before.toFixed(0)} -> ${peak.toFixed(0)} MiB ` +
      `(growth ${(peak - before).toFixed(1)} MiB, goal < 50)`,
  );
}

/**
 * How long a write on one instance takes to show in another's answer, with the reader's cache warm:
 * POST on `writer`, then GET on `reader` until the comment is there. Measured from the writer's 200
 * (what a client that just wrote sees) and from sending the POST.
 */
async function freshness(writer: Running, reader: Running, rounds: number): Promise<void> {
  const write = async (contentId: string, comment: string) => {
    const response = await fetch(`${writer.base}/api/comment/new`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "fresh@example.com", comment, content_id: contentId }),
    });
    if (response.status !== 200) throw new Error(`freshness: POST answered ${response.status}`);
  };
  const read = async (contentId: string) =>
    (await fetch(`${reader.base}/api/comment/list/${contentId}`)).text();
  const afterAck: number[] = [];
  const afterSend: number[] = [];
  let staleReads = 0;
  for (let n = 0; n < rounds; n += 1) {
    const contentId = `fresh-${n}`;
    await write(contentId, "seed");
    await read(contentId);
    await read(contentId); // now answered from the reader's cache
    const sent = performance.now();
    await write(contentId, "new");
    const acknowledged = performance.now();
    while (!(await read(contentId)).includes('"new"')) staleReads += 1;
    const visible = performance.now();
    afterAck.push(visible - acknowledged);
    afterSend.push(visible - sent);
  }
  const summary = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return `median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms`;
  };
  console.log(
    `freshness (${rounds} writes on "${writer.target.name}", read on "${reader.target.name}" with its cache warm): ` +
      `visible after the writer's 200: ${summary(afterAck)}; after the POST was sent: ${summary(afterSend)}; ` +
      `${staleReads} stale reads in all (goal: visible within 100 ms)`,
  );
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kib / 1024);
}

async function seed(base: string): Promise<void> {
  for (let n = 0; n < 10; n += 1) {
    const response = await fetch(`${base}/api/comment/new`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `bench${n}@example.com`, comment: `comment ${n}`, content_id: CONTENT }),
    });
    if (response.status !== 200) throw new Error(`seeding failed: ${response.status}`);
  }
}

async function load(server: Running, workload: "GET" | "POST"): Promise<Result> {
  const result = await autocannon({
    url: server.base,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [
      workload === "GET"
        ? { method: "GET", path: `/api/comment/list/${CONTENT}` }
        : {
            method: "POST",
            path: "/api/comment/new",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ email: "load@example.com", comment: "under load", content_id: "load" }),
          },
    ],
  });
  return {
    target: server.target.name,
    workload,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
    peakRssMiB: peakRssMiB(server.child.pid ?? 0),
  };
}

async function freshDatabase(): Promise<string | undefined> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try {
    await admin.connect();
  } catch (error) {
    console.log(`no PostgreSQL at ${ADMIN_URL} (${(error as Error).message}): embedded only`);
    return undefined;
  }
  await admin.query("DROP DATABASE IF EXISTS comments_bench WITH (FORCE)");
  await admin.query("CREATE DATABASE comments_bench");
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = "/comments_bench";
  return url.toString();
}

const databaseUrl = await freshDatabase();
const targets: Target[] = [
  { name: "bare fastify, memory", script: "bare.ts", env: {} },
  { name: "comments-api, embedded", script: "comments.ts", env: {} },
];
if (databaseUrl !== undefined) {
  targets.push(
    { name: "comments-api, pg", script: "comments.ts", env: { DATABASE_URL: databaseUrl } },
    {
      name: "comments-api, pg, no metrics",
      script: "comments.ts",
      env: { DATABASE_URL: databaseUrl, BENCH_METRICS: "0" },
    },
    { name: "minimal fastify + pg", script: "minimal-pg.ts", env: { DATABASE_URL: databaseUrl } },
  );
}

const servers: Running[] = [];
for (const target of targets) servers.push(await start(target));
// Seed once per database: the embedded server holds its own, the pg servers share one.
await seed(servers[1]?.base ?? "");
if (databaseUrl !== undefined) await seed(servers[2]?.base ?? "");

console.log(`server logs: ${LOG_DIR}`);
console.log(
  `autocannon: ${CONNECTIONS} connections, ${DURATION} s per run, ${ROUNDS} round(s), GET list of 10 and POST; node ${process.version}`,
);
const results: Result[] = [];
for (let round = 0; round < ROUNDS; round += 1) {
  for (const workload of ["GET", "POST"] as const) {
    for (const server of servers) {
      results.push(await load(server, workload));
      process.stdout.write(".");
    }
  }
}
process.stdout.write("\n");
const pgServer = servers.find((s) => s.target.name === "comments-api, pg");
const secondPgServer = servers.find((s) => s.target.name === "comments-api, pg, no metrics");
if (pgServer !== undefined && secondPgServer !== undefined) await freshness(pgServer, secondPgServer, 50);
if (BIG_LIST > 0 && pgServer !== undefined && databaseUrl !== undefined) await bigList(pgServer, databaseUrl);
for (const server of servers) server.child.kill("SIGTERM");
// With the servers gone: the database's write rate alone, by the notification path used.
if (PGBENCH_ROUNDS > 0 && databaseUrl !== undefined) {
  await insertThroughput(databaseUrl, PGBENCH_ROUNDS, PGBENCH_SECONDS);
}

const mean = (name: string, workload: string, key: "rps" | "p50" | "p99" | "failures" | "peakRssMiB") => {
  const rows = results.filter((r) => r.target === name && r.workload === workload);
  return rows.reduce((sum, r) => sum + r[key], 0) / Math.max(rows.length, 1);
};
const table = targets.flatMap((t) =>
  (["GET", "POST"] as const).map((workload) => ({
    server: t.name,
    workload,
    "req/s": Math.round(mean(t.name, workload, "rps")),
    "p50 ms": mean(t.name, workload, "p50"),
    "p99 ms": mean(t.name, workload, "p99"),
    failures: mean(t.name, workload, "failures"),
    "peak RSS MiB": Math.max(...results.filter((r) => r.target === t.name).map((r) => r.peakRssMiB)),
  })),
);
console.table(table);
const ratio = (a: string, b: string, workload: string) =>
  `${((100 * mean(a, workload, "rps")) / Math.max(mean(b, workload, "rps"), 1)).toFixed(1)}%`;
console.log(
  `hot read (GET of a list of 10, answered from the list cache) vs bare fastify: ` +
    `${databaseUrl === undefined ? "" : `pg ${ratio("comments-api, pg", "bare fastify, memory", "GET")}, `}` +
    `embedded ${ratio("comments-api, embedded", "bare fastify, memory", "GET")} (goal >= 50%)`,
);
if (databaseUrl !== undefined) {
  for (const workload of ["GET", "POST"]) {
    console.log(
      `${workload}: comments-api pg vs minimal fastify+pg ${ratio("comments-api, pg", "minimal fastify + pg", workload)} (target >= 70% for GET); ` +
        `with metrics vs without ${ratio("comments-api, pg", "comments-api, pg, no metrics", workload)} (target > 90%)`,
    );
  }
}
