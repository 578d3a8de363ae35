/**
 * The canary judge, pure: counts in, verdict out, with alerts/analysis/canary.yaml as the rules.
 * Exact verdicts per check, the boundaries (minRequests exactly; a bound exactly at the line), and
 * the printed lines with counts, bounds, rule and confidence.
 */

import { readSloSpec } from "@comments-platform/slo";
import { describe, expect, it } from "vitest";
import { readAnalyses } from "../src/release/analysis";
import { errorRates, judge, type MetricCounts, verdictLines } from "../src/release/judge";

const analysis = readAnalyses(readSloSpec()).canary;
if (analysis === undefined) throw new Error("alerts/analysis/canary.yaml is missing");

/** Counts at one look: canary 5xx and slow, the baseline at nine times the canary's traffic. */
const counts = (
  total: number,
  errors: number,
  slow = 0,
  baseline = { total: total * 9, errors: 0, slow: 0 },
): Record<string, MetricCounts> => ({
  "5xx ratio": { canary: { bad: errors, total }, baseline: { bad: baseline.errors, total: baseline.total } },
  "share slower than the latency threshold": {
    canary: { bad: slow, total },
    baseline: { bad: baseline.slow, total: baseline.total },
  },
  "4xx ratio": { canary: { bad: 0, total }, baseline: { bad: 0, total: baseline.total } },
});
const verdicts = (c: Record<string, MetricCounts>, look = 10) => {
  const v = judge(analysis, c, look);
  return [v.verdict, ...v.checks.map((check) => check.verdict)];
};

describe("the canary judge", () => {
  it("shares 1% among 10 looks x 4 gating checks on the fail side, 4 checks on the pass side", () => {
    expect(errorRates(analysis)).toEqual({ failAlpha: 0.01 / 40, passAlpha: 0.01 / 4, checks: 4 });
  });

  it("12 requests with one 503: inconclusive, not a rollback", () => {
    expect(verdicts(counts(12, 1))).toEqual(Array(6).fill("inconclusive"));
  });

  it("one 503 in 60 requests: the exact lower bound is under the line, still inconclusive", () => {
    const v = judge(analysis, counts(60, 1), 10);
    expect(v.verdict).toBe("inconclusive");
    expect(v.checks[0]?.lower).toBeCloseTo(4.17e-6, 8);
  });

  it("exactly minRequests gives a verdict; one fewer does not", () => {
    expect(analysis.minRequests).toBe(50);
    expect(verdicts(counts(50, 50))[0]).toBe("fail");
    expect(verdicts(counts(49, 49))).toEqual(Array(6).fill("inconclusive"));
  });

  it("healthy at 5 req/s for 10 minutes passes every check", () => {
    expect(verdicts(counts(3000, 3, 10, { total: 27000, errors: 20, slow: 150 }))).toEqual(
      Array(6).fill("pass"),
    );
  });

  it("3% at 5 req/s fails against the line and against the replaced tasks", () => {
    expect(verdicts(counts(3000, 90))).toEqual(["fail", "fail", "fail", "pass", "pass", "pass"]);
  });

  it("a canary far above the replaced tasks but under the line fails on the margin alone", () => {
    // 1.2% of 30 000 against 0 of 270 000: under 1.44%, but 1.2 points above the tasks it replaces.
    expect(verdicts(counts(30000, 360))).toEqual(["fail", "pass", "fail", "pass", "pass", "pass"]);
  });

  it("a dry-run metric is measured and printed, never gating", () => {
    const c = counts(3000, 0);
    c["4xx ratio"] = { canary: { bad: 900, total: 3000 }, baseline: { bad: 0, total: 27000 } };
    const v = judge(analysis, c, 10);
    expect([v.verdict, v.checks[4]?.dryRun, v.checks[4]?.verdict]).toEqual(["pass", true, "fail"]);
  });

  it("no request of the replaced tasks: the comparison says so, inconclusive", () => {
    const v = judge(analysis, counts(3000, 0, 0, { total: 0, errors: 0, slow: 0 }), 10);
    expect([v.verdict, v.checks[1]?.verdict, v.checks[1]?.why]).toEqual([
      "inconclusive",
      "inconclusive",
      "no request of the replaced tasks to compare with",
    ]);
  });

  it("prints the counts, the bounds, each rule and the confidence", () => {
    const v = judge(analysis, counts(3000, 3, 10, { total: 27000, errors: 20, slow: 0 }), 5);
    expect(verdictLines(analysis, v)).toEqual([
      "confidence 99% for the whole canary: a fail needs a bound at 99.975% (1% over 10 looks x 4 checks, Bonferroni), a pass one at 99.75% (1% over 4 checks)",
      "5xx ratio, against the line: canary 3 of 3000 (0.1%); canary ratio in [0.00393%, 0.396%]; fail when the lower bound > 1.44% (slo.availability.fastBurnRatio), pass when the upper bound <= it: pass",
      "5xx ratio, against the replaced tasks: canary 3 of 3000 (0.1%), baseline 20 of 27000 (0.0741%); canary minus baseline in [-0.153%, 0.391%]; fail when the lower bound > 0.5% (5 * slo.availability.budget), pass when the upper bound <= it: pass",
      "share slower than the latency threshold, against the line: canary 10 of 3000 (0.333%); canary ratio in [0.0823%, 0.752%]; fail when the lower bound > 14.4% (slo.latency.fastBurnRatio), pass when the upper bound <= it: pass",
      "share slower than the latency threshold, against the replaced tasks: canary 10 of 3000 (0.333%), baseline 0 of 27000 (0%); canary minus baseline in [0.0421%, 0.79%]; fail when the lower bound > 5% (5 * slo.latency.budget), pass when the upper bound <= it: pass",
      "4xx ratio (dry run, never gating), against the replaced tasks: canary 0 of 3000 (0%), baseline 0 of 27000 (0%); canary minus baseline in [-0.0333%, 0.223%]; fail when the lower bound > 5%, pass when the upper bound <= it: pass",
      "look 5 of 10: pass",
    ]);
  });
});
