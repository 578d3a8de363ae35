/**
 * `pnpm release status|deploy|rollback --stack <stack>`: the release logic for people, and for
 * `pulumi up` (which runs `deploy` when the task definition changes). Clients are passed in.
 */
import {
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import { DescribeServicesCommand, ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";
import type { StackConfig } from "../config";
import { smokeHookName } from "./appspec";
import { releasePlan } from "./plan";
import { type ReleaseClients, ReleaseError, type ReleaseTarget, release } from "./release";

export const USAGE =
  "usage: pnpm release status --stack <stack>\n" +
  "       pnpm release deploy --stack <stack> --task-definition <arn>\n" +
  "       pnpm release rollback --stack <stack>";

export interface CliIo {
  log: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

function flag(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

export function releaseTarget(config: StackConfig): ReleaseTarget {
  const name = `comments-api-${config.stack}`;
  const plan = releasePlan(config, "arn:aws:ecs:us-east-1:000000000000:task-definition/plan:1");
  return {
    region: config.region,
    application: plan.application,
    deploymentGroup: plan.deploymentGroup,
    cluster: name,
    service: name,
    containerName: "comments-api",
    containerPort: config.service.containerPort,
    platformVersion: "1.4.0",
    hooks: { AfterAllowTestTraffic: smokeHookName(config.stack) },
  };
}

/** Runs one command; returns the exit code. Errors become one line on `log` and exit code 1. */
export async function runReleaseCli(
  argv: string[],
  config: StackConfig,
  clients: ReleaseClients,
  io: CliIo,
): Promise<number> {
  const [command] = argv;
  const target = releaseTarget(config);
  const deadlineSeconds = releasePlan(
    config,
    "arn:aws:ecs:us-east-1:000000000000:task-definition/plan:1",
  ).deadlineSeconds;
  const options = (taskDefinitionArn: string) => ({
    taskDefinitionArn,
    onConflict: config.release.onConflict,
    deadlineSeconds,
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
          includeOnlyStatuses: ["Created", "Queued", "InProgress", "Baking", "Ready"],
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
        const taskDefinition = flag(argv, "--task-definition");
        if (taskDefinition === undefined) {
          io.log(`deploy needs --task-definition <arn>\n${USAGE}`);
          return 2;
        }
        const result = await release(clients, target, options(taskDefinition));
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
        // Otherwise: deploy the revision before the current one, blue/green like any release.
        const current = await currentTaskDefinition();
        const family = current.split("/").at(-1)?.split(":")[0] ?? "";
        const { taskDefinitionArns } = await clients.ecs.send(
          new ListTaskDefinitionsCommand({ familyPrefix: family, sort: "DESC", status: "ACTIVE" }),
        );
        const arns = taskDefinitionArns ?? [];
        const previous = arns[arns.indexOf(current) + 1];
        if (arns.indexOf(current) < 0 || previous === undefined) {
          io.log(`no revision of ${family} before ${current} is ACTIVE: nothing to roll back to`);
          return 1;
        }
        io.log(`rolling back ${target.service} from ${current} to ${previous}`);
        const result = await release(clients, target, { ...options(previous), onConflict: "fail" });
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
