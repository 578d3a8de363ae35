/**
 * An ECS-native deployment (deployment controller `ECS`) as pure values, from the stack's traffic
 * routing: the same shift and the same wait as the CodeDeploy deployment configuration, said the
 * way ECS says it. Strategies: blue/green
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html),
 * canary (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/canary-deployment.html),
 * linear (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/linear-deployment.html).
 */
import type { TrafficRouting } from "../config/routing";

/**
 * ECS's bake times take 0 to 1440 minutes (API_DeploymentConfiguration `bakeTimeInMinutes`,
 * API_CanaryConfiguration `canaryBakeTimeInMinutes`, API_LinearConfiguration
 * `stepBakeTimeInMinutes`: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html).
 */
export const ECS_MAX_BAKE_MINUTES = 1440;
/**
 * A linear step shifts 3.0 to 100.0 percent
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LinearConfiguration.html).
 */
export const ECS_MIN_LINEAR_STEP_PERCENT = 3;

/**
 * Where the smoke test runs: after ECS has moved the test listener's rule to green, before any
 * production traffic moves (CodeDeploy's AfterAllowTestTraffic). Lifecycle stages:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-lifecycle-hooks.html
 */
export const SMOKE_HOOK_STAGES = ["POST_TEST_TRAFFIC_SHIFT"] as const;
/**
 * Where the SLO canary judge runs: while production traffic is shifting to green. The hook answers
 * IN_PROGRESS until its analysis has a verdict, and ECS invokes it again after `callBackDelay`
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html).
 */
export const JUDGE_HOOK_STAGES = ["PRODUCTION_TRAFFIC_SHIFT"] as const;

/** A Lambda lifecycle hook, as the provider takes it (@pulumi/aws ecs ServiceDeploymentConfigurationLifecycleHook). */
export interface LifecycleHook<S = string> {
  hookTargetArn: S;
  roleArn: S;
  lifecycleStages: string[];
  /** JSON ECS passes the function on each invocation (the judge's analysis and Prometheus). */
  hookDetails?: S;
}

/** `deploymentConfiguration` of an `ECS`-controlled service, as @pulumi/aws 7.x takes it. */
export interface EcsDeploymentConfiguration<S = string> {
  strategy: "BLUE_GREEN" | "CANARY" | "LINEAR";
  /** The provider takes the minutes as a string (nullable int in terraform-provider-aws). */
  bakeTimeInMinutes: string;
  canaryConfiguration?: { canaryPercent: number; canaryBakeTimeInMinutes: string };
  linearConfiguration?: { stepPercent: number; stepBakeTimeInMinutes: string };
  lifecycleHooks: LifecycleHook<S>[];
}

/**
 * What an `ecs` stack's routing cannot be in ECS, with the key to change: the bake times' and the
 * linear step's ranges. Empty when the routing fits.
 */
export function ecsRoutingProblems(routing: TrafficRouting): string[] {
  const problems: string[] = [];
  if (routing.terminationWaitMinutes > ECS_MAX_BAKE_MINUTES) {
    problems.push(
      `terminationWaitMinutes=${JSON.stringify(String(routing.terminationWaitMinutes))}: releaseStrategy ecs keeps the old revision at most ${ECS_MAX_BAKE_MINUTES} minutes (bakeTimeInMinutes)`,
    );
  }
  if (routing.shift.kind === "linear" && routing.shift.percent < ECS_MIN_LINEAR_STEP_PERCENT) {
    problems.push(
      `deploymentConfig: releaseStrategy ecs shifts a linear step of at least ${ECS_MIN_LINEAR_STEP_PERCENT} percent, not ${routing.shift.percent}`,
    );
  }
  return problems;
}

/** How long the judge holds the production shift: every look, at its fixed minute marks (release/canary.ts). */
export function judgeHoldMinutes(looks: { count: number; everyMinutes: number }): number {
  return looks.count * looks.everyMinutes;
}

/**
 * The canary's bake once the judge has held the canary step: ECS waits canaryBakeTimeInMinutes
 * after the step ("to wait during the canary phase before shifting the remaining production
 * traffic": https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CanaryConfiguration.html),
 * which is after the PRODUCTION_TRAFFIC_SHIFT hook answers SUCCEEDED; so the interval less the
 * hold, and the canary lasts the longer of the two, not their sum.
 */
export function ecsCanaryBakeMinutes(intervalMinutes: number, holdMinutes: number): number {
  return Math.max(0, intervalMinutes - holdMinutes);
}

/**
 * How long ECS's production shift takes: the judge's hold at the first step (0 without a judge, or
 * with all at once, where green never holds part of the traffic), then what ECS still bakes: the
 * canary's rest, or every linear step's bake (ECS has one stepBakeTimeInMinutes for every step,
 * so the judged first step lasts hold + step).
 */
export function ecsTrafficShiftMinutes(shift: TrafficRouting["shift"], holdMinutes: number): number {
  switch (shift.kind) {
    case "all-at-once":
      return 0;
    case "canary":
      return holdMinutes + ecsCanaryBakeMinutes(shift.intervalMinutes, holdMinutes);
    case "linear":
      return holdMinutes + Math.ceil(100 / shift.percent) * shift.intervalMinutes;
  }
}

/**
 * The deployment configuration of the stack's routing: all at once is BLUE_GREEN, a canary stays a
 * canary (same percent; the interval, less the judge's hold, as its bake time), a linear shift
 * stays linear (same step, the interval between steps); the termination wait is the bake time after
 * the last shift. The smoke hook runs on test traffic; the judge, when the stack has one, during the
 * production shift, which it holds for `holdMinutes` (judgeHoldMinutes).
 */
export function ecsDeploymentConfiguration<S>(
  routing: TrafficRouting,
  hooks: { roleArn: S; smoke: S; judge?: { arn: S; details: S; holdMinutes: number } },
): EcsDeploymentConfiguration<S> {
  const problems = ecsRoutingProblems(routing);
  if (problems.length > 0) throw new Error(`ECS deployment configuration: ${problems.join("; ")}`);
  const { shift } = routing;
  const lifecycleHooks: LifecycleHook<S>[] = [
    { hookTargetArn: hooks.smoke, roleArn: hooks.roleArn, lifecycleStages: [...SMOKE_HOOK_STAGES] },
    ...(hooks.judge === undefined
      ? []
      : [
          {
            hookTargetArn: hooks.judge.arn,
            roleArn: hooks.roleArn,
            lifecycleStages: [...JUDGE_HOOK_STAGES],
            hookDetails: hooks.judge.details,
          },
        ]),
  ];
  const bakeTimeInMinutes = String(routing.terminationWaitMinutes);
  switch (shift.kind) {
    case "all-at-once":
      return { strategy: "BLUE_GREEN", bakeTimeInMinutes, lifecycleHooks };
    case "canary":
      return {
        strategy: "CANARY",
        bakeTimeInMinutes,
        canaryConfiguration: {
          canaryPercent: shift.percent,
          canaryBakeTimeInMinutes: String(
            ecsCanaryBakeMinutes(shift.intervalMinutes, hooks.judge?.holdMinutes ?? 0),
          ),
        },
        lifecycleHooks,
      };
    case "linear":
      return {
        strategy: "LINEAR",
        bakeTimeInMinutes,
        linearConfiguration: {
          stepPercent: shift.percent,
          stepBakeTimeInMinutes: String(shift.intervalMinutes),
        },
        lifecycleHooks,
      };
  }
}
