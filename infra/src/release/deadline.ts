import type { TrafficShift } from "../config/routing";

/**
 * How long the release step waits before it stops a deployment with rollback. A deployment reports
 * Succeeded only after blue's termination wait, and a green task set that never gets healthy can
 * hang for an hour, so the release step keeps its own deadline.
 */
export interface DeadlineInput {
  /** Lifecycle hook timeout (CodeDeploy allows a hook up to an hour; ours run in minutes). */
  hookSeconds: number;
  /** Number of hooks in the AppSpec. */
  hookCount: number;
  /** Traffic shifting time of the deployment configuration: canary interval, or linear steps × interval. */
  trafficShiftSeconds: number;
  /** Wait before blue is terminated after the shift. */
  terminationWaitSeconds: number;
  /** Green tasks starting and passing health checks. @default 600 */
  taskStartSeconds?: number;
  /** Slack for API latency and polling. @default 300 */
  marginSeconds?: number;
}

/** How long a release may take before the step stops it with rollback. */
export function releaseDeadlineSeconds(input: DeadlineInput): number {
  return (
    (input.taskStartSeconds ?? 600) +
    input.hookSeconds * input.hookCount +
    input.trafficShiftSeconds +
    input.terminationWaitSeconds +
    (input.marginSeconds ?? 300)
  );
}

/** How long a shift takes to move all traffic. */
export function trafficShiftSeconds(shift: TrafficShift): number {
  switch (shift.kind) {
    case "all-at-once":
      return 0;
    case "canary":
      return shift.intervalMinutes * 60;
    case "linear":
      // An upper bound: one interval per step. CodeDeploy shifts the first step at once, so it
      // finishes one interval sooner; a deadline may err on the long side.
      return Math.ceil(100 / shift.percent) * shift.intervalMinutes * 60;
  }
}

/**
 * CodeDeploy's predefined ECS deployment configurations, as routing: the one list the config parser
 * accepts and the deadline reads
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html).
 */
export const PREDEFINED_CONFIGS = {
  "CodeDeployDefault.ECSAllAtOnce": { kind: "all-at-once" },
  "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": {
    kind: "linear",
    percent: 10,
    intervalMinutes: 1,
  },
  "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": {
    kind: "linear",
    percent: 10,
    intervalMinutes: 3,
  },
  "CodeDeployDefault.ECSCanary10Percent5Minutes": {
    kind: "canary",
    percent: 10,
    intervalMinutes: 5,
  },
  "CodeDeployDefault.ECSCanary10Percent15Minutes": {
    kind: "canary",
    percent: 10,
    intervalMinutes: 15,
  },
} as const satisfies Readonly<Record<string, TrafficShift>>;

/** The names of the predefined configurations. */
export type PredefinedConfig = keyof typeof PREDEFINED_CONFIGS;
