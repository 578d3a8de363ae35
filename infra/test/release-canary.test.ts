/**
 * The release step's canary decisions over the release harness (AWS as a timeline, an injected
 * clock) and an injected analysis: stop with rollback on fail, carry on, the inconclusive policy,
 * the budget gate and its override, and the annotations of start and end. Exact log lines.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { type ReleaseEvent, type ReleaseOptions, release } from "../src/release/release";
import { consoleLink, NEW, OLD, type ReleaseHarness, releaseHarness } from "./release-harness";

const link = consoleLink("d-1");
let aws: ReleaseHarness;
let lookedAt: number[];
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
const run = (extra: Partial<ReleaseOptions>) => release(aws.deployer(), aws.options(extra));
/**
 * d-1: green at 10% of traffic from 30 s, all of it from `shiftAt`, Succeeded at `endAt` unless
 * stopped first; a stop rolls it back by d-2.
 */
const deployment = (shiftAt: number, endAt?: number) => {
  const d = aws.creates("d-1").at(0).weight(0).at(30).weight(10).at(shiftAt).weight(100).onStop("d-2");
  if (endAt !== undefined) d.at(endAt).status("Succeeded");
  aws.deployment("d-2").ships(OLD).at(0).status("Succeeded");
};

beforeEach(() => {
  aws = releaseHarness();
  aws.service(OLD);
  // A group without alarms: these tests are about the canary.
  aws.group({});
  lookedAt = [];
});

describe("the canary, judged by Prometheus", () => {
  it("fail during the canary: stops with rollback, prints the look's lines, and the release fails with them", async () => {
    deployment(330);
    await expect(run({ canary: canary(["pass", "fail"]) })).rejects.toThrow(
      [
        "canary analysis canary failed at look 2 of 10; the deployment was stopped with rollback (deployment d-1 Stopped: no error code: no message; rolled back by d-2 (Succeeded)):",
        "look 2 of 10 at 150 over 120 s",
        "fail",
        link,
      ].join("\n"),
    );
    // The canary started at 30 s (green first seen at 10%): looks at its minutes 1 and 2.
    expect(lookedAt).toEqual([90, 150]);
    expect(aws.stopped()).toEqual([{ deploymentId: "d-1", autoRollbackEnabled: true }]);
    expect(aws.lines.filter((line) => line.includes("canary") || line.includes("look"))).toEqual([
      "+90s canary analysis canary look 1 of 10: pass",
      "+150s   look 2 of 10 at 150 over 120 s",
      "+150s canary analysis canary failed at look 2 of 10: stopping d-1 with rollback",
    ]);
  });

  it("pass through the canary: carries on to success, looking at every minute of it", async () => {
    deployment(330, 360);
    expect(await run({ canary: canary(["pass"]) })).toEqual({ action: "deployed", deploymentId: "d-1" });
    expect(lookedAt).toEqual([90, 150, 210, 270]);
    expect(aws.lines).toContain("+330s canary analysis canary passed at look 4 of 10: carrying on");
    expect(aws.stopped()).toHaveLength(0);
  });

  it("a monitor that cannot be read twice in a row: stops with rollback and says why; an error is never a pass", async () => {
    deployment(330);
    await expect(run({ canary: canary(["pass", "error"]) })).rejects.toThrow(
      "canary analysis canary could not be read 2 looks in a row (consecutiveErrorLimit 2): HTTP 403: not authorized; the deployment was stopped with rollback",
    );
    expect(aws.lines.filter((line) => line.includes("canary analysis"))).toEqual([
      "+90s canary analysis canary look 1 of 10: pass",
      "+150s canary analysis canary look 2 of 10: error (1 of 2 in a row): HTTP 403: not authorized",
      "+210s canary analysis canary could not be read 2 looks in a row (consecutiveErrorLimit 2): HTTP 403: not authorized: stopping d-1 with rollback",
    ]);
  });

  it("inconclusive when the canary ends, and the analysis says fail: stops with rollback", async () => {
    deployment(120);
    await expect(run({ canary: canary(["inconclusive"], "fail") })).rejects.toThrow(
      "canary analysis canary was inconclusive at look 1 of 10 when the canary ended, and the analysis says fail; the deployment was stopped with rollback",
    );
    expect(aws.lines).toContain(
      "+120s canary analysis canary was inconclusive at look 1 of 10 when the canary ended, and the analysis says fail: stopping d-1 with rollback",
    );
  });

  it("inconclusive when the canary ends, and the analysis says pass: carries on and says so", async () => {
    deployment(120, 180);
    expect(await run({ canary: canary(["inconclusive"], "pass") })).toEqual({
      action: "deployed",
      deploymentId: "d-1",
    });
    expect(aws.lines).toContain(
      "+120s canary analysis canary was inconclusive at look 1 of 10 when the canary ended, and the analysis says pass: carrying on",
    );
    expect(aws.stopped()).toHaveLength(0);
  });

  it("a network-only release (the same revision): says it cannot be judged, looks at nothing, does what the file says", async () => {
    aws.service(NEW, { network: { subnets: ["subnet-a"], securityGroups: ["sg-old"] } });
    deployment(330, 360);
    await run({ canary: canary(["fail"]), network: { subnets: ["subnet-a"], securityGroups: ["sg-new"] } });
    expect(lookedAt).toEqual([]);
    expect(aws.lines).toContain(
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
    await expect(run({ gate: gate(false) })).rejects.toThrow(
      `refused to release ${NEW}: availability budget left: -12% (30 days): spent; paging now in prod: CommentsApiAvailabilityBudgetBurnFast. Release anyway with --override-budget "<reason>"`,
    );
    expect(aws.created()).toHaveLength(0);
  });

  it('--override-budget "<reason>": releases, the reason in the log and the description', async () => {
    aws.creates("d-1").status("Succeeded");
    await run({ gate: gate(false), overrideBudget: "INC-9 fix" });
    expect(aws.lines.slice(0, 3)).toEqual([
      "+0s availability budget left: -12% (30 days): spent",
      "+0s paging now in prod: CommentsApiAvailabilityBudgetBurnFast",
      "+0s budget gate overridden: INC-9 fix",
    ]);
    expect(aws.created()[0]?.description).toBe(`${OLD} -> ${NEW} [budget gate overridden: INC-9 fix]`);
  });
});

describe("annotations", () => {
  it("posts the start and the end with the outcome and the last verdict; a failing annotation never fails a release", async () => {
    const events: ReleaseEvent[] = [];
    deployment(100, 120);
    await run({
      canary: canary(["pass"]),
      annotate: async (event) => {
        events.push(event);
        if (event.phase === "end") throw new Error("HTTP 401: invalid API key");
        return "17";
      },
    });
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
    expect(aws.lines.at(-1)).toBe("+120s could not annotate the release's end: HTTP 401: invalid API key");
  });
});
