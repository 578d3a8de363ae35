/**
 * What keeping caches fresh costs the database's writes: pgbench, 8 clients, the same insert into
 * `comments` and into a copy of it without triggers, alternating, median of the rounds.
 * - "bare": the copy (no trigger at all: no order lock, no notification);
 * - "notify per insert": `comments` from a session without this release's setting, as the previous
 *   release (or psql) inserts: migration 3's trigger NOTIFYs in every insert;
 * - "this release": `comments` from a session with `comments.changes_announced_by=app` (the
 *   trigger is silent), plus the app's announcements, modelled as one transaction announcing 10
 *   contents per 10 inserts (what one instance sends when ten inserts committed during its previous
 *   announcement; fewer inserts per announcement only happen when the write rate is low).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

const CLIENTS = 8;

interface Variant {
  name: string;
  scripts: Array<{ file: string; weight: number; inserts: boolean }>;
  pgoptions?: string;
}

function insertScript(table: string): string {
  return [
    "\\set c random(1, 10000)",
    `INSERT INTO ${table} (content_id, email, comment) VALUES ('pgbench-' || :c, 'pgbench@example.com', 'a comment of ordinary length');`,
    "",
  ].join("\n");
}
const ANNOUNCE_SCRIPT = [
  "\\set c random(1, 10000)",
  "SELECT pg_notify('comments_changed', 'pgbench-' || (:c + g)) FROM generate_series(1, 10) AS g;",
  "",
].join("\n");

/** Inserts per second of one pgbench run (the announcing script's transactions not counted). */
function run(url: string, variant: Variant, seconds: number): number {
  const args = ["-n", "-c", String(CLIENTS), "-j", "2", "-T", String(seconds)];
  for (const script of variant.scripts) args.push("-f", `${script.file}@${script.weight}`);
  const result = spawnSync("pgbench", [...args, url], {
    encoding: "utf8",
    env: { ...process.env, ...(variant.pgoptions === undefined ? {} : { PGOPTIONS: variant.pgoptions }) },
  });
  if (result.status !== 0) throw new Error(`pgbench ${variant.name}: ${result.stderr}`);
  // One script: "tps = N"; several: "SQL script k: <file>" then "- N transactions (..., tps = T)".
  if (variant.scripts.length === 1) return Number(/tps = ([\d.]+)/.exec(result.stdout)?.[1] ?? 0);
  const perScript = [
    ...result.stdout.matchAll(
      /SQL script (\d+):[^\n]*\n\s*- weight[^\n]*\n\s*- \d+ transactions \([^)]*tps = ([\d.]+)\)/g,
    ),
  ];
  return perScript
    .filter((match) => variant.scripts[Number(match[1]) - 1]?.inserts === true)
    .reduce((sum, match) => sum + Number(match[2]), 0);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;

/** Prints inserts/s of each variant and the ratios; `url` is a migrated database. */
export async function insertThroughput(url: string, rounds: number, seconds: number): Promise<void> {
  if (spawnSync("pgbench", ["--version"]).status !== 0) {
    console.log("insert throughput: pgbench not found (apt-get install postgresql-client), skipped");
    return;
  }
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query("DROP TABLE IF EXISTS comments_bare");
  // Same columns, defaults, identity and indexes; LIKE copies no trigger.
  await db.query("CREATE TABLE comments_bare (LIKE comments INCLUDING ALL)");
  await db.end();
  const dir = mkdtempSync(join(tmpdir(), "comments-pgbench-"));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const bare = file("bare.sql", insertScript("comments_bare"));
  const insert = file("insert.sql", insertScript("comments"));
  const announce = file("announce.sql", ANNOUNCE_SCRIPT);
  const variants: Variant[] = [
    { name: "bare", scripts: [{ file: bare, weight: 1, inserts: true }] },
    { name: "notify per insert", scripts: [{ file: insert, weight: 1, inserts: true }] },
    {
      name: "this release",
      scripts: [
        { file: insert, weight: 10, inserts: true },
        { file: announce, weight: 1, inserts: false },
      ],
      pgoptions: "-c comments.changes_announced_by=app",
    },
  ];
  const tps = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const variant of variants) tps.get(variant.name)?.push(run(url, variant, seconds));
  }
  const of = (name: string) => median(tps.get(name) ?? []);
  const all = (name: string) => (tps.get(name) ?? []).map((v) => v.toFixed(0)).join(", ");
  console.log(
    `insert throughput (pgbench, ${CLIENTS} clients, ${seconds} s x ${rounds} rounds, median): ` +
      `bare ${of("bare").toFixed(0)}/s [${all("bare")}]; ` +
      `notify per insert ${of("notify per insert").toFixed(0)}/s [${all("notify per insert")}] = ` +
      `${(of("notify per insert") / of("bare")).toFixed(2)} of bare; ` +
      `this release ${of("this release").toFixed(0)}/s [${all("this release")}] = ` +
      `${(of("this release") / of("bare")).toFixed(2)} of bare (goal >= 0.7)`,
  );
}
