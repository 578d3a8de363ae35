/**
 * node .github/scripts/acceptance.ts --name <name> --region <region> [--grafana-region <region>] [--keep]
 *
 * The first thing to run in a new AWS account (docs/deploy.md): a throw-away stack
 * `sandbox-<name>` through `pulumi up`, a changed image's release, a forced canary failure and its
 * rollback, `pnpm release rollback` and `pulumi destroy`, each step reported with its seconds (on
 * stdout and in GITHUB_STEP_SUMMARY). Run from the repository root, logged in to the state backend
 * (`pulumi login`), with AWS credentials for the sandbox account; exits 1 when a step failed.
 * The Acceptance workflow runs it; so can a person, with the same command.
 */
import { spawn } from "node:child_process";
import { appendFileSync, rmSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { type Exec, reportTable, runAcceptance } from "./lib/acceptance.ts";

const USAGE =
  "usage: node .github/scripts/acceptance.ts --name <1-6 lowercase letters or digits> --region <region> [--grafana-region <region>] [--keep]";

/** The real exec: no shell, output streamed to this process's and captured. */
const exec: Exec = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on("error", (error) => resolve({ code: 127, stdout: `${stdout}${error.message}` }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout }));
  });

/** The CLI; returns the exit code. */
export async function main(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  log: (line: string) => void,
  run: typeof runAcceptance = runAcceptance,
): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        name: { type: "string" },
        region: { type: "string" },
        "grafana-region": { type: "string" },
        keep: { type: "boolean" },
      },
      strict: true,
    }).values;
  } catch (error) {
    log(`acceptance: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const problems: string[] = [];
  const name = values.name as string | undefined;
  const region = values.region as string | undefined;
  // The same rule as infra/src/config/stack.ts SANDBOX_STACK: names that fit AWS's limits.
  if (name === undefined || !/^[a-z][a-z0-9]{0,5}$/.test(name))
    problems.push(
      `--name ${JSON.stringify(name ?? "")}: 1-6 lowercase letters or digits, starting with a letter`,
    );
  if (region === undefined || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    problems.push(`--region ${JSON.stringify(region ?? "")}: an AWS region like us-east-1`);
  if (problems.length > 0) {
    log(`acceptance: ${problems.join("\n            ")}\n${USAGE}`);
    return 2;
  }
  const reports = await run(
    {
      name: name as string,
      region: region as string,
      ...(typeof values["grafana-region"] === "string" ? { grafanaRegion: values["grafana-region"] } : {}),
      ...(values.keep === true ? { keep: true } : {}),
      runId: env.GITHUB_RUN_ID ?? String(Date.now()),
    },
    {
      exec,
      writeFile: (path, text) => writeFileSync(path, text),
      removeFile: (path) => rmSync(path, { force: true }),
      now: Date.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      log,
    },
  );
  const table = reportTable(reports);
  for (const line of table) log(line);
  if (env.GITHUB_STEP_SUMMARY)
    appendFileSync(env.GITHUB_STEP_SUMMARY, `### Acceptance of sandbox-${name}\n\n${table.join("\n")}\n`);
  return reports.every((r) => r.ok) ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`acceptance: ${(error as Error).message}`);
      process.exitCode = 1;
    },
  );
}
