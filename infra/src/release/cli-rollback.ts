/**
 * `pnpm release rollback`: stop the deployment in progress with rollback, or redeploy the revision
 * the newest deployment that Succeeded replaced (ROLLBACK_RULE, rollback-target.ts).
 */
import type { Command } from "./cli-context";
import type { Deployer, DeploymentView } from "./deployer";
import { release } from "./release";
import { ROLLBACK_RULE, rollbackTarget, type ShippedDeployment } from "./rollback-target";

/**
 * The revision a rollback redeploys, by ROLLBACK_RULE (rollback-target.ts) over the strategy's own
 * history of deployments that succeeded. Not "the previous ACTIVE revision": revisions are kept
 * (skipDestroy), so that may be one that was rolled back.
 */
export async function lastGoodRevision(
  deployer: Deployer,
  current: string,
): Promise<{ taskDefinition: string; deployment: DeploymentView } | undefined> {
  const succeeded = await deployer.succeeded();
  const byId = new Map(succeeded.map((view) => [view.id, view]));
  const shipped: ShippedDeployment[] = succeeded.flatMap((view) =>
    view.targetTaskDefinition === undefined
      ? []
      : [
          {
            deploymentId: view.id,
            completedAt: view.completedAt ?? 0,
            to: view.targetTaskDefinition,
            ...(view.sourceTaskDefinition === undefined ? {} : { from: view.sourceTaskDefinition }),
          },
        ],
  );
  const found = rollbackTarget(shipped, current);
  const deployment = found === undefined ? undefined : byId.get(found.replacedBy.deploymentId);
  return found === undefined || deployment === undefined
    ? undefined
    : { taskDefinition: found.taskDefinition, deployment };
}

/** Stops what runs, or redeploys the last good revision. */
export const rollback: Command = async ({ args, io, deployer, target, options, currentTaskDefinition }) => {
  // A deployment in progress: stop it, and traffic goes back to the live version.
  const [running] = await deployer.active();
  if (running !== undefined) {
    io.log(`stopping deployment ${running.id} with rollback`);
    await deployer.stopWithRollback(running.id, "pnpm release rollback");
    return 0;
  }
  // Otherwise: redeploy the last revision a deployment shipped, blue/green like any release.
  const current = await currentTaskDefinition();
  const good = await lastGoodRevision(deployer, current);
  if (good === undefined) {
    io.log(
      `no deployment of ${deployer.where} Succeeded that replaced a revision other than ${current}: nothing to roll back to (rule: ${ROLLBACK_RULE})`,
    );
    return 1;
  }
  io.log(
    `rolling back ${target.service} from ${current} to ${good.taskDefinition}: the revision ${good.deployment.id} replaced (completed ${good.deployment.completedAt === undefined ? "at an unknown time" : new Date(good.deployment.completedAt).toISOString()}); rule: ${ROLLBACK_RULE}`,
  );
  const result = await release(deployer, {
    ...options(good.taskDefinition),
    onConflict: "fail",
    // The fast path: no canary; the smoke test on test traffic still runs (each adapter says how).
    ...(args.allAtOnce === true ? { allAtOnce: true } : {}),
  });
  io.log(result.action === "none" ? "nothing to release" : `rolled back by ${result.deploymentId}`);
  return 0;
};
