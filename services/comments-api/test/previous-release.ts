/**
 * The previous release of the service, built from git: blue/green runs it beside this one on one
 * database, and a rollback puts it back on this one's schema. `git worktree add` checks the commit
 * out apart from this checkout; it is compiled with this checkout's dependencies (the lockfile did
 * not change between the two), once per commit and machine.
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SERVICE_DIR } from "./process.js";

/**
 * The last release that landed before this one's schema changes (migrations 4 and 5): what prod
 * runs when this release deploys. Move it forward when a release that needs an older one's behaviour ends.
 */
export const PREVIOUS_RELEASE_COMMIT = "fae45e2";

const REPO = join(SERVICE_DIR, "..", "..");

function git(...args: string[]): string {
  // CI runs the tests as root in a checkout another user owns: git refuses such a repository
  // unless safe.directory says otherwise (command-line config counts: git-config(1), SCOPES).
  const result = spawnSync("git", ["-c", "safe.directory=*", "-C", REPO, ...args], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** Checks `commit` out into a worktree, builds its service, and returns the service's directory. */
export function buildPreviousRelease(commit: string = PREVIOUS_RELEASE_COMMIT): string {
  let full: string;
  try {
    full = git("rev-parse", "--verify", `${commit}^{commit}`);
  } catch (error) {
    throw new Error(
      `the previous release ${commit} is not in this clone (a shallow checkout? actions/checkout needs fetch-depth: 0): ${(error as Error).message}`,
    );
  }
  const dir = join(tmpdir(), `comments-api-release-${full.slice(0, 12)}`);
  const service = join(dir, "services", "comments-api");
  if (existsSync(join(service, "dist", "server.js"))) return service;
  rmSync(dir, { recursive: true, force: true });
  git("worktree", "prune");
  git("worktree", "add", "--detach", "--force", dir, full);
  // pnpm's links are relative to the real directory they sit in, so links to this checkout's
  // node_modules resolve as they do here.
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
  symlinkSync(join(SERVICE_DIR, "node_modules"), join(service, "node_modules"));
  const tsc = spawnSync(
    process.execPath,
    [join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
    { cwd: service, encoding: "utf8" },
  );
  if (tsc.status !== 0) throw new Error(`building ${commit} failed:\n${tsc.stdout}${tsc.stderr}`);
  return service;
}
