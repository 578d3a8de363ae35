import type { StackConfig } from "../config";
import { buildAppSpec, smokeHookName } from "./appspec";
import {
  PREDEFINED_CONFIGS,
  releaseDeadlineSeconds,
  type TrafficRouting,
  trafficShiftSeconds,
} from "./deadline";

/** Timeout of the smoke-test hook Lambda; also what the deadline allows per hook. */
export const SMOKE_HOOK_TIMEOUT_SECONDS = 120;

/** What a release of this stack does: names, the AppSpec for a given revision, and its deadline. */
export interface ReleasePlan {
  application: string;
  deploymentGroup: string;
  deploymentConfigName: string;
  deadlineSeconds: number;
  appSpec: ReturnType<typeof buildAppSpec>;
}

export function deploymentConfigName(serviceName: string, release: StackConfig["release"]): string {
  return release.deploymentConfig === "custom"
    ? `${serviceName}-canary-${release.canaryPercent}pct-${release.canaryIntervalMinutes}min`
    : release.deploymentConfig;
}

export function releasePlan(config: StackConfig, taskDefinitionArn: string): ReleasePlan {
  const serviceName = `comments-api-${config.stack}`;
  const { release } = config;
  const routing: TrafficRouting =
    release.deploymentConfig === "custom"
      ? {
          type: "TimeBasedCanary",
          percentage: release.canaryPercent,
          intervalMinutes: release.canaryIntervalMinutes,
        }
      : (PREDEFINED_CONFIGS[release.deploymentConfig] ?? { type: "AllAtOnce" });
  return {
    application: serviceName,
    deploymentGroup: serviceName,
    deploymentConfigName: deploymentConfigName(serviceName, release),
    deadlineSeconds: releaseDeadlineSeconds({
      hookSeconds: SMOKE_HOOK_TIMEOUT_SECONDS,
      hookCount: 1,
      trafficShiftSeconds: trafficShiftSeconds(routing),
      terminationWaitSeconds: release.terminationWaitMinutes * 60,
    }),
    appSpec: buildAppSpec({
      taskDefinitionArn,
      containerName: "comments-api",
      containerPort: config.service.containerPort,
      platformVersion: "1.4.0",
      hooks: { AfterAllowTestTraffic: smokeHookName(config.stack) },
    }),
  };
}
