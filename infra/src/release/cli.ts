/**
 * `pnpm release status|deploy|rollback|analyze --stack <stack>`: the release logic for people, and
 * for `pulumi up` (which runs `deploy` when the task definition or the tasks' network changes). One
 * file per command; this one parses, resolves the emergency routes, and picks the command from the
 * table. Clients are passed in.
 */
import type { StackConfig } from "../config";
import { imageTagFor } from "../image-tag";
import { REPO_ROOT } from "../stack-file";
import { analyze, analyzeRevision } from "./cli-analyze";
import { HELP, parseReleaseArgs, USAGE } from "./cli-args";
import { type CliIo, type Command, commandContext } from "./cli-context";
import { deploy } from "./cli-deploy";
import { rollback } from "./cli-rollback";
import { status } from "./cli-status";
import type { ReleaseClients } from "./clients";
import { overridesFrom } from "./overrides";
import { prometheusQuery } from "./prometheus";
import { userAgent } from "./user-agent";

export { HELP, parseInstant, parseReleaseArgs, type ReleaseArgs, USAGE } from "./cli-args";
/** Where the CLI prints, and its clock (injected in tests). */
export type { CliIo } from "./cli-context";
export { lastGoodRevision } from "./cli-rollback";

/** The commands, by name. */
const COMMANDS: Readonly<Record<string, Command>> = { status, deploy, rollback, analyze };

/** Runs one command; returns the exit code. Errors become one line on `log` and exit code 1. */
export async function runReleaseCli(
  argv: string[],
  config: StackConfig,
  clients: ReleaseClients,
  io: CliIo,
): Promise<number> {
  const args = parseReleaseArgs(argv);
  if (!args.ok) {
    io.log(`${args.problem}\n${USAGE}`);
    return 2;
  }
  const { command } = args;
  if (args.help === true) {
    io.log(HELP);
    return 0;
  }
  // The flags, else the Deploy workflow's per-run environment (overrides.ts).
  const routes = overridesFrom(
    {
      ...(args.overrideBudget === undefined ? {} : { overrideBudget: args.overrideBudget }),
      ...(args.ignoreAlarms === undefined ? {} : { ignoreAlarms: args.ignoreAlarms }),
      ...(args.skipAnalysis === undefined ? {} : { skipAnalysis: args.skipAnalysis }),
    },
    io.env ?? process.env,
  );
  if (!routes.ok) {
    io.log(`${routes.problems.join("\n")}\n${USAGE}`);
    return 2;
  }
  // Own keys only: `pnpm release constructor` is not a command.
  const run = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (run === undefined) {
    io.log(USAGE);
    return 2;
  }
  try {
    return await run(commandContext(args, config, clients, io, routes.overrides));
  } catch (error) {
    io.log(`release ${command ?? ""} failed: ${(error as Error).message}`);
    return 1;
  }
}

/**
 * The `stack` label of the Prometheus that `pnpm dev:monitoring` and docker-compose.yml run
 * (services/testkit localPrometheusConfig): no stack file, no AWS, `analyze` only.
 */
export const LOCAL_STACK = "local";

/** `pnpm release analyze --stack local ...`: judges the local service's series; returns the exit code. */
export async function runLocalAnalyze(argv: string[], io: CliIo): Promise<number> {
  const args = parseReleaseArgs(argv);
  if (!args.ok) {
    io.log(`${args.problem}\n${USAGE}`);
    return 2;
  }
  if (args.command !== "analyze") {
    io.log(
      `--stack ${LOCAL_STACK} is the Prometheus of pnpm dev:monitoring: only analyze runs against it, not ${JSON.stringify(args.command ?? "")}\n${USAGE}`,
    );
    return 2;
  }
  const queryOf =
    io.query ??
    ((url: string) =>
      prometheusQuery(url, { userAgent: io.userAgent ?? userAgent("release", imageTagFor(REPO_ROOT)) }));
  try {
    return await analyzeRevision(args, LOCAL_STACK, io, queryOf);
  } catch (error) {
    io.log(`release analyze failed: ${(error as Error).message}`);
    return 1;
  }
}
