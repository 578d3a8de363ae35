/**
 * `pnpm release rollback`: stop the deployment in progress with rollback, or redeploy the revision
 * the newest deployment that Succeeded replaced (ROLLBACK_RULE, rollback-target.ts).
 */
import {
  BatchGetDeploymentsCommand,
  type DeploymentInfo,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import type { Command } from "./cli-context";
import { type ReleaseClients, release, taskDefinitionOf } from "./release";
import {
  ROLLBACK_RULE,
  replacedTaskDefinition,
  rollbackTarget,
  type ShippedDeployment,
} from "./rollback-target";

/**
 * The revision a rollback redeploys, by ROLLBACK_RULE (rollback-target.ts) over CodeDeploy's own
 * history of deployments that Succeeded. Not "the previous ACTIVE revision": revisions are kept
 * (skipDestroy), so that may be one that was rolled back. ListDeployments filters by status and
 * pages with nextToken
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
  const byId = new Map(infos.map((info) => [info.deploymentId, info]));
  const shipped: ShippedDeployment[] = infos.flatMap((info) => {
    const to = taskDefinitionOf(info);
    const from = replacedTaskDefinition(info.description);
    return info.status !== "Succeeded" || to === undefined || info.deploymentId === undefined
      ? []
      : [
          {
            deploymentId: info.deploymentId,
            completedAt: info.completeTime?.getTime() ?? 0,
            to,
            ...(from === undefined ? {} : { from }),
          },
        ];
  });
  const found = rollbackTarget(shipped, current);
  const deployment = found === undefined ? undefined : byId.get(found.replacedBy.deploymentId);
  return found === undefined || deployment === undefined
    ? undefined
    : { taskDefinition: found.taskDefinition, deployment };
}

/** `--all-at-once`'s predefined configuration (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html). */
export const ALL_AT_ONCE = "CodeDeployDefault.ECSAllAtOnce";

/** Stops what runs, or redeploys the last good revision. */
export const rollback: Command = async ({
  args,
  io,
  clients,
  target,
  options,
  currentTaskDefinition,
  active,
}) => {
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
      `no deployment of ${target.application}/${target.deploymentGroup} Succeeded that replaced a revision other than ${current}: nothing to roll back to (rule: ${ROLLBACK_RULE})`,
    );
    return 1;
  }
  io.log(
    `rolling back ${target.service} from ${current} to ${good.taskDefinition}: the revision ${good.deployment.deploymentId} replaced (completed ${good.deployment.completeTime?.toISOString() ?? "at an unknown time"}); rule: ${ROLLBACK_RULE}`,
  );
  const result = await release(clients, target, {
    ...options(good.taskDefinition),
    onConflict: "fail",
    // The fast path: no canary, the AfterAllowTestTraffic smoke hook still runs (it is in the AppSpec).
    ...(args.allAtOnce === true ? { deploymentConfigName: ALL_AT_ONCE } : {}),
  });
  io.log(result.action === "none" ? "nothing to release" : `rolled back by ${result.deploymentId}`);
  return 0;
};
