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
let lookedAt: number[];
let stopped: boolean;
/**
 * An analysis whose looks answer `outcomes` in turn (the last one repeating): the judge is tested
 * on its own (judge.test.ts); here, what the release step does with each outcome.
 */
const canary = (
  outcomes: ("pass" | "fail" | "inconclusive" | "error")[],
  inconclusive: "pass" | "fail" = "pass",
): ReleaseOptions["canary"] => ({
  plan: {
    name: "canary",
    looks: { everyMinutes: 1, count: 10 },
    consecutiveErrorLimit: 2,
    inconclusive,
    sameRevision: "pass",
  },
  look: async ({ look, at, windowSeconds }) => {
    lookedAt.push(at);
    const kind = outcomes[Math.min(lookedAt.length - 1, outcomes.length - 1)] ?? "pass";
    const header = `look ${look} of 10 at ${at} over ${windowSeconds} s`;
    if (kind === "error")
      return { ok: false, reason: "HTTP 403: not authorized", lines: [header, "error"], queries: [] };
    return {
      ok: true,
      verdict: { look, looks: 10, failAlpha: 0.00025, passAlpha: 0.0025, checks: [], verdict: kind },
      lines: [header, kind],
      queries: [],
    };
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
  lookedAt = [];
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
  const failing = () => {
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: "d-1" })
      .callsFake(() =>
        stopped ? info("Stopped", { rollbackInfo: { rollbackDeploymentId: "d-2" } }) : info("InProgress"),
      );
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: "d-2" })
      .resolves({ deploymentInfo: { deploymentId: "d-2", status: "Succeeded" } });
  };

  it("fail during the canary: stops with rollback, prints the look's lines, and the release fails with them", async () => {
    codedeploy.on(GetDeploymentTargetCommand).callsFake(weights(330));
    failing();
    await expect(release(clients, target, options({ canary: canary(["pass", "fail"]) }))).rejects.toThrow(
      [
        "canary analysis canary failed at look 2 of 10; the deployment was stopped with rollback (deployment d-1 Stopped: no error code: no message; rolled back by d-2 (Succeeded)):",
        "look 2 of 10 at 150 over 120 s",
        "fail",
        link,
      ].join("\n"),
    );
    // The canary started at 30 s (green first seen at 10%): looks at its minutes 1 and 2.
    expect(lookedAt).toEqual([90, 150]);
    expect(codedeploy.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { deploymentId: "d-1", autoRollbackEnabled: true },
    ]);
    expect(lines.filter((line) => line.includes("canary") || line.includes("look"))).toEqual([
      "+90s canary analysis canary look 1 of 10: pass",
      "+150s   look 2 of 10 at 150 over 120 s",
      "+150s canary analysis canary failed at look 2 of 10: stopping d-1 with rollback",
    ]);
  });

  it("pass through the canary: carries on to success, looking at every minute of it", async () => {
    codedeploy.on(GetDeploymentTargetCommand).callsFake(weights(330));
    codedeploy
      .on(GetDeploymentCommand)
      .callsFake(() => (clock >= 360_000 ? info("Succeeded") : info("InProgress")));
    expect(await release(clients, target, options({ canary: canary(["pass"]) }))).toEqual({
      action: "deployed",
      deploymentId: "d-1",
    });
    expect(lookedAt).toEqual([90, 150, 210, 270]);
    expect(lines).toContain("+330s canary analysis canary passed at look 4 of 10: carrying on");
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  it("a monitor that cannot be read twice in a row: stops with rollback and says why; an error is never a pass", async () => {
    codedeploy.on(GetDeploymentTargetCommand).callsFake(weights(330));
    failing();
    await expect(release(clients, target, options({ canary: canary(["pass", "error"]) }))).rejects.toThrow(
      "canary analysis canary could not be read 2 looks in a row (consecutiveErrorLimit 2): HTTP 403: not authorized; the deployment was stopped with rollback",
    );
    expect(lines.filter((line) => line.includes("canary analysis"))).toEqual([
      "+90s canary analysis canary look 1 of 10: pass",
      "+150s canary analysis canary look 2 of 10: error (1 of 2 in a row): HTTP 403: not authorized",
      "+210s canary analysis canary could not be read 2 looks in a row (consecutiveErrorLimit 2): HTTP 403: not authorized: stopping d-1 with rollback",
    ]);
  });

  it("inconclusive when the canary ends, and the analysis says fail: stops with rollback", async () => {
    codedeploy.on(GetDeploymentTargetCommand).callsFake(weights(120));
    failing();
    await expect(
      release(clients, target, options({ canary: canary(["inconclusive"], "fail") })),
    ).rejects.toThrow(
      "canary analysis canary was inconclusive at look 1 of 10 when the canary ended, and the analysis says fail; the deployment was stopped with rollback",
    );
    expect(lines).toContain(
      "+120s canary analysis canary was inconclusive at look 1 of 10 when the canary ended, and the analysis says fail: stopping d-1 with rollback",
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
      "+120s canary analysis canary was inconclusive at look 1 of 10 when the canary ended, and the analysis says pass: carrying on",
    );
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  it("a network-only release (the same revision): says it cannot be judged, looks at nothing, does what the file says", async () => {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          taskDefinition: NEW,
          taskSets: [
            {
              status: "PRIMARY",
              networkConfiguration: {
                awsvpcConfiguration: { subnets: ["subnet-a"], securityGroups: ["sg-old"] },
              },
            },
          ],
        },
      ],
    });
    codedeploy.on(GetDeploymentTargetCommand).callsFake(weights(330));
    codedeploy
      .on(GetDeploymentCommand)
      .callsFake(() => (clock >= 360_000 ? info("Succeeded") : info("InProgress")));
    await release(
      clients,
      target,
      options({ canary: canary(["fail"]), network: { subnets: ["subnet-a"], securityGroups: ["sg-new"] } }),
    );
    expect(lookedAt).toEqual([]);
    expect(lines).toContain(
      "+30s canary analysis canary cannot judge this release: its tasks run the revision of the tasks they replace (a network-only change), so no metric tells them apart; the analysis says pass: carrying on",
    );
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
