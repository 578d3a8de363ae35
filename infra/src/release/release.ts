/**
 * The release step: ship a new task definition to a CODE_DEPLOY ECS service through a CodeDeploy
 * blue/green deployment, print its progress, and fail unless it succeeds. The AWS SDK v3 clients
 * are passed in (endpoints from the SDK's standard environment, e.g. AWS_ENDPOINT_URL), so the same
 * code runs from `pulumi up`, from `pnpm release`, and against aws-sdk-client-mock in tests.
 */
import {
  type AlarmConfiguration,
  type CodeDeployClient,
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
import { type AppSpecInput, buildAppSpec, type TaskNetwork } from "./appspec";
import {
  CANARY_START,
  type CanaryObservation,
  type CanaryPlan,
  type CanaryState,
  nextCanaryStep,
} from "./canary";
import type { LookResult } from "./look";
import { overrideNotes } from "./overrides";

/** The AWS SDK clients a release calls. */
export interface ReleaseClients {
  codedeploy: CodeDeployClient;
  ecs: ECSClient;
}

/** Who a release talks to: application, group, cluster, service, container and hooks. */
export interface ReleaseTarget {
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

/** What one release does, and how it reports. */
export interface ReleaseOptions {
  taskDefinitionArn: string;
  /**
   * This deployment's configuration instead of the deployment group's (`pnpm release rollback
   * --all-at-once`: CodeDeployDefault.ECSAllAtOnce). CreateDeployment takes one per deployment
   * (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html,
   * deploymentConfigName). @default the deployment group's
   */
  deploymentConfigName?: string;
  /**
   * The tasks' desired subnets and security groups. A change releases even the same revision: a
   * CODE_DEPLOY service takes network changes only from a deployment.
   * @default none: the running network configuration is kept
   */
  network?: TaskNetwork;
  /** A deployment of another task definition already active: stop it with rollback, or fail. */
  onConflict: "stop" | "fail";
  deadlineSeconds: number;
  /** @default 15 (cdk-ecs-codedeploy polls at the same pace) */
  pollSeconds?: number;
  log: (line: string) => void;
  /**
   * Run without rollback alarms (an emergency fix while the alarms are in alarm); the reason goes
   * into the deployment's description and the log. @default alarms of the replacement colour judge
   */
  ignoreAlarms?: string;
  /**
   * Judge the canary by Prometheus: while green holds part of the traffic, `nextCanaryStep` says
   * when to look (fixed minute marks from the canary's start) and what each outcome does: a fail,
   * or `consecutiveErrorLimit` failed looks, stops the deployment with rollback; the end of the
   * canary does what the last look and the analysis say. @default no analysis
   */
  canary?: {
    plan: Omit<CanaryPlan, "unjudgeable">;
    /** Queries and judges one look; `baselineTaskDefinition` is what the service ran before. */
    look: (request: {
      look: number;
      at: number;
      windowSeconds: number;
      baselineTaskDefinition?: string;
    }) => Promise<LookResult>;
  };
  /**
   * Asked before a deployment is created: may this release start (error budget left, no page
   * firing)? Refused unless `overrideBudget` says why. @default no gate
   */
  gate?: () => Promise<{ allowed: boolean; lines: string[] }>;
  overrideBudget?: string;
  /** Why the canary analysis does not run (the caller leaves `canary` out); recorded. @default it runs */
  skipAnalysis?: string;
  /** Posts the release's start and end (Grafana annotations); its failures are logged, never fatal. */
  annotate?: (event: ReleaseEvent) => Promise<string | undefined>;
  /** Injected for tests. @default real time */
  sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  now?: () => number;
}

/** A release's start or end, for annotations. */
export interface ReleaseEvent {
  phase: "start" | "end";
  deploymentId: string;
  /** Unix milliseconds. */
  time: number;
  /** The annotation the start returned, for the end to close. */
  startId?: string;
  outcome?: "succeeded" | "failed";
  /** The last look's outcome, when an analysis ran. */
  verdict?: CanaryState["last"];
  /** The emergency routes taken, with their reasons (overrides.ts). */
  notes?: string[];
}

/** What a release did: nothing, created a deployment, or attached to one already under way. */
export type ReleaseResult = { action: "none" } | { action: "deployed" | "attached"; deploymentId: string };

/** A release that did not succeed, with the deployment it concerns. */
export class ReleaseError extends Error {
  constructor(
    message: string,
    readonly deploymentId?: string,
  ) {
    super(message);
    this.name = "ReleaseError";
  }
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

/** Statuses of a deployment still under way. */
export const ACTIVE_STATUSES = ["Created", "Queued", "InProgress", "Baking", "Ready"] as const;

/** What GetDeploymentTarget answers before CodeDeploy has set the deployment's target up. */
const NOT_YET = new Set(["DeploymentNotStartedException", "DeploymentTargetDoesNotExistException"]);

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

/** What differs between two network configurations, as a log fragment; "" when they are the same set. */
export function networkChange(from: TaskNetwork | undefined, to: TaskNetwork | undefined): string {
  if (to === undefined) return "";
  const same = (a: string[], b: string[]) => [...a].sort().join(",") === [...b].sort().join(",");
  const parts: string[] = [];
  if (from === undefined || !same(from.subnets, to.subnets))
    parts.push(`subnets ${from?.subnets.join(",") ?? "unknown"} -> ${to.subnets.join(",")}`);
  if (from === undefined || !same(from.securityGroups, to.securityGroups))
    parts.push(
      `security groups ${from?.securityGroups.join(",") ?? "unknown"} -> ${to.securityGroups.join(",")}`,
    );
  return parts.join("; ");
}

/** The task definition a deployment ships, read from its AppSpec; undefined when it has none. */
export function taskDefinitionOf(info: DeploymentInfo): string | undefined {
  const content = info.revision?.appSpecContent?.content;
  if (content === undefined) return undefined;
  try {
    return (JSON.parse(content) as ReturnType<typeof buildAppSpec>).Resources[0]?.TargetService.Properties
      .TaskDefinition;
  } catch {
    return undefined;
  }
}

/** What to do after one poll. */
export type Decision = { next: "wait" } | { next: "succeeded" } | { next: "failed"; reason: string };

/** A status of a deployment still under way. */
export function isActive(status: string | undefined): boolean {
  return (ACTIVE_STATUSES as readonly string[]).includes(status ?? "");
}

/**
 * One poll, one decision: the deployment and, once it names one, its rollback deployment in, what
 * to do out. Pure, and tested status by status as a table; the loop in `release` only does I/O.
 */
export function nextStep(deployment: DeploymentInfo, rollback?: DeploymentInfo): Decision {
  if (isActive(deployment.status)) return { next: "wait" };
  if (deployment.status === "Succeeded") return { next: "succeeded" };
  const rollbackId = deployment.rollbackInfo?.rollbackDeploymentId;
  // A failed or stopped deployment is done only once its rollback is: traffic is back on blue.
  if (rollbackId !== undefined && (rollback === undefined || isActive(rollback.status)))
    return { next: "wait" };
  const error = deployment.errorInformation;
  const rolledBack =
    rollbackId === undefined
      ? "no rollback deployment"
      : `rolled back by ${rollbackId} (${rollback?.status})`;
  return {
    next: "failed",
    reason: `deployment ${deployment.deploymentId} ${deployment.status}: ${error?.code ?? "no error code"}: ${error?.message ?? "no message"}; ${rolledBack}`,
  };
}

/** The deployment's page in the AWS console. */
export function consoleUrl(region: string, deploymentId: string): string {
  return `https://${region}.console.aws.amazon.com/codesuite/codedeploy/deployments/${deploymentId}?region=${region}`;
}

/** Ships a task definition (and network) through a CodeDeploy deployment, follows it, and fails unless it succeeds. */
export async function release(
  clients: ReleaseClients,
  target: ReleaseTarget,
  options: ReleaseOptions,
): Promise<ReleaseResult> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const pollMs = (options.pollSeconds ?? 15) * 1000;
  const started = now();
  const stamp = () => `+${Math.round((now() - started) / 1000)}s`;

  const getDeployment = async (deploymentId: string): Promise<DeploymentInfo> => {
    const { deploymentInfo } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    if (deploymentInfo === undefined)
      throw new ReleaseError(`deployment ${deploymentId} not found`, deploymentId);
    return deploymentInfo;
  };
  const activeDeployments = async (): Promise<string[]> => {
    const { deployments } = await clients.codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: target.application,
        deploymentGroupName: target.deploymentGroup,
        includeOnlyStatuses: [...ACTIVE_STATUSES],
      }),
    );
    return deployments ?? [];
  };

  /**
   * Progress is for the log only: whatever GetDeploymentTarget answers, the release goes on.
   * Just after CreateDeployment it answers DeploymentNotStartedException or
   * DeploymentTargetDoesNotExistException for a while
   * (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_GetDeploymentTarget.html).
   */
  const describeProgress = async (deploymentId: string): Promise<{ line: string; greenWeight?: number }> => {
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
  };
  let stoppedBy: { reason: string; table: string[] } | undefined;
  let canaryState: CanaryState = CANARY_START;
  let lastLook: LookResult | undefined;
  /** Set once the service's current revision is known: the canary's baseline, and whether it differs. */
  let baselineTaskDefinition: string | undefined;
  /**
   * The I/O loop: poll the deployment (and its rollback once it names one), print one line per
   * change, ask `nextStep` what to do. Past the deadline it stops the deployment with rollback,
   * once, and keeps following until the rollback is done.
   */
  const settle = async (
    deploymentId: string,
    enforceDeadline: boolean,
  ): Promise<{ decision: Decision; stoppedAtDeadline: boolean }> => {
    const last = new Map<string, string>();
    let greenWeight: number | undefined;
    const report = async (info: DeploymentInfo, id: string) => {
      const progress = await describeProgress(id);
      if (id === deploymentId) greenWeight = progress.greenWeight;
      const line = `deployment ${id} ${info.status}${progress.line === "" ? "" : `; ${progress.line}`}`;
      if (last.get(id) !== line) options.log(`${stamp()} ${line}`);
      last.set(id, line);
    };
    const stopFor = async (reason: string, table: string[]) => {
      for (const line of table) options.log(`${stamp()}   ${line}`);
      options.log(`${stamp()} ${reason}: stopping ${deploymentId} with rollback`);
      await clients.codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
      stoppedBy = { reason, table };
    };
    /** The canary: one poll in, then whatever the state machine says, until it says wait. */
    const analyse = async () => {
      const canary = options.canary;
      if (canary === undefined || stoppedBy !== undefined) return;
      const plan = { ...canary.plan, unjudgeable: baselineTaskDefinition === options.taskDefinitionArn };
      let observation: CanaryObservation = { type: "poll", now: Math.round(now() / 1000), greenWeight };
      for (;;) {
        const step = nextCanaryStep(plan, canaryState, observation);
        canaryState = step.state;
        const action = step.action;
        if (action.type === "wait") return;
        if (action.type === "log") return options.log(`${stamp()} ${action.line}`);
        if (action.type === "carryOn") return options.log(`${stamp()} ${action.reason}: carrying on`);
        if (action.type === "stop") return stopFor(action.reason, lastLook?.lines ?? []);
        lastLook = await canary.look({
          look: action.look,
          at: action.at,
          windowSeconds: action.windowSeconds,
          ...(baselineTaskDefinition === undefined ? {} : { baselineTaskDefinition }),
        });
        observation = lastLook.ok
          ? { type: "judged", look: action.look, verdict: lastLook.verdict.verdict }
          : { type: "error", look: action.look, reason: lastLook.reason };
      }
    };
    let stoppedAtDeadline = false;
    let rollback: DeploymentInfo | undefined;
    for (;;) {
      const info = await getDeployment(deploymentId);
      if (rollback === undefined || isActive(info.status)) await report(info, deploymentId);
      const rollbackId = isActive(info.status) ? undefined : info.rollbackInfo?.rollbackDeploymentId;
      if (rollbackId !== undefined) {
        if (rollback === undefined) options.log(`${stamp()} waiting for rollback deployment ${rollbackId}`);
        rollback = await getDeployment(rollbackId);
        await report(rollback, rollbackId);
      }
      const decision = nextStep(info, rollback);
      if (decision.next !== "wait") return { decision, stoppedAtDeadline };
      if (enforceDeadline && isActive(info.status)) await analyse();
      if (
        enforceDeadline &&
        !stoppedAtDeadline &&
        isActive(info.status) &&
        now() - started > options.deadlineSeconds * 1000
      ) {
        options.log(
          `${stamp()} deadline of ${options.deadlineSeconds} s passed: stopping ${deploymentId} with rollback`,
        );
        await clients.codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
        stoppedAtDeadline = true;
        continue;
      }
      await sleep(pollMs);
    }
  };
  const finish = async (deploymentId: string, action: "deployed" | "attached"): Promise<ReleaseResult> => {
    const { decision, stoppedAtDeadline } = await settle(deploymentId, true);
    const link = consoleUrl(target.region, deploymentId);
    if (stoppedAtDeadline) {
      throw new ReleaseError(
        `deployment ${deploymentId} did not finish within ${options.deadlineSeconds} s and was stopped with rollback; ${link}`,
        deploymentId,
      );
    }
    await annotateEnd(deploymentId, decision.next === "failed" ? "failed" : "succeeded");
    if (stoppedBy !== undefined) {
      throw new ReleaseError(
        `${stoppedBy.reason}; the deployment was stopped with rollback (${decision.next === "failed" ? decision.reason : "it succeeded before the stop took"}):\n${stoppedBy.table.join("\n")}\n${link}`,
        deploymentId,
      );
    }
    if (decision.next === "failed") throw new ReleaseError(`${decision.reason}; ${link}`, deploymentId);
    return { action, deploymentId };
  };
  let startAnnotation: string | undefined;
  const annotate = async (event: Omit<ReleaseEvent, "time">) => {
    if (options.annotate === undefined) return undefined;
    try {
      return await options.annotate({ ...event, time: now() });
    } catch (error) {
      options.log(`${stamp()} could not annotate the release's ${event.phase}: ${(error as Error).message}`);
      return undefined;
    }
  };
  const annotateEnd = async (deploymentId: string, outcome: NonNullable<ReleaseEvent["outcome"]>) => {
    await annotate({
      phase: "end",
      deploymentId,
      outcome,
      ...(startAnnotation === undefined ? {} : { startId: startAnnotation }),
      ...(canaryState.last === undefined ? {} : { verdict: canaryState.last }),
    });
  };

  // Steps in code order: 1. resolve a deployment left running, 2. what changes, 3. the gate,
  // 4. create, 5. follow it and judge the canary (`finish`, `settle` and `analyse` above).

  // 1. A deployment left running (a cancelled run): attach to it, or stop it, or fail.
  for (const deploymentId of await activeDeployments()) {
    const info = await getDeployment(deploymentId);
    if (taskDefinitionOf(info) === options.taskDefinitionArn) {
      options.log(
        `${stamp()} attaching to deployment ${deploymentId}, already deploying ${options.taskDefinitionArn}`,
      );
      return finish(deploymentId, "attached");
    }
    if (options.onConflict === "fail") {
      throw new ReleaseError(
        `deployment ${deploymentId} of ${taskDefinitionOf(info) ?? "another revision"} is in progress; wait for it, or stop it (pnpm release rollback), then run again; ${consoleUrl(target.region, deploymentId)}`,
        deploymentId,
      );
    }
    options.log(
      `${stamp()} stopping deployment ${deploymentId} of ${taskDefinitionOf(info) ?? "another revision"} with rollback`,
    );
    await clients.codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
    await settle(deploymentId, false);
  }

  // 2. Nothing to do when the service already runs the desired revision and network.
  const { services } = await clients.ecs.send(
    new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }),
  );
  const current = services?.[0]?.taskDefinition;
  baselineTaskDefinition = current;
  const network = networkChange(runningNetwork(services?.[0]), options.network);
  if (current === options.taskDefinitionArn && network === "") {
    options.log(`${stamp()} ${target.service} already runs ${current}: nothing to release`);
    return { action: "none" };
  }
  const change = `${current ?? "nothing"} -> ${options.taskDefinitionArn}${network === "" ? "" : ` (network: ${network})`}`;
  const { deploymentGroupInfo } = (await clients.codedeploy.send(
    new GetDeploymentGroupCommand({
      applicationName: target.application,
      deploymentGroupName: target.deploymentGroup,
    }),
  )) ?? { deploymentGroupInfo: undefined };
  const alarmChoice = alarmsForRelease({
    groupAlarms: (deploymentGroupInfo?.alarmConfiguration?.alarms ?? []).flatMap((alarm) =>
      alarm.name === undefined ? [] : [alarm.name],
    ),
    targetGroups: (
      deploymentGroupInfo?.loadBalancerInfo?.targetGroupPairInfoList?.[0]?.targetGroups ?? []
    ).flatMap((group) => (group.name === undefined ? [] : [group.name])),
    liveTargetGroupArn: services?.[0]?.taskSets?.find((set) => set.status === "PRIMARY")?.loadBalancers?.[0]
      ?.targetGroupArn,
    ...(options.ignoreAlarms === undefined ? {} : { ignoreAlarms: options.ignoreAlarms }),
  });
  // 3. The gate: error budget left and nothing paging, unless overridden with a reason.
  if (options.gate !== undefined) {
    const gate = await options.gate();
    for (const line of gate.lines) options.log(`${stamp()} ${line}`);
    if (!gate.allowed && options.overrideBudget === undefined) {
      throw new ReleaseError(
        `refused to release ${options.taskDefinitionArn}: ${gate.lines.join("; ")}. Release anyway with --override-budget "<reason>", or from the Deploy workflow: run it by hand (Run workflow) with the override_budget input, the reason`,
      );
    }
    if (!gate.allowed) options.log(`${stamp()} budget gate overridden: ${options.overrideBudget}`);
  }
  const notes = overrideNotes({
    ...(options.overrideBudget === undefined ? {} : { overrideBudget: options.overrideBudget }),
    ...(options.ignoreAlarms === undefined ? {} : { ignoreAlarms: options.ignoreAlarms }),
    ...(options.skipAnalysis === undefined ? {} : { skipAnalysis: options.skipAnalysis }),
  });
  const description = notes.length === 0 ? change : `${change} [${notes.join("; ")}]`;

  // 4. Create the deployment.
  const appSpec = buildAppSpec({
    taskDefinitionArn: options.taskDefinitionArn,
    containerName: target.containerName,
    containerPort: target.containerPort,
    ...(target.platformVersion === undefined ? {} : { platformVersion: target.platformVersion }),
    ...(target.hooks === undefined ? {} : { hooks: target.hooks }),
    ...(options.network === undefined ? {} : { network: options.network }),
  });
  let deploymentId: string;
  try {
    const created = await clients.codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: target.application,
        deploymentGroupName: target.deploymentGroup,
        description,
        ...(alarmChoice.override === undefined ? {} : { overrideAlarmConfiguration: alarmChoice.override }),
        ...(options.deploymentConfigName === undefined
          ? {}
          : { deploymentConfigName: options.deploymentConfigName }),
        revision: { revisionType: "AppSpecContent", appSpecContent: { content: JSON.stringify(appSpec) } },
      }),
    );
    if (created.deploymentId === undefined)
      throw new ReleaseError("CreateDeployment returned no deployment id");
    deploymentId = created.deploymentId;
  } catch (error) {
    // One active deployment per group: another run got there between our check and our create.
    if ((error as { name?: string }).name !== "DeploymentLimitExceededException") throw error;
    const [active] = await activeDeployments();
    const info = active === undefined ? undefined : await getDeployment(active);
    if (active !== undefined && info !== undefined && taskDefinitionOf(info) === options.taskDefinitionArn) {
      options.log(`${stamp()} another run started deployment ${active} of the same revision: attaching`);
      return finish(active, "attached");
    }
    throw new ReleaseError(
      `CodeDeploy allows one deployment per group and ${active ?? "another"} is active for a different revision; run again once it ends`,
      active,
    );
  }
  options.log(`${stamp()} created deployment ${deploymentId}: ${change}`);
  options.log(`${stamp()} ${alarmChoice.log}`);
  if (options.skipAnalysis !== undefined)
    options.log(`${stamp()} canary analysis skipped: ${options.skipAnalysis}`);
  startAnnotation = await annotate({
    phase: "start",
    deploymentId,
    ...(notes.length === 0 ? {} : { notes }),
  });
  // 5. Follow it, judge the canary, finish.
  return finish(deploymentId, "deployed");
}
