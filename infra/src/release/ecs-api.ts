/**
 * The ECS calls of an ECS-native release (deployment controller ECS, strategy BLUE_GREEN, CANARY or
 * LINEAR), one function each, so the adapter (ecs-deployer.ts) and the CLI read the same way:
 *
 * - start: UpdateService with the new task definition, which "triggers a new service deployment"
 *   (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html, taskDefinition);
 * - follow: DescribeServiceDeployments (status, lifecycleStage, rollback, the revisions' traffic)
 *   and ListServiceDeployments (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListServiceDeployments.html);
 * - stop: StopServiceDeployment with stopType ROLLBACK, which rolls back "even if you didn't
 *   configure the service deployment for the rollback option"
 *   (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html).
 */
import {
  type DeploymentAlarms,
  type DeploymentConfiguration,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  type ECSClient,
  ListServiceDeploymentsCommand,
  type Service,
  type ServiceDeployment,
  type ServiceDeploymentBrief,
  type ServiceDeploymentStatus,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import type { TrafficRouting } from "../config/routing";
import { ecsDeploymentConfiguration } from "../documents/ecs-deployment";
import type { TaskNetwork } from "./appspec";

/** Who an ECS-native release talks to. */
export interface EcsService {
  region: string;
  cluster: string;
  service: string;
}

/**
 * Statuses of a service deployment still moving: forward, stopping, or rolling back
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html, status).
 */
export const MOVING_STATUSES: ServiceDeploymentStatus[] = [
  "PENDING",
  "IN_PROGRESS",
  "STOP_REQUESTED",
  "ROLLBACK_REQUESTED",
  "ROLLBACK_IN_PROGRESS",
];

/** DescribeServiceDeployments and DescribeServiceRevisions take at most 20 ARNs a call (their API references). */
export const MAX_ARNS = 20;

/** The service, or undefined when DescribeServices does not find it (it answers `failures`, not an error). */
export async function describeService(ecs: ECSClient, target: EcsService): Promise<Service | undefined> {
  const { services } = await ecs.send(
    new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }),
  );
  return services?.find((s) => s.status !== "INACTIVE");
}

/** What one release asks of UpdateService. */
export interface StartRequest {
  taskDefinition: string;
  /** @default the service's network is kept */
  network?: TaskNetwork;
  /**
   * The deployment configuration to run this deployment with (the service's, with this release's
   * alarms or strategy): sent whole, never a fragment, so nothing the stack set is dropped.
   * @default the service's, untouched
   */
  deploymentConfiguration?: DeploymentConfiguration;
}

/**
 * Starts a service deployment: one UpdateService with the task definition (and network, and the
 * deployment configuration this release runs with). Returns the new service deployment's ARN, the
 * service's `currentServiceDeployment` in the answer
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html).
 */
export async function startDeployment(
  ecs: ECSClient,
  target: EcsService,
  request: StartRequest,
): Promise<string> {
  const { service } = await ecs.send(
    new UpdateServiceCommand({
      cluster: target.cluster,
      service: target.service,
      taskDefinition: request.taskDefinition,
      ...(request.network === undefined
        ? {}
        : {
            networkConfiguration: {
              awsvpcConfiguration: {
                subnets: request.network.subnets,
                securityGroups: request.network.securityGroups,
                assignPublicIp: "DISABLED",
              },
            },
          }),
      ...(request.deploymentConfiguration === undefined
        ? {}
        : { deploymentConfiguration: request.deploymentConfiguration }),
    }),
  );
  const arn = service?.currentServiceDeployment;
  if (arn === undefined)
    throw new Error(
      `UpdateService of ${target.cluster}/${target.service} answered no currentServiceDeployment`,
    );
  // currentServiceDeployment is "the ARN of the current service deployment"
  // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html); nothing says it is
  // already the one this call started. Follow it only when its target revision ships the requested
  // task definition; else the newest pending or running deployment that does
  // (ListServiceDeployments lists newest first: API_ListServiceDeployments.html), never an older,
  // finished one reported as this release.
  const ships = (taskDefinition: string | undefined) =>
    taskDefinition !== undefined &&
    (taskDefinition === request.taskDefinition || taskDefinition.endsWith(`/${request.taskDefinition}`));
  const current = await describeDeployment(ecs, arn);
  const currentRevision = current.targetServiceRevision?.arn;
  const currentTaskDefinition =
    currentRevision === undefined
      ? undefined
      : (await taskDefinitionsOf(ecs, [currentRevision]))[currentRevision];
  if (ships(currentTaskDefinition)) return arn;
  const moving = await listDeployments(ecs, target, ["PENDING", "IN_PROGRESS"]);
  const revisions = await taskDefinitionsOf(
    ecs,
    moving.flatMap((d) => (d.targetServiceRevisionArn === undefined ? [] : [d.targetServiceRevisionArn])),
  );
  const mine = moving.find(
    (d) => d.targetServiceRevisionArn !== undefined && ships(revisions[d.targetServiceRevisionArn]),
  )?.serviceDeploymentArn;
  if (mine === undefined)
    throw new Error(
      `UpdateService of ${target.cluster}/${target.service} answered ${arn}, which ships ${currentTaskDefinition ?? "no known task definition"}, and no pending or running deployment ships ${request.taskDefinition}`,
    );
  return mine;
}

/** One service deployment; throws when ECS does not know it (a `failures` entry, or nothing). */
export async function describeDeployment(ecs: ECSClient, arn: string): Promise<ServiceDeployment> {
  const { serviceDeployments, failures } = await ecs.send(
    new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
  );
  const found = serviceDeployments?.find((d) => d.serviceDeploymentArn === arn);
  if (found === undefined) {
    const failure = failures?.[0];
    throw new Error(
      `service deployment ${arn} not found${failure === undefined ? "" : ` (${failure.reason ?? "no reason"}${failure.detail === undefined ? "" : `: ${failure.detail}`})`}`,
    );
  }
  return found;
}

/** Service deployments by ARN, 20 a call; those ECS does not know are left out. */
export async function describeDeployments(ecs: ECSClient, arns: string[]): Promise<ServiceDeployment[]> {
  const found: ServiceDeployment[] = [];
  for (let i = 0; i < arns.length; i += MAX_ARNS) {
    const { serviceDeployments } = await ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: arns.slice(i, i + MAX_ARNS) }),
    );
    found.push(...(serviceDeployments ?? []));
  }
  return found;
}

/** The service's deployments in the given statuses, newest first as ECS lists them, every page. */
export async function listDeployments(
  ecs: ECSClient,
  target: EcsService,
  status: ServiceDeploymentStatus[],
): Promise<ServiceDeploymentBrief[]> {
  const all: ServiceDeploymentBrief[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(
      new ListServiceDeploymentsCommand({
        cluster: target.cluster,
        service: target.service,
        status,
        ...(nextToken === undefined ? {} : { nextToken }),
      }),
    );
    all.push(...(page.serviceDeployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return all;
}

/** Stops a service deployment and rolls it back to the service revision it replaced. */
export async function stopWithRollback(ecs: ECSClient, arn: string): Promise<void> {
  await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: "ROLLBACK" }));
}

/** Service revision ARN -> its task definition ARN, 20 revisions a call. */
export async function taskDefinitionsOf(
  ecs: ECSClient,
  revisionArns: string[],
): Promise<Record<string, string>> {
  const unique = [...new Set(revisionArns)];
  const found: Record<string, string> = {};
  for (let i = 0; i < unique.length; i += MAX_ARNS) {
    const { serviceRevisions } = await ecs.send(
      new DescribeServiceRevisionsCommand({ serviceRevisionArns: unique.slice(i, i + MAX_ARNS) }),
    );
    for (const revision of serviceRevisions ?? [])
      if (revision.serviceRevisionArn !== undefined && revision.taskDefinition !== undefined)
        found[revision.serviceRevisionArn] = revision.taskDefinition;
  }
  return found;
}

/** What the stack declares for its ECS deployments, as synth builds it (documents/ecs-deployment.ts). */
export interface DeclaredDeployment {
  routing: TrafficRouting;
  /** Whether the stack has a judge hook (a canary analysis). */
  judged: boolean;
  /** How long the judge holds the production shift (ecs-deployment.ts judgeHoldMinutes): the canary bakes the rest. */
  judgeHoldMinutes: number;
}

/**
 * The strategy part of the stack's declared deployment configuration (strategy, bake times, canary
 * or linear step) in the SDK's shape: the same function synth gives the service
 * (ecsDeploymentConfiguration), so a release runs what the stack declares, never what an earlier
 * release left on the service.
 */
export function declaredStrategy(
  declared: DeclaredDeployment,
): Pick<
  DeploymentConfiguration,
  "strategy" | "bakeTimeInMinutes" | "canaryConfiguration" | "linearConfiguration"
> {
  const c = ecsDeploymentConfiguration(declared.routing, {
    roleArn: "",
    smoke: "",
    ...(declared.judged ? { judge: { arn: "", details: "", holdMinutes: declared.judgeHoldMinutes } } : {}),
  });
  return {
    strategy: c.strategy,
    bakeTimeInMinutes: Number(c.bakeTimeInMinutes),
    ...(c.canaryConfiguration === undefined
      ? {}
      : {
          canaryConfiguration: {
            canaryPercent: c.canaryConfiguration.canaryPercent,
            canaryBakeTimeInMinutes: Number(c.canaryConfiguration.canaryBakeTimeInMinutes),
          },
        }),
    ...(c.linearConfiguration === undefined
      ? {}
      : {
          linearConfiguration: {
            stepPercent: c.linearConfiguration.stepPercent,
            stepBakeTimeInMinutes: Number(c.linearConfiguration.stepBakeTimeInMinutes),
          },
        }),
  };
}

/**
 * The deployment configuration one release runs with: the service's own, whole (hooks, circuit
 * breaker, percents), with the strategy the stack declares, the alarm list of this release, and
 * for the all-at-once fast path strategy BLUE_GREEN. UpdateService's deploymentConfiguration
 * "doesn't trigger a new service deployment" by itself (API_UpdateService.html): sent in the call
 * that changes the task definition, it is the configuration the new deployment records
 * (ServiceDeployment.deploymentConfiguration,
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html) and stays
 * the service's until the next UpdateService. So the strategy comes from the stack, never from
 * DescribeServices: an all-at-once rollback leaves BLUE_GREEN on the service, `pulumi up` diffs
 * against its state and would not put CANARY back, and every later release would copy it (no
 * canary, no judge).
 */
export function releaseConfiguration(
  current: DeploymentConfiguration | undefined,
  change: { declared?: DeclaredDeployment; alarms?: DeploymentAlarms; allAtOnce?: boolean },
): DeploymentConfiguration | undefined {
  if (change.declared === undefined && change.alarms === undefined && change.allAtOnce !== true)
    return undefined;
  const base: DeploymentConfiguration =
    change.declared === undefined
      ? { ...current }
      : (() => {
          const {
            strategy: _s,
            bakeTimeInMinutes: _b,
            canaryConfiguration: _c,
            linearConfiguration: _l,
            ...kept
          } = current ?? {};
          return { ...kept, ...declaredStrategy(change.declared) };
        })();
  const { canaryConfiguration: _canary, linearConfiguration: _linear, ...rest } = base;
  return {
    ...(change.allAtOnce === true ? { ...rest, strategy: "BLUE_GREEN" } : base),
    ...(change.alarms === undefined ? {} : { alarms: change.alarms }),
  };
}
