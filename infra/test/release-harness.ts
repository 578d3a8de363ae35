/**
 * The release test harness: AWS as a timeline, for the release engine and the release CLI.
 *
 *     const aws = releaseHarness();
 *     aws.service(OLD);
 *     aws.creates("d-1").at(0).status("InProgress").weight(0).at(30).weight(10).at(330).weight(100)
 *       .at(360).status("Succeeded");
 *     await release(aws.deployer(), aws.options({ canary }));
 *
 * A deployment's timeline is a list of points: `at(seconds)` opens one, the calls after it
 * (`status`, `weight`, `event`, `error`, ...) say what holds from then on, counted from the moment
 * the deployment appears (created by CreateDeployment, already there at 0, or started by a stop).
 * The clock is the harness's: `options()` gives the engine its sleep and now, so the engine's
 * polls walk the timeline. The mocks (aws-sdk-client-mock) answer CodeDeploy and ECS from it,
 * with the errors the real APIs return, named as their API references name them:
 * - GetDeployment, unknown id: DeploymentDoesNotExistException
 *   (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_GetDeployment.html#API_GetDeployment_Errors);
 * - CreateDeployment while one is active in the group: DeploymentLimitExceededException
 *   (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html#API_CreateDeployment_Errors);
 * - StopDeployment of one that ended: DeploymentAlreadyCompletedException, of an unknown one:
 *   DeploymentDoesNotExistException; it answers `status: "Pending"` while the stop takes
 *   (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_StopDeployment.html);
 * - GetDeploymentTarget before the deployment has started, or before its target exists:
 *   DeploymentNotStartedException, DeploymentTargetDoesNotExistException
 *   (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_GetDeploymentTarget.html#API_GetDeploymentTarget_Errors).
 * Exceptions are the SDK's own classes, so `name`, `$fault` and `message` have the SDK's shapes. The
 * messages are ours: the API references do not state them.
 *
 * Shaped for a second strategy: `Timeline` is generic over what a point says, and the ECS side
 * (DescribeServices today) is its own part, so an ECS-native timeline (ListServiceDeployments,
 * DescribeServiceDeployments) adds a builder beside `deployment` without touching this one.
 */
import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  CreateDeploymentCommand,
  type CreateDeploymentCommandInput,
  DeploymentAlreadyCompletedException,
  DeploymentDoesNotExistException,
  type DeploymentInfo,
  DeploymentLimitExceededException,
  DeploymentNotStartedException,
  type DeploymentStatus,
  DeploymentTargetDoesNotExistException,
  type ErrorCode,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  type GetDeploymentGroupOutput,
  GetDeploymentTargetCommand,
  type GetDeploymentTargetOutput,
  ListDeploymentsCommand,
  type ListDeploymentsCommandInput,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import { DescribeServicesCommand, ECSClient, type Service } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import type { TaskNetwork } from "../src/release/appspec";
import type { ReleaseClients } from "../src/release/clients";
import type { Deployer } from "../src/release/deployer";
import { deployerFor, type ReleaseTarget } from "../src/release/deployers";
import type { ReleaseOptions } from "../src/release/release";

/** The region, account and names the release tests use: prod's. */
export const REGION = "sa-east-1";
export const revision = (n: number) =>
  `arn:aws:ecs:${REGION}:123456789012:task-definition/comments-api-prod:${n}`;
export const OLD = revision(41);
export const NEW = revision(42);
export const TARGET: ReleaseTarget = {
  region: REGION,
  application: "comments-api-prod",
  deploymentGroup: "comments-api-prod",
  cluster: "comments-api-prod",
  service: "comments-api-prod",
  containerName: "comments-api",
  containerPort: 3000,
};
/** The deployment's page in the console, as the engine links it. */
export const consoleLink = (id: string) =>
  `https://${REGION}.console.aws.amazon.com/codesuite/codedeploy/deployments/${id}?region=${REGION}`;

/** The deployment group's target group pair, blue first, and its alarms (names carry the colour). */
export const TARGET_GROUPS = ["comments-api-prod-blue-4f1e2a9", "comments-api-prod-green-77c0d1b"];
export const ALARMS = [
  "comments-api-prod-blue-5xx",
  "comments-api-prod-blue-p99",
  "comments-api-prod-blue-unhealthy",
  "comments-api-prod-green-5xx",
  "comments-api-prod-green-p99",
  "comments-api-prod-green-unhealthy",
  "comments-api-prod-elb-5xx",
];
/** GetDeploymentGroup's answer with the pair and the alarms. */
export const GROUP: GetDeploymentGroupOutput = {
  deploymentGroupInfo: {
    alarmConfiguration: { enabled: true, alarms: ALARMS.map((name) => ({ name })) },
    loadBalancerInfo: {
      targetGroupPairInfoList: [{ targetGroups: TARGET_GROUPS.map((name) => ({ name })) }],
    },
  },
};

/** Points in time, each saying what holds from then on; `at` reads the fold of those passed. */
export class Timeline<P extends object> {
  private readonly points: Array<{ at: number; patch: Partial<P> }> = [];
  /** Adds to what holds from `at` (seconds) on. */
  set(at: number, patch: Partial<P>): void {
    const point = this.points.find((p) => p.at === at);
    if (point === undefined) {
      this.points.push({ at, patch });
      this.points.sort((a, b) => a.at - b.at);
    } else Object.assign(point.patch, patch);
  }
  /** What holds at `seconds`. */
  at(seconds: number): Partial<P> {
    return Object.assign({}, ...this.points.filter((p) => p.at <= seconds).map((p) => p.patch));
  }
}

/** What one point of a CodeDeploy deployment says. */
interface DeploymentPoint {
  status: DeploymentStatus;
  /** Green's share of traffic; undefined: GetDeploymentTarget has no task sets. */
  weight: number;
  /** The last lifecycle event, as GetDeploymentTarget lists it. */
  event: { name: string; status: string };
  /** GetDeploymentTarget fails so (before the deployment starts, or before its target exists). */
  target: "DeploymentNotStartedException" | "DeploymentTargetDoesNotExistException";
  errorInformation: { code: ErrorCode; message: string };
  rollbackDeploymentId: string;
}

/** One deployment's timeline, and what it ships. */
export class DeploymentTimeline {
  readonly timeline = new Timeline<DeploymentPoint>();
  private cursor = 0;
  /** Set once the deployment exists: harness seconds. */
  appearedAt: number | undefined;
  taskDefinition: string | undefined;
  description: string | undefined;
  completeTime: Date | undefined;
  /** Applied from the moment StopDeployment is called. @default Stopped, no rollback */
  stopped: Partial<DeploymentPoint> | undefined;
  /** Appears when our CreateDeployment is called, and makes it fail: another run created it first. */
  racesOurCreate = false;
  constructor(readonly id: string) {}
  /** The following calls hold from `seconds` after the deployment appears. */
  at(seconds: number): this {
    this.cursor = seconds;
    return this;
  }
  status(status: DeploymentStatus): this {
    this.timeline.set(this.cursor, { status });
    return this;
  }
  weight(weight: number): this {
    this.timeline.set(this.cursor, { weight });
    return this;
  }
  event(name: string, status: string): this {
    this.timeline.set(this.cursor, { event: { name, status } });
    return this;
  }
  /** GetDeploymentTarget fails with this until a later point says otherwise (`.target(undefined)`). */
  target(error: DeploymentPoint["target"] | undefined): this {
    this.timeline.set(this.cursor, { target: error } as Partial<DeploymentPoint>);
    return this;
  }
  error(code: ErrorCode, message: string): this {
    this.timeline.set(this.cursor, { errorInformation: { code, message } });
    return this;
  }
  /** Ends, rolled back by `rollbackId` (CodeDeploy's automatic rollback, e.g. on an alarm). */
  rolledBackBy(rollbackId: string): this {
    this.timeline.set(this.cursor, { rollbackDeploymentId: rollbackId });
    return this;
  }
  /** What a deployment already there ships (a created one ships its AppSpec's). */
  ships(taskDefinition: string, description?: string): this {
    this.taskDefinition = taskDefinition;
    if (description !== undefined) this.description = description;
    return this;
  }
  completedAt(iso: string): this {
    this.completeTime = new Date(iso);
    return this;
  }
  /** What StopDeployment does to it: Stopped, and the rollback deployment, if any. */
  onStop(rollbackId?: string): this {
    this.stopped = {
      status: "Stopped",
      ...(rollbackId === undefined ? {} : { rollbackDeploymentId: rollbackId }),
    };
    return this;
  }
  /** Another run's CreateDeployment lands between our ListDeployments and our CreateDeployment. */
  racing(): this {
    this.racesOurCreate = true;
    return this;
  }
}

const ACTIVE: DeploymentStatus[] = ["Created", "Queued", "InProgress", "Baking", "Ready"];
const meta = { $metadata: { httpStatusCode: 400 } };

/**
 * The mocks, the clock, the log, and the timelines they answer from. `pageSize`: how many ids a
 * ListDeployments page holds (@default 100); `clockMs`: the clock at the start (@default 0).
 */
export function releaseHarness(options: { pageSize?: number; clockMs?: number } = {}) {
  // Mocks of these instances only: each harness is its own AWS, whatever else a test file mocks.
  const clients: ReleaseClients = {
    codedeploy: new CodeDeployClient({ region: REGION }),
    ecs: new ECSClient({ region: REGION }),
  };
  const codedeploy = mockClient(clients.codedeploy);
  const ecs = mockClient(clients.ecs);
  const deployments = new Map<string, DeploymentTimeline>();
  /** Ids CreateDeployment hands out, in turn. */
  const toCreate: string[] = [];
  const stops = new Map<string, number>();
  const state = {
    clock: options.clockMs ?? 0,
    lines: [] as string[],
    service: { taskDefinition: OLD } as Service,
    group: GROUP,
  };
  const seconds = () => state.clock / 1000;

  const exists = (d: DeploymentTimeline) => d.appearedAt !== undefined && d.appearedAt <= seconds();
  const pointOf = (d: DeploymentTimeline): Partial<DeploymentPoint> => {
    const point = d.timeline.at(seconds() - (d.appearedAt ?? 0));
    const stoppedAt = stops.get(d.id);
    return stoppedAt === undefined ? point : { ...point, ...(d.stopped ?? { status: "Stopped" }) };
  };
  const infoOf = (d: DeploymentTimeline): DeploymentInfo => {
    const point = pointOf(d);
    return {
      deploymentId: d.id,
      applicationName: TARGET.application,
      deploymentGroupName: TARGET.deploymentGroup,
      status: point.status ?? "Created",
      ...(d.description === undefined ? {} : { description: d.description }),
      ...(d.taskDefinition === undefined
        ? {}
        : {
            revision: {
              revisionType: "AppSpecContent",
              appSpecContent: {
                content: JSON.stringify({
                  version: "0.0",
                  Resources: [
                    {
                      TargetService: {
                        Type: "AWS::ECS::Service",
                        Properties: { TaskDefinition: d.taskDefinition },
                      },
                    },
                  ],
                }),
              },
            },
          }),
      ...(point.errorInformation === undefined ? {} : { errorInformation: point.errorInformation }),
      ...(point.rollbackDeploymentId === undefined
        ? {}
        : { rollbackInfo: { rollbackDeploymentId: point.rollbackDeploymentId } }),
      ...(d.completeTime === undefined ? {} : { completeTime: d.completeTime }),
    };
  };
  const find = (id: string | undefined) => {
    const d = id === undefined ? undefined : deployments.get(id);
    if (d === undefined || !exists(d))
      throw new DeploymentDoesNotExistException({
        message: `The deployment ${id} could not be found`,
        ...meta,
      });
    return d;
  };
  /** A rollback deployment named by a point appears when it is first named. */
  const appearRollbacks = () => {
    for (const d of deployments.values()) {
      if (!exists(d)) continue;
      const rollbackId = pointOf(d).rollbackDeploymentId;
      const rollback = rollbackId === undefined ? undefined : deployments.get(rollbackId);
      if (rollback !== undefined && rollback.appearedAt === undefined) rollback.appearedAt = seconds();
    }
  };

  codedeploy.on(GetDeploymentCommand).callsFake(({ deploymentId }) => {
    appearRollbacks();
    return { deploymentInfo: infoOf(find(deploymentId)) };
  });
  codedeploy.on(BatchGetDeploymentsCommand).callsFake(({ deploymentIds }: { deploymentIds: string[] }) => ({
    deploymentsInfo: deploymentIds.flatMap((id) => {
      const d = deployments.get(id);
      return d === undefined || !exists(d) ? [] : [infoOf(d)];
    }),
  }));
  codedeploy.on(ListDeploymentsCommand).callsFake((input: ListDeploymentsCommandInput) => {
    appearRollbacks();
    const ids = [...deployments.values()]
      .filter((d) => exists(d) && (input.includeOnlyStatuses ?? []).includes(infoOf(d).status ?? "Created"))
      .map((d) => d.id);
    const size = options.pageSize ?? 100;
    const start = input.nextToken === undefined ? 0 : Number(input.nextToken);
    const next = start + size < ids.length ? { nextToken: String(start + size) } : {};
    return { deployments: ids.slice(start, start + size), ...next };
  });
  codedeploy.on(CreateDeploymentCommand).callsFake((input: CreateDeploymentCommandInput) => {
    const racing = [...deployments.values()].find((d) => d.racesOurCreate && d.appearedAt === undefined);
    if (racing !== undefined) racing.appearedAt = seconds();
    if ([...deployments.values()].some((d) => exists(d) && ACTIVE.includes(infoOf(d).status ?? "Created")))
      throw new DeploymentLimitExceededException({
        message: "The deployment group already has an active deployment",
        ...meta,
      });
    const id = toCreate.shift();
    const d = id === undefined ? undefined : deployments.get(id);
    if (d === undefined)
      throw new Error(`harness: CreateDeployment called, but no deployment is planned (creates())`);
    d.appearedAt = seconds();
    d.description = input.description;
    d.taskDefinition = JSON.parse(
      input.revision?.appSpecContent?.content ?? "{}",
    ).Resources?.[0]?.TargetService?.Properties?.TaskDefinition;
    return { deploymentId: d.id };
  });
  codedeploy.on(StopDeploymentCommand).callsFake(({ deploymentId }) => {
    const d = find(deploymentId);
    if (!ACTIVE.includes(infoOf(d).status ?? "Created"))
      throw new DeploymentAlreadyCompletedException({
        message: `The deployment ${deploymentId} has already completed`,
        ...meta,
      });
    stops.set(d.id, seconds());
    appearRollbacks();
    return { status: "Pending", statusMessage: "Stop deployment request is pending" };
  });
  codedeploy.on(GetDeploymentTargetCommand).callsFake(({ deploymentId }): GetDeploymentTargetOutput => {
    const point = pointOf(find(deploymentId));
    if (point.target === "DeploymentNotStartedException")
      throw new DeploymentNotStartedException({
        message: "The specified deployment has not started.",
        ...meta,
      });
    if (point.target === "DeploymentTargetDoesNotExistException")
      throw new DeploymentTargetDoesNotExistException({
        message: "The provided target ID does not belong to the attempted deployment.",
        ...meta,
      });
    if (point.event === undefined && point.weight === undefined) return {};
    return {
      deploymentTarget: {
        deploymentTargetType: "ECSTarget",
        ecsTarget: {
          deploymentId,
          ...(point.event === undefined
            ? {}
            : {
                lifecycleEvents: [
                  { lifecycleEventName: point.event.name, status: point.event.status as "InProgress" },
                ],
              }),
          ...(point.weight === undefined
            ? {}
            : {
                taskSetsInfo: [
                  { taskSetLabel: "Blue", trafficWeight: 100 - point.weight },
                  { taskSetLabel: "Green", trafficWeight: point.weight },
                ],
              }),
        },
      },
    };
  });
  codedeploy.on(GetDeploymentGroupCommand).callsFake(() => state.group);
  ecs.on(DescribeServicesCommand).callsFake(() => ({ services: [state.service], failures: [] }));

  return {
    codedeploy,
    ecs,
    clients,
    /** The log lines the engine printed. */
    lines: state.lines,
    get clock() {
      return state.clock;
    },
    /** A deployment that appears later: when a rollback or a stop names it, or when it races our create. */
    deployment(id: string): DeploymentTimeline {
      const d = new DeploymentTimeline(id);
      deployments.set(id, d);
      return d;
    },
    /** There when the release starts: under way (a run cancelled earlier), or history. */
    existing(id: string): DeploymentTimeline {
      const d = this.deployment(id);
      d.appearedAt = 0;
      return d;
    },
    /** The next deployment CreateDeployment creates. */
    creates(id: string): DeploymentTimeline {
      toCreate.push(id);
      return this.deployment(id).at(0).status("InProgress");
    },
    /** What DescribeServices answers: the revision, the live colour's task set, its network. */
    service(taskDefinition: string | undefined, live?: { colour?: "blue" | "green"; network?: TaskNetwork }) {
      const primary =
        live === undefined
          ? undefined
          : {
              status: "PRIMARY",
              ...(taskDefinition === undefined ? {} : { taskDefinition }),
              ...(live.colour === undefined
                ? {}
                : {
                    loadBalancers: [
                      {
                        targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:123456789012:targetgroup/${TARGET_GROUPS[live.colour === "blue" ? 0 : 1]}/6d0ecf831eec9f09`,
                      },
                    ],
                  }),
              ...(live.network === undefined
                ? {}
                : {
                    networkConfiguration: {
                      awsvpcConfiguration: {
                        subnets: live.network.subnets,
                        securityGroups: live.network.securityGroups,
                        assignPublicIp: "DISABLED" as const,
                      },
                    },
                  }),
            };
      state.service = {
        ...(taskDefinition === undefined ? {} : { taskDefinition }),
        ...(primary === undefined ? {} : { taskSets: [primary] }),
      };
    },
    /** What GetDeploymentGroup answers. @default GROUP */
    group(output: GetDeploymentGroupOutput) {
      state.group = output;
    },
    /** The CodeDeploy adapter over the mocked clients. */
    deployer(target: ReleaseTarget = TARGET): Deployer {
      return deployerFor("codedeploy", clients, target);
    },
    /** A release's options on the harness's clock and log. */
    options(extra: Partial<ReleaseOptions> = {}): ReleaseOptions {
      return {
        taskDefinitionArn: NEW,
        onConflict: "fail",
        deadlineSeconds: 3600,
        pollSeconds: 15,
        log: (line) => state.lines.push(line),
        sleep: async (ms) => {
          state.clock += ms;
        },
        now: () => state.clock,
        ...extra,
      };
    },
    /** The CLI's io on the harness's clock and log. */
    io() {
      return {
        log: (line: string) => state.lines.push(line),
        sleep: async (ms: number) => {
          state.clock += ms;
        },
        now: () => state.clock,
      };
    },
    /** CreateDeployment's inputs, in turn. */
    created: () => codedeploy.commandCalls(CreateDeploymentCommand).map((call) => call.args[0].input),
    /** StopDeployment's inputs, in turn. */
    stopped: () => codedeploy.commandCalls(StopDeploymentCommand).map((call) => call.args[0].input),
  };
}

/** A harness, as the tests hold it. */
export type ReleaseHarness = ReturnType<typeof releaseHarness>;
