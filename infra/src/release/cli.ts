/**
 * `pnpm release status|deploy|rollback --stack <stack>`: the release logic for people, and for
 * `pulumi up` (which runs `deploy` when the task definition or the tasks' network changes). Clients
 * are passed in.
 */
import { parseArgs } from "node:util";
import {
  BatchGetDeploymentsCommand,
  type DeploymentInfo,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import type { StackConfig } from "../config";
import { imageTagFor } from "../image-tag";
import { durationSeconds, readSloSpec } from "../slo";
import { REPO_ROOT } from "../stack-file";
import { type InstantQuery, readAnalyses } from "./analysis";
import { grafanaAnnotator } from "./annotations";
import type { TaskNetwork } from "./appspec";
import { budgetGate } from "./gate";
import { takeLook } from "./look";
import { overridesFrom } from "./overrides";
import { releaseTarget } from "./plan";
import { prometheusQuery } from "./prometheus";
import { ACTIVE_STATUSES, type ReleaseClients, ReleaseError, release, taskDefinitionOf } from "./release";
import { userAgent } from "./user-agent";

/** How to call `pnpm release`. */
export const USAGE =
  "usage: pnpm release status --stack <stack>\n" +
  "       pnpm release deploy --stack <stack> --task-definition <arn> [--subnets <id,id> --security-groups <id,id>]\n" +
  '                           [--ignore-alarms "<reason>"] [--prometheus-url <url> [--analysis <name>] [--override-budget "<reason>"]]\n' +
  '                           [--skip-analysis "<reason>"]\n' +
  '       pnpm release rollback --stack <stack> [--ignore-alarms "<reason>"]\n' +
  "       pnpm release analyze --stack <stack> --prometheus-url <url> --revision <n> [--baseline <n>]\n" +
  "                            [--at <unix seconds or RFC 3339>] [--window <duration>] [--analysis <name>]\n" +
  "       pnpm release --help";

/** `pnpm release --help`: the commands, and what analyze prints and exits with. */
export const HELP = `${USAGE}

status     the service's revision and the deployments in progress
deploy     release a task definition through a CodeDeploy blue/green deployment, judged by the
           replacement colour's rollback alarms (--ignore-alarms "<reason>": none, the reason logged)
           With --prometheus-url: refuses while the 30-day error budget is spent or a page fires
           (--override-budget "<reason>": goes ahead, the reason logged), and with --analysis runs
           that analysis every minute of the canary, stopping with rollback when it fails
           (--skip-analysis "<reason>": neither the gate nor the analysis queries Prometheus). RELEASE_OVERRIDE_BUDGET,
           RELEASE_IGNORE_ALARMS and RELEASE_SKIP_ANALYSIS in the environment do the same (the
           Deploy workflow's inputs); every reason goes into the deployment's description.
           GRAFANA_URL and GRAFANA_TOKEN in the environment: start and end are annotated there.
rollback   stop the deployment in progress with rollback, or redeploy the last revision that succeeded
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

/** Where the CLI prints, and its clock (injected in tests). */
export interface CliIo {
  log: (line: string) => void;
  /** @default real time */
  sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  now?: () => number;
  /** How analyze and deploy query a Prometheus URL. @default prometheusQuery (SigV4 for AMP) */
  query?: (prometheusUrl: string) => InstantQuery;
  /** GRAFANA_URL and GRAFANA_TOKEN. @default process.env */
  env?: Record<string, string | undefined>;
  /** User-Agent of its Grafana and Prometheus calls. @default the checkout's image tag (release/user-agent.ts) */
  userAgent?: string;
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
  "override-budget": { type: "string" },
  "skip-analysis": { type: "string" },
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
  return {
    ok: true,
    command: positionals[0],
    ...(values.stack === undefined ? {} : { stack: values.stack }),
    ...(values["task-definition"] === undefined ? {} : { taskDefinition: values["task-definition"] }),
    ...(subnets === undefined || securityGroups === undefined
      ? {}
      : { network: { subnets, securityGroups } }),
    ...(ignoreAlarms === undefined ? {} : { ignoreAlarms }),
    ...(values.help === true ? { help: true } : {}),
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

/**
 * The revision a rollback redeploys: the task definition of the newest deployment that Succeeded
 * with a revision other than the current one, from CodeDeploy's own history. Not "the previous
 * ACTIVE revision": revisions are kept (skipDestroy), so that may be one that was rolled back.
 * ListDeployments filters by status and pages with nextToken
 * (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ListDeployments.html).
 */
export async function lastGoodRevision(
  clients: ReleaseClients,
  target: { application: string; deploymentGroup: string },
  current: string,
): Promise<{ taskDefinition: string; deployment: DeploymentInfo } | undefined> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: target.application,
        deploymentGroupName: target.deploymentGroup,
        includeOnlyStatuses: ["Succeeded"],
        ...(nextToken === undefined ? {} : { nextToken }),
      }),
    );
    ids.push(...(page.deployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  const infos: DeploymentInfo[] = [];
  // BatchGetDeployments takes at most 25 ids per call
  // (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_BatchGetDeployments.html).
  for (let i = 0; i < ids.length; i += 25) {
    const { deploymentsInfo } = await clients.codedeploy.send(
      new BatchGetDeploymentsCommand({ deploymentIds: ids.slice(i, i + 25) }),
    );
    infos.push(...(deploymentsInfo ?? []));
  }
  const newestFirst = infos
    .filter((info) => info.status === "Succeeded")
    .sort((a, b) => (b.completeTime?.getTime() ?? 0) - (a.completeTime?.getTime() ?? 0));
  for (const deployment of newestFirst) {
    const taskDefinition = taskDefinitionOf(deployment);
    if (taskDefinition !== undefined && taskDefinition !== current) return { taskDefinition, deployment };
  }
  return undefined;
}

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
  const { overrideBudget, ignoreAlarms, skipAnalysis } = routes.overrides;
  const target = releaseTarget(config);
  const agent = () => io.userAgent ?? userAgent("release", imageTagFor(REPO_ROOT));
  const queryOf = io.query ?? ((url: string) => prometheusQuery(url, { userAgent: agent() }));
  /** What `--prometheus-url`, `--analysis`, `--override-budget` and GRAFANA_* add to a release. */
  const judged = (taskDefinitionArn: string) => {
    const revision = /:(\d+)$/.exec(taskDefinitionArn)?.[1] ?? "";
    const prometheusUrl = args.analyze?.prometheusUrl;
    const env = io.env ?? process.env;
    const spec = readSloSpec();
    const query = prometheusUrl === undefined ? undefined : queryOf(prometheusUrl);
    const name = args.analyze?.analysis;
    const analysis = name === undefined ? undefined : readAnalyses(spec)[name];
    if (name !== undefined && analysis === undefined)
      throw new ReleaseError(`--analysis ${name}: no alerts/analysis/${name}.yaml`);
    if (analysis !== undefined && query === undefined)
      throw new ReleaseError("--analysis needs --prometheus-url");
    return {
      // skip_analysis is for a metrics path that is down: no Prometheus query at all, gate included.
      ...(query === undefined || skipAnalysis !== undefined
        ? {}
        : { gate: budgetGate(spec, config.stack, query, io.now, config.release.budgetUnknown) }),
      ...(overrideBudget === undefined ? {} : { overrideBudget }),
      ...(skipAnalysis === undefined ? {} : { skipAnalysis }),
      ...(analysis === undefined || query === undefined || skipAnalysis !== undefined
        ? {}
        : {
            canary: {
              plan: {
                name: analysis.name,
                looks: analysis.looks,
                consecutiveErrorLimit: analysis.consecutiveErrorLimit,
                inconclusive: analysis.inconclusive,
                sameRevision: analysis.sameRevision,
              },
              look: (request: {
                look: number;
                at: number;
                windowSeconds: number;
                baselineTaskDefinition?: string;
              }) => {
                const baselineRevision = /:(\d+)$/.exec(request.baselineTaskDefinition ?? "")?.[1];
                return takeLook(
                  analysis,
                  {
                    stack: config.stack,
                    revision,
                    ...(baselineRevision === undefined ? {} : { baselineRevision }),
                    look: request.look,
                    at: request.at,
                    windowSeconds: request.windowSeconds,
                  },
                  query,
                );
              },
            },
          }),
      ...(env.GRAFANA_URL === undefined || env.GRAFANA_URL === "" || env.GRAFANA_TOKEN === undefined
        ? {}
        : {
            annotate: grafanaAnnotator(env.GRAFANA_URL, env.GRAFANA_TOKEN, {
              stack: config.stack,
              revision,
              userAgent: agent(),
            }),
          }),
    };
  };
  const options = (taskDefinitionArn: string, network?: TaskNetwork) => ({
    taskDefinitionArn,
    ...(network === undefined ? {} : { network }),
    onConflict: config.release.onConflict,
    deadlineSeconds: target.deadlineSeconds,
    ...(ignoreAlarms === undefined ? {} : { ignoreAlarms }),
    log: io.log,
    ...(io.sleep === undefined ? {} : { sleep: io.sleep }),
    ...(io.now === undefined ? {} : { now: io.now }),
  });
  const currentTaskDefinition = async () => {
    const { services } = await clients.ecs.send(
      new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }),
    );
    const current = services?.[0]?.taskDefinition;
    if (current === undefined)
      throw new ReleaseError(`service ${target.service} not found in cluster ${target.cluster}`);
    return current;
  };
  const active = async () =>
    (
      await clients.codedeploy.send(
        new ListDeploymentsCommand({
          applicationName: target.application,
          deploymentGroupName: target.deploymentGroup,
          includeOnlyStatuses: [...ACTIVE_STATUSES],
        }),
      )
    ).deployments ?? [];

  try {
    switch (command) {
      case "status": {
        io.log(`service ${target.service} runs ${await currentTaskDefinition()}`);
        const deployments = await active();
        if (deployments.length === 0) io.log("no deployment in progress");
        for (const deploymentId of deployments) {
          const { deploymentInfo } = await clients.codedeploy.send(
            new GetDeploymentCommand({ deploymentId }),
          );
          io.log(`deployment ${deploymentId} ${deploymentInfo?.status ?? "unknown"}`);
        }
        return 0;
      }
      case "deploy": {
        if (args.taskDefinition === undefined) {
          io.log(`deploy needs --task-definition <arn>\n${USAGE}`);
          return 2;
        }
        const result = await release(clients, target, {
          ...options(args.taskDefinition, args.network),
          ...judged(args.taskDefinition),
        });
        io.log(
          result.action === "none"
            ? "nothing to release"
            : `released by ${result.deploymentId} (${result.action})`,
        );
        return 0;
      }
      case "rollback": {
        // A deployment in progress: stop it, and CodeDeploy routes traffic back to blue.
        const [running] = await active();
        if (running !== undefined) {
          io.log(`stopping deployment ${running} with rollback`);
          await clients.codedeploy.send(
            new StopDeploymentCommand({ deploymentId: running, autoRollbackEnabled: true }),
          );
          return 0;
        }
        // Otherwise: redeploy the last revision a deployment shipped, blue/green like any release.
        const current = await currentTaskDefinition();
        const good = await lastGoodRevision(clients, target, current);
        if (good === undefined) {
          io.log(
            `no deployment of ${target.application}/${target.deploymentGroup} Succeeded with a revision other than ${current}: nothing to roll back to`,
          );
          return 1;
        }
        io.log(
          `rolling back ${target.service} from ${current} to ${good.taskDefinition}: the revision of ${good.deployment.deploymentId}, the last deployment that Succeeded with another revision (completed ${good.deployment.completeTime?.toISOString() ?? "at an unknown time"})`,
        );
        const result = await release(clients, target, {
          ...options(good.taskDefinition),
          onConflict: "fail",
        });
        io.log(result.action === "none" ? "nothing to release" : `rolled back by ${result.deploymentId}`);
        return 0;
      }
      case "analyze": {
        const {
          prometheusUrl,
          revision,
          baseline,
          at,
          window,
          analysis: name = "canary",
        } = args.analyze ?? {};
        const problems: string[] = [];
        if (prometheusUrl === undefined || !/^https?:\/\//.test(prometheusUrl)) {
          problems.push("analyze needs --prometheus-url <http(s) URL of a Prometheus or an AMP workspace>");
        }
        if (revision === undefined || !/^\d+$/.test(revision)) {
          problems.push("analyze needs --revision <n>: the new task definition's revision number");
        }
        if (baseline !== undefined && !/^\d+$/.test(baseline)) {
          problems.push(
            `--baseline ${JSON.stringify(baseline)}: must be the replaced task definition's revision number`,
          );
        }
        const instant = at === undefined ? (io.now ?? Date.now)() / 1000 : parseInstant(at);
        if (instant === undefined)
          problems.push(`--at ${JSON.stringify(at)}: must be unix seconds or an RFC 3339 time`);
        const windowSeconds = window === undefined ? undefined : durationSeconds(window);
        if (window !== undefined && windowSeconds === undefined) {
          problems.push(`--window ${JSON.stringify(window)}: must be a duration like 5m`);
        }
        const analyses = readAnalyses(readSloSpec());
        const analysis = analyses[name];
        if (analysis === undefined) {
          problems.push(
            `--analysis ${JSON.stringify(name)}: alerts/analysis has ${Object.keys(analyses).join(", ")}`,
          );
        }
        if (problems.length > 0 || analysis === undefined || instant === undefined) {
          io.log(`${problems.join("\n")}\n${USAGE}`);
          return 2;
        }
        // Judged as the canary's last look: the strictest share of the false-rollback rate.
        const result = await takeLook(
          analysis,
          {
            stack: config.stack,
            revision: revision ?? "",
            ...(baseline === undefined ? {} : { baselineRevision: baseline }),
            look: analysis.looks.count,
            at: Math.round(instant),
            windowSeconds: windowSeconds ?? analysis.looks.count * analysis.looks.everyMinutes * 60,
          },
          queryOf(prometheusUrl ?? ""),
        );
        for (const line of [...result.lines.slice(0, -1), ...result.queries, ...result.lines.slice(-1)])
          io.log(line);
        if (!result.ok) return 4;
        return result.verdict.verdict === "pass" ? 0 : result.verdict.verdict === "fail" ? 1 : 3;
      }
      default:
        io.log(USAGE);
        return 2;
    }
  } catch (error) {
    io.log(`release ${command ?? ""} failed: ${(error as Error).message}`);
    return 1;
  }
}
