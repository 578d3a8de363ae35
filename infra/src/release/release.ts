/**
 * The release engine: ship a new task definition (and network) through the stack's deployment
 * strategy, print its progress, judge its canary, and fail unless it succeeds. It talks to AWS only
 * through a Deployer (deployer.ts; codedeploy-deployer.ts is the adapter today), so the same steps
 * run for every strategy. The steps, in code order and in this file's order: resolve a conflicting
 * deployment, see what changes, gate, create, follow, judge the canary, finish. One `Run` object
 * holds what they share; the canary is decided by the pure state machine in canary.ts (argo-rollouts'
 * `rollout/canary.go` reconciles the same way), this file only does its I/O.
 */
import type { TaskNetwork } from "./appspec";
import {
  CANARY_START,
  type CanaryObservation,
  type CanaryPlan,
  type CanaryState,
  nextCanaryStep,
} from "./canary";
import {
  type AlarmPlan,
  type Deployer,
  DeploymentConflict,
  type DeploymentView,
  isUnderWay,
} from "./deployer";
import type { LookResult } from "./look";
import { overrideNotes } from "./overrides";

/** What one release does, and how it reports. */
export interface ReleaseOptions {
  taskDefinitionArn: string;
  /**
   * All traffic at once instead of the stack's canary (`pnpm release rollback --all-at-once`);
   * each adapter says how. @default the strategy's configured traffic shift
   */
  allAtOnce?: boolean;
  /**
   * The tasks' desired subnets and security groups. A change releases even the same revision: a
   * blue/green service takes network changes only from a deployment.
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
   * into the deployment's description and the log. @default the alarms the adapter chooses (deployer.ts)
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

/** What to do after one poll. */
export type Decision = { next: "wait" } | { next: "succeeded" } | { next: "failed"; reason: string };

/**
 * One poll, one decision: the deployment and, once it names one, its rollback deployment in, what
 * to do out. Pure, and tested status by status as a table; the loop in `follow` only does I/O.
 */
export function nextStep(deployment: DeploymentView, rollback?: DeploymentView): Decision {
  if (isUnderWay(deployment.status)) return { next: "wait" };
  if (deployment.status === "succeeded") return { next: "succeeded" };
  const planned = deployment.rollback;
  // A failed or stopped deployment is done only once its rollback is: traffic is back on blue.
  if (planned !== undefined && "deploymentId" in planned) {
    if (rollback === undefined || isUnderWay(rollback.status)) return { next: "wait" };
  } else if (planned?.state === "in-progress") return { next: "wait" };
  const rolledBack =
    planned === undefined
      ? "no rollback deployment"
      : "deploymentId" in planned
        ? `rolled back by ${planned.deploymentId} (${rollback?.statusText})`
        : `rolled back in place (${planned.state})`;
  return {
    next: "failed",
    reason: `deployment ${deployment.id} ${deployment.statusText}: ${deployment.failure ?? "no reason given"}; ${rolledBack}`,
  };
}

/** What the steps of one release share: set by one step, read by the next. */
interface Run {
  deployer: Deployer;
  options: ReleaseOptions;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  started: number;
  /** What the service ran before: the canary's baseline, and whether the revision differs. */
  baselineTaskDefinition?: string;
  /** The start annotation's id, for the end to close. */
  startAnnotation?: string;
  canary: CanaryState;
  lastLook?: LookResult;
  /** Why the engine stopped the deployment with rollback, and the look's lines that say so. */
  stoppedBy?: { reason: string; table: string[] };
  stoppedAtDeadline: boolean;
}

/** What `follow` watched one deployment do. */
interface Followed {
  deploymentId: string;
  decision: Decision;
  /** Green's last known share of traffic. */
  greenWeight?: number;
}

const log = (run: Run, line: string) =>
  run.options.log(`+${Math.round((run.now() - run.started) / 1000)}s ${line}`);

/** Ships a task definition (and network) through `deployer`, follows it, and fails unless it succeeds. */
export async function release(deployer: Deployer, options: ReleaseOptions): Promise<ReleaseResult> {
  const now = options.now ?? Date.now;
  const run: Run = {
    deployer,
    options,
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    now,
    started: now(),
    canary: CANARY_START,
    stoppedAtDeadline: false,
  };
  const attach = await resolveConflict(run);
  if (attach !== undefined) return finish(run, await follow(run, attach, true), "attached");
  const change = await whatChanges(run);
  if (change === undefined) return { action: "none" };
  const alarms = await deployer.alarms({
    running: change.running,
    ...(options.ignoreAlarms === undefined ? {} : { ignoreAlarms: options.ignoreAlarms }),
  });
  await gate(run);
  const created = await create(run, change.line, alarms);
  return finish(run, await follow(run, created.deploymentId, true), created.action);
}

/**
 * 1. A deployment left running (a cancelled run): the one to attach to when it ships the same
 * revision; otherwise stop it with rollback and wait for the rollback, or fail, as `onConflict` says.
 */
async function resolveConflict(run: Run): Promise<string | undefined> {
  const { deployer, options } = run;
  for (const active of await deployer.active()) {
    const ships = active.targetTaskDefinition ?? "another revision";
    if (active.targetTaskDefinition === options.taskDefinitionArn) {
      log(run, `attaching to deployment ${active.id}, already deploying ${options.taskDefinitionArn}`);
      return active.id;
    }
    if (options.onConflict === "fail") {
      throw new ReleaseError(
        `deployment ${active.id} of ${ships} is in progress; wait for it, or stop it (pnpm release rollback), then run again; ${deployer.consoleUrl(active.id)}`,
        active.id,
      );
    }
    log(run, `stopping deployment ${active.id} of ${ships} with rollback`);
    await deployer.stopWithRollback(active.id, `another release, of ${options.taskDefinitionArn}`);
    await follow(run, active.id, false);
  }
  return undefined;
}

/** 2. What changes: nothing when the service already runs the desired revision and network. */
async function whatChanges(
  run: Run,
): Promise<{ line: string; running: Awaited<ReturnType<Deployer["running"]>> } | undefined> {
  const { options } = run;
  const running = await run.deployer.running();
  const current = running?.taskDefinition;
  if (current !== undefined) run.baselineTaskDefinition = current;
  const network = networkChange(running?.network, options.network);
  if (current === options.taskDefinitionArn && network === "") {
    log(run, `${run.deployer.service ?? run.deployer.where} already runs ${current}: nothing to release`);
    return undefined;
  }
  return {
    line: `${current ?? "nothing"} -> ${options.taskDefinitionArn}${network === "" ? "" : ` (network: ${network})`}`,
    running,
  };
}

/** 3. The gate: error budget left and nothing paging, unless overridden with a reason. */
async function gate(run: Run): Promise<void> {
  const { options } = run;
  if (options.gate === undefined) return;
  const answer = await options.gate();
  for (const line of answer.lines) log(run, line);
  if (!answer.allowed && options.overrideBudget === undefined) {
    throw new ReleaseError(
      `refused to release ${options.taskDefinitionArn}: ${answer.lines.join("; ")}. Release anyway with --override-budget "<reason>", or from the Deploy workflow: run it by hand (Run workflow) with the override_budget input, the reason`,
    );
  }
  if (!answer.allowed) log(run, `budget gate overridden: ${options.overrideBudget}`);
}

/**
 * 4. Create the deployment, its description `<from> -> <to>` with the emergency routes taken. When
 * another run got there between our check and our create (one deployment at a time), attach to
 * it if it ships the same revision.
 */
async function create(
  run: Run,
  change: string,
  alarms: AlarmPlan,
): Promise<{ deploymentId: string; action: "deployed" | "attached" }> {
  const { deployer, options } = run;
  const notes = overrideNotes({
    ...(options.overrideBudget === undefined ? {} : { overrideBudget: options.overrideBudget }),
    ...(options.ignoreAlarms === undefined ? {} : { ignoreAlarms: options.ignoreAlarms }),
    ...(options.skipAnalysis === undefined ? {} : { skipAnalysis: options.skipAnalysis }),
  });
  let deploymentId: string;
  try {
    deploymentId = await deployer.create({
      taskDefinitionArn: options.taskDefinitionArn,
      ...(options.network === undefined ? {} : { network: options.network }),
      alarms,
      ...(options.allAtOnce === undefined ? {} : { allAtOnce: options.allAtOnce }),
      description: notes.length === 0 ? change : `${change} [${notes.join("; ")}]`,
    });
  } catch (error) {
    if (!(error instanceof DeploymentConflict)) throw error;
    const [active] = await deployer.active();
    if (active !== undefined && active.targetTaskDefinition === options.taskDefinitionArn) {
      log(run, `another run started deployment ${active.id} of the same revision: attaching`);
      return { deploymentId: active.id, action: "attached" };
    }
    throw new ReleaseError(
      `${error.message} and ${active?.id ?? "another"} is active for a different revision; run again once it ends`,
      active?.id,
    );
  }
  log(run, `created deployment ${deploymentId}: ${change}`);
  log(run, alarms.log);
  if (options.skipAnalysis !== undefined) log(run, `canary analysis skipped: ${options.skipAnalysis}`);
  run.startAnnotation = await annotate(run, {
    phase: "start",
    deploymentId,
    ...(notes.length === 0 ? {} : { notes }),
  });
  return { deploymentId, action: "deployed" };
}

/**
 * 5. Follow a deployment: poll it (and its rollback once it names one), print one line per change,
 * ask `nextStep` what to do. When `judge`: judge the canary each poll, and past the deadline stop
 * the deployment with rollback, once, and keep following until the rollback is done.
 */
async function follow(run: Run, deploymentId: string, judge: boolean): Promise<Followed> {
  const { deployer, options } = run;
  const last = new Map<string, string>();
  let greenWeight: number | undefined;
  const report = async (view: DeploymentView) => {
    const progress = await deployer.progress(view.id);
    if (view.id === deploymentId) greenWeight = progress.greenWeight;
    const line = `deployment ${view.id} ${view.statusText}${progress.line === "" ? "" : `; ${progress.line}`}`;
    if (last.get(view.id) !== line) log(run, line);
    last.set(view.id, line);
  };
  let rollback: DeploymentView | undefined;
  for (;;) {
    const view = { ...(await deployer.describe(deploymentId)), id: deploymentId };
    const active = isUnderWay(view.status);
    if (rollback === undefined || active) await report(view);
    const planned = active ? undefined : view.rollback;
    if (planned !== undefined && "deploymentId" in planned) {
      if (rollback === undefined) log(run, `waiting for rollback deployment ${planned.deploymentId}`);
      rollback = { ...(await deployer.describe(planned.deploymentId)), id: planned.deploymentId };
      await report(rollback);
    }
    const decision = nextStep(view, rollback);
    if (decision.next !== "wait")
      return { deploymentId, decision, ...(greenWeight === undefined ? {} : { greenWeight }) };
    if (judge && active) await judgeCanary(run, deploymentId, greenWeight);
    if (
      judge &&
      active &&
      !run.stoppedAtDeadline &&
      run.now() - run.started > options.deadlineSeconds * 1000
    ) {
      log(run, `deadline of ${options.deadlineSeconds} s passed: stopping ${deploymentId} with rollback`);
      await deployer.stopWithRollback(deploymentId, `deadline of ${options.deadlineSeconds} s passed`);
      run.stoppedAtDeadline = true;
      continue;
    }
    await run.sleep((options.pollSeconds ?? 15) * 1000);
  }
}

/** 6. The canary: one poll in, then whatever the state machine says, until it says wait. */
async function judgeCanary(run: Run, deploymentId: string, greenWeight: number | undefined): Promise<void> {
  const canary = run.options.canary;
  if (canary === undefined || run.stoppedBy !== undefined) return;
  const plan = { ...canary.plan, unjudgeable: run.baselineTaskDefinition === run.options.taskDefinitionArn };
  let observation: CanaryObservation = { type: "poll", now: Math.round(run.now() / 1000), greenWeight };
  for (;;) {
    const step = nextCanaryStep(plan, run.canary, observation);
    run.canary = step.state;
    const action = step.action;
    if (action.type === "wait") return;
    if (action.type === "log") return log(run, action.line);
    if (action.type === "carryOn") return log(run, `${action.reason}: carrying on`);
    if (action.type === "stop") {
      const table = run.lastLook?.lines ?? [];
      for (const line of table) log(run, `  ${line}`);
      log(run, `${action.reason}: stopping ${deploymentId} with rollback`);
      await run.deployer.stopWithRollback(deploymentId, action.reason);
      run.stoppedBy = { reason: action.reason, table };
      return;
    }
    run.lastLook = await canary.look({
      look: action.look,
      at: action.at,
      windowSeconds: action.windowSeconds,
      ...(run.baselineTaskDefinition === undefined
        ? {}
        : { baselineTaskDefinition: run.baselineTaskDefinition }),
    });
    observation = run.lastLook.ok
      ? { type: "judged", look: action.look, verdict: run.lastLook.verdict.verdict }
      : { type: "error", look: action.look, reason: run.lastLook.reason };
  }
}

/** 7. Finish: the end annotation, and the result, or the error that says why and links the deployment. */
async function finish(run: Run, followed: Followed, action: "deployed" | "attached"): Promise<ReleaseResult> {
  const { deploymentId, decision } = followed;
  const link = run.deployer.consoleUrl(deploymentId);
  if (run.stoppedAtDeadline) {
    throw new ReleaseError(
      `deployment ${deploymentId} did not finish within ${run.options.deadlineSeconds} s and was stopped with rollback; ${link}`,
      deploymentId,
    );
  }
  await annotate(run, {
    phase: "end",
    deploymentId,
    outcome: decision.next === "failed" ? "failed" : "succeeded",
    ...(run.startAnnotation === undefined ? {} : { startId: run.startAnnotation }),
    ...(run.canary.last === undefined ? {} : { verdict: run.canary.last }),
  });
  if (run.stoppedBy !== undefined) {
    throw new ReleaseError(
      `${run.stoppedBy.reason}; the deployment was stopped with rollback (${decision.next === "failed" ? decision.reason : "it succeeded before the stop took"}):\n${run.stoppedBy.table.join("\n")}\n${link}`,
      deploymentId,
    );
  }
  if (decision.next === "failed") throw new ReleaseError(`${decision.reason}; ${link}`, deploymentId);
  return { action, deploymentId };
}

/** Posts an annotation; its failures are logged, never fatal. */
async function annotate(run: Run, event: Omit<ReleaseEvent, "time">): Promise<string | undefined> {
  if (run.options.annotate === undefined) return undefined;
  try {
    return await run.options.annotate({ ...event, time: run.now() });
  } catch (error) {
    log(run, `could not annotate the release's ${event.phase}: ${(error as Error).message}`);
    return undefined;
  }
}
