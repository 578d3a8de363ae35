/**
 * What every `pnpm release` command works with: the parsed arguments, the stack's release target,
 * the clients, where it prints, and the pieces a release is made of (the gate, the canary analysis,
 * the annotations), built once from the flags and the environment.
 */

import { readSloSpec } from "@comments-platform/slo";
import type { StackConfig } from "../config";
import { judgeHoldMinutes } from "../documents/ecs-deployment";
import { imageTagFor } from "../image-tag";
import { REPO_ROOT } from "../stack-file";
import { type InstantQuery, readAnalyses } from "./analysis";
import { grafanaAnnotator } from "./annotations";
import type { TaskNetwork } from "./appspec";
import type { ReleaseArgs } from "./cli-args";
import type { ReleaseClients } from "./clients";
import type { Deployer } from "./deployer";
import { deployerFor } from "./deployers";
import { budgetGate } from "./gate";
import { takeLook } from "./look";
import type { Overrides } from "./overrides";
import { releaseTarget } from "./plan";
import { prometheusQuery } from "./prometheus";
import { ReleaseError, type ReleaseOptions } from "./release";
import { userAgent } from "./user-agent";

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

/** One command's world. */
export interface CommandContext {
  args: ReleaseArgs;
  config: StackConfig;
  /** The stack's strategy's adapter: every AWS call a command makes goes through it. */
  deployer: Deployer;
  io: CliIo;
  target: ReturnType<typeof releaseTarget>;
  /** How a Prometheus URL is queried (SigV4 for AMP). */
  queryOf: (prometheusUrl: string) => InstantQuery;
  /** What `--prometheus-url`, `--analysis`, `--override-budget` and GRAFANA_* add to a release. */
  judged: (taskDefinitionArn: string) => Partial<ReleaseOptions>;
  /** A release's options from the stack and the flags. */
  options: (taskDefinitionArn: string, network?: TaskNetwork) => ReleaseOptions;
  /** The task definition the service runs; throws when there is no service. */
  currentTaskDefinition: () => Promise<string>;
}

/** A command: its exit code. */
export type Command = (context: CommandContext) => Promise<number>;

/** Builds a command's context; the emergency routes already resolved (overrides.ts). */
export function commandContext(
  args: ReleaseArgs,
  config: StackConfig,
  clients: ReleaseClients,
  io: CliIo,
  routes: Overrides,
): CommandContext {
  const { overrideBudget, ignoreAlarms, skipAnalysis } = routes;
  const target = releaseTarget(config);
  // `--strategy` (the release step passes it), else the stack's comments-platform:releaseStrategy.
  const strategy = args.strategy ?? config.release.strategy;
  // An ECS release runs the stack's declared strategy (ecs-api.ts releaseConfiguration).
  const deployer = deployerFor(strategy, clients, target, {
    routing: config.release.routing,
    judged: config.release.canaryAnalysis !== undefined,
    judgeHoldMinutes:
      config.release.canaryLooks === undefined ? 0 : judgeHoldMinutes(config.release.canaryLooks),
  });
  const agent = () => io.userAgent ?? userAgent("release", imageTagFor(REPO_ROOT));
  const queryOf = io.query ?? ((url: string) => prometheusQuery(url, { userAgent: agent() }));
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
      // On ECS the judge hook takes the same looks inside AWS (ecs-hook-handler.ts) and fails the
      // step itself: judging again from here would only add a second, runner-dependent verdict.
      ...(analysis === undefined || query === undefined || skipAnalysis !== undefined || strategy === "ecs"
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
              deployer: deployer.label ?? deployer.strategy,
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
    const current = (await deployer.running())?.taskDefinition;
    if (current === undefined)
      throw new ReleaseError(`service ${target.service} not found in cluster ${target.cluster}`);
    return current;
  };

  return { args, config, deployer, io, target, queryOf, judged, options, currentTaskDefinition };
}
