/**
 * The runbooks generated from alerts/slo.yaml and the alarm builders: one per alert and per
 * CloudWatch alarm, each with its sections, the exact PromQL of its rules, and the commands an
 * on-call engineer runs. Their bytes are pinned by rules.test.ts ("is what `pnpm alerts` writes").
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSloSpec, readSloSpec } from "@comments-platform/slo";
import { describe, expect, it } from "vitest";
import { heartbeatAlarm, loadBalancerAlarm, rollbackAlarms } from "../../infra/src/documents/alarms.js";
import { rulesFile } from "../src/rules.js";
import { alertRules, forStack } from "../src/runbook-parts.js";
import { runbookFiles } from "../src/runbooks.js";

const DIR = join(import.meta.dirname, "..", "runbooks");
const spec = readSloSpec();
const read = (file: string) => readFileSync(join(DIR, file), "utf8");
const alerts = [...new Set(alertRules(spec).map((r) => r.alert ?? ""))];
const alarmSuffixes = [
  ...["blue", "green"].flatMap((colour) =>
    rollbackAlarms({
      colour,
      loadBalancer: "",
      targetGroup: "",
      max5xxRatio: 0.1,
      minRequests: 1,
      maxP99Seconds: 1,
    }).map((a) => a.suffix),
  ),
  loadBalancerAlarm({ loadBalancer: "", max5xxRatio: 0.1, minRequests: 1 }).suffix,
  "heartbeat-missing",
];

describe("alerts/runbooks", () => {
  it("holds one runbook per alert and per CloudWatch alarm, and nothing else", () => {
    expect(readdirSync(DIR).sort()).toEqual(
      [...alerts.map((a) => `${a}.md`), ...alarmSuffixes.map((s) => `alarm-${s}.md`)].sort(),
    );
    expect(Object.keys(runbookFiles(spec)).sort()).toEqual(readdirSync(DIR).sort());
  });

  it.each(readdirSync(DIR))(
    "%s says what it means, how to confirm it, what to do and when to escalate",
    (file) => {
      expect([...read(file).matchAll(/^## (.*)$/gm)].map((m) => m[1])).toEqual([
        "What it means",
        "How to confirm it",
        "What to do",
        "When to escalate",
      ]);
    },
  );

  it.each(alerts)("%s.md shows the exact PromQL of each of its rules, for the stack", (alert) => {
    const text = read(`${alert}.md`);
    for (const rule of alertRules(spec).filter((r) => r.alert === alert)) {
      expect(text).toContain(forStack(rule.expr));
    }
  });

  it.each([
    "CommentsApiAvailabilityBudgetBurnFast.md",
    "CommentsApiLatencyBudgetBurnFast.md",
    "CommentsApiUnreachable.md",
    "CommentsApiTaskUnreachable.md",
    ...alarmSuffixes.filter((s) => s !== "heartbeat-missing").map((s) => `alarm-${s}.md`),
  ])("%s rolls back with the release CLI, or stops the deployment with the AWS CLI", (file) => {
    const text = read(file);
    expect(text).toContain("pnpm release rollback --stack prod\n");
    expect(text).toContain(
      "aws deploy stop-deployment --auto-rollback-enabled --deployment-id <d-XXXXXXXXX>",
    );
    expect(text).toContain("?var-stack=prod&from=");
  });

  it("scales out through minTasks and `pulumi up` where saturation is a cause", () => {
    expect(read("CommentsApiLatencyBudgetBurnFast.md")).toContain(
      "   pulumi config set minTasks 6 --stack prod   # today's value: Pulumi.prod.yaml\n   pulumi up --stack prod\n",
    );
  });

  it("gives the windows the rules have: 3d/6h for the slow burns, 1h/5m and 6h/30m for the fast ones", () => {
    for (const slo of ["Availability", "Latency"]) {
      const slow = read(`CommentsApi${slo}BudgetBurnSlow.md`);
      expect(slow).toContain("| `3d/6h` |");
      expect(slow).not.toMatch(/one day|1-day|last day/);
      const fast = read(`CommentsApi${slo}BudgetBurnFast.md`);
      expect(fast).toContain("| `1h/5m` |");
      expect(fast).toContain("| `6h/30m` |");
      expect(fast).not.toContain("30 minutes");
    }
  });

  it("says nothing of Fargate Spot (no stack runs on it) nor of a heartbeat endpoint (there is none)", () => {
    for (const file of readdirSync(DIR)) {
      expect(read(file), file).not.toMatch(/Fargate Spot|heartbeat endpoint/i);
    }
    expect(read("Watchdog.md")).toContain("comments-api-prod-heartbeat-missing");
  });

  it("describes the heartbeat alarm with the numbers the alarm has", () => {
    const alarm = heartbeatAlarm("comments-api-prod-heartbeat");
    expect(read("alarm-heartbeat-missing.md")).toContain(
      `(${alarm.statistic} per 5 minutes, below ${alarm.threshold} in 3 of 3 periods, missing data breaching): 15 minutes without one Watchdog`,
    );
  });
});

describe("runbook URLs", () => {
  it("come from the spec's repositoryUrl, not a fixed organization", () => {
    const text = readFileSync(join(import.meta.dirname, "..", "slo.yaml"), "utf8").replace(
      "repositoryUrl: https://github.com/comments-platform/comments-platform",
      "repositoryUrl: https://git.example.com/acme/comments",
    );
    const parsed = parseSloSpec(text);
    if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
    const rules = rulesFile(parsed.spec);
    expect(rules).toContain(
      'runbook_url: "https://git.example.com/acme/comments/blob/main/alerts/runbooks/CommentsApiUnreachable.md"',
    );
    expect(rules).not.toContain("comments-platform/comments-platform");
  });

  it("refuse a repositoryUrl that is not an https URL without a trailing slash, naming the key", () => {
    const text = readFileSync(join(import.meta.dirname, "..", "slo.yaml"), "utf8").replace(
      "repositoryUrl: https://github.com/comments-platform/comments-platform",
      "repositoryUrl: https://github.com/acme/comments/",
    );
    expect(parseSloSpec(text)).toEqual({
      ok: false,
      problems: [
        'alerts/slo.yaml: repositoryUrl="https://github.com/acme/comments/": must be the repository\'s https URL without a trailing slash, like https://github.com/acme/comments-platform',
      ],
    });
  });
});
