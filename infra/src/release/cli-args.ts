/**
 * `pnpm release`'s arguments: the usage, the help, and the parser (every problem is exit code 2).
 */
import { parseArgs } from "node:util";
import type { TaskNetwork } from "./appspec";

/** How to call `pnpm release`. */
export const USAGE =
  "usage: pnpm release status --stack <stack>\n" +
  "       pnpm release deploy --stack <stack> --task-definition <arn> [--subnets <id,id> --security-groups <id,id>]\n" +
  "                           [--strategy codedeploy|ecs]\n" +
  '                           [--ignore-alarms "<reason>"] [--prometheus-url <url> [--analysis <name>] [--override-budget "<reason>"]]\n' +
  '                           [--skip-analysis "<reason>"]\n' +
  '       pnpm release rollback --stack <stack> [--ignore-alarms "<reason>"] [--all-at-once]\n' +
  "       pnpm release analyze --stack <stack> --prometheus-url <url> --revision <n> [--baseline <n>]\n" +
  "                            [--at <unix seconds or RFC 3339>] [--window <duration>] [--analysis <name>]\n" +
  "       pnpm release --help";

/** `pnpm release --help`: the commands, and what analyze prints and exits with. */
export const HELP = `${USAGE}

status     the service's revision and the deployments in progress
deploy     release a task definition through the stack's blue/green deployment, judged by the
           replacement colour's rollback alarms (--ignore-alarms "<reason>": none, the reason logged)
           With --prometheus-url: refuses while the 30-day error budget is spent or a page fires
           (--override-budget "<reason>": goes ahead, the reason logged), and with --analysis runs
           that analysis every minute of the canary, stopping with rollback when it fails
           (--skip-analysis "<reason>": neither the gate nor the analysis queries Prometheus). RELEASE_OVERRIDE_BUDGET,
           RELEASE_IGNORE_ALARMS and RELEASE_SKIP_ANALYSIS in the environment do the same (the
           Deploy workflow's inputs); every reason goes into the deployment's description.
           GRAFANA_URL and GRAFANA_TOKEN in the environment: start and end are annotated there.
rollback   stop the deployment in progress with rollback; otherwise redeploy the revision the newest
           Succeeded deployment replaced (for the first release, the one ECS started), skipping the
           current revision and revisions a later deployment already rolled back from
           (--all-at-once: all traffic in one step, the smoke hook only, instead of the canary)
analyze    judge a revision by an analysis of alerts/analysis (default: canary) over the window
           ending --at (default: now) and lasting --window (default: the whole canary, its last
           look), against the tasks of --baseline (default: every other revision), on a Prometheus
           or an Amazon Managed Prometheus workspace's endpoint (signed with SigV4 from the SDK's
           credentials). Prints the counts, the exact bounds, each rule and the confidence, then
           pass, fail, inconclusive or error. Exits 0 pass, 1 fail, 2 bad arguments,
           3 inconclusive, 4 error (the monitor could not be read).`;

/** What `--at` takes: unix seconds or an RFC 3339 time; undefined when it is neither. */
export function parseInstant(value: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

const OPTIONS = {
  stack: { type: "string" },
  "task-definition": { type: "string" },
  subnets: { type: "string" },
  "security-groups": { type: "string" },
  "ignore-alarms": { type: "string" },
  "prometheus-url": { type: "string" },
  revision: { type: "string" },
  at: { type: "string" },
  window: { type: "string" },
  baseline: { type: "string" },
  analysis: { type: "string" },
  help: { type: "boolean" },
  "all-at-once": { type: "boolean" },
  "override-budget": { type: "string" },
  "skip-analysis": { type: "string" },
  strategy: { type: "string" },
} as const;

/** The arguments, or what is wrong with them (exit code 2). */
export function parseReleaseArgs(argv: string[]):
  | {
      ok: true;
      command: string | undefined;
      stack?: string;
      taskDefinition?: string;
      network?: TaskNetwork;
      /** Why this release runs without rollback alarms. */
      ignoreAlarms?: string;
      help?: boolean;
      /** Why this release goes ahead with the error budget spent or a page firing. */
      overrideBudget?: string;
      /** Why this release runs without its canary analysis. */
      skipAnalysis?: string;
      /**
       * Who moves the traffic: `ecs` for an ECS-controlled service (the stack's releaseStrategy; the
       * release step passes it). Absent: CodeDeploy.
       */
      strategy?: "codedeploy" | "ecs";
      /** rollback: all traffic at once (each strategy's all-at-once), not the stack's canary. */
      allAtOnce?: boolean;
      analyze?: {
        prometheusUrl?: string;
        revision?: string;
        at?: string;
        window?: string;
        baseline?: string;
        analysis?: string;
      };
    }
  | { ok: false; problem: string } {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util says `Unknown option '--x'`; say it the way the rest of the CLI does.
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message)?.[1];
    return {
      ok: false,
      problem: unknown === undefined ? (error as Error).message : `unknown option ${unknown}`,
    };
  }
  const { values, positionals } = parsed;
  const list = (value: string | undefined) =>
    value === undefined ? undefined : value.split(",").filter((item) => item !== "");
  const subnets = list(values.subnets);
  const securityGroups = list(values["security-groups"]);
  if ((subnets === undefined) !== (securityGroups === undefined)) {
    return { ok: false, problem: "--subnets and --security-groups go together" };
  }
  const overrideBudget = values["override-budget"]?.trim();
  if (overrideBudget === "") {
    return {
      ok: false,
      problem:
        '--override-budget needs a reason: --override-budget "<why this release may spend what is not left>"',
    };
  }
  const skipAnalysis = values["skip-analysis"]?.trim();
  if (skipAnalysis === "") {
    return {
      ok: false,
      problem:
        '--skip-analysis needs a reason: --skip-analysis "<why this release may not be judged by its metrics>"',
    };
  }
  const ignoreAlarms = values["ignore-alarms"]?.trim();
  if (ignoreAlarms === "") {
    return {
      ok: false,
      problem:
        '--ignore-alarms needs a reason: --ignore-alarms "<why this release may not be judged by its alarms>"',
    };
  }
  const strategy = values.strategy;
  if (strategy !== undefined && strategy !== "codedeploy" && strategy !== "ecs") {
    return { ok: false, problem: `--strategy must be codedeploy or ecs, not ${JSON.stringify(strategy)}` };
  }
  return {
    ok: true,
    command: positionals[0],
    ...(strategy === undefined ? {} : { strategy }),
    ...(values.stack === undefined ? {} : { stack: values.stack }),
    ...(values["task-definition"] === undefined ? {} : { taskDefinition: values["task-definition"] }),
    ...(subnets === undefined || securityGroups === undefined
      ? {}
      : { network: { subnets, securityGroups } }),
    ...(ignoreAlarms === undefined ? {} : { ignoreAlarms }),
    ...(values.help === true ? { help: true } : {}),
    ...(values["all-at-once"] === true ? { allAtOnce: true } : {}),
    ...(overrideBudget === undefined ? {} : { overrideBudget }),
    ...(skipAnalysis === undefined ? {} : { skipAnalysis }),
    analyze: {
      ...(values["prometheus-url"] === undefined ? {} : { prometheusUrl: values["prometheus-url"] }),
      ...(values.revision === undefined ? {} : { revision: values.revision }),
      ...(values.at === undefined ? {} : { at: values.at }),
      ...(values.window === undefined ? {} : { window: values.window }),
      ...(values.baseline === undefined ? {} : { baseline: values.baseline }),
      ...(values.analysis === undefined ? {} : { analysis: values.analysis }),
    },
  };
}

/** Arguments that parsed. */
export type ReleaseArgs = Extract<ReturnType<typeof parseReleaseArgs>, { ok: true }>;
