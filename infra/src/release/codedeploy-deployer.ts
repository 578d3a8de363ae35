/**
 * The CodeDeploy blue/green adapter of the release engine (deployer.ts): the one place under
 * infra/src/release that calls CodeDeploy, and the one place that reads the service for a release
 * (ListDeployments, GetDeployment, StopDeployment with rollback, DescribeServices).
 */
import {
  type AlarmConfiguration,
  BatchGetDeploymentsCommand,
  type CodeDeployClient,
  type DeploymentStatus as CodeDeployStatus,
  CreateDeploymentCommand,
  type DeploymentInfo,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  type GetDeploymentTargetOutput,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import { DescribeServicesCommand, type ECSClient, type Service } from "@aws-sdk/client-ecs";
import { type AppSpec, type AppSpecInput, buildAppSpec, type TaskNetwork } from "./appspec";
import {
  type AlarmPlan,
  type CreateRequest,
  type Deployer,
  DeploymentConflict,
  type DeploymentStatus,
  type DeploymentView,
  type Progress,
  type RunningService,
} from "./deployer";
import { replacedTaskDefinition } from "./rollback-target";

/** Who a CodeDeploy release talks to: application, group, cluster, service, container and hooks. */
export interface CodeDeployTarget {
  region: string;
  application: string;
  deploymentGroup: string;
  cluster: string;
  service: string;
  containerName: string;
  containerPort: number;
  /** @default LATEST, on CodeDeploy's side */
  platformVersion?: string;
  /** @default none */
  hooks?: AppSpecInput["hooks"];
}

/** The clients the adapter calls. */
export interface CodeDeployClients {
  codedeploy: CodeDeployClient;
  ecs: ECSClient;
}

/** Statuses of a deployment still under way. */
export const ACTIVE_STATUSES = ["Created", "Queued", "InProgress", "Baking", "Ready"] as const;

/**
 * CodeDeploy's statuses, normalized (deployer.ts states the mapping;
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html).
 */
const STATUS: Record<CodeDeployStatus, DeploymentStatus> = {
  Created: "pending",
  Queued: "pending",
  InProgress: "in-progress",
  Baking: "in-progress",
  Ready: "in-progress",
  Succeeded: "succeeded",
  Failed: "failed",
  Stopped: "stopped",
};

/** `--all-at-once`'s predefined configuration (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html). */
export const ALL_AT_ONCE = "CodeDeployDefault.ECSAllAtOnce";

/** What GetDeploymentTarget answers before CodeDeploy has set the deployment's target up. */
const NOT_YET = new Set(["DeploymentNotStartedException", "DeploymentTargetDoesNotExistException"]);

/** The task definition a deployment ships, read from its AppSpec; undefined when it has none. */
export function taskDefinitionOf(info: DeploymentInfo): string | undefined {
  const content = info.revision?.appSpecContent?.content;
  if (content === undefined) return undefined;
  try {
    return (JSON.parse(content) as AppSpec).Resources[0]?.TargetService.Properties.TaskDefinition;
  } catch {
    return undefined;
  }
}

/** A DeploymentInfo as the engine reads it. */
export function viewOf(info: DeploymentInfo, id: string): DeploymentView {
  const statusText = info.status ?? "unknown";
  // An unknown status (one CodeDeploy adds later) is read as under way: the deadline still ends it.
  const status = STATUS[statusText as CodeDeployStatus] ?? "in-progress";
  const error = info.errorInformation;
  const target = taskDefinitionOf(info);
  const source = replacedTaskDefinition(info.description);
  const rollbackId = info.rollbackInfo?.rollbackDeploymentId;
  return {
    id: info.deploymentId ?? id,
    status,
    statusText,
    ...(target === undefined ? {} : { targetTaskDefinition: target }),
    ...(source === undefined ? {} : { sourceTaskDefinition: source }),
    ...(rollbackId === undefined ? {} : { rollback: { deploymentId: rollbackId } }),
    ...(status === "failed" || status === "stopped"
      ? { failure: `${error?.code ?? "no error code"}: ${error?.message ?? "no message"}` }
      : {}),
    ...(info.description === undefined ? {} : { description: info.description }),
    ...(info.completeTime === undefined ? {} : { completedAt: info.completeTime.getTime() }),
  };
}

/**
 * The network configuration the service's tasks run with: that of the PRIMARY task set (a
 * CODE_DEPLOY service keeps it there), else the service's own.
 */
export function runningNetwork(service: Service | undefined): TaskNetwork | undefined {
  const primary = service?.taskSets?.find((set) => set.status === "PRIMARY");
  const vpc = (primary?.networkConfiguration ?? service?.networkConfiguration)?.awsvpcConfiguration;
  if (vpc === undefined) return undefined;
  return { subnets: vpc.subnets ?? [], securityGroups: vpc.securityGroups ?? [] };
}

/** The alarms one deployment is judged by, and the line that says so. */
export interface AlarmChoice {
  /** CreateDeployment's overrideAlarmConfiguration; undefined: the deployment group's alarms. */
  override?: AlarmConfiguration;
  log: string;
}

/**
 * Which rollback alarms judge a release: those of the replacement target group (the one the live
 * task set is not on) and those of neither colour (the load balancer's), so that an incident on
 * the live version cannot roll back its own fix. Passed as overrideAlarmConfiguration, which
 * replaces the group's alarms for one deployment and needs codedeploy:UpdateDeploymentGroup
 * (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html).
 * `targetGroups`: the deployment group's pair, blue first; alarm names carry `-blue-`/`-green-`.
 */
export function alarmsForRelease(input: {
  groupAlarms: string[];
  targetGroups: string[];
  /** The live (PRIMARY) task set's target group ARN: `...:targetgroup/<name>/<id>`. */
  liveTargetGroupArn: string | undefined;
  ignoreAlarms?: string;
}): AlarmChoice {
  if (input.ignoreAlarms !== undefined) {
    return {
      override: { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
      log: `rollback alarms ignored for this deployment: ${input.ignoreAlarms}`,
    };
  }
  const live = input.liveTargetGroupArn?.split(":").at(-1)?.split("/")[1];
  const index = live === undefined ? -1 : input.targetGroups.indexOf(live);
  if (index === -1 || input.targetGroups.length !== 2 || input.groupAlarms.length === 0) {
    return {
      log: `could not tell the live target group (${live ?? "no primary task set"} of ${input.targetGroups.join(", ") || "none"}): the deployment group's alarms, both colours', judge this release`,
    };
  }
  const colours = ["blue", "green"] as const;
  const replacement = colours[1 - index] as (typeof colours)[number];
  const colourOf = (alarm: string) => colours.find((colour) => alarm.includes(`-${colour}-`));
  const alarms = input.groupAlarms.filter((alarm) => [replacement, undefined].includes(colourOf(alarm)));
  return {
    override: { enabled: true, ignorePollAlarmFailure: false, alarms: alarms.map((name) => ({ name })) },
    log: `judged by the rollback alarms of ${replacement} (the replacement, on ${input.targetGroups[1 - index]}) and the load balancer: ${alarms.join(", ")}`,
  };
}

/** The deployment's page in the AWS console. */
export function consoleUrl(region: string, deploymentId: string): string {
  return `https://${region}.console.aws.amazon.com/codesuite/codedeploy/deployments/${deploymentId}?region=${region}`;
}

/** The CodeDeploy adapter for one deployment group and its service. */
export function codeDeployDeployer(clients: CodeDeployClients, target: CodeDeployTarget): Deployer {
  const group = { applicationName: target.application, deploymentGroupName: target.deploymentGroup };
  const getDeployment = async (deploymentId: string): Promise<DeploymentInfo> => {
    const { deploymentInfo } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    if (deploymentInfo === undefined) throw new Error(`deployment ${deploymentId} not found`);
    return deploymentInfo;
  };
  /** ListDeployments filters by status and pages with nextToken (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ListDeployments.html). */
  const list = async (statuses: CodeDeployStatus[], all: boolean): Promise<string[]> => {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await clients.codedeploy.send(
        new ListDeploymentsCommand({
          ...group,
          includeOnlyStatuses: statuses,
          ...(nextToken === undefined ? {} : { nextToken }),
        }),
      );
      ids.push(...(page.deployments ?? []));
      nextToken = all ? page.nextToken : undefined;
    } while (nextToken !== undefined);
    return ids;
  };
  const describeService = async (): Promise<Service | undefined> => {
    const { services } = await clients.ecs.send(
      new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }),
    );
    return services?.[0];
  };

  return {
    strategy: "codedeploy",
    label: "CodeDeploy",
    where: `${target.application}/${target.deploymentGroup}`,
    service: target.service,

    async active() {
      // One active deployment per group: the first page holds it.
      const ids = await list([...ACTIVE_STATUSES], false);
      const found: DeploymentView[] = [];
      for (const id of ids) found.push({ ...viewOf(await getDeployment(id), id), id });
      return found;
    },

    async describe(id) {
      return viewOf(await getDeployment(id), id);
    },

    /**
     * Whatever GetDeploymentTarget answers, the release goes on. Just after CreateDeployment it
     * answers DeploymentNotStartedException or DeploymentTargetDoesNotExistException for a while
     * (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_GetDeploymentTarget.html).
     */
    async progress(deploymentId): Promise<Progress> {
      let deploymentTarget: GetDeploymentTargetOutput["deploymentTarget"];
      try {
        ({ deploymentTarget } = await clients.codedeploy.send(
          new GetDeploymentTargetCommand({ deploymentId, targetId: `${target.cluster}:${target.service}` }),
        ));
      } catch (error) {
        const name = (error as { name?: string }).name ?? "Error";
        if (NOT_YET.has(name)) return { line: `progress not available yet (${name})` };
        return { line: `progress not available (${name}: ${(error as Error).message})` };
      }
      const ecs = deploymentTarget?.ecsTarget;
      if (ecs === undefined) return { line: "" };
      const events = (ecs.lifecycleEvents ?? [])
        .filter((event) => event.status !== "Pending")
        .map((event) => `${event.lifecycleEventName} ${event.status}`);
      const green = ecs.taskSetsInfo?.find((set) => set.taskSetLabel === "Green");
      const traffic = green?.trafficWeight === undefined ? [] : [`green ${green.trafficWeight}% of traffic`];
      return {
        line: [...events.slice(-1), ...traffic].join("; "),
        ...(green?.trafficWeight === undefined ? {} : { greenWeight: green.trafficWeight }),
      };
    },

    async running(): Promise<RunningService | undefined> {
      const service = await describeService();
      if (service === undefined) return undefined;
      const network = runningNetwork(service);
      const live = service.taskSets?.find((set) => set.status === "PRIMARY")?.loadBalancers?.[0]
        ?.targetGroupArn;
      return {
        ...(service.taskDefinition === undefined ? {} : { taskDefinition: service.taskDefinition }),
        ...(network === undefined ? {} : { network }),
        ...(live === undefined ? {} : { liveTargetGroupArn: live }),
      };
    },

    async alarms({ running, ignoreAlarms }): Promise<AlarmPlan> {
      const { deploymentGroupInfo } = (await clients.codedeploy.send(
        new GetDeploymentGroupCommand(group),
      )) ?? {
        deploymentGroupInfo: undefined,
      };
      const names = <T extends { name?: string }>(items: T[] | undefined) =>
        (items ?? []).flatMap((item) => (item.name === undefined ? [] : [item.name]));
      const choice = alarmsForRelease({
        groupAlarms: names(deploymentGroupInfo?.alarmConfiguration?.alarms),
        targetGroups: names(
          deploymentGroupInfo?.loadBalancerInfo?.targetGroupPairInfoList?.[0]?.targetGroups,
        ),
        liveTargetGroupArn: running?.liveTargetGroupArn,
        ...(ignoreAlarms === undefined ? {} : { ignoreAlarms }),
      });
      return { log: choice.log, ...(choice.override === undefined ? {} : { detail: choice.override }) };
    },

    async create(request: CreateRequest) {
      const appSpec = buildAppSpec({
        taskDefinitionArn: request.taskDefinitionArn,
        containerName: target.containerName,
        containerPort: target.containerPort,
        ...(target.platformVersion === undefined ? {} : { platformVersion: target.platformVersion }),
        ...(target.hooks === undefined ? {} : { hooks: target.hooks }),
        ...(request.network === undefined ? {} : { network: request.network }),
      });
      const override = request.alarms.detail as AlarmConfiguration | undefined;
      try {
        const created = await clients.codedeploy.send(
          new CreateDeploymentCommand({
            ...group,
            description: request.description,
            ...(override === undefined ? {} : { overrideAlarmConfiguration: override }),
            // CreateDeployment takes a configuration per deployment
            // (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html).
            ...(request.allAtOnce === true ? { deploymentConfigName: ALL_AT_ONCE } : {}),
            revision: {
              revisionType: "AppSpecContent",
              appSpecContent: { content: JSON.stringify(appSpec) },
            },
          }),
        );
        if (created.deploymentId === undefined) throw new Error("CreateDeployment returned no deployment id");
        return created.deploymentId;
      } catch (error) {
        // One active deployment per group; CreateDeployment refuses a second with this error
        // (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html#API_CreateDeployment_Errors).
        if ((error as { name?: string }).name !== "DeploymentLimitExceededException") throw error;
        throw new DeploymentConflict("CodeDeploy allows one deployment per group");
      }
    },

    /** StopDeployment with autoRollbackEnabled routes traffic back to the original task set (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_StopDeployment.html). */
    async stopWithRollback(deploymentId) {
      await clients.codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
    },

    async succeeded() {
      const ids = await list(["Succeeded"], true);
      const views: DeploymentView[] = [];
      // BatchGetDeployments takes at most 25 ids per call
      // (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_BatchGetDeployments.html).
      for (let i = 0; i < ids.length; i += 25) {
        const { deploymentsInfo } = await clients.codedeploy.send(
          new BatchGetDeploymentsCommand({ deploymentIds: ids.slice(i, i + 25) }),
        );
        for (const info of deploymentsInfo ?? [])
          if (info.deploymentId !== undefined) views.push(viewOf(info, info.deploymentId));
      }
      return views.filter((view) => view.status === "succeeded");
    },

    consoleUrl: (id) => consoleUrl(target.region, id),
  };
}
