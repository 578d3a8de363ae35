/**
 * The sentinel of the SLO group (alerts/src/rules.ts, sentinelExpr) with a recording rule that
 * fails. promtool fails a test on any rule evaluation error, so the failing rule is emulated as
 * Prometheus leaves it: it writes nothing and no stale marker (rules/group.go, Group.Eval returns on
 * the query's error), so the values it wrote before the failure, given here as an input series,
 * are still read for the 5-minute lookback.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSloSpec } from "@comments-platform/slo";
import { findTool, run } from "@comments-platform/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  rulesFile,
  runbookUrl,
  SENTINEL_FOR,
  sloRulesFailingAlert,
  watchdogAnnotations,
} from "../src/rules.js";
import { inputSeries } from "../src/series.js";

const spec = readSloSpec();
const promtool = findTool("promtool", "prometheus");
const FAILING = "comments_api:request_errors:ratio_rate3d";

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
}

/** The committed rules with FAILING writing nothing from the start of the case. */
function rulesWithFailingRecord(): string {
  const document = parse(rulesFile(spec)) as { groups: Array<{ rules: Rule[] }> };
  const rule = document.groups.flatMap((g) => g.rules).find((r) => r.record === FAILING);
  if (rule === undefined) throw new Error(`no rule records ${FAILING}`);
  rule.expr = `(${rule.expr}) unless on () vector(1)`;
  return stringify(document);
}

describe.skipIf(promtool.path === undefined)(`the SLO group's sentinel${promtool.reason}`, () => {
  const dir = mkdtempSync(join(tmpdir(), "sentinel-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the alert checks at the given minutes; promtool's output when it fails. */
  const check = (
    rules: string,
    extraSeries: Array<{ series: string; values: string }>,
    checks: unknown[],
  ) => {
    writeFileSync(join(dir, "rules.yaml"), rules);
    writeFileSync(
      join(dir, "test.yaml"),
      stringify(
        {
          rule_files: ["rules.yaml"],
          evaluation_interval: "1m",
          tests: [
            {
              interval: "15s",
              input_series: [
                ...inputSeries({
                  stack: "prod",
                  interval: 15,
                  duration: 40 * 60,
                  tasks: [
                    { id: "a", start: 0 },
                    { id: "b", start: 0 },
                  ],
                  traffic: [{ from: 0, to: 40 * 60, rps: 10 }],
                }),
                ...extraSeries,
              ],
              alert_rule_test: checks,
            },
          ],
        },
        { lineWidth: 0 },
      ),
    );
    return run("promtool", ["test", "rules", join(dir, "test.yaml")]);
  };

  const alertname = sloRulesFailingAlert(spec);
  const firing = {
    exp_labels: { severity: "page", stack: "prod" },
    exp_annotations: {
      summary: "Comments API in prod: the SLO rules are failing",
      description: `Stack prod serves requests, but not every SLI of the comments-api-slo rule group was recorded at each evaluation for ${SENTINEL_FOR}: a recording rule's query fails, and the burn-rate alerts of the stack read nothing or stale values.`,
      runbook_url: runbookUrl(spec, alertname),
    },
  };

  it("pages 5 minutes after a recording rule stops writing, though its last value is still read for 5 more", () => {
    // Recorded every minute until 10m, then the rule fails: its last sample (10m) is stale from 11m.
    const recordedBefore = { series: `${FAILING}{stack="prod"}`, values: "0x40" };
    const result = check(
      rulesWithFailingRecord(),
      [recordedBefore],
      [
        { eval_time: "15m", alertname, exp_alerts: [] },
        { eval_time: "16m", alertname, exp_alerts: [firing] },
        {
          eval_time: "16m",
          alertname: "Watchdog",
          exp_alerts: [{ exp_labels: { severity: "none" }, exp_annotations: watchdogAnnotations(spec) }],
        },
      ],
    );
    expect(result.output.trim().split("\n").at(-1)?.trim(), result.output).toBe("SUCCESS");
  });

  it("stays quiet with every rule recording (the generated cases check it at every minute they look)", () => {
    const result = check(
      rulesFile(spec),
      [],
      [1, 2, 6, 20, 40].map((at) => ({ eval_time: `${at}m`, alertname, exp_alerts: [] })),
    );
    expect(result.output.trim().split("\n").at(-1)?.trim(), result.output).toBe("SUCCESS");
  });
});
