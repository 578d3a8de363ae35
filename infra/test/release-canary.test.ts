/**
 * The release step's canary decisions against aws-sdk-client-mock, with an injected clock and an
 * injected analysis: stop with rollback on fail, carry on, the inconclusive policy, the budget
 * gate and its override, and the annotations of start and end. Exact log lines.
 */
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  type DeploymentInfo,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import type { Verdict } from "../src/release/analysis";
import { type ReleaseEvent, type ReleaseOptions, release } from "../src/release/release";

const codedeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const clients = {
  codedeploy: new CodeDeployClient({ region: "sa-east-1" }),
  ecs: new ECSClient({ region: "sa-east-1" }),
};
const OLD = "arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod:41";
const NEW = "arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod:42";
const target = {
  region: "sa-east-1",
  application: "comments-api-prod",
  deploymentGroup: "comments-api-prod",
  cluster: "comments-api-prod",
  service: "comments-api-prod",
  containerName: "comments-api",
  containerPort: 3000,
};
const link = "https://sa-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-1?region=sa-east-1";

let clock: number;
let lines: string[];
let evaluatedAt: number[];
let stopped: boolean;
/** A verdict as the evaluator gives it, with one metric. */
const verdict = (kind: Verdict["verdict"], value: number): Verdict => ({
  analysis: "canary",
  stack: "prod",
  revision: "42",
  at: clock / 1000,
  window: "5m",
  traffic: {
    query: "traffic()",
    requests: kind === "inconclusive" ? 3 : 600,
    enough: kind !== "inconclusive",
  },
  metrics: [
    {
      name: "5xx ratio",
      query: "ratio()",
      value,
      condition: "fail > 0.0144; pass <= 0.0144",
      verdict: kind === "inconclusive" ? "pass" : kind,
    },
  ],
  verdict: kind,
});
const canary = (
  verdicts: Verdict["verdict"][],
  inconclusive: "pass" | "fail" = "pass",
): ReleaseOptions["canary"] => ({
  name: "canary",
  minRequests: 50,
  inconclusive,
  everySeconds: 60,
  evaluate: async (at) => {
    evaluatedAt.push(at);
    const kind = verdicts[Math.min(evaluatedAt.length - 1, verdicts.length - 1)] ?? "pass";
    return verdict(kind, kind === "fail" ? 0.05 : 0);
  },
});
const options = (extra: Partial<ReleaseOptions>): ReleaseOptions => ({
  taskDefinitionArn: NEW,
  onConflict: "fail",
  deadlineSeconds: 3600,
  pollSeconds: 15,
  log: (line) => lines.push(line),
  sleep: async (ms) => {
    clock += ms;
  },
  now: () => clock,
  ...extra,
});
const info = (status: string, extra: Partial<DeploymentInfo> = {}) => ({
  deploymentInfo: {
    deploymentId: "d-1",
    status,
    revision: {
      revisionType: "AppSpecContent",
      appSpecContent: {
        content: JSON.stringify({ Resources: [{ TargetService: { Properties: { TaskDefinition: NEW } } }] }),
      },
    },
    ...extra,
  } as DeploymentInfo,
});
/** Green's share of traffic over time (seconds → weight): 10% from 30 s, all of it from `shiftAt`. */
const weights = (shiftAt: number) => () => ({
  deploymentTarget: {
    ecsTarget: {
      taskSetsInfo: [
        { taskSetLabel: "Green", trafficWeight: clock < 30_000 ? 0 : clock < shiftAt * 1000 ? 10 : 100 },
      ],
    },
  },
});

beforeEach(() => {
  codedeploy.reset();
  ecs.reset();
  clock = 0;
  lines = [];
  evaluatedAt = [];
  stopped = false;
  codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
  codedeploy.on(GetDeploymentGroupCommand).resolves({});
  ecs.on(DescribeServicesCommand).resolves({ services: [{ taskDefinition: OLD }] });
  codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-1" });
  codedeploy.on(StopDeploymentCommand).callsFake(() => {
    stopped = true;
    return {};
  });
});

describe("the canary, judged by Prometheus", () => {
  it("fail during the canary: stops with rollback, prints the verdict table, and the release fails with it", async () => {
    codedeploy.on(GetDeploymentTargetCommand).callsFake(weights(330));
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: "d-1" })
      .callsFake(() =>
        stopped ? info("Stopped", { rollbackInfo: { rollbackDeploymentId: "d-2" } }) : info("InProgress"),
      );
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: "d-2" })
      .resolves({ deploymentInfo: { deploymentId: "d-2", status: "Succeeded" } });
    await expect(release(clients, target, options({ canary: canary(["pass", "fail"]) }))).rejects.toThrow(
      [
        "canary analysis canary failed; the deployment was stopped with rollback (deployment d-1 Stopped: no error code: no message; rolled back by d-2 (Succeeded)):",
        "analysis canary of revision 42 in prod at 1970-01-01T00:01:30.000Z, window 5m",
        "traffic: 600 requests of the new revision (at least 50 needed): enough",
        "  query: traffic()",
        "5xx ratio: 0.05; fail > 0.0144; pass <= 0.0144: fail",
        "  query: ratio()",
        "fail",
        link,
      ].join("\n"),
    );
    // Analysed once a minute while green held 10%: at 30 s and 90 s.
    expect(evaluatedAt).toEqual([30, 90]);
    expect(codedeploy.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { deploymentId: "d-1", autoRollbackEnabled: true },
    ]);
    expect(lines.filter((line) => line.includes("canary"))).toEqual([
      "+30s canary analysis canary: pass",
      "+90s   analysis canary of revision 42 in prod at 1970-01-01T00:01:30.000Z, window 5m",
      "+90s canary analysis canary failed: stopping d-1 with rollback",
    ]);
  });

  it("pass through the canary: carries on to success, analysing every minute of it", async () => {
    codedeploy.on(GetDeploymentTargetCommand).callsFake(weights(330));
    codedeploy
      .on(GetDeploymentCommand)
      .callsFake(() => (clock >= 360_000 ? info("Succeeded") : info("InProgress")));
    expect(await release(clients, target, options({ canary: canary(["pass"]) }))).toEqual({
      action: "deployed",
      deploymentId: "d-1",
    });
    expect(evaluatedAt).toEqual([30, 90, 150, 210, 270]);
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  it("inconclusive when the canary ends, and the analysis says fail: stops with rollback", async () => {
    codedeploy.on(GetDeploymentTargetCommand).callsFake(weights(120));
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: "d-1" })
      .callsFake(() =>
        stopped ? info("Stopped", { rollbackInfo: { rollbackDeploymentId: "d-2" } }) : info("InProgress"),
      );
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: "d-2" })
      .resolves({ deploymentInfo: { deploymentId: "d-2", status: "Succeeded" } });
    await expect(
      release(clients, target, options({ canary: canary(["inconclusive"], "fail") })),
    ).rejects.toThrow(
      "canary analysis canary was inconclusive when the canary ended, and the analysis says fail; the deployment was stopped with rollback",
    );
    expect(lines).toContain(
      "+120s canary analysis canary was inconclusive when the canary ended, and the analysis says fail: stopping d-1 with rollback",
    );
  });

  it("inconclusive when the canary ends, and the analysis says pass: carries on and says so", async () => {
    codedeploy.on(GetDeploymentTargetCommand).callsFake(weights(120));
    codedeploy
      .on(GetDeploymentCommand)
      .callsFake(() => (clock >= 180_000 ? info("Succeeded") : info("InProgress")));
    expect(await release(clients, target, options({ canary: canary(["inconclusive"], "pass") }))).toEqual({
      action: "deployed",
      deploymentId: "d-1",
    });
    expect(lines).toContain(
      "+120s canary analysis canary was inconclusive when the canary ended; the analysis says pass: carrying on",
    );
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });
});

describe("the budget gate", () => {
  const gate = (allowed: boolean) => async () => ({
    allowed,
    lines: allowed
      ? ["availability budget left: 62% (30 days)"]
      : [
          "availability budget left: -12% (30 days): spent",
          "paging now in prod: CommentsApiAvailabilityBudgetBurnFast",
        ],
  });

  it("refuses a release when the budget is spent or a page fires, with the numbers, creating nothing", async () => {
    await expect(release(clients, target, options({ gate: gate(false) }))).rejects.toThrow(
      `refused to release ${NEW}: availability budget left: -12% (30 days): spent; paging now in prod: CommentsApiAvailabilityBudgetBurnFast. Release anyway with --override-budget "<reason>"`,
    );
    expect(codedeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  it('--override-budget "<reason>": releases, the reason in the log and the description', async () => {
    codedeploy.on(GetDeploymentCommand).resolves(info("Succeeded"));
    await release(clients, target, options({ gate: gate(false), overrideBudget: "INC-9 fix" }));
    expect(lines.slice(0, 3)).toEqual([
      "+0s availability budget left: -12% (30 days): spent",
      "+0s paging now in prod: CommentsApiAvailabilityBudgetBurnFast",
      "+0s budget gate overridden: INC-9 fix",
    ]);
    expect(codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input.description).toBe(
      `${OLD} -> ${NEW} [budget gate overridden: INC-9 fix]`,
    );
  });
});

describe("annotations", () => {
  it("posts the start and the end with the outcome and the last verdict; a failing annotation never fails a release", async () => {
    const events: ReleaseEvent[] = [];
    codedeploy.on(GetDeploymentTargetCommand).callsFake(weights(100));
    codedeploy
      .on(GetDeploymentCommand)
      .callsFake(() => (clock >= 120_000 ? info("Succeeded") : info("InProgress")));
    await release(
      clients,
      target,
      options({
        canary: canary(["pass"]),
        annotate: async (event) => {
          events.push(event);
          if (event.phase === "end") throw new Error("HTTP 401: invalid API key");
          return "17";
        },
      }),
    );
    expect(events).toEqual([
      { phase: "start", deploymentId: "d-1", time: 0 },
      {
        phase: "end",
        deploymentId: "d-1",
        time: 120_000,
        outcome: "succeeded",
        startId: "17",
        verdict: "pass",
      },
    ]);
    expect(lines.at(-1)).toBe("+120s could not annotate the release's end: HTTP 401: invalid API key");
  });
});
