/**
 * Canary analysis: alerts/analysis/canary.yaml as parsed, and `pnpm release analyze` against a real
 * Prometheus holding production-shaped history (canary-history.ts): 12 requests with one 503 are
 * inconclusive, a healthy revision at 5 req/s passes, 3% at 5 req/s fails, an unreachable
 * Prometheus is an error (exit 4), each with the counts, bounds and rules printed.
 */
import { rmSync } from "node:fs";
import { readSloSpec } from "@comments-platform/slo";
import { findTool, freePort, type RunningTool } from "@comments-platform/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig, readConfigSpecs } from "../src/config";
import { parseAnalysis, readAnalyses } from "../src/release/analysis";
import { runReleaseCli } from "../src/release/cli";
import type { ReleaseClients } from "../src/release/clients";
import { backfilledPrometheus, END, history } from "./canary-history";

const specs = readConfigSpecs();

const spec = readSloSpec();

describe("alerts/analysis", () => {
  it("canary.yaml: lines from alerts/slo.yaml, the latency bound filled in, the error policy stated", () => {
    const canary = readAnalyses(spec).canary;
    expect(canary?.metrics.map((m) => [m.name, m.failAbove?.text, m.baselineMargin?.text, m.dryRun])).toEqual(
      [
        [
          "5xx ratio",
          "0.0144 (slo.availability.fastBurnRatio)",
          "0.005 (5 * slo.availability.budget)",
          false,
        ],
        [
          "share slower than the latency threshold",
          "0.144 (slo.latency.fastBurnRatio)",
          "0.05 (5 * slo.latency.budget)",
          false,
        ],
        ["4xx ratio", undefined, "0.05", true],
      ],
    );
    expect(canary?.metrics[1]?.bad).toContain('le="0.3"');
    expect([
      canary?.confidence,
      canary?.looks,
      canary?.minRequests,
      canary?.consecutiveErrorLimit,
      canary?.inconclusive,
      canary?.sameRevision,
    ]).toEqual([0.99, { everyMinutes: 1, count: 10 }, 50, 2, "pass", "pass"]);
  });

  it("names every problem of a file at once, with the key and what is allowed", () => {
    const text = [
      "description: x",
      "confidence: 1",
      "looks: { everyMinutes: 0, count: 10 }",
      "minRequests: 0",
      "consecutiveErrorLimit: 0",
      "inconclusive: maybe",
      "metrics:",
      "  - name: m",
      '    bad: rate(x{a="{{nope}}",{{revision}}}[{{window}}])',
      '    total: sum(up{stack="{{stack}}"})',
      '    failAbove: "slo.nothing.budget"',
      "    baselineMargin: lots",
      "    extra: 1",
    ].join("\n");
    expect(parseAnalysis(text, "alerts/analysis/bad.yaml", spec)).toEqual({
      ok: false,
      problems: [
        "alerts/analysis/bad.yaml: confidence=1: must be a number from 0.5 up to (not including) 1, like 0.99",
        "alerts/analysis/bad.yaml: looks.everyMinutes=0: must be a whole number from 1 to 60",
        "alerts/analysis/bad.yaml: minRequests=0: must be a whole number from 1 to 1000000",
        "alerts/analysis/bad.yaml: consecutiveErrorLimit=0: must be a whole number from 1 to 10",
        'alerts/analysis/bad.yaml: inconclusive="maybe": must be pass (carry on) or fail (roll back)',
        "alerts/analysis/bad.yaml: metrics[0].extra=1: unknown key; allowed: name, bad, total, failAbove, baselineMargin, dryRun",
        'alerts/analysis/bad.yaml: metrics[0].failAbove="slo.nothing.budget": names no objective of alerts/slo.yaml (availability, latency)',
        'alerts/analysis/bad.yaml: metrics[0].baselineMargin="lots": must be a ratio between 0 and 1, or slo.<objective>.<budget|fastBurnRatio|objective> optionally times a factor: like 0.0144 or 5 * slo.availability.budget',
        'alerts/analysis/bad.yaml: metrics[0].bad="{{nope}}": unknown placeholder; allowed: {{stack}}, {{revision}}, {{window}}, {{slo.<objective>.thresholdSeconds}}',
        'alerts/analysis/bad.yaml: metrics[0].total="sum(up{stack=\\"{{stack}}\\"})": must select one revision\'s series with {{revision}}',
      ],
    });
  });
});

const promtool = findTool("promtool", "prometheus");
const prometheus = findTool("prometheus", "prometheus");

const stage = () => {
  const config = parseStackConfig(
    "stage",
    {
      "aws:region": "sa-east-1",
      owner: "o",
      costCentre: "c",
      grafanaRegion: "us-east-1",
    },
    specs,
  );
  if (!config.ok) throw new Error(config.problems.join("\n"));
  return config.config;
};
/** `pnpm release analyze` of revision 42 against 41 over the 10 minutes to END, in `stack`. */
const analyze = async (stack: string, prometheusUrl: string) => {
  const lines: string[] = [];
  const code = await runReleaseCli(
    [
      "analyze",
      "--stack",
      "stage",
      "--prometheus-url",
      prometheusUrl,
      "--revision",
      "42",
      "--baseline",
      "41",
      "--at",
      new Date(END * 1000).toISOString(),
    ],
    { ...stage(), stack: stack as "stage" },
    {} as ReleaseClients,
    { log: (line) => lines.push(line) },
  );
  return { code, lines: lines.filter((line) => !line.startsWith("  query: ")), all: lines };
};
const header = (stack: string) =>
  `analysis canary of revision 42 against revision 41 in ${stack}: look 10 of 10, the 600 s to ${new Date(END * 1000).toISOString()}`;
const CONFIDENCE =
  "confidence 99% for the whole canary: a fail needs a bound at 99.975% (1% over 10 looks x 4 checks, Bonferroni), a pass one at 99.75% (1% over 4 checks)";

describe.skipIf(promtool.path === undefined || prometheus.path === undefined)(
  `pnpm release analyze against a real Prometheus holding known history${promtool.reason}${prometheus.reason}`,
  () => {
    let dir: string;
    let server: RunningTool;
    beforeAll(async () => {
      ({ dir, server } = await backfilledPrometheus(history({}, [])));
    });
    afterAll(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("12 requests with one 503: inconclusive (exit 3), not a rollback", async () => {
      const { code, lines } = await analyze("twelve", server.base);
      // The bounds agree with scipy.stats.beta.ppf (see binomial.test.ts); the counts are exact.
      expect(lines.slice(0, 3)).toEqual([
        header("twelve"),
        CONFIDENCE,
        "5xx ratio, against the line: canary 1 of 12 (8.33%); 12 requests of the canary, fewer than minRequests (50); fail when the lower bound > 1.44% (slo.availability.fastBurnRatio), pass when the upper bound <= it: inconclusive",
      ]);
      expect(lines.at(-1)).toBe("look 10 of 10: inconclusive");
      expect(code).toBe(3);
    });

    it("a healthy revision at 5 req/s passes (exit 0), with the counts and bounds", async () => {
      const { code, lines } = await analyze("healthy", server.base);
      expect(lines).toEqual([
        header("healthy"),
        CONFIDENCE,
        "5xx ratio, against the line: canary 3 of 3000 (0.1%); canary ratio in [0.00393%, 0.396%]; fail when the lower bound > 1.44% (slo.availability.fastBurnRatio), pass when the upper bound <= it: pass",
        "5xx ratio, against the replaced tasks: canary 3 of 3000 (0.1%), baseline 27 of 27000 (0.1%); canary minus baseline in [-0.188%, 0.374%]; fail when the lower bound > 0.5% (5 * slo.availability.budget), pass when the upper bound <= it: pass",
        "share slower than the latency threshold, against the line: canary 10 of 3000 (0.333%); canary ratio in [0.0823%, 0.752%]; fail when the lower bound > 14.4% (slo.latency.fastBurnRatio), pass when the upper bound <= it: pass",
        "share slower than the latency threshold, against the replaced tasks: canary 10 of 3000 (0.333%), baseline 135 of 27000 (0.5%); canary minus baseline in [-0.601%, 0.41%]; fail when the lower bound > 5% (5 * slo.latency.budget), pass when the upper bound <= it: pass",
        "4xx ratio (dry run, never gating), against the replaced tasks: canary 0 of 3000 (0%), baseline 0 of 27000 (0%); canary minus baseline in [-0.0333%, 0.223%]; fail when the lower bound > 5%, pass when the upper bound <= it: pass",
        "look 10 of 10: pass",
      ]);
      expect(code).toBe(0);
    });

    it("3% 5xx at 5 req/s fails (exit 1), against the line and against the replaced tasks", async () => {
      const { code, lines, all } = await analyze("errors", server.base);
      expect(lines.slice(2, 4)).toEqual([
        "5xx ratio, against the line: canary 90 of 3000 (3%); canary ratio in [2.03%, 3.98%]; fail when the lower bound > 1.44% (slo.availability.fastBurnRatio), pass when the upper bound <= it: fail",
        "5xx ratio, against the replaced tasks: canary 90 of 3000 (3%), baseline 27 of 27000 (0.1%); canary minus baseline in [1.8%, 4.01%]; fail when the lower bound > 0.5% (5 * slo.availability.budget), pass when the upper bound <= it: fail",
      ]);
      expect(lines.at(-1)).toBe("look 10 of 10: fail");
      expect(all).toContain(
        '  query: sum(increase(http_request_duration_seconds_count{job="comments-api",stack="errors",route!="unmatched",aws_ecs_task_revision="42",status_code=~"5.."}[600s])) or vector(0)',
      );
      expect(code).toBe(1);
    });

    it("Prometheus unreachable: an error (exit 4), never inconclusive, with the reason", async () => {
      const port = await freePort();
      const { code, lines } = await analyze("healthy", `http://127.0.0.1:${port}/`);
      expect(lines[1]).toBe(
        `query failed: fetch failed (connect ECONNREFUSED 127.0.0.1:${port}) (query: sum(increase(http_request_duration_seconds_count{job="comments-api",stack="healthy",route!="unmatched",aws_ecs_task_revision="42"}[600s])))`,
      );
      expect(lines.at(-1)).toBe("look 10 of 10: error");
      expect(code).toBe(4);
    });
  },
);

describe("pnpm release analyze's arguments", () => {
  it("exits 2 with every problem and the usage", async () => {
    const lines: string[] = [];
    const code = await runReleaseCli(
      [
        "analyze",
        "--stack",
        "stage",
        "--revision",
        "x",
        "--baseline",
        "y",
        "--at",
        "yesterday",
        "--analysis",
        "nope",
      ],
      stage(),
      {} as ReleaseClients,
      { log: (line) => lines.push(line) },
    );
    expect(code).toBe(2);
    expect(lines[0]?.split("\n").slice(0, 5)).toEqual([
      "analyze needs --prometheus-url <http(s) URL of a Prometheus or an AMP workspace>",
      "analyze needs --revision <n>: the new task definition's revision number",
      '--baseline "y": must be the replaced task definition\'s revision number',
      '--at "yesterday": must be unix seconds or an RFC 3339 time',
      '--analysis "nope": alerts/analysis has canary',
    ]);
  });
});
