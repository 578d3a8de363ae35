/**
 * What the release engine needs of a deployment strategy, and nothing of how the strategy does it.
 * The engine (release.ts) resolves a conflicting deployment, gates, creates, follows, judges the
 * canary and finishes through this interface only; each strategy is one adapter: CodeDeploy
 * blue/green today (codedeploy-deployer.ts), ECS-native blue/green, canary and linear next
 * (ecs-*.ts). Strategy words (AppSpec, deployment configuration names, alarm overrides, service
 * revisions) stay inside the adapters; what crosses this line is normalized.
 */
import type { TaskNetwork } from "./appspec";

/**
 * A deployment's status, normalized. "pending" and "in-progress" are under way; the other three
 * are the end of the deployment itself (its rollback, if any, is followed through `rollback`).
 *
 * CodeDeploy (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html,
 * status): Created, Queued → pending; InProgress, Baking, Ready → in-progress; Succeeded →
 * succeeded; Failed → failed; Stopped → stopped.
 *
 * ECS service deployments
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html, status):
 * PENDING → pending; IN_PROGRESS, STOP_REQUESTED (still moving, ends STOPPED) → in-progress;
 * SUCCESSFUL → succeeded; STOPPED → stopped; ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS,
 * ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED → failed, with `rollback.state` in-progress, in-progress,
 * succeeded, failed: the forward deployment is over, and the rollback runs in place.
 */
export type DeploymentStatus = "pending" | "in-progress" | "succeeded" | "failed" | "stopped";

/** The statuses of a deployment still under way. */
export const UNDER_WAY: readonly DeploymentStatus[] = ["pending", "in-progress"];

/** A status of a deployment still under way. */
export function isUnderWay(status: DeploymentStatus): boolean {
  return UNDER_WAY.includes(status);
}

/**
 * How a failed or stopped deployment is rolled back: by a separate deployment the engine follows
 * with `describe` (CodeDeploy's rollbackInfo.rollbackDeploymentId), or in place, with its state
 * (ECS: ROLLBACK_* statuses of the same service deployment).
 */
export type Rollback = { deploymentId: string } | { state: "in-progress" | "succeeded" | "failed" };

/** One deployment, as the engine reads it. */
export interface DeploymentView {
  id: string;
  status: DeploymentStatus;
  /** The status as the strategy names it ("InProgress", "ROLLBACK_IN_PROGRESS"), for the log. */
  statusText: string;
  /** The task definition it ships; undefined when the strategy cannot tell. */
  targetTaskDefinition?: string;
  /** The task definition it replaces; undefined when the strategy cannot tell. */
  sourceTaskDefinition?: string;
  /** Set once the deployment has a rollback. @default no rollback */
  rollback?: Rollback;
  /** Why it failed or stopped: "<code>: <message>" as the strategy states it. */
  failure?: string;
  /** The description the engine gave it at create (`<from> -> <to>` and the override notes). */
  description?: string;
  /** When it ended, in ms. */
  completedAt?: number;
}

/** What is known of a deployment's traffic; for the log and the canary, never a reason to fail. */
export interface Progress {
  /** One log fragment (the last lifecycle event, the traffic share); "" when nothing is known. */
  line: string;
  /** The replacement's (green's) share of production traffic, 0 to 100; undefined: not known. */
  greenWeight?: number;
}

/** What the service runs now. */
export interface RunningService {
  taskDefinition?: string;
  /** The tasks' subnets and security groups (of the live task set, when the strategy has sets). */
  network?: TaskNetwork;
  /** The live task set's target group ARN (`...:targetgroup/<name>/<id>`), when known: who is blue. */
  liveTargetGroupArn?: string;
}

/** The alarms that will judge one deployment, chosen before it is created, and the line that says so. */
export interface AlarmPlan {
  log: string;
  /** The adapter's own data for `create` (CodeDeploy: overrideAlarmConfiguration); opaque to the engine. */
  detail?: unknown;
}

/** What the engine asks a deployment to do. */
export interface CreateRequest {
  taskDefinitionArn: string;
  /** @default the running network is kept */
  network?: TaskNetwork;
  /** From `alarms()`. */
  alarms: AlarmPlan;
  /**
   * The fast path: all traffic at once, no canary (`pnpm release rollback --all-at-once`); the
   * smoke test on test traffic still runs. @default the strategy's configured traffic shift
   */
  allAtOnce?: boolean;
  /** `<from> -> <to>` and the override notes; rollback-target.ts reads the `<from>` back. */
  description: string;
}

/**
 * Thrown by `create` when the strategy refuses a second deployment while one is under way
 * (CodeDeploy: DeploymentLimitExceededException). The engine then looks at `active()` again.
 */
export class DeploymentConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeploymentConflict";
  }
}

/** One deployment strategy, as the release engine and the release CLI use it. */
export interface Deployer {
  /** The `releaseStrategy` it implements: "codedeploy" | "ecs". */
  readonly strategy: string;
  /** Its name for people, in annotations: "CodeDeploy", "ECS". @default `strategy` */
  readonly label?: string;
  /** The deployments under way (CodeDeploy allows one per group), with what they ship. */
  active(): Promise<Array<{ id: string; targetTaskDefinition?: string }>>;
  /** One deployment; throws when there is none by that id. */
  describe(id: string): Promise<DeploymentView>;
  /** Its traffic; never throws (progress is for the log). */
  progress(id: string): Promise<Progress>;
  /** The service as it runs; undefined when there is no such service. */
  running(): Promise<RunningService | undefined>;
  /**
   * Which alarms judge a release of a new revision: the replacement's and the load balancer's,
   * never the live version's, so an incident on the live version cannot roll back its own fix;
   * `ignoreAlarms` (a reason) turns them off for this one deployment.
   */
  alarms(request: { running: RunningService | undefined; ignoreAlarms?: string }): Promise<AlarmPlan>;
  /** Starts a deployment; returns its id. Throws DeploymentConflict when one is under way. */
  create(request: CreateRequest): Promise<string>;
  /** Stops a deployment under way and rolls traffic back to the running version. */
  stopWithRollback(id: string, reason: string): Promise<void>;
  /** Deployments that succeeded, newest or oldest in any order: the rollback target's history. */
  succeeded(): Promise<DeploymentView[]>;
  /** The deployment's page in the AWS console. */
  consoleUrl(id: string): string;
  /** Where it deploys, for messages: "<application>/<group>" or "<cluster>/<service>". */
  readonly where: string;
  /** The ECS service's name, for messages. @default `where` */
  readonly service?: string;
}
