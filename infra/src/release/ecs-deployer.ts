/**
 * The release engine's ECS-native adapter: a service with deployment controller ECS and strategy
 * BLUE_GREEN, CANARY or LINEAR. A release is one UpdateService (ecs-api.ts); ECS runs the
 * lifecycle hooks (the smoke test, the canary judge: ecs-hook-handler.ts), the traffic shift, the
 * bake time and the alarm rollback itself, and rolls back in place: the engine follows the same
 * service deployment through ROLLBACK_* statuses and fails the release when it ends rolled back.
 */
import type {
  DeploymentAlarms,
  ECSClient,
  ServiceDeployment,
  ServiceDeploymentStatus,
} from "@aws-sdk/client-ecs";
import type {
  AlarmPlan,
  CreateRequest,
  Deployer,
  DeploymentStatus,
  DeploymentView,
  Progress,
  Rollback,
  RunningService,
} from "./deployer";
import {
  type DeclaredDeployment,
  describeDeployment,
  describeDeployments,
  describeService,
  type EcsService,
  listDeployments,
  MOVING_STATUSES,
  releaseConfiguration,
  startDeployment,
  stopWithRollback,
  taskDefinitionsOf,
} from "./ecs-api";

/**
 * ECS's statuses as the engine reads them, as deployer.ts states the mapping
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html, status).
 */
export function ecsStatus(status: ServiceDeploymentStatus | undefined): {
  status: DeploymentStatus;
  rollback?: Rollback;
} {
  switch (status) {
    case "PENDING":
      return { status: "pending" };
    case "IN_PROGRESS":
    case "STOP_REQUESTED":
      return { status: "in-progress" };
    case "SUCCESSFUL":
      return { status: "succeeded" };
    case "STOPPED":
      return { status: "stopped" };
    case "ROLLBACK_REQUESTED":
    case "ROLLBACK_IN_PROGRESS":
      return { status: "failed", rollback: { state: "in-progress" } };
    case "ROLLBACK_SUCCESSFUL":
      return { status: "failed", rollback: { state: "succeeded" } };
    case "ROLLBACK_FAILED":
      return { status: "failed", rollback: { state: "failed" } };
    default:
      // A status this code does not know: still under way, so the engine keeps following it.
      return { status: "in-progress" };
  }
}

/** The engine's view of one service deployment, the revisions' task definitions looked up. */
export function viewOf(
  deployment: ServiceDeployment,
  taskDefinitions: Record<string, string>,
): DeploymentView {
  const { status, rollback } = ecsStatus(deployment.status);
  const target = deployment.targetServiceRevision?.arn;
  const source = deployment.sourceServiceRevisions?.find((r) => r.arn !== undefined && r.arn !== target)?.arn;
  const reasons = [deployment.statusReason, deployment.rollback?.reason].filter(
    (reason): reason is string => reason !== undefined && reason !== "",
  );
  const triggered = deployment.alarms?.triggeredAlarmNames ?? [];
  return {
    id: deployment.serviceDeploymentArn ?? "",
    status,
    statusText: deployment.status ?? "UNKNOWN",
    ...(target === undefined || taskDefinitions[target] === undefined
      ? {}
      : { targetTaskDefinition: taskDefinitions[target] }),
    ...(source === undefined || taskDefinitions[source] === undefined
      ? {}
      : { sourceTaskDefinition: taskDefinitions[source] }),
    ...(rollback === undefined ? {} : { rollback }),
    ...(status === "failed" || status === "stopped"
      ? {
          failure: `${deployment.status}: ${[...reasons, ...(triggered.length === 0 ? [] : [`alarms in ALARM: ${triggered.join(", ")}`])].join("; ") || "no reason given"}`,
        }
      : {}),
    ...(deployment.finishedAt === undefined ? {} : { completedAt: deployment.finishedAt.getTime() }),
  };
}

/** The log fragment of one poll: the stage, the new revision's traffic, the hooks running. */
export function progressOf(deployment: ServiceDeployment): Progress {
  const weight = deployment.targetServiceRevision?.requestedProductionTrafficWeight;
  const hooks = (deployment.lifecycleHookDetails ?? []).map(
    (hook) => `hook ${hook.targetArn?.split(":").at(-1) ?? hook.targetType ?? "?"} ${hook.status ?? "?"}`,
  );
  const parts = [
    ...(deployment.lifecycleStage === undefined ? [] : [deployment.lifecycleStage]),
    ...hooks,
    ...(weight === undefined ? [] : [`green ${weight}% of traffic`]),
  ];
  return { line: parts.join("; "), ...(weight === undefined ? {} : { greenWeight: weight }) };
}

/** The deployments tab of the service in the ECS console (no per-deployment page is documented). */
export function ecsConsoleUrl(target: EcsService): string {
  return `https://${target.region}.console.aws.amazon.com/ecs/v2/clusters/${target.cluster}/services/${target.service}/deployments?region=${target.region}`;
}

/** The adapter. */
export function ecsDeployer(ecs: ECSClient, target: EcsService, declared?: DeclaredDeployment): Deployer {
  const lookUp = async (deployments: ServiceDeployment[]) =>
    taskDefinitionsOf(
      ecs,
      deployments.flatMap((d) => [
        ...(d.targetServiceRevision?.arn === undefined ? [] : [d.targetServiceRevision.arn]),
        ...(d.sourceServiceRevisions ?? []).flatMap((r) => (r.arn === undefined ? [] : [r.arn])),
      ]),
    );
  const describe = async (id: string) => {
    const deployment = await describeDeployment(ecs, id);
    return viewOf(deployment, await lookUp([deployment]));
  };
  return {
    strategy: "ecs",
    label: "ECS",
    where: `${target.cluster}/${target.service}`,
    service: target.service,
    async active() {
      const moving = await listDeployments(ecs, target, MOVING_STATUSES);
      const revisions = await taskDefinitionsOf(
        ecs,
        moving.flatMap((d) => (d.targetServiceRevisionArn === undefined ? [] : [d.targetServiceRevisionArn])),
      );
      return moving.flatMap((d) =>
        d.serviceDeploymentArn === undefined
          ? []
          : [
              {
                id: d.serviceDeploymentArn,
                ...(d.targetServiceRevisionArn === undefined ||
                revisions[d.targetServiceRevisionArn] === undefined
                  ? {}
                  : { targetTaskDefinition: revisions[d.targetServiceRevisionArn] }),
              },
            ],
      );
    },
    describe,
    async progress(id) {
      try {
        return progressOf(await describeDeployment(ecs, id));
      } catch (error) {
        return { line: `progress not available (${(error as Error).name}: ${(error as Error).message})` };
      }
    },
    async running(): Promise<RunningService | undefined> {
      const service = await describeService(ecs, target);
      if (service === undefined) return undefined;
      const vpc = service.networkConfiguration?.awsvpcConfiguration;
      // ECS states no "live target group" for a service: blue and green take turns behind the
      // production rule (advancedConfiguration), so none is reported and alarms() says so.
      return {
        ...(service.taskDefinition === undefined ? {} : { taskDefinition: service.taskDefinition }),
        ...(vpc === undefined
          ? {}
          : { network: { subnets: vpc.subnets ?? [], securityGroups: vpc.securityGroups ?? [] } }),
      };
    },
    async alarms({ ignoreAlarms }): Promise<AlarmPlan> {
      const service = await describeService(ecs, target);
      const current = service?.deploymentConfiguration?.alarms;
      const names = current?.alarmNames ?? [];
      if (ignoreAlarms !== undefined) {
        const off: DeploymentAlarms = { alarmNames: names, enable: false, rollback: false };
        return { log: `rollback alarms ignored for this deployment: ${ignoreAlarms}`, detail: off };
      }
      // ECS keeps one alarm list per service
      // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html,
      // alarms) and names no live target group (only the production rule's forward weights do), so
      // the stack's list judges every release whole. Unlike CodeDeploy's per-colour choice
      // (release.ts alarmsForRelease), an alarm on the live colour could roll back its own fix: an
      // ECS stack lists only alarms of neither colour (the load balancer's: docs/ecs-native.md).
      if (names.length === 0)
        return { log: "no deployment alarms on the service: the lifecycle hooks judge this release" };
      const on: DeploymentAlarms = { alarmNames: names, enable: true, rollback: true };
      return {
        log: `judged by the service's deployment alarms (ECS keeps one list per service, and names no live target group): ${names.join(", ")}`,
        detail: on,
      };
    },
    async create(request: CreateRequest) {
      const service = await describeService(ecs, target);
      const deploymentConfiguration = releaseConfiguration(service?.deploymentConfiguration, {
        ...(declared === undefined ? {} : { declared }),
        ...(request.alarms.detail === undefined ? {} : { alarms: request.alarms.detail as DeploymentAlarms }),
        ...(request.allAtOnce === true ? { allAtOnce: true } : {}),
      });
      return startDeployment(ecs, target, {
        taskDefinition: request.taskDefinitionArn,
        ...(request.network === undefined ? {} : { network: request.network }),
        ...(deploymentConfiguration === undefined ? {} : { deploymentConfiguration }),
      });
    },
    async stopWithRollback(id) {
      await stopWithRollback(ecs, id);
    },
    async succeeded() {
      const briefs = await listDeployments(ecs, target, ["SUCCESSFUL"]);
      const deployments = await describeDeployments(
        ecs,
        briefs.flatMap((b) => (b.serviceDeploymentArn === undefined ? [] : [b.serviceDeploymentArn])),
      );
      const revisions = await lookUp(deployments);
      const views = deployments.map((d) => viewOf(d, revisions));
      return views;
    },
    consoleUrl: () => ecsConsoleUrl(target),
  };
}
