/**
 * Canary analysis: alerts/analysis/canary.yaml as parsed, and evaluated by `pnpm release analyze`
 * against a real Prometheus holding known history (written with `promtool tsdb create-blocks-from
 * openmetrics`): a healthy revision passes, 5% errors fail, 40% slow requests fail, almost no
 * traffic is inconclusive, each with the exact values printed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findTool, type RunningTool, run, startPrometheus } from "../../services/testkit/src/index.js";
import { parseStackConfig } from "../src/config";
import { parseAnalysis, readAnalyses } from "../src/release/analysis";
import { runReleaseCli } from "../src/release/cli";
import type { ReleaseClients } from "../src/release/release";
import { readSloSpec } from "../src/slo";

const spec = readSloSpec();

describe("alerts/analysis", () => {
  it("canary.yaml: thresholds from alerts/slo.yaml, the latency bound filled in", () => {
    const canary = readAnalyses(spec).canary;
    expect(canary?.metrics.map((m) => [m.name, m.failWhen.text, m.passWhen.text])).toEqual([
      [
        "5xx ratio",
        "> 0.0144 (slo.availability.fastBurnRatio)",
        "<= 0.0144 (slo.availability.fastBurnRatio)",
      ],
      [
        "share slower than the latency threshold",
        "> 0.144 (slo.latency.fastBurnRatio)",
        "<= 0.144 (slo.latency.fastBurnRatio)",
      ],
      [
        "5xx ratio above the old revision's",
        "> 0.005 (5 * slo.availability.budget)",
        "<= 0.005 (5 * slo.availability.budget)",
      ],
      [
        "slow share above the old revision's",
        "> 0.05 (5 * slo.latency.budget)",
        "<= 0.05 (5 * slo.latency.budget)",
      ],
    ]);
    expect(canary?.metrics[1]?.query).toContain('le="0.3"');
    expect([canary?.window, canary?.minRequests, canary?.inconclusive]).toEqual(["5m", 50, "pass"]);
  });

  it("names every problem of a file at once, with the key and what is allowed", () => {
    const text = [
      "description: x",
      "window: soon",
      "minRequests: 0",
      "inconclusive: maybe",
      'traffic: sum(up{stack="{{stack}}"})',
      "metrics:",
      "  - name: m",
      '    query: rate(x{rev="{{revision}}",a="{{nope}}"}[{{window}}])',
      '    failWhen: "> slo.nothing.budget"',
      "    passWhen: lots",
      "    extra: 1",
    ].join("\n");
    expect(parseAnalysis(text, "alerts/analysis/bad.yaml", spec)).toEqual({
      ok: false,
      problems: [
        'alerts/analysis/bad.yaml: window="soon": must be a Prometheus duration of one unit, like 5m',
        "alerts/analysis/bad.yaml: minRequests=0: must be a whole number of requests, 1 or more",
        'alerts/analysis/bad.yaml: traffic="sum(up{stack=\\"{{stack}}\\"})": must select the new revision\'s series with {{revision}}',
        'alerts/analysis/bad.yaml: inconclusive="maybe": must be pass (carry on) or fail (roll back)',
        "alerts/analysis/bad.yaml: metrics[0].extra=1: unknown key; allowed: name, query, failWhen, passWhen",
        'alerts/analysis/bad.yaml: metrics[0].query="{{nope}}": unknown placeholder; allowed: {{stack}}, {{revision}}, {{window}}, {{slo.<objective>.thresholdSeconds}}',
        'alerts/analysis/bad.yaml: metrics[0].failWhen="> slo.nothing.budget": names no objective of alerts/slo.yaml (availability, latency)',
        'alerts/analysis/bad.yaml: metrics[0].passWhen="lots": must be an operator (>, >=, <, <=) and a number or slo.<objective>.<budget|fastBurnRatio|objective>, optionally times a factor: like > 0.0144 or > 2 * slo.availability.budget',
      ],
    });
  });
});

const promtool = findTool("promtool", "prometheus");
const prometheus = findTool("prometheus", "prometheus");

/** Half an hour of 15 s scrapes ending at END: old revision 41 (two tasks), new revision 42 (one task). */
const START = 1796000000 - (1796000000 % 3600);
const END = START + 1800;
const SCENARIOS: Record<string, { rps: number; errors: number; slow: number }> = {
  healthy: { rps: 2, errors: 0, slow: 0 },
  errors: { rps: 2, errors: 0.05, slow: 0 },
  slow: { rps: 2, errors: 0, slow: 0.4 },
  quiet: { rps: 0.004, errors: 0, slow: 0 },
};
function history(): string {
  const lines = [
    "# TYPE http_request_duration_seconds_count unknown",
    "# TYPE http_request_duration_seconds_bucket unknown",
  ];
  const count: string[] = [];
  const bucket: string[] = [];
  for (const [stack, scenario] of Object.entries(SCENARIOS)) {
    const tasks = [
      { revision: "41", task: "a", rps: 9, errors: 0, slow: 0 },
      { revision: "41", task: "b", rps: 9, errors: 0, slow: 0 },
      { revision: "42", task: "c", ...scenario },
    ];
    for (const t of tasks) {
      const labels = `job="comments-api",stack="${stack}",aws_ecs_task_revision="${t.revision}",aws_ecs_task_arn="arn:aws:ecs:sa-east-1:123456789012:task/comments-api-prod/${t.task}"`;
      for (let at = START; at <= END; at += 15) {
        const n = (at - START) * t.rps;
        const bad = n * t.errors;
        const good = n - bad;
        count.push(`http_request_duration_seconds_count{${labels},status_code="200"} ${good} ${at}`);
        count.push(`http_request_duration_seconds_count{${labels},status_code="503"} ${bad} ${at}`);
        bucket.push(
          `http_request_duration_seconds_bucket{${labels},status_code="200",le="0.3"} ${good * (1 - t.slow)} ${at}`,
        );
        bucket.push(
          `http_request_duration_seconds_bucket{${labels},status_code="503",le="0.3"} ${bad} ${at}`,
        );
      }
    }
  }
  // The 30-day SLIs the rules record and a firing page, for the budget gate: "spent" has spent its
  // availability budget (0.12% of 0.1%) and pages; the others have 60% and 80% left.
  const recorded: string[] = ["# TYPE comments_api:request_errors:ratio_rate30d gauge"];
  const slow: string[] = ["# TYPE comments_api:request_slow:ratio_rate30d gauge"];
  const alerts: string[] = ["# TYPE ALERTS gauge"];
  for (let at = END - 120; at <= END; at += 15) {
    for (const stack of [...Object.keys(SCENARIOS), "spent"]) {
      recorded.push(
        `comments_api:request_errors:ratio_rate30d{stack="${stack}"} ${stack === "spent" ? 0.0012 : 0.0004} ${at}`,
      );
      slow.push(`comments_api:request_slow:ratio_rate30d{stack="${stack}"} 0.002 ${at}`);
    }
    alerts.push(
      `ALERTS{alertname="CommentsApiAvailabilityBudgetBurnFast",alertstate="firing",severity="page",stack="spent",window="1h/5m"} 1 ${at}`,
    );
  }
  // OpenMetrics wants each family's samples together.
  return `${[lines[0], ...count, lines[1], ...bucket, ...recorded, ...slow, ...alerts].join("\n")}\n# EOF\n`;
}

describe.skipIf(promtool.path === undefined || prometheus.path === undefined)(
  `pnpm release analyze against a real Prometheus holding known history${promtool.reason}${prometheus.reason}`,
  () => {
    let dir: string;
    let server: RunningTool;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "analysis-"));
      writeFileSync(join(dir, "history.om"), history());
      mkdirSync(join(dir, "data"));
      const backfill = run("promtool", [
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        join(dir, "history.om"),
        join(dir, "data"),
      ]);
      if (backfill.status !== 0) throw new Error(backfill.output);
      server = await startPrometheus(dir, "global: {}\n");
    });
    afterAll(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const analyze = async (stack: string) => {
      const lines: string[] = [];
      const code = await runReleaseCli(
        [
          "analyze",
          "--stack",
          "prod",
          "--prometheus-url",
          server.base,
          "--revision",
          "42",
          "--at",
          new Date(END * 1000).toISOString(),
        ],
        prodConfig(stack),
        {} as ReleaseClients,
        { log: (line) => lines.push(line) },
      );
      // The values and verdicts; the queries are checked once below.
      return { code, lines: lines.filter((line) => !line.startsWith("  query: ")), all: lines };
    };
    const when = new Date(END * 1000).toISOString();

    it("a healthy revision passes (exit 0)", async () => {
      const { code, lines } = await analyze("healthy");
      expect(lines).toEqual([
        `analysis canary of revision 42 in healthy at ${when}, window 5m`,
        "traffic: 600 requests of the new revision (at least 50 needed): enough",
        "5xx ratio: 0; fail > 0.0144 (slo.availability.fastBurnRatio); pass <= 0.0144 (slo.availability.fastBurnRatio): pass",
        "share slower than the latency threshold: 0; fail > 0.144 (slo.latency.fastBurnRatio); pass <= 0.144 (slo.latency.fastBurnRatio): pass",
        "5xx ratio above the old revision's: 0; fail > 0.005 (5 * slo.availability.budget); pass <= 0.005 (5 * slo.availability.budget): pass",
        "slow share above the old revision's: 0; fail > 0.05 (5 * slo.latency.budget); pass <= 0.05 (5 * slo.latency.budget): pass",
        "pass",
      ]);
      expect(code).toBe(0);
    });

    it("5% errors fail (exit 1), absolutely and against the old revision", async () => {
      const { code, lines, all } = await analyze("errors");
      expect(lines.slice(1)).toEqual([
        "traffic: 600 requests of the new revision (at least 50 needed): enough",
        "5xx ratio: 0.05; fail > 0.0144 (slo.availability.fastBurnRatio); pass <= 0.0144 (slo.availability.fastBurnRatio): fail",
        "share slower than the latency threshold: 0; fail > 0.144 (slo.latency.fastBurnRatio); pass <= 0.144 (slo.latency.fastBurnRatio): pass",
        "5xx ratio above the old revision's: 0.05; fail > 0.005 (5 * slo.availability.budget); pass <= 0.005 (5 * slo.availability.budget): fail",
        "slow share above the old revision's: 0; fail > 0.05 (5 * slo.latency.budget); pass <= 0.05 (5 * slo.latency.budget): pass",
        "fail",
      ]);
      expect(all[2]).toBe(
        '  query: sum(increase(http_request_duration_seconds_count{job="comments-api",stack="errors",aws_ecs_task_revision="42"}[5m]))',
      );
      expect(code).toBe(1);
    });

    it("40% of requests slower than 300 ms fail (exit 1)", async () => {
      const { code, lines } = await analyze("slow");
      expect(lines.slice(2, 6).map((line) => line.replace(/;.*: /, ": "))).toEqual([
        "5xx ratio: 0: pass",
        "share slower than the latency threshold: 0.4: fail",
        "5xx ratio above the old revision's: 0: pass",
        "slow share above the old revision's: 0.4: fail",
      ]);
      expect(code).toBe(1);
    });

    it("almost no traffic is inconclusive (exit 3), not a crash", async () => {
      const { code, lines } = await analyze("quiet");
      expect(lines[1]).toBe("traffic: 1.2 requests of the new revision (at least 50 needed): inconclusive");
      expect(lines.at(-1)).toBe("inconclusive");
      expect(code).toBe(3);
    });

    const prodConfig = (stack: string) => {
      const config = parseStackConfig("prod", {
        "aws:region": "sa-east-1",
        owner: "o",
        costCentre: "c",
        grafanaRegion: "us-east-1",
        domainName: "comments.example.com",
        dbMultiAz: "true",
        dbDeletionProtection: "true",
        certificateArn: "arn:aws:acm:sa-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000",
      });
      if (!config.ok) throw new Error(config.problems.join("\n"));
      return { ...config.config, stack: stack as "prod" };
    };
    /** `pnpm release deploy` of revision 42 with this Prometheus, CodeDeploy and ECS mocked: green holds 10%. */
    const deploy = async (stack: string, extra: string[] = []) => {
      const codedeploy = mockClient(CodeDeployClient);
      const ecs = mockClient(ECSClient);
      let stopped = false;
      codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
      codedeploy.on(GetDeploymentGroupCommand).resolves({});
      codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-1" });
      codedeploy.on(StopDeploymentCommand).callsFake(() => {
        stopped = true;
        return {};
      });
      codedeploy.on(GetDeploymentTargetCommand).resolves({
        deploymentTarget: { ecsTarget: { taskSetsInfo: [{ taskSetLabel: "Green", trafficWeight: 10 }] } },
      });
      let polls = 0;
      codedeploy.on(GetDeploymentCommand, { deploymentId: "d-1" }).callsFake(() => {
        polls += 1;
        const status = stopped ? "Stopped" : polls > 8 ? "Succeeded" : "InProgress";
        return {
          deploymentInfo: {
            deploymentId: "d-1",
            status,
            ...(stopped ? { rollbackInfo: { rollbackDeploymentId: "d-2" } } : {}),
          },
        };
      });
      codedeploy
        .on(GetDeploymentCommand, { deploymentId: "d-2" })
        .resolves({ deploymentInfo: { deploymentId: "d-2", status: "Succeeded" } });
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          { taskDefinition: "arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod:41" },
        ],
      });
      const lines: string[] = [];
      let clock = END * 1000;
      const code = await runReleaseCli(
        [
          "deploy",
          "--stack",
          "prod",
          "--task-definition",
          "arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod:42",
          "--prometheus-url",
          server.base,
          "--analysis",
          "canary",
          ...extra,
        ],
        prodConfig(stack),
        {
          codedeploy: new CodeDeployClient({ region: "sa-east-1" }),
          ecs: new ECSClient({ region: "sa-east-1" }),
        },
        {
          log: (line) => lines.push(...line.split("\n")),
          now: () => clock,
          sleep: async (ms) => {
            clock += ms;
          },
          env: {},
        },
      );
      codedeploy.restore();
      ecs.restore();
      return { code, lines, stopped };
    };

    it("a release of the revision with 5% errors is stopped during the canary, the verdict table in the log", async () => {
      const { code, lines, stopped } = await deploy("errors");
      expect(stopped).toBe(true);
      expect(code).toBe(1);
      const shown = lines.filter((line) => !line.includes("query: ") && !/^\+\d+s deployment d-/.test(line));
      const table = [
        "analysis canary of revision 42 in errors at 2026-11-30T00:30:00.000Z, window 5m",
        "traffic: 600 requests of the new revision (at least 50 needed): enough",
        "5xx ratio: 0.05; fail > 0.0144 (slo.availability.fastBurnRatio); pass <= 0.0144 (slo.availability.fastBurnRatio): fail",
        "share slower than the latency threshold: 0; fail > 0.144 (slo.latency.fastBurnRatio); pass <= 0.144 (slo.latency.fastBurnRatio): pass",
        "5xx ratio above the old revision's: 0.05; fail > 0.005 (5 * slo.availability.budget); pass <= 0.005 (5 * slo.availability.budget): fail",
        "slow share above the old revision's: 0; fail > 0.05 (5 * slo.latency.budget); pass <= 0.05 (5 * slo.latency.budget): pass",
        "fail",
      ];
      expect(shown).toEqual([
        "+0s availability budget left: 60% of 30d's 0.1%",
        "+0s latency budget left: 80% of 30d's 1%",
        "+0s no page firing in errors",
        "+0s created deployment d-1: arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod:41 -> arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod:42",
        "+0s could not tell the live target group (no primary task set of none): the deployment group's alarms, both colours', judge this release",
        ...table.map((line) => `+0s   ${line}`),
        "+0s canary analysis canary failed: stopping d-1 with rollback",
        "+15s waiting for rollback deployment d-2",
        "release deploy failed: canary analysis canary failed; the deployment was stopped with rollback (deployment d-1 Stopped: no error code: no message; rolled back by d-2 (Succeeded)):",
        ...table,
        "https://sa-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-1?region=sa-east-1",
      ]);
    });

    it("a healthy revision carries on through the canary to success", async () => {
      const { code, lines, stopped } = await deploy("healthy");
      expect(stopped).toBe(false);
      expect(lines.filter((line) => line.includes("canary analysis"))).toEqual([
        "+0s canary analysis canary: pass",
        "+60s canary analysis canary: pass",
      ]);
      expect(code).toBe(0);
    });

    it("refuses while the budget is spent and a page fires, with the numbers; --override-budget goes ahead", async () => {
      const refused = await deploy("spent");
      expect(refused.code).toBe(1);
      expect(refused.lines.at(-1)).toBe(
        "release deploy failed: refused to release arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod:42: availability budget left: -20% of 30d's 0.1%: spent; latency budget left: 80% of 30d's 1%; pages firing now in spent: 1. Release anyway with --override-budget \"<reason>\", or from the Deploy workflow: run it by hand (Run workflow) with the override_budget input, the reason",
      );
      const overridden = await deploy("spent", ["--override-budget", "INC-3: the fix for what spent it"]);
      expect(overridden.lines).toContain("+0s budget gate overridden: INC-3: the fix for what spent it");
      // No series of revision 42 in "spent": inconclusive, and canary.yaml says carry on.
      expect(overridden.lines).toContain("+0s canary analysis canary: inconclusive");
      expect(overridden.code).toBe(0);
    });

    it("a revision with no series at all is inconclusive, every metric saying why", async () => {
      const lines: string[] = [];
      const config = parseStackConfig("stage", {
        "aws:region": "sa-east-1",
        owner: "o",
        costCentre: "c",
        grafanaRegion: "us-east-1",
      });
      if (!config.ok) throw new Error(config.problems.join("\n"));
      const code = await runReleaseCli(
        [
          "analyze",
          "--stack",
          "stage",
          "--prometheus-url",
          server.base,
          "--revision",
          "99",
          "--at",
          String(END),
        ],
        config.config,
        {} as ReleaseClients,
        { log: (line) => lines.push(line) },
      );
      expect(lines.filter((l) => !l.startsWith("  query: ")).slice(1)).toEqual([
        "traffic: no value requests of the new revision (at least 50 needed): inconclusive, no series (no requests in the window?)",
        "5xx ratio: no value (no series (no requests in the window?)); fail > 0.0144 (slo.availability.fastBurnRatio); pass <= 0.0144 (slo.availability.fastBurnRatio): inconclusive",
        "share slower than the latency threshold: no value (no series (no requests in the window?)); fail > 0.144 (slo.latency.fastBurnRatio); pass <= 0.144 (slo.latency.fastBurnRatio): inconclusive",
        "5xx ratio above the old revision's: no value (no series (no requests in the window?)); fail > 0.005 (5 * slo.availability.budget); pass <= 0.005 (5 * slo.availability.budget): inconclusive",
        "slow share above the old revision's: no value (no series (no requests in the window?)); fail > 0.05 (5 * slo.latency.budget); pass <= 0.05 (5 * slo.latency.budget): inconclusive",
        "inconclusive",
      ]);
      expect(code).toBe(3);
    });
  },
);

describe("pnpm release analyze's arguments", () => {
  it("exits 2 with every problem and the usage", async () => {
    const lines: string[] = [];
    const config = parseStackConfig("stage", {
      "aws:region": "sa-east-1",
      owner: "o",
      costCentre: "c",
      grafanaRegion: "us-east-1",
    });
    if (!config.ok) throw new Error(config.problems.join("\n"));
    const code = await runReleaseCli(
      ["analyze", "--stack", "stage", "--revision", "x", "--at", "yesterday", "--analysis", "nope"],
      config.config,
      {} as ReleaseClients,
      { log: (line) => lines.push(line) },
    );
    expect(code).toBe(2);
    expect(lines[0]?.split("\n").slice(0, 4)).toEqual([
      "analyze needs --prometheus-url <http(s) URL of a Prometheus or an AMP workspace>",
      "analyze needs --revision <n>: the new task definition's revision number",
      '--at "yesterday": must be unix seconds or an RFC 3339 time',
      '--analysis "nope": alerts/analysis has canary',
    ]);
  });
});
