import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readSloSpec } from "@comments-platform/slo";
import { findTool, run } from "@comments-platform/testkit";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cases } from "../src/cases.js";
import { generated } from "../src/generate.js";

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

describe("the files generated from alerts/slo.yaml", () => {
  it.each(Object.entries(generated()))("alerts/%s is what `pnpm alerts` writes", (path, text) => {
    expect(readFileSync(join(ALERTS, path), "utf8")).toBe(text);
  });
});

describe("the promtool cases", () => {
  it("fire every alert rule, each through its own branch (window pair or reason), at least once", () => {
    const branch = (alert: string, labels: Record<string, string | undefined>) =>
      `${alert} ${labels.window ?? labels.reason ?? ""}`.trim();
    const fired = new Set(
      cases(readSloSpec()).flatMap((c) =>
        c.checks.flatMap((check) => check.firing.map((firing) => branch(check.alert, firing.labels))),
      ),
    );
    // The sentinel fires only when a rule fails: test/sentinel.test.ts makes one fail.
    const everyRule = alerts
      .filter((a) => a.alert !== "Watchdog" && a.alert !== "CommentsApiSloRulesFailing")
      .map((a) => branch(a.alert ?? "", a.labels ?? {}));
    expect([...fired].sort()).toEqual([...everyRule].sort());
  });
});

describe("alert rules, as a contract with the runbooks", () => {
  it("are exactly the named alerts, with their severities and burn-rate windows", () => {
    expect(alerts.map((a) => [a.alert, a.labels?.severity, a.labels?.window ?? "", a.for ?? ""])).toEqual([
      ["CommentsApiAvailabilityBudgetBurnFast", "page", "1h/5m", "2m"],
      ["CommentsApiAvailabilityBudgetBurnFast", "page", "6h/30m", "2m"],
      ["CommentsApiAvailabilityBudgetBurnSlow", "ticket", "3d/6h", "15m"],
      ["CommentsApiLatencyBudgetBurnFast", "page", "1h/5m", "2m"],
      ["CommentsApiLatencyBudgetBurnFast", "page", "6h/30m", "2m"],
      ["CommentsApiLatencyBudgetBurnSlow", "ticket", "3d/6h", "15m"],
      ["CommentsApiUnreachable", "page", "", "3m"],
      ["CommentsApiUnreachable", "page", "", "1m"],
      ["CommentsApiUnreachable", "page", "", "30m"],
      ["CommentsApiTaskUnreachable", "ticket", "", "10m"],
      ["CommentsApiSloRulesFailing", "page", "", "5m"],
      ["Watchdog", "none", "", ""],
    ]);
  });

  it("put Watchdog last in the group that records every SLI and raises every burn-rate alert", () => {
    // In a group of its own, Watchdog stays green while the SLO group is not evaluated at all.
    const groups = (
      parse(readFileSync(join(ALERTS, "rules", ruleFiles[0] ?? ""), "utf8")) as {
        groups: Array<{ name: string; rules: Rule[] }>;
      }
    ).groups;
    const holding = groups.filter((g) => g.rules.some((r) => r.alert === "Watchdog"));
    expect(holding.map((g) => g.name)).toEqual(["comments-api-slo"]);
    const slo = holding[0]?.rules ?? [];
    expect(slo.at(-1)?.alert).toBe("Watchdog");
    expect(slo.filter((r) => /:ratio_rate(5m|30m|1h|6h|3d)$/.test(r.record ?? "")).length).toBe(10);
    expect(slo.filter((r) => r.labels?.window !== undefined).length).toBe(6);
  });

  it("read the slo.yaml thresholds: burn rate times the budget, per window pair", () => {
    const thresholds = alerts
      .filter((a) => a.labels?.window !== undefined)
      .map((a) => [a.labels?.slo, a.labels?.window, /> \(([\d.]+) \* ([\d.]+)\)/.exec(a.expr)?.slice(1, 3)]);
    expect(thresholds).toEqual([
      ["availability", "1h/5m", ["14.4", "0.001"]],
      ["availability", "6h/30m", ["6", "0.001"]],
      ["availability", "3d/6h", ["1", "0.001"]],
      ["latency", "1h/5m", ["14.4", "0.01"]],
      ["latency", "6h/30m", ["6", "0.01"]],
      ["latency", "3d/6h", ["1", "0.01"]],
    ]);
  });

  it("record the 30-day SLIs in a group evaluated every 5 minutes, from 5m rates, never raw counters over 30d", () => {
    const groups = (
      parse(readFileSync(join(ALERTS, "rules", ruleFiles[0] ?? ""), "utf8")) as {
        groups: Array<{ name: string; interval: string; rules: Rule[] }>;
      }
    ).groups;
    expect(groups.map((g) => [g.name, g.interval])).toEqual([
      ["comments-api-slo", "1m"],
      ["comments-api-slo-30d", "5m"],
    ]);
    const period = groups[1]?.rules ?? [];
    expect(period.map((r) => r.record)).toEqual([
      "comments_api:request_errors:bad_rate5m",
      "comments_api:request_errors:total_rate5m",
      "comments_api:request_slow:bad_rate5m",
      "comments_api:request_slow:total_rate5m",
      "comments_api:request_errors:ratio_rate30d",
      "comments_api:request_slow:ratio_rate30d",
    ]);
    for (const rule of rules) {
      expect(rule.expr, rule.record ?? rule.alert).not.toMatch(
        /http_request_duration_seconds_\w+\{[^}]*\}\[30d\]/,
      );
    }
  });

  it("each have a summary, a description and a runbook that exists", () => {
    for (const alert of alerts) {
      expect(Object.keys(alert.annotations ?? {}).sort(), alert.alert).toEqual([
        "description",
        "runbook_url",
        "summary",
      ]);
      const runbook = alert.annotations?.runbook_url ?? "";
      expect(runbook).toBe(`${readSloSpec().repositoryUrl}/blob/main/alerts/runbooks/${alert.alert}.md`);
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
