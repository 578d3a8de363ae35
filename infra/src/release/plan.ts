import { baseName, type StackConfig } from "../config";
import { predefinedShift } from "../config/routing";
import { APP_CONTAINER } from "../documents/containers";
import { ecsTrafficShiftMinutes, judgeHoldMinutes } from "../documents/ecs-deployment";
import { buildAppSpec, smokeHookName, type TaskNetwork } from "./appspec";
import { releaseDeadlineSeconds, trafficShiftSeconds } from "./deadline";
import type { ReleaseTarget } from "./deployers";

/** Timeout of the smoke-test hook Lambda; also what the deadline allows per hook. */
export const SMOKE_HOOK_TIMEOUT_SECONDS = 120;
/**
 * Timeout of the ECS judge hook Lambda: one invocation takes one look at Prometheus and answers;
 * ECS invokes it again after its callBackDelay while it answers IN_PROGRESS
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html).
 */
export const JUDGE_HOOK_TIMEOUT_SECONDS = 60;

/** What a release of this stack does: names, the AppSpec for a given revision, and its deadline. */
export interface ReleasePlan {
  application: string;
  deploymentGroup: string;
  deploymentConfigName: string;
  deadlineSeconds: number;
  appSpec: ReturnType<typeof buildAppSpec>;
}

/** The deployment configuration's name: the predefined one, or the stack's custom canary named after its percentage and interval. */
export function deploymentConfigName(serviceName: string, release: StackConfig["release"]): string {
  const { shift } = release.routing;
  if (release.deploymentConfig === "custom" && shift.kind === "canary") {
    return `${serviceName}-canary-${shift.percent}pct-${shift.intervalMinutes}min`;
  }
  // A name CodeDeploy does not predefine is refused here, before any deployment names it.
  predefinedShift(release.deploymentConfig);
  return release.deploymentConfig;
}

/**
 * The Fargate platform version of the service and of every deployment's task set. Pinned: LATEST
 * moves under a running service, and 1.4.0 is the version ECS documents as LATEST for Linux
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/platform-linux-fargate.html).
 */
export const PLATFORM_VERSION = "1.4.0";

/**
 * Who a release talks to and how long it may take, computed once from the config: the program
 * names its resources with these, `pnpm release` finds them with these, synth shows them.
 */
export function releaseTarget(config: StackConfig): ReleaseTarget & {
  deploymentConfigName: string;
  deadlineSeconds: number;
} {
  const name = baseName(config.stack);
  const { release } = config;
  return {
    region: config.region,
    application: name,
    deploymentGroup: name,
    cluster: name,
    service: name,
    containerName: APP_CONTAINER,
    containerPort: config.service.containerPort,
    platformVersion: PLATFORM_VERSION,
    hooks: { AfterAllowTestTraffic: smokeHookName(config.stack) },
    deploymentConfigName: deploymentConfigName(name, release),
    deadlineSeconds: releaseDeadlineSeconds({
      hookSeconds: SMOKE_HOOK_TIMEOUT_SECONDS,
      hookCount: 1,
      // ECS: the judge hook holds the production shift for its looks, and ECS bakes after it;
      // CodeDeploy: the runner judges within CodeDeploy's own interval.
      trafficShiftSeconds:
        release.strategy === "ecs"
          ? ecsTrafficShiftMinutes(
              release.routing.shift,
              release.canaryLooks === undefined ? 0 : judgeHoldMinutes(release.canaryLooks),
            ) * 60
          : trafficShiftSeconds(release.routing.shift),
      terminationWaitSeconds: release.routing.terminationWaitMinutes * 60,
    }),
  };
}

/** What a release of this revision into this network does: the target's names, the AppSpec, the deadline. */
export function releasePlan(
  config: StackConfig,
  taskDefinitionArn: string,
  network?: TaskNetwork,
): ReleasePlan {
  const target = releaseTarget(config);
  return {
    application: target.application,
    deploymentGroup: target.deploymentGroup,
    deploymentConfigName: target.deploymentConfigName,
    deadlineSeconds: target.deadlineSeconds,
    appSpec: buildAppSpec({
      taskDefinitionArn,
      containerName: target.containerName,
      containerPort: target.containerPort,
      platformVersion: PLATFORM_VERSION,
      hooks: target.hooks ?? {},
      ...(network === undefined ? {} : { network }),
    }),
  };
}
