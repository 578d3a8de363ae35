/**
 * A PostgreSQL cluster of the test's own, that checks passwords (scram-sha-256): the machine's
 * server trusts every local login, so it cannot show what a changed password does to a client.
 * Built from the same Debian packages as that server (`initdb`, `postgres`); under CI=true their
 * absence fails the run, elsewhere the tests skip saying what to install.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort, stop, track, waitUntil } from "./processes.js";

function findBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, "bin")).find((dir) => existsSync(join(dir, "initdb")));
}

const BIN_DIR = findBinDir();
/** Whether `initdb` and `postgres` are here. */
export const clusterAvailable = BIN_DIR !== undefined;
/** Skip the own-cluster tests (never under CI=true: there they fail, see startPasswordCluster). */
export const skipCluster = !clusterAvailable && process.env.CI !== "true";
/** Suffix for a skipped test's name, saying how to run it. */
export const CLUSTER_SKIP_REASON = skipCluster
  ? " (skipped: no /usr/lib/postgresql/<version>/bin/initdb; apt-get install postgresql)"
  : "";

/** A running cluster: its superuser URL, how to reach it, and how to stop it. */
export interface PasswordCluster {
  host: string;
  port: number;
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres` */
  adminUrl: string;
  stop: () => Promise<void>;
}

const ADMIN_PASSWORD = "cluster-admin-password";

/**
 * initdb into a temporary directory and start `postgres` on a free port, listening on 127.0.0.1 with
 * scram-sha-256 for every TCP login. As root, both run as the `postgres` user (initdb refuses root).
 */
export async function startPasswordCluster(): Promise<PasswordCluster> {
  if (BIN_DIR === undefined) {
    throw new Error(
      "CI=true needs PostgreSQL's initdb for the own-cluster tests: apt-get install postgresql",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "pg-cluster-"));
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }) : undefined;
  const uid = owner === undefined ? undefined : Number(owner.stdout.trim());
  const gid = asRoot
    ? Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim())
    : undefined;
  if (asRoot && (uid === undefined || Number.isNaN(uid)))
    throw new Error("running as root, but there is no postgres user");
  const data = join(dir, "data");
  const pwfile = join(dir, "pwfile");
  writeFileSync(pwfile, `${ADMIN_PASSWORD}\n`);
  chmodSync(dir, 0o700);
  if (uid !== undefined && gid !== undefined) {
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  // setpriv execs the command as the user (no extra process in between to swallow signals).
  const as = (command: string, args: string[]) =>
    uid === undefined
      ? { command, args }
      : { command: "setpriv", args: [`--reuid=${uid}`, `--regid=${gid}`, "--init-groups", command, ...args] };
  const init = as(join(BIN_DIR, "initdb"), [
    "-D",
    data,
    "-U",
    "postgres",
    `--pwfile=${pwfile}`,
    "--auth-host=scram-sha-256",
    "--auth-local=scram-sha-256",
    "--no-sync",
  ]);
  const initResult = spawnSync(init.command, init.args, {
    encoding: "utf8",
    env: { ...process.env, LC_ALL: "C" },
  });
  if (initResult.status !== 0) throw new Error(`initdb failed: ${initResult.stderr || initResult.stdout}`);
  const port = await freePort();
  const server = as(join(BIN_DIR, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off",
    "-c",
    "max_connections=200",
  ]);
  const child = track(
    spawn(server.command, server.args, { stdio: "ignore", env: { ...process.env, LC_ALL: "C" } }),
  );
  const adminUrl = `postgres://postgres:${ADMIN_PASSWORD}@127.0.0.1:${port}/postgres`;
  await waitUntil(
    "own PostgreSQL cluster",
    async () => {
      const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
      await client.connect();
      await client.end();
      return true;
    },
    child,
  );
  return {
    host: "127.0.0.1",
    port,
    adminUrl,
    stop: async () => {
      // SIGINT is PostgreSQL's fast shutdown: sessions still open are ended, not waited for.
      const exited = new Promise((resolve) => child.once("exit", resolve));
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGINT");
        await exited;
      }
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
