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
import type { TaskNetwork } from "./appspec";
import { releaseTarget } from "./plan";
import { ACTIVE_STATUSES, type ReleaseClients, ReleaseError, release, taskDefinitionOf } from "./release";

/** How to call `pnpm release`. */
export const USAGE =
  "usage: pnpm release status --stack <stack>\n" +
  "       pnpm release deploy --stack <stack> --task-definition <arn> [--subnets <id,id> --security-groups <id,id>]\n" +
  '                           [--ignore-alarms "<reason>"]\n' +
  '       pnpm release rollback --stack <stack> [--ignore-alarms "<reason>"]';

/** Where the CLI prints, and its clock (injected in tests). */
export interface CliIo {
  log: (line: string) => void;
  /** @default real time */
  sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  now?: () => number;
}

const OPTIONS = {
  stack: { type: "string" },
  "task-definition": { type: "string" },
  subnets: { type: "string" },
  "security-groups": { type: "string" },
  "ignore-alarms": { type: "string" },
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
  const target = releaseTarget(config);
  const options = (taskDefinitionArn: string, network?: TaskNetwork) => ({
    taskDefinitionArn,
    ...(network === undefined ? {} : { network }),
    onConflict: config.release.onConflict,
    deadlineSeconds: target.deadlineSeconds,
    ...(args.ignoreAlarms === undefined ? {} : { ignoreAlarms: args.ignoreAlarms }),
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
        const result = await release(clients, target, options(args.taskDefinition, args.network));
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
      default:
        io.log(USAGE);
        return 2;
    }
  } catch (error) {
    io.log(`release ${command ?? ""} failed: ${(error as Error).message}`);
    return 1;
  }
}
