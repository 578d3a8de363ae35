import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { findTool, run } from "../../services/testkit/src/index.js";

const ALERTS = join(import.meta.dirname, "..");
const ruleFiles = readdirSync(join(ALERTS, "rules")).filter((f) => f.endsWith(".yaml"));
const testFiles = readdirSync(join(ALERTS, "tests")).filter((f) => f.endsWith(".test.yaml"));
const promtool = findTool("promtool", "prometheus");

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules: Rule[] = ruleFiles.flatMap((file) =>
  (
    parse(readFileSync(join(ALERTS, "rules", file), "utf8")) as { groups: Array<{ rules: Rule[] }> }
  ).groups.flatMap((group) => group.rules),
);
const alerts = rules.filter((rule) => rule.alert !== undefined);

describe("alert rules, as a contract with the runbooks", () => {
  it("are exactly the named alerts, with their severities", () => {
    expect(Object.fromEntries(alerts.map((a) => [a.alert, a.labels?.severity]))).toEqual({
      CommentsApiAvailabilityBudgetBurnFast: "page",
      CommentsApiAvailabilityBudgetBurnSlow: "ticket",
      CommentsApiLatencyBudgetBurnFast: "page",
      CommentsApiLatencyBudgetBurnSlow: "ticket",
      CommentsApiTargetDown: "page",
      Watchdog: "none",
    });
  });

  it("each have a summary, a description and a runbook that exists", () => {
    for (const alert of alerts) {
      expect(Object.keys(alert.annotations ?? {}).sort(), alert.alert).toEqual([
        "description",
        "runbook_url",
        "summary",
      ]);
      const runbook = alert.annotations?.runbook_url ?? "";
      expect(runbook).toBe(
        `https://github.com/comments-platform/comments-platform/blob/main/alerts/runbooks/${alert.alert}.md`,
      );
      expect(readFileSync(join(ALERTS, "runbooks", `${alert.alert}.md`), "utf8")).toMatch(
        new RegExp(`^# ${alert.alert} `),
      );
    }
  });

  it('select the service\'s raw series by job="comments-api"', () => {
    for (const rule of rules) {
      for (const selector of rule.expr.matchAll(/\b(http_request_duration_seconds_\w+|up)\{([^}]*)\}/g)) {
        expect(selector[2], `${rule.alert ?? rule.record}: ${selector[0]}`).toContain('job="comments-api"');
      }
    }
  });
});

describe.skipIf(promtool.path === undefined)(`promtool${promtool.reason}`, () => {
  it.each(ruleFiles)("accepts rules/%s", (file) => {
    const result = run("promtool", ["check", "rules", join(ALERTS, "rules", file)]);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.status).toBe(0);
  });

  // The multi-day cases evaluate every rule each minute for 3.5 days: about 40 s here.
  it.each(testFiles)("passes every case of tests/%s", (file) => {
    const result = run("promtool", ["test", "rules", join(ALERTS, "tests", file)]);
    expect(result.output.trim().split("\n").at(-1)?.trim()).toBe("SUCCESS");
    expect(result.status).toBe(0);
  });
});
