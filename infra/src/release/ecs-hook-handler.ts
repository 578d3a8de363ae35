/**
 * The ECS-native deployment's lifecycle hooks (Lambda code, bundled into one file by ecs-hook-code.ts):
 *
 * - `smokeHandler`, at POST_TEST_TRAFFIC_SHIFT: the smoke test of smoke-handler.ts through the test
 *   listener, before any production traffic reaches the new revision;
 * - `judgeHandler`, at PRODUCTION_TRAFFIC_SHIFT, which for linear and canary deployments "is invoked
 *   at every traffic shift step" (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentLifecycleHook.html):
 *   the SLO canary judge. It holds the first step that gives the new revision part of production
 *   traffic (the canary, or a linear deployment's first step), answering IN_PROGRESS until the
 *   judge has a verdict, and takes its looks at the same fixed minute marks from the canary's start
 *   as the release step does for CodeDeploy (canary.ts `nextCanaryStep`, look.ts, judge.ts). At a
 *   later step it passes because the deployment (DescribeServiceDeployments) is beyond its first
 *   step, which ECS leaves only after the judge's SUCCEEDED: hookDetails need not survive steps.
 *
 * The contract, from https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html:
 * the function returns `hookStatus` SUCCEEDED (the deployment goes on), FAILED (ECS rolls back) or
 * IN_PROGRESS (ECS invokes it again after `callBackDelay` seconds, 30 by default); no valid
 * `hookStatus`, or a function error, rolls back. `hookDetails` returned with IN_PROGRESS is merged
 * by ECS and passed back on the next invocation of the same hook within the deployment: that is
 * where the judge keeps its state within a step (no table, no bucket). A hook not resolved within its
 * timeoutConfiguration (default 1440 minutes) takes its timeout action (default ROLLBACK).
 */
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  ECSClient,
  type ServiceDeployment,
} from "@aws-sdk/client-ecs";
import type { Analysis } from "./analysis";
import {
  CANARY_START,
  type CanaryObservation,
  type CanaryPlan,
  type CanaryState,
  nextCanaryStep,
} from "./canary";
import { type LookResult, takeLook } from "./look";
import { prometheusQuery } from "./prometheus";
import { type SmokeOptions, smokeTest } from "./smoke-handler";

/**
 * What ECS sends a Lambda hook: the top-level fields and `executionDetails` of "Lifecycle
 * payloads" (lambda-lifecycle-hooks.html); `hookDetails` is the service's configured details merged
 * with those the previous IN_PROGRESS answer returned.
 */
export interface EcsHookEvent {
  executionId: string;
  lifecycleStage: string;
  /** The service deployment: arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>. */
  resourceArn: string;
  executionDetails: {
    serviceArn: string;
    /** The new (green) revision; it stays the green one during a rollback. */
    targetServiceRevisionArn: string;
    testTrafficWeights: Record<string, number>;
    productionTrafficWeights: Record<string, number>;
  };
  hookDetails?: Record<string, unknown>;
}

/** What a hook answers (lambda-lifecycle-hooks.html, "hookStatus values", "Passing state with hookDetails"). */
export interface EcsHookResponse {
  hookStatus: "SUCCEEDED" | "FAILED" | "IN_PROGRESS";
  /** Seconds until ECS invokes the hook again (IN_PROGRESS only). @default 30, ECS's */
  callBackDelay?: number;
  hookDetails?: Record<string, unknown>;
}

/** The service deployment's id, the last segment of `resourceArn`: the smoke test's content id. */
export function deploymentIdOf(event: Pick<EcsHookEvent, "resourceArn">): string {
  return event.resourceArn.split("/").at(-1) ?? event.resourceArn;
}

/** The smoke hook: SUCCEEDED when the new revision answers, stores and returns a comment. */
export async function runSmokeHook(event: EcsHookEvent, options: SmokeOptions): Promise<EcsHookResponse> {
  const deploymentId = deploymentIdOf(event);
  const failure = await smokeTest(deploymentId, options);
  console.log(
    `smoke test of ${deploymentId} (${event.lifecycleStage}) through ${options.baseUrl}: ${failure === undefined ? "SUCCEEDED" : `FAILED: ${failure}`}`,
  );
  return { hookStatus: failure === undefined ? "SUCCEEDED" : "FAILED" };
}

/** The analysis as the judge needs it, without the file's path and prose. */
export type HookAnalysis = Omit<Analysis, "file" | "description">;

/** The judge hook's configuration: the service's `hookDetails` (JSON), set by the stack. */
export interface JudgeConfig {
  stack: string;
  /** Prometheus, or the AMP workspace's query endpoint (signed for `aps`). */
  prometheusUrl: string;
  analysis: HookAnalysis;
}

/** The `hookDetails` the stack configures on the judge hook (the lifecycle hook's JSON string). */
export function judgeHookDetails(config: { stack: string; prometheusUrl: string; analysis: Analysis }): {
  judge: JudgeConfig;
} {
  const { file: _file, description: _description, ...analysis } = config.analysis;
  return { judge: { stack: config.stack, prometheusUrl: config.prometheusUrl, analysis } };
}

/** What the judge keeps between invocations, in `hookDetails.canary`. */
export interface JudgeState {
  state: CanaryState;
  /** The task definitions of the new revision and of the one it replaces, looked up once. */
  canaryTaskDefinition: string;
  baselineTaskDefinition?: string;
}

/** What the judge hook calls: injected, so that tests drive it with a clock and fakes. */
export interface JudgeDeps {
  /** Unix milliseconds. */
  now: () => number;
  /** Service revision ARN -> its task definition ARN (DescribeServiceRevisions). */
  taskDefinitions: (serviceRevisionArns: string[]) => Promise<Record<string, string>>;
  /** The service deployment of `resourceArn` (DescribeServiceDeployments); undefined when ECS does not know it. */
  deployment: (serviceDeploymentArn: string) => Promise<ServiceDeployment | undefined>;
  look: (
    config: JudgeConfig,
    request: { revision: string; baselineRevision?: string; look: number; at: number; windowSeconds: number },
  ) => Promise<LookResult>;
  log: (line: string) => void;
}

/** ECS's own delay when IN_PROGRESS comes without one. */
export const DEFAULT_CALLBACK_DELAY = 30;

const revisionOf = (taskDefinition: string | undefined) => /:(\d+)$/.exec(taskDefinition ?? "")?.[1];

function isConfig(value: unknown): value is JudgeConfig {
  const c = value as Partial<JudgeConfig> | undefined;
  return (
    typeof c === "object" &&
    c !== null &&
    typeof c.stack === "string" &&
    typeof c.prometheusUrl === "string" &&
    typeof c.analysis === "object" &&
    c.analysis !== null &&
    typeof c.analysis.looks?.everyMinutes === "number" &&
    typeof c.analysis.looks?.count === "number" &&
    Array.isArray(c.analysis.metrics)
  );
}

/**
 * One invocation of the judge hook. The first invocation that sees the new revision with part of
 * production traffic starts the canary; each later one feeds `nextCanaryStep` the same poll the
 * release step would, takes the looks that are due, and answers IN_PROGRESS with the seconds to the
 * next look's mark. Once every look is taken the hook ends the canary (the release step's "green
 * at 100%"): the last look and the analysis decide SUCCEEDED or FAILED. A fail, or
 * `consecutiveErrorLimit` failed looks in a row, answers FAILED at once.
 */
export async function runJudgeHook(event: EcsHookEvent, deps: JudgeDeps): Promise<EcsHookResponse> {
  const details = event.hookDetails ?? {};
  const target = event.executionDetails.targetServiceRevisionArn;
  const weights = event.executionDetails.productionTrafficWeights ?? {};
  const green = weights[target];
  const others = Object.keys(weights).filter((arn) => arn !== target);
  const prefix = `canary judge of ${deploymentIdOf(event)} (${event.lifecycleStage}, new revision at ${green ?? "unknown"}% of production traffic)`;
  const answer = (response: EcsHookResponse, line: string): EcsHookResponse => {
    deps.log(`${prefix}: ${line}: ${response.hookStatus}`);
    return response;
  };
  // Elsewhere the weights mean something else (PRE_PRODUCTION_TRAFFIC_SHIFT shows the new revision
  // at 0% before each step, as a rollback does): a misplaced judge fails rather than pass unseen.
  if (event.lifecycleStage !== "PRODUCTION_TRAFFIC_SHIFT")
    return answer({ hookStatus: "FAILED" }, "the judge runs at PRODUCTION_TRAFFIC_SHIFT only");
  // A rollback re-invokes PRODUCTION_TRAFFIC_SHIFT hooks with the weights back on the old revision
  // ("Lifecycle hooks during rollback"): never hold a rollback. The weights alone do not say so (a
  // payload before the first shift reads the same), so ECS's own status of the deployment must:
  // ROLLBACK_REQUESTED / ROLLBACK_IN_PROGRESS (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html,
  // status). Otherwise, or when it cannot be read, the judge goes on and waits for the canary.
  if (green === 0 && others.some((arn) => weights[arn] === 100)) {
    const status = await deps.deployment(event.resourceArn).then(
      (d) => d?.status,
      (error: Error) => `unreadable (${error.message})`,
    );
    if (status?.startsWith("ROLLBACK_") === true)
      return answer({ hookStatus: "SUCCEEDED" }, `the deployment is rolling back (${status})`);
    deps.log(
      `${prefix}: new revision at 0%, old at 100% but the deployment is ${status ?? "not found"}, not rolling back: judged as usual`,
    );
  }
  // No weight for the new revision: the judge would wait for a share that never comes, until the
  // hook's timeout. Say so at once instead; an error never passes a canary.
  if (green === undefined)
    return answer({ hookStatus: "FAILED" }, "no production traffic weight for the new revision");
  const config = details.judge;
  // An error never passes a canary: without its configuration the judge cannot look.
  if (!isConfig(config))
    return answer(
      { hookStatus: "FAILED" },
      "hookDetails.judge is missing or malformed: nothing to judge with",
    );
  const { analysis } = config;
  const kept = details.canary as JudgeState | undefined;
  // Not yet started here: either the first traffic step, or a later one whose invocation did not get
  // the first step's hookDetails back (AWS only says they come back "on the next invocation";
  // nothing says across steps). ECS invokes PRODUCTION_TRAFFIC_SHIFT hooks "at every traffic shift
  // step" of a linear or canary deployment
  // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentLifecycleHook.html) and
  // goes on only when the hook answers SUCCEEDED
  // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-lifecycle-hooks.html),
  // which this judge does at its first step only with a verdict. So a step beyond the first one the
  // deployment records (ServiceDeployment.deploymentConfiguration, DescribeServiceDeployments) is
  // past the verdict: durable in ECS itself, no state needed. The weights alone never pass.
  if (kept?.state?.startedAt === undefined && green > 0) {
    let deployment: ServiceDeployment | undefined;
    let unreadable: string | undefined;
    try {
      deployment = await deps.deployment(event.resourceArn);
    } catch (error) {
      unreadable = (error as Error).message;
    }
    const c = deployment?.deploymentConfiguration;
    const first =
      c?.strategy === "CANARY"
        ? c.canaryConfiguration?.canaryPercent
        : c?.strategy === "LINEAR"
          ? c.linearConfiguration?.stepPercent
          : c?.strategy === "BLUE_GREEN"
            ? 0
            : undefined;
    if (deployment?.status === "IN_PROGRESS" && first !== undefined && green > first)
      return answer(
        { hookStatus: "SUCCEEDED" },
        first === 0
          ? `${analysis.name} took no look: all at once (BLUE_GREEN), the new revision never held part of production traffic`
          : `the first traffic step (${first}%, ${c?.strategy}) was judged: ECS shifts further only after this hook answered SUCCEEDED there`,
      );
    // All traffic moved, and ECS does not confirm why: ask again rather than pass on the weights.
    if (green >= 100)
      return answer(
        { hookStatus: "IN_PROGRESS", callBackDelay: DEFAULT_CALLBACK_DELAY },
        `cannot confirm from the deployment (${unreadable ?? `${deployment?.status ?? "not found"}, ${c?.strategy ?? "no strategy"}`}) that the canary was judged`,
      );
  }
  let judged: JudgeState;
  if (kept?.state !== undefined && typeof kept.canaryTaskDefinition === "string") judged = kept;
  else {
    let found: Record<string, string>;
    try {
      found = await deps.taskDefinitions([target, ...others]);
    } catch (error) {
      return answer(
        { hookStatus: "FAILED" },
        `could not read the service revisions' task definitions: ${(error as Error).message}`,
      );
    }
    const canaryTaskDefinition = found[target];
    if (canaryTaskDefinition === undefined)
      return answer({ hookStatus: "FAILED" }, `no task definition for ${target}`);
    const baselineTaskDefinition = others.map((arn) => found[arn]).find((t) => t !== undefined);
    judged = {
      state: CANARY_START,
      canaryTaskDefinition,
      ...(baselineTaskDefinition === undefined ? {} : { baselineTaskDefinition }),
    };
  }
  const plan: CanaryPlan = {
    name: analysis.name,
    looks: analysis.looks,
    consecutiveErrorLimit: analysis.consecutiveErrorLimit,
    inconclusive: analysis.inconclusive,
    sameRevision: analysis.sameRevision,
    unjudgeable: judged.baselineTaskDefinition === judged.canaryTaskDefinition,
  };
  const now = Math.round(deps.now() / 1000);
  let state = judged.state;
  const revision = revisionOf(judged.canaryTaskDefinition) ?? "";
  const baselineRevision = revisionOf(judged.baselineTaskDefinition);
  let observation: CanaryObservation = { type: "poll", now, greenWeight: green };
  let lastLook: LookResult | undefined;
  for (;;) {
    const step = nextCanaryStep(plan, state, observation);
    state = step.state;
    const action = step.action;
    if (action.type === "stop") {
      for (const line of lastLook?.lines ?? []) deps.log(`${prefix}:   ${line}`);
      return answer({ hookStatus: "FAILED" }, action.reason);
    }
    if (action.type === "carryOn") return answer({ hookStatus: "SUCCEEDED" }, action.reason);
    if (action.type === "look") {
      lastLook = await deps.look(config, {
        revision,
        ...(baselineRevision === undefined ? {} : { baselineRevision }),
        look: action.look,
        at: action.at,
        windowSeconds: action.windowSeconds,
      });
      for (const line of lastLook.lines) deps.log(`${prefix}:   ${line}`);
      observation = lastLook.ok
        ? { type: "judged", look: action.look, verdict: lastLook.verdict.verdict }
        : { type: "error", look: action.look, reason: lastLook.reason };
      continue;
    }
    if (action.type === "log") deps.log(`${prefix}: ${action.line}`);
    if (state.done) return answer({ hookStatus: "SUCCEEDED" }, `${plan.name} already decided`);
    // Every look taken: the canary ends here, as when the release step sees green at 100%.
    if (state.startedAt !== undefined && state.look >= plan.looks.count) {
      observation = { type: "poll", now, greenWeight: 100 };
      continue;
    }
    const every = plan.looks.everyMinutes * 60;
    const callBackDelay =
      state.startedAt === undefined
        ? DEFAULT_CALLBACK_DELAY
        : Math.max(1, state.startedAt + (state.look + 1) * every - now);
    return answer(
      {
        hookStatus: "IN_PROGRESS",
        callBackDelay,
        hookDetails: { ...details, canary: { ...judged, state } satisfies JudgeState },
      },
      state.startedAt === undefined
        ? "waiting for the new revision to hold part of production traffic"
        : `look ${state.look + 1} of ${plan.looks.count} due in ${callBackDelay} s`,
    );
  }
}

/** The User-Agent of the hooks' requests, from the function's environment (as the smoke hook's). */
function userAgentFromEnv(): string {
  const userAgent = process.env.USER_AGENT;
  if (userAgent === undefined || userAgent === "") throw new Error("USER_AGENT is not set");
  return userAgent;
}

/** Lambda entry point of the smoke hook: TEST_LISTENER_URL and USER_AGENT from the environment. */
export async function smokeHandler(event: EcsHookEvent): Promise<EcsHookResponse> {
  const baseUrl = process.env.TEST_LISTENER_URL;
  if (baseUrl === undefined) throw new Error("TEST_LISTENER_URL is not set");
  return runSmokeHook(event, { baseUrl, userAgent: userAgentFromEnv() });
}

/** Lambda entry point of the judge hook: USER_AGENT from the environment, the rest from hookDetails. */
export async function judgeHandler(event: EcsHookEvent): Promise<EcsHookResponse> {
  const userAgent = userAgentFromEnv();
  // The SDK retries throttling itself, as the release's clients do (release/clients.ts).
  const ecs = new ECSClient({ maxAttempts: 6, retryMode: "adaptive" });
  return runJudgeHook(event, {
    now: Date.now,
    log: (line) => console.log(line),
    deployment: async (serviceDeploymentArn) => {
      const { serviceDeployments } = await ecs.send(
        new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [serviceDeploymentArn] }),
      );
      return serviceDeployments?.find((d) => d.serviceDeploymentArn === serviceDeploymentArn);
    },
    taskDefinitions: async (serviceRevisionArns) => {
      const { serviceRevisions } = await ecs.send(
        new DescribeServiceRevisionsCommand({ serviceRevisionArns }),
      );
      return Object.fromEntries(
        (serviceRevisions ?? []).flatMap((r) =>
          r.serviceRevisionArn === undefined || r.taskDefinition === undefined
            ? []
            : [[r.serviceRevisionArn, r.taskDefinition]],
        ),
      );
    },
    look: (config, request) =>
      takeLook(
        { ...config.analysis, file: "hookDetails.judge.analysis", description: "" },
        { stack: config.stack, ...request },
        prometheusQuery(config.prometheusUrl, { userAgent }),
      ),
  });
}
