/**
 * The dashboard's SLO and ratio queries on known traffic, in promtool with the real rule file:
 * exact values, not just "returns data". Series are shaped as production makes them (two tasks,
 * 15 s scrapes, alerts/src/series.ts); Grafana's variables are set as the dashboard would set them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSloSpec } from "@comments-platform/slo";
import { findTool, run } from "@comments-platform/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { inputSeries, type Scenario, taskArn } from "../../alerts/src/series.js";
import { queriesFor } from "../src/queries.js";

const queries = queriesFor(readSloSpec());

const REPO = join(import.meta.dirname, "..", "..");
const promtool = findTool("promtool", "prometheus");
const DASHBOARD = JSON.parse(readFileSync(join(REPO, "dashboards", "comments-api.json"), "utf8")) as {
  panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
};
const shown = new Set(DASHBOARD.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)));

const grafana = (expr: string) => expr.replaceAll("$stack", "prod").replaceAll("$__rate_interval", "5m");
const traffic = (errorRatio: number, slowRatio: number): Scenario => ({
  stack: "prod",
  interval: 15,
  duration: 2 * 3600,
  tasks: [
    { id: "a", start: 0 },
    { id: "b", start: 0 },
  ],
  traffic: [{ from: 0, to: 2 * 3600, rps: 20, errorRatio, slowRatio }],
});

type Expected = Array<{ labels: string; value: number }>;
const whole = (value: number): Expected => [{ labels: "{}", value }];
const perStack = (value: number): Expected => [{ labels: '{stack="prod"}', value }];
const perTask = (value: number): Expected =>
  ["a", "b"].map((task) => ({
    labels: `{aws_ecs_task_arn="${taskArn("prod", task)}",task="${task}"}`,
    value,
  }));

describe.skipIf(promtool.path === undefined)(`dashboard queries on known traffic${promtool.reason}`, () => {
  const dir = mkdtempSync(join(tmpdir(), "dashboard-exact-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the queries at 2h on the scenario's series; promtool's own output on a mismatch. */
  const check = (scenario: Scenario, expected: Array<[expr: string, samples: Expected]>) => {
    for (const [expr] of expected) expect(shown.has(expr), `the dashboard shows ${expr}`).toBe(true);
    const file = join(dir, "test.yaml");
    writeFileSync(
      file,
      stringify(
        {
          rule_files: [join(REPO, "alerts", "rules", "comments-api.yaml")],
          evaluation_interval: "1m",
          tests: [
            {
              interval: "15s",
              input_series: inputSeries(scenario),
              promql_expr_test: expected.map(([expr, samples]) => ({
                expr: grafana(expr),
                eval_time: "2h",
                exp_samples: samples,
              })),
            },
          ],
        },
        { lineWidth: 0 },
      ),
    );
    const result = run("promtool", ["test", "rules", file]);
    if (result.status === 0) return;
    // promtool compares floats exactly; `1 - 0.905` is 0.09499999999999997 in float64. A mismatch
    // passes only where every value agrees to 12 significant digits and the labels are the same.
    const mismatches = [...result.output.matchAll(/exp: (.*)\n\s*got: (.*)/g)];
    expect(mismatches.length, result.output).toBeGreaterThan(0);
    const samples = (line: string) =>
      [...line.matchAll(/(\{[^}]*\}) ([-+.\dE]+)/g)].map((m) => [m[1], Number(Number(m[2]).toPrecision(12))]);
    for (const [, exp = "", got = ""] of mismatches)
      expect(samples(got), result.output).toEqual(samples(exp));
  };

  it("no errors and nothing slow: availability exactly 1, error and slow ratios exactly 0, the budget whole", () => {
    check(traffic(0, 0), [
      [queries.errorRatio, whole(0)],
      [queries.errorRatioByTask, perTask(0)],
      [queries.slowRatio, whole(0)],
      [queries.availabilityPeriod, perStack(1)],
      [queries.availabilityBudgetRemaining, perStack(1)],
      [queries.availabilityBurnRate("1h"), perStack(0)],
      [queries.latencyPeriod, perStack(1)],
      [queries.latencyBudgetRemaining, perStack(1)],
      [queries.latencyBurnRate("6h"), perStack(0)],
    ]);
  });

  it("5% errors and 10% of the rest slow: the ratios, burn rates and budgets they make", () => {
    check(traffic(0.05, 0.1), [
      [queries.errorRatio, whole(0.05)],
      [queries.errorRatioByTask, perTask(0.05)],
      [queries.slowRatio, whole(0.095)],
      [queries.availabilityPeriod, perStack(0.95)],
      [queries.availabilityBudgetRemaining, perStack(-49)],
      [queries.availabilityBurnRate("1h"), perStack(50)],
      [queries.availabilityBurnRate("6h"), perStack(50)],
      [queries.latencyPeriod, perStack(0.905)],
      [queries.latencyBudgetRemaining, perStack(-8.5)],
      [queries.latencyBurnRate("1h"), perStack(9.5)],
    ]);
  });
});
