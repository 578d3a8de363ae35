/**
 * The exit code of `pnpm -s release analyze` reaches the shell: 2 for bad arguments, 4 when the
 * monitor cannot be read. pnpm reports every failing exit code of `pnpm --filter <pkg> exec` as 1,
 * so the root script runs tsx itself, in infra/.
 */
import { spawnSync } from "node:child_process";
import { freePort } from "@comments-platform/testkit";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/stack-file";

const pnpm = (args: string[]) =>
  spawnSync("pnpm", ["-s", "release", ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env },
  });

describe("pnpm -s release analyze, as a shell sees it", () => {
  it("exits 2 on bad arguments", () => {
    const result = pnpm(["analyze", "--stack", "stage", "--revision", "x"]);
    expect([result.status, result.stdout.split("\n")[0]]).toEqual([
      2,
      "analyze needs --prometheus-url <http(s) URL of a Prometheus or an AMP workspace>",
    ]);
  });

  it("exits 4 when Prometheus cannot be reached, the last line saying error", async () => {
    const port = await freePort();
    const result = pnpm([
      "analyze",
      "--stack",
      "stage",
      "--revision",
      "42",
      "--prometheus-url",
      `http://127.0.0.1:${port}/`,
      "--at",
      "1796000000",
    ]);
    expect([result.status, result.stdout.trim().split("\n").at(-1)]).toEqual([4, "look 10 of 10: error"]);
  });
});
