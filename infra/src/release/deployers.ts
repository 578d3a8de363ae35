/**
 * The release engine's adapters by strategy (`comments-platform:releaseStrategy`): the one place
 * that picks one, so that a second strategy is one more entry here. ecspresso picks its deploy
 * function by the service's deployment controller the same way (`DeployFunc`,
 * https://github.com/kayac/ecspresso/blob/main/deploy.go).
 */
import type { ReleaseClients } from "./clients";
import { type CodeDeployTarget, codeDeployDeployer } from "./codedeploy-deployer";
import type { Deployer } from "./deployer";
import type { DeclaredDeployment } from "./ecs-api";
import { ecsDeployer } from "./ecs-deployer";

/** Who a release talks to: the stack's names, container and hooks (release/plan.ts). */
export type ReleaseTarget = CodeDeployTarget;

/** The strategies a stack can release with. */
export const STRATEGIES = ["codedeploy", "ecs"] as const;
/** A release strategy. */
export type Strategy = (typeof STRATEGIES)[number];

/** The adapter of `strategy` for the stack's release target. */
export function deployerFor(
  strategy: Strategy,
  clients: ReleaseClients,
  target: ReleaseTarget,
  declared?: DeclaredDeployment,
): Deployer {
  switch (strategy) {
    case "codedeploy":
      return codeDeployDeployer(clients, target);
    case "ecs":
      return ecsDeployer(
        clients.ecs,
        {
          region: target.region,
          cluster: target.cluster,
          service: target.service,
        },
        declared,
      );
  }
}
