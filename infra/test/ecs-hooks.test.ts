/**
 * The ECS lifecycle hooks as Lambda runs them: the bundled `index.js` of ecsHookCode(), loaded from
 * disk, called with the payloads of the ECS developer guide and answering its response shapes
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html). The
 * judge queries a local Prometheus-shaped server over HTTP; DescribeServiceRevisions is mocked.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  type DeploymentConfiguration,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  ECSClient,
  type ServiceDeploymentStatus,
} from "@aws-sdk/client-ecs";
import { readSloSpec } from "@comments-platform/slo";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { readAnalyses } from "../src/release/analysis";
import { ECS_HOOK_HANDLERS, ecsHookCode } from "../src/release/ecs-hook-code";
import type * as Handlers from "../src/release/ecs-hook-handler";

const ecs = mockClient(ECSClient);
const code = ecsHookCode();
// Written under infra/node_modules so that its `require("@aws-sdk/...")` resolves as the runtime's would.
const dir = join(__dirname, "..", "node_modules", ".cache", "ecs-hook-test");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "index.js"), code);
const bundle = require(join(dir, "index.js")) as typeof Handlers;

// The examples of "Lifecycle payloads" and "Lifecycle hooks during rollback", verbatim
// (lambda-lifecycle-hooks.html): green 9313423515462893900 replaces blue 1920498462936580504.
const GREEN = "arn:aws:ecs:us-west-2:123456789012:service-revision/my-cluster/my-service/9313423515462893900";
const BLUE = "arn:aws:ecs:us-west-2:123456789012:service-revision/my-cluster/my-service/1920498462936580504";
const postTestTrafficShift: Handlers.EcsHookEvent = {
  executionId: "3a0345ba-b029-404b-890d-7da2a4b266aa",
  lifecycleStage: "POST_TEST_TRAFFIC_SHIFT",
  resourceArn:
    "arn:aws:ecs:us-west-2:123456789012:service-deployment/my-cluster/my-service/EZe5RNVLH6PPzHXINuP28",
  executionDetails: {
    serviceArn: "arn:aws:ecs:us-west-2:123456789012:service/my-cluster/my-service",
    targetServiceRevisionArn: GREEN,
    testTrafficWeights: {},
    productionTrafficWeights: {},
  },
};
const productionTrafficShift: Handlers.EcsHookEvent = {
  executionId: "f4fcae0f-9bec-41c6-ba87-0eaa0cef8af5",
  lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT",
  resourceArn:
    "arn:aws:ecs:us-west-2:123456789012:service-deployment/my-cluster/my-service/EZe5RNVLH6PPzHXINuP28",
  executionDetails: {
    serviceArn: "arn:aws:ecs:us-west-2:123456789012:service/my-cluster/my-service",
    targetServiceRevisionArn: GREEN,
    testTrafficWeights: {},
    productionTrafficWeights: { [GREEN]: 100, [BLUE]: 0 },
  },
};
const rollingBack: Handlers.EcsHookEvent = {
  executionId: "70073435-cb99-457f-b900-6ee1dcad05ec",
  lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT",
  resourceArn:
    "arn:aws:ecs:us-west-2:123456789012:service-deployment/my-cluster/my-service/EZe5RNVLH6PPzHXINuP28",
  executionDetails: {
    serviceArn: "arn:aws:ecs:us-west-2:123456789012:service/my-cluster/my-service",
    targetServiceRevisionArn: GREEN,
    testTrafficWeights: {},
    productionTrafficWeights: { [GREEN]: 0, [BLUE]: 100 },
  },
};
/** The same event at a canary step: the new revision at `green`% of production traffic. */
const atCanary = (green: number, hookDetails?: Record<string, unknown>): Handlers.EcsHookEvent => ({
  ...productionTrafficShift,
  executionDetails: {
    ...productionTrafficShift.executionDetails,
    productionTrafficWeights: { [GREEN]: green, [BLUE]: 100 - green },
  },
  ...(hookDetails === undefined ? {} : { hookDetails }),
});

const userAgent = "comments-platform/c-test (ecs-hook)";
let logs: string[] = [];
beforeEach(() => {
  ecs.reset();
  logs = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => {
    logs.push(line);
  });
  process.env.USER_AGENT = userAgent;
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  delete process.env.TEST_LISTENER_URL;
  delete process.env.USER_AGENT;
});

describe("the bundle", () => {
  it("is one CommonJS file needing only Node.js and the AWS SDK, with both handlers", () => {
    const required = new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1] ?? ""));
    expect([...required].filter((name) => !name.startsWith("node:")).sort()).toEqual([
      "@aws-sdk/client-codedeploy",
      "@aws-sdk/client-ecs",
      "@aws-sdk/credential-provider-node",
    ]);
    expect(typeof bundle.smokeHandler).toBe("function");
    expect(typeof bundle.judgeHandler).toBe("function");
    expect(ECS_HOOK_HANDLERS).toEqual({ smoke: "index.smokeHandler", judge: "index.judgeHandler" });
    // The same bytes each time: a Lambda is updated only when its code changes.
    expect(ecsHookCode()).toBe(code);
    expect(code).not.toContain(__dirname.split("/infra/")[0]);
  });
});

/** A stand-in for the new revision behind the test listener: answers what the smoke test asks. */
function fakeService(healthy: boolean): Server {
  const stored: Array<{ email: string; comment: string }> = [];
  return createServer((request, response) => {
    const body: Buffer[] = [];
    request.on("data", (chunk: Buffer) => body.push(chunk));
    request.on("end", () => {
      if (request.url === "/readyz") {
        response.statusCode = healthy ? 200 : 503;
        return response.end(healthy ? '{"status":"OK"}' : '{"status":"UNAVAILABLE"}');
      }
      if (request.method === "POST" && request.url === "/api/comment/new") {
        stored.push(JSON.parse(Buffer.concat(body).toString("utf8")));
        return response.end("{}");
      }
      if (request.url === "/api/comment/list/smoke-EZe5RNVLH6PPzHXINuP28")
        return response.end(JSON.stringify(stored));
      response.statusCode = 404;
      response.end();
    });
  });
}
const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

describe("the smoke hook at POST_TEST_TRAFFIC_SHIFT", () => {
  let healthy: Server;
  let broken: Server;
  beforeAll(async () => {
    healthy = fakeService(true);
    broken = fakeService(false);
    await listen(healthy);
    await listen(broken);
  });
  afterAll(() => {
    healthy.close();
    broken.close();
  });
  const url = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  it("answers SUCCEEDED when the new revision stores and returns a comment, named after the deployment", async () => {
    process.env.TEST_LISTENER_URL = url(healthy);
    expect(await bundle.smokeHandler(postTestTrafficShift)).toEqual({ hookStatus: "SUCCEEDED" });
    expect(logs).toEqual([
      `smoke test of EZe5RNVLH6PPzHXINuP28 (POST_TEST_TRAFFIC_SHIFT) through ${url(healthy)}: SUCCEEDED`,
    ]);
  });

  it("answers FAILED, saying why, when the new revision never gets ready", async () => {
    const answer = await bundle.runSmokeHook(postTestTrafficShift, {
      baseUrl: url(broken),
      userAgent,
      readyWithinMs: 1500,
    });
    expect(answer).toEqual({ hookStatus: "FAILED" });
    expect(logs).toEqual([
      `smoke test of EZe5RNVLH6PPzHXINuP28 (POST_TEST_TRAFFIC_SHIFT) through ${url(broken)}: FAILED: GET /readyz answered 503`,
    ]);
  });

  it("throws without its environment: a function error rolls the deployment back", async () => {
    await expect(bundle.smokeHandler(postTestTrafficShift)).rejects.toThrow("TEST_LISTENER_URL is not set");
  });
});

/** A Prometheus whose instant queries answer per side (canary: revision 42) and per kind of count. */
type Side = { total: number; bad5xx: number; slow: number };
function fakePrometheus(answer: () => { canary: Side; baseline: Side } | "down"): Server {
  return createServer((request: IncomingMessage, response) => {
    const body: Buffer[] = [];
    request.on("data", (chunk: Buffer) => body.push(chunk));
    request.on("end", () => {
      const query = new URLSearchParams(Buffer.concat(body).toString("utf8")).get("query") ?? "";
      const now = answer();
      if (now === "down") {
        response.statusCode = 503;
        return response.end('{"status":"error","error":"service unavailable"}');
      }
      const side = query.includes('aws_ecs_task_revision="42"') ? now.canary : now.baseline;
      const value = query.includes('status_code=~"5.."')
        ? side.bad5xx
        : query.includes('status_code=~"4.."')
          ? 0
          : query.includes("le=")
            ? side.slow
            : side.total;
      response.setHeader("content-type", "application/json");
      response.end(
        JSON.stringify({
          status: "success",
          data: { resultType: "vector", result: [{ metric: {}, value: [0, String(value)] }] },
        }),
      );
    });
  });
}

describe("the canary judge at PRODUCTION_TRAFFIC_SHIFT", () => {
  const analysis = readAnalyses(readSloSpec()).canary;
  if (analysis === undefined) throw new Error("alerts/analysis/canary.yaml is missing");
  let prometheus: Server;
  let counts: { canary: Side; baseline: Side } | "down";
  const healthy = { total: 10_000, bad5xx: 0, slow: 0 };
  let details: Record<string, unknown>;
  const t0 = Date.UTC(2026, 11, 7, 3, 0, 0);
  beforeAll(async () => {
    prometheus = fakePrometheus(() => counts);
    const prometheusUrl = await listen(prometheus);
    details = bundle.judgeHookDetails({ stack: "prod", prometheusUrl, analysis });
  });
  afterAll(() => prometheus.close());
  beforeEach(() => {
    counts = { canary: healthy, baseline: healthy };
    ecs.on(DescribeServiceRevisionsCommand).resolves({
      serviceRevisions: [
        {
          serviceRevisionArn: GREEN,
          taskDefinition: "arn:aws:ecs:us-west-2:123456789012:task-definition/api:42",
        },
        {
          serviceRevisionArn: BLUE,
          taskDefinition: "arn:aws:ecs:us-west-2:123456789012:task-definition/api:41",
        },
      ],
      failures: [],
    });
    vi.useFakeTimers({ toFake: ["Date"] });
  });

  /** Invokes the hook as ECS does: again after callBackDelay, with the returned hookDetails merged in. */
  async function invokeUntilDone(green: number, change?: (invocation: number) => void) {
    const answers: Handlers.EcsHookResponse[] = [];
    let merged: Record<string, unknown> = details;
    let at = t0;
    for (let invocation = 0; invocation < 40; invocation += 1) {
      change?.(invocation);
      vi.setSystemTime(at);
      const answer = await bundle.judgeHandler(atCanary(green, merged));
      answers.push(answer);
      if (answer.hookStatus !== "IN_PROGRESS") break;
      merged = { ...merged, ...answer.hookDetails };
      at += (answer.callBackDelay ?? 30) * 1000;
    }
    return answers;
  }

  it("holds the canary step for its ten looks at minutes 1 to 10, then answers SUCCEEDED", async () => {
    const answers = await invokeUntilDone(10);
    expect(answers.map((a) => [a.hookStatus, a.callBackDelay])).toEqual([
      ...Array.from({ length: 10 }, () => ["IN_PROGRESS", 60]),
      ["SUCCEEDED", undefined],
    ]);
    expect(answers[1]?.hookDetails?.canary).toEqual({
      state: { startedAt: t0 / 1000, look: 1, consecutiveErrors: 0, last: "pass", done: false },
      canaryTaskDefinition: "arn:aws:ecs:us-west-2:123456789012:task-definition/api:42",
      baselineTaskDefinition: "arn:aws:ecs:us-west-2:123456789012:task-definition/api:41",
    });
    // The revisions are read once, then kept in hookDetails.
    expect(ecs.commandCalls(DescribeServiceRevisionsCommand).map((c) => c.args[0].input)).toEqual([
      { serviceRevisionArns: [GREEN, BLUE] },
    ]);
    expect(logs.at(-1)).toBe(
      "canary judge of EZe5RNVLH6PPzHXINuP28 (PRODUCTION_TRAFFIC_SHIFT, new revision at 10% of production traffic): canary analysis canary passed at look 10 of 10: SUCCEEDED",
    );
  });

  it("answers FAILED at the first look that shows the canary above the line, with the judge's table", async () => {
    counts = { canary: { total: 10_000, bad5xx: 500, slow: 0 }, baseline: healthy };
    const answers = await invokeUntilDone(10);
    expect(answers.map((a) => a.hookStatus)).toEqual(["IN_PROGRESS", "FAILED"]);
    expect(logs.at(-1)).toBe(
      "canary judge of EZe5RNVLH6PPzHXINuP28 (PRODUCTION_TRAFFIC_SHIFT, new revision at 10% of production traffic): canary analysis canary failed at look 1 of 10: FAILED",
    );
    expect(logs.some((line) => line.endsWith("look 1 of 10: fail"))).toBe(true);
  });

  it("answers FAILED when Prometheus cannot be read consecutiveErrorLimit (2) looks in a row", async () => {
    counts = "down";
    const answers = await invokeUntilDone(10);
    expect(answers.map((a) => a.hookStatus)).toEqual(["IN_PROGRESS", "IN_PROGRESS", "FAILED"]);
    expect(answers[1]?.hookDetails?.canary).toMatchObject({ state: { consecutiveErrors: 1, last: "error" } });
    expect(logs.at(-1)).toMatch(
      /: canary analysis canary could not be read 2 looks in a row \(consecutiveErrorLimit 2\): .*HTTP 503: service unavailable.*: FAILED$/,
    );
  });

  it("carries on past one failed look: the error count resets with the next answer", async () => {
    const answers = await invokeUntilDone(10, (invocation) => {
      counts = invocation === 1 ? "down" : { canary: healthy, baseline: healthy };
    });
    expect(answers.map((a) => a.hookStatus)).toEqual([...Array(10).fill("IN_PROGRESS"), "SUCCEEDED"]);
  });

  /** What DescribeServiceDeployments answers for the payload's resourceArn. */
  const deploymentIs = (status: ServiceDeploymentStatus, deploymentConfiguration?: DeploymentConfiguration) =>
    ecs.on(DescribeServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        {
          serviceDeploymentArn: productionTrafficShift.resourceArn,
          status,
          ...(deploymentConfiguration === undefined ? {} : { deploymentConfiguration }),
        },
      ],
      failures: [],
    });

  it("a later linear step without the earlier step's hookDetails passes: ECS shifted past the first step only after the judge answered SUCCEEDED there", async () => {
    deploymentIs("IN_PROGRESS", { strategy: "LINEAR", linearConfiguration: { stepPercent: 10 } });
    vi.setSystemTime(t0);
    expect(await bundle.judgeHandler(atCanary(20, details))).toEqual({ hookStatus: "SUCCEEDED" });
    // No look, no revisions read: the verdict was reached at the first step.
    expect(ecs.commandCalls(DescribeServiceRevisionsCommand)).toEqual([]);
    expect(logs.at(-1)).toBe(
      "canary judge of EZe5RNVLH6PPzHXINuP28 (PRODUCTION_TRAFFIC_SHIFT, new revision at 20% of production traffic): the first traffic step (10%, LINEAR) was judged: ECS shifts further only after this hook answered SUCCEEDED there: SUCCEEDED",
    );
    // The first step itself is judged, whatever came back.
    const first = await bundle.judgeHandler(atCanary(10, details));
    expect(first.hookStatus).toBe("IN_PROGRESS");
    // The canary's final shift (100%) of a CANARY deployment, its state lost: passes the same way.
    deploymentIs("IN_PROGRESS", { strategy: "CANARY", canaryConfiguration: { canaryPercent: 10 } });
    expect(await bundle.judgeHandler(atCanary(100, details))).toEqual({ hookStatus: "SUCCEEDED" });
  });

  it("100% without a confirmed strategy is not passed on the weights: ECS unreadable answers IN_PROGRESS", async () => {
    ecs.on(DescribeServiceDeploymentsCommand).rejects(new Error("ThrottlingException"));
    vi.setSystemTime(t0);
    const answer = await bundle.judgeHandler(atCanary(100, details));
    expect([answer.hookStatus, answer.callBackDelay]).toEqual(["IN_PROGRESS", 30]);
  });

  it("never holds a rollback: traffic shifting back to the old revision, and ECS says ROLLBACK_IN_PROGRESS, answers SUCCEEDED at once", async () => {
    deploymentIs("ROLLBACK_IN_PROGRESS");
    expect(await bundle.judgeHandler({ ...rollingBack, hookDetails: details })).toEqual({
      hookStatus: "SUCCEEDED",
    });
    expect(ecs.commandCalls(DescribeServiceRevisionsCommand)).toEqual([]);
    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand).map((c) => c.args[0].input)).toEqual([
      { serviceDeploymentArns: [rollingBack.resourceArn] },
    ]);
  });

  it("the rollback's weights alone never pass: new at 0%, old at 100% in a deployment ECS says is IN_PROGRESS waits for the canary", async () => {
    deploymentIs("IN_PROGRESS");
    vi.setSystemTime(t0);
    const answer = await bundle.judgeHandler({ ...rollingBack, hookDetails: details });
    expect([answer.hookStatus, answer.callBackDelay]).toEqual(["IN_PROGRESS", 30]);
    ecs.on(DescribeServiceDeploymentsCommand).rejects(new Error("AccessDeniedException"));
    const unread = await bundle.judgeHandler({ ...rollingBack, hookDetails: details });
    expect(unread.hookStatus).toBe("IN_PROGRESS");
  });

  it("takes no look when all traffic moves at once (the guide's PRODUCTION_TRAFFIC_SHIFT example)", async () => {
    deploymentIs("IN_PROGRESS", { strategy: "BLUE_GREEN" });
    expect(await bundle.judgeHandler({ ...productionTrafficShift, hookDetails: details })).toEqual({
      hookStatus: "SUCCEEDED",
    });
    expect(logs).toEqual([
      "canary judge of EZe5RNVLH6PPzHXINuP28 (PRODUCTION_TRAFFIC_SHIFT, new revision at 100% of production traffic): canary took no look: all at once (BLUE_GREEN), the new revision never held part of production traffic: SUCCEEDED",
    ]);
  });

  it("answers SUCCEEDED at the next step once the canary has passed (the state came back)", async () => {
    const answers = await invokeUntilDone(10);
    const passed = answers.at(-2)?.hookDetails ?? {};
    expect(await bundle.judgeHandler(atCanary(100, { ...details, ...passed }))).toEqual({
      hookStatus: "SUCCEEDED",
    });
  });

  it("answers FAILED when placed at another stage (PRE_PRODUCTION_TRAFFIC_SHIFT looks like a rollback) or given no weights", async () => {
    // The guide's PRE_PRODUCTION_TRAFFIC_SHIFT example: the new revision at 0%, the old at 100%.
    const preProduction = { ...rollingBack, executionId: "a2b3c4d5-e6f7-8901-abcd-ef1234567890" };
    expect(
      await bundle.judgeHandler({
        ...preProduction,
        lifecycleStage: "PRE_PRODUCTION_TRAFFIC_SHIFT",
        hookDetails: details,
      }),
    ).toEqual({ hookStatus: "FAILED" });
    const noWeights = {
      ...productionTrafficShift,
      executionDetails: { ...productionTrafficShift.executionDetails, productionTrafficWeights: {} },
    };
    expect(await bundle.judgeHandler({ ...noWeights, hookDetails: details })).toEqual({
      hookStatus: "FAILED",
    });
    expect(logs).toEqual([
      "canary judge of EZe5RNVLH6PPzHXINuP28 (PRE_PRODUCTION_TRAFFIC_SHIFT, new revision at 0% of production traffic): the judge runs at PRODUCTION_TRAFFIC_SHIFT only: FAILED",
      "canary judge of EZe5RNVLH6PPzHXINuP28 (PRODUCTION_TRAFFIC_SHIFT, new revision at unknown% of production traffic): no production traffic weight for the new revision: FAILED",
    ]);
  });

  it("answers FAILED without its configuration: an error never passes a canary", async () => {
    expect(await bundle.judgeHandler(atCanary(10))).toEqual({ hookStatus: "FAILED" });
    expect(logs).toEqual([
      "canary judge of EZe5RNVLH6PPzHXINuP28 (PRODUCTION_TRAFFIC_SHIFT, new revision at 10% of production traffic): hookDetails.judge is missing or malformed: nothing to judge with: FAILED",
    ]);
  });

  it("cannot judge a release of the same task definition: the analysis's sameRevision (pass) decides", async () => {
    ecs.on(DescribeServiceRevisionsCommand).resolves({
      serviceRevisions: [
        {
          serviceRevisionArn: GREEN,
          taskDefinition: "arn:aws:ecs:us-west-2:123456789012:task-definition/api:41",
        },
        {
          serviceRevisionArn: BLUE,
          taskDefinition: "arn:aws:ecs:us-west-2:123456789012:task-definition/api:41",
        },
      ],
    });
    vi.setSystemTime(t0);
    expect(await bundle.judgeHandler(atCanary(10, details))).toEqual({ hookStatus: "SUCCEEDED" });
    expect(logs.at(-1)).toContain("cannot judge this release");
  });
});
