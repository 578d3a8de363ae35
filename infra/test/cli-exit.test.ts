/**
 * Every CLI's own exit code reaches the shell through the documented `pnpm <script>`, and pnpm adds
 * nothing of its own to the output. `pnpm --filter <pkg> exec` reports every failing exit code as 1
 * and prints `undefined` on a failure, so the root scripts run tsx themselves, in infra/
 * (package.json). Exits 2 are bad arguments; `--help` exits 0.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { SMOKE_USAGE } from "../src/release/smoke-cli";
import { REPO_ROOT } from "../src/stack-file";

const pnpm = (args: string[]) =>
  spawnSync("pnpm", args, { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env } });

describe("pnpm scripts, as a shell sees them", () => {
  it("pnpm -s smoke --help prints the usage and exits 0", () => {
    const result = pnpm(["-s", "smoke", "--help"]);
    expect([result.status, result.stdout, result.stderr]).toEqual([0, `${SMOKE_USAGE}\n`, ""]);
  });

  it("pnpm -s smoke with bad arguments exits 2", () => {
    const result = pnpm(["-s", "smoke", "not-a-url"]);
    expect([result.status, result.stdout]).toEqual([
      2,
      `smoke: base URL "not-a-url" is not a URL\n${SMOKE_USAGE}\n`,
    ]);
  });

  it("pnpm -s synth with an unknown stack exits 2", () => {
    const result = pnpm(["-s", "synth", "dev"]);
    expect([result.status, result.stderr]).toEqual([
      2,
      'usage: pnpm synth <stack>; stack must be one of stage, prod, got "dev"\n',
    ]);
  });

  it.each([
    ["release", []],
    ["smoke", []],
  ])("pnpm %s without -s prints no undefined", (script, args) => {
    const result = pnpm([script, ...args]);
    expect(result.status).toBe(2);
    expect(`${result.stdout}${result.stderr}`).not.toContain("undefined");
  });
});
