/**
 * Tools a test needs (promtool, amtool, prometheus, moto). Under CI=true a missing tool fails the
 * run; elsewhere the tests that need it are skipped with a name that says how to install it.
 */
import { spawnSync } from "node:child_process";

/** Where `name` is on PATH, or why the tests that need it are skipped. */
export function findTool(name: string, debianPackage: string): { path: string | undefined; reason: string } {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  const path = found.status === 0 ? found.stdout.trim() : undefined;
  if (path === undefined && process.env.CI === "true") {
    throw new Error(`CI=true but ${name} is not installed: apt-get install ${debianPackage}`);
  }
  return {
    path,
    reason: path === undefined ? ` (skipped: ${name} not found; apt-get install ${debianPackage})` : "",
  };
}

/** Runs a tool to completion: its exit status, stdout alone, and stdout with stderr. */
export function run(
  command: string,
  args: string[],
): { status: number | null; output: string; stdout: string } {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}
