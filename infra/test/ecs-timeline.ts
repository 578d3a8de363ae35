/**
 * The ECS-native side of the release harness (release-harness.ts): a service deployment as a
 * timeline on the harness's clock, answered by the ECS mocks the harness holds.
 *
 *     const aws = releaseHarness();
 *     const ecs = ecsNative(aws);
 *     ecs.creates().at(0).status("IN_PROGRESS").stage("PRODUCTION_TRAFFIC_SHIFT").weight(10)
 *       .at(600).weight(100).at(900).status("SUCCESSFUL");
 *     await release(ecs.deployer(), aws.options());
 *
 * UpdateService with a task definition starts the planned deployment (its answer's
 * currentServiceDeployment, https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html);
 * DescribeServiceDeployments, ListServiceDeployments and DescribeServiceRevisions answer from the
 * timeline; StopServiceDeployment (stopType ROLLBACK) switches to what `onStop` says, counted from
 * the stop, and an unknown ARN fails with ServiceDeploymentNotFoundException, as its API reference
 * names it (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html).
 * DescribeServiceDeployments answers an unknown ARN with a `failures` entry, not an error.
 */
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  ListServiceDeploymentsCommand,
  type ListServiceDeploymentsCommandInput,
  type ServiceDeployment,
  type ServiceDeploymentLifecycleStage,
  ServiceDeploymentNotFoundException,
  type ServiceDeploymentStatus,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type UpdateServiceCommandInput,
} from "@aws-sdk/client-ecs";
import type { Deployer } from "../src/release/deployer";
import { deployerFor } from "../src/release/deployers";
import { OLD, REGION, type ReleaseHarness, TARGET, Timeline } from "./release-harness";

const ARN = `arn:aws:ecs:${REGION}:123456789012`;
export const ECS_SERVICE_ARN = `${ARN}:service/comments-api-prod/comments-api-prod`;
/** A service deployment's ARN. */
export const serviceDeployment = (id: string) =>
  `${ARN}:service-deployment/comments-api-prod/comments-api-prod/${id}`;
/** A service revision's ARN. */
export const serviceRevision = (id: string) =>
  `${ARN}:service-revision/comments-api-prod/comments-api-prod/${id}`;
/** The stack's deployment alarms on the service. */
export const ECS_ALARMS = ["comments-api-prod-elb-5xx", "comments-api-prod-slo-fast-burn"];
/** A CANARY service as ecs-infra configures prod's: 10% for 10 minutes, bake 10 minutes. */
export const ECS_CONFIGURATION = {
  deploymentCircuitBreaker: { enable: true, rollback: true },
  maximumPercent: 200,
  minimumHealthyPercent: 100,
  alarms: { alarmNames: ECS_ALARMS, enable: true, rollback: true },
  strategy: "CANARY" as const,
  bakeTimeInMinutes: 10,
  canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 10 },
};

/** What one point of a service deployment says. */
interface EcsPoint {
  status: ServiceDeploymentStatus;
  stage: ServiceDeploymentLifecycleStage;
  /** The new revision's share of production traffic. */
  weight: number;
  statusReason: string;
  rollbackReason: string;
  /** Alarms in ALARM (ServiceDeployment.alarms.triggeredAlarmNames). */
  triggered: string[];
  /** A Lambda hook running, as lifecycleHookDetails lists it. */
  hook: { name: string; status: "IN_PROGRESS" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" };
}

/** One service deployment's timeline, and the revisions it moves between. */
export class EcsDeploymentTimeline {
  readonly timeline = new Timeline<EcsPoint>();
  readonly stopTimeline = new Timeline<EcsPoint>();
  private cursor = 0;
  private onStopCursor: Timeline<EcsPoint> | undefined;
  appearedAt: number | undefined;
  stoppedAt: number | undefined;
  taskDefinition: string | undefined;
  constructor(
    readonly arn: string,
    public sourceTaskDefinition: string,
  ) {}
  private get target(): Timeline<EcsPoint> {
    return this.onStopCursor ?? this.timeline;
  }
  at(seconds: number): this {
    this.cursor = seconds;
    return this;
  }
  status(status: ServiceDeploymentStatus): this {
    this.target.set(this.cursor, { status });
    return this;
  }
  stage(stage: ServiceDeploymentLifecycleStage): this {
    this.target.set(this.cursor, { stage });
    return this;
  }
  weight(weight: number): this {
    this.target.set(this.cursor, { weight });
    return this;
  }
  hook(name: string, status: EcsPoint["hook"]["status"]): this {
    this.target.set(this.cursor, { hook: { name, status } });
    return this;
  }
  reason(statusReason: string, rollbackReason?: string): this {
    this.target.set(this.cursor, {
      statusReason,
      ...(rollbackReason === undefined ? {} : { rollbackReason }),
    });
    return this;
  }
  triggered(...alarms: string[]): this {
    this.target.set(this.cursor, { triggered: alarms });
    return this;
  }
  /** What a deployment already there ships, and what it replaced. */
  ships(taskDefinition: string, replacing?: string): this {
    this.taskDefinition = taskDefinition;
    if (replacing !== undefined) this.sourceTaskDefinition = replacing;
    return this;
  }
  /** The following calls say what holds `seconds` after StopServiceDeployment. */
  onStop(): this {
    this.onStopCursor = this.stopTimeline;
    this.cursor = 0;
    return this;
  }
  /** What DescribeServiceDeployments answers now (harness seconds). */
  answer(now: number): ServiceDeployment {
    const point = {
      ...this.timeline.at(now - (this.appearedAt ?? 0)),
      ...(this.stoppedAt === undefined ? {} : this.stopTimeline.at(now - this.stoppedAt)),
    };
    const status = point.status ?? "PENDING";
    const ended = ["SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"].includes(status);
    return {
      serviceDeploymentArn: this.arn,
      serviceArn: ECS_SERVICE_ARN,
      clusterArn: `${ARN}:cluster/comments-api-prod`,
      sourceServiceRevisions: [
        {
          arn: revisionOf(this.sourceTaskDefinition),
          requestedProductionTrafficWeight: 100 - (point.weight ?? 0),
        },
      ],
      targetServiceRevision: {
        arn: revisionOf(this.taskDefinition ?? ""),
        ...(point.weight === undefined ? {} : { requestedProductionTrafficWeight: point.weight }),
      },
      status,
      ...(point.stage === undefined ? {} : { lifecycleStage: point.stage }),
      ...(point.statusReason === undefined ? {} : { statusReason: point.statusReason }),
      ...(point.rollbackReason === undefined
        ? {}
        : {
            rollback: {
              reason: point.rollbackReason,
              serviceRevisionArn: revisionOf(this.sourceTaskDefinition),
            },
          }),
      ...(point.triggered === undefined
        ? {}
        : { alarms: { status: "TRIGGERED", alarmNames: ECS_ALARMS, triggeredAlarmNames: point.triggered } }),
      ...(point.hook === undefined
        ? {}
        : {
            lifecycleHookDetails: [
              {
                targetType: "AWS_LAMBDA",
                targetArn: `${ARN}:function:${point.hook.name}`,
                status: point.hook.status,
              },
            ],
          }),
      ...(ended ? { finishedAt: new Date(Date.UTC(2026, 11, 7, 3, 0) + now * 1000) } : {}),
    };
  }
}

/** Each task definition's service revision: `service-revision/.../<revision number>`. */
const revisionOf = (taskDefinition: string) => serviceRevision(/:(\d+)$/.exec(taskDefinition)?.[1] ?? "0");
const meta = { $metadata: { httpStatusCode: 400 } };

/** Adds the ECS-native service and its deployments to `aws`'s ECS mock, on its clock. */
export function ecsNative(aws: ReleaseHarness, running: string = OLD) {
  const seconds = () => aws.clock / 1000;
  const deployments = new Map<string, EcsDeploymentTimeline>();
  const toCreate: EcsDeploymentTimeline[] = [];
  const state = { taskDefinition: running };
  const exists = (d: EcsDeploymentTimeline) => d.appearedAt !== undefined && d.appearedAt <= seconds();
  const taskDefinitions = new Set<string>([running]);

  aws.ecs.on(DescribeServicesCommand).callsFake(() => ({
    services: [
      {
        serviceArn: ECS_SERVICE_ARN,
        serviceName: "comments-api-prod",
        status: "ACTIVE",
        taskDefinition: state.taskDefinition,
        deploymentController: { type: "ECS" },
        deploymentConfiguration: ECS_CONFIGURATION,
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ["subnet-a", "subnet-b"],
            securityGroups: ["sg-1"],
            assignPublicIp: "DISABLED",
          },
        },
      },
    ],
    failures: [],
  }));
  aws.ecs.on(UpdateServiceCommand).callsFake((input: UpdateServiceCommandInput) => {
    const d = toCreate.shift();
    if (d === undefined)
      throw new Error("harness: UpdateService called, but no deployment is planned (creates())");
    d.appearedAt = seconds();
    d.taskDefinition = input.taskDefinition;
    taskDefinitions.add(input.taskDefinition ?? "");
    // The service's taskDefinition is the target's from the update on (API_Service.html).
    state.taskDefinition = input.taskDefinition ?? state.taskDefinition;
    return { service: { serviceArn: ECS_SERVICE_ARN, currentServiceDeployment: d.arn } };
  });
  aws.ecs
    .on(DescribeServiceDeploymentsCommand)
    .callsFake(({ serviceDeploymentArns }: { serviceDeploymentArns: string[] }) => {
      const found = serviceDeploymentArns.flatMap((arn) => {
        const d = deployments.get(arn);
        return d === undefined || !exists(d) ? [] : [d.answer(seconds())];
      });
      return {
        serviceDeployments: found,
        failures: serviceDeploymentArns
          .filter((arn) => !found.some((d) => d.serviceDeploymentArn === arn))
          .map((arn) => ({ arn, reason: "MISSING" })),
      };
    });
  aws.ecs.on(ListServiceDeploymentsCommand).callsFake((input: ListServiceDeploymentsCommandInput) => ({
    serviceDeployments: [...deployments.values()]
      .filter((d) => exists(d))
      .map((d) => d.answer(seconds()))
      .filter((d) => (input.status ?? []).includes(d.status ?? "PENDING"))
      .map((d) => ({
        serviceDeploymentArn: d.serviceDeploymentArn,
        targetServiceRevisionArn: d.targetServiceRevision?.arn,
        status: d.status,
      })),
  }));
  aws.ecs
    .on(DescribeServiceRevisionsCommand)
    .callsFake(({ serviceRevisionArns }: { serviceRevisionArns: string[] }) => ({
      serviceRevisions: [...taskDefinitions, ...[...deployments.values()].map((d) => d.taskDefinition ?? "")]
        .filter((td) => serviceRevisionArns.includes(revisionOf(td)))
        .map((td) => ({ serviceRevisionArn: revisionOf(td), taskDefinition: td })),
      failures: [],
    }));
  aws.ecs.on(StopServiceDeploymentCommand).callsFake(({ serviceDeploymentArn }) => {
    const d = deployments.get(serviceDeploymentArn ?? "");
    if (d === undefined || !exists(d))
      throw new ServiceDeploymentNotFoundException({
        message: "The service deploy ARN that you specified doesn't exist.",
        ...meta,
      });
    d.stoppedAt = seconds();
    return { serviceDeploymentArn };
  });

  const plan = (id: string) => {
    const d = new EcsDeploymentTimeline(serviceDeployment(id), running);
    deployments.set(d.arn, d);
    return d;
  };
  return {
    /** The service deployment the next UpdateService starts. */
    creates(id = "r9i43YFjvgF_xlg7m2eJ1r"): EcsDeploymentTimeline {
      const d = plan(id);
      toCreate.push(d);
      return d.at(0).status("PENDING");
    },
    /** A deployment under way when the release starts (a cancelled run's), shipping `taskDefinition`. */
    existing(id: string, taskDefinition: string, replacing?: string): EcsDeploymentTimeline {
      const d = plan(id).ships(taskDefinition, replacing);
      taskDefinitions.add(taskDefinition);
      if (replacing !== undefined) taskDefinitions.add(replacing);
      d.appearedAt = 0;
      state.taskDefinition = taskDefinition;
      return d;
    },
    /** The ECS adapter over the harness's clients. */
    deployer(): Deployer {
      return deployerFor("ecs", aws.clients, TARGET);
    },
    /** UpdateService's inputs, in turn. */
    updated: () => aws.ecs.commandCalls(UpdateServiceCommand).map((call) => call.args[0].input),
    /** StopServiceDeployment's inputs, in turn. */
    stopped: () => aws.ecs.commandCalls(StopServiceDeploymentCommand).map((call) => call.args[0].input),
  };
}
