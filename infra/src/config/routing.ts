/**
 * How a release moves traffic from the running revision to the new one, worked out once from the
 * config keys (`deploymentConfig`, `canaryPercent`, `canaryIntervalMinutes`,
 * `terminationWaitMinutes`) into a value that says nothing about who moves it: the CodeDeploy
 * deployment configuration, the release deadline, the config's own checks and the docs read this,
 * and an ECS-native deployment can be derived from it too.
 */
import { PREDEFINED_CONFIGS } from "../release/deadline";

/** How traffic moves: a first step then the rest, equal steps, or all at once. */
export type TrafficShift =
  | {
      /** `percent` of the traffic for `intervalMinutes`, then the rest at once. */
      kind: "canary";
      percent: number;
      intervalMinutes: number;
    }
  | {
      /** `percent` more of the traffic every `intervalMinutes` until all of it has moved. */
      kind: "linear";
      percent: number;
      intervalMinutes: number;
    }
  | { kind: "all-at-once" };

/** A stack's traffic routing: the shift, and how long the old revision stays after it. */
export interface TrafficRouting {
  shift: TrafficShift;
  /**
   * Minutes the old revision keeps running once all traffic has moved, for a fast rollback
   * (CodeDeploy's termination wait, an ECS deployment's bake time).
   */
  terminationWaitMinutes: number;
}

/**
 * The routing of `deploymentConfig`: a predefined CodeDeploy configuration's own, or `custom`'s
 * canary of `canaryPercent` for `canaryIntervalMinutes`.
 */
export function trafficRoutingOf(keys: {
  deploymentConfig: string;
  canaryPercent: number;
  canaryIntervalMinutes: number;
  terminationWaitMinutes: number;
}): TrafficRouting {
  const shift: TrafficShift =
    keys.deploymentConfig === "custom"
      ? { kind: "canary", percent: keys.canaryPercent, intervalMinutes: keys.canaryIntervalMinutes }
      : predefinedShift(keys.deploymentConfig);
  return { shift, terminationWaitMinutes: keys.terminationWaitMinutes };
}

/** A predefined configuration's shift; an unknown name is an error, never a silent zero-length shift. */
export function predefinedShift(name: string): TrafficShift {
  if (!Object.hasOwn(PREDEFINED_CONFIGS, name)) {
    throw new Error(
      `release: deploymentConfig ${JSON.stringify(name)} is not one of ${Object.keys(PREDEFINED_CONFIGS).join(", ")} or custom`,
    );
  }
  return PREDEFINED_CONFIGS[name as keyof typeof PREDEFINED_CONFIGS];
}
