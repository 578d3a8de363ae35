import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSloSpec, readSloSpec, rollbackDefaults, withJob } from "@comments-platform/slo";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/stack-file";

const TEXT = readFileSync(join(REPO_ROOT, "alerts", "slo.yaml"), "utf8");

describe("alerts/slo.yaml", () => {
  it("holds the objectives, the workbook's three pairs and the reachability rules", () => {
    const spec = readSloSpec();
    expect(spec.objectives.map((o) => [o.name, o.objective, o.budget, o.thresholdSeconds])).toEqual([
      ["availability", 0.999, 0.001, undefined],
      ["latency", 0.99, 0.01, 0.3],
    ]);
    expect(
      spec.burnRates.map((b) => `${b.severity} ${b.long}/${b.short} x${b.burnRate} for ${b.for}`),
    ).toEqual(["page 1h/5m x14.4 for 2m", "page 6h/30m x6 for 2m", "ticket 3d/6h x1 for 15m"]);
    expect(rollbackDefaults(spec)).toEqual({
      alarm5xxRatio: 0.0144,
      alarmMinRequests: 30,
      alarmP99Seconds: 0.3,
    });
  });

  it("puts the job matcher first in every selector", () => {
    expect(withJob('m{status_code=~"5.."}', "comments-api")).toBe('m{job="comments-api",status_code=~"5.."}');
    expect(withJob("m", "comments-api")).toBe('m{job="comments-api"}');
  });

  it("refuses the workbook's 1d/2h pair: it can never fire without 3d/6h", () => {
    const text = TEXT.replace(
      "  - { severity: ticket, long: 3d,",
      "  - { severity: ticket, long: 1d, short: 2h, burnRate: 3, for: 15m }\n  - { severity: ticket, long: 3d,",
    );
    expect(parseSloSpec(text)).toEqual({
      ok: false,
      problems: [
        'alerts/slo.yaml: burnRates[2]="1d/2h at 3": can never fire without burnRates[3] (3d/6h at 1) firing too: drop it, or change its windows or rate',
      ],
    });
  });

  it("refuses a burn rate whose alert could never fire: burnRate times a budget of 1 or more, and no less", () => {
    // The ticket pair alone: a higher paging rate would first be refused as redundant. Latency's
    // budget is 0.01, so 100 makes exactly 1: a ratio can never exceed it.
    const withTicketAt = (rate: string) =>
      parseSloSpec(
        TEXT.replace(
          "{ severity: ticket, long: 3d, short: 6h, burnRate: 1,",
          `{ severity: ticket, long: 3d, short: 6h, burnRate: ${rate},`,
        ),
      );
    expect(withTicketAt("100")).toEqual({
      ok: false,
      problems: [
        "alerts/slo.yaml: burnRates[2].burnRate=100: times latency's budget (0.01) must stay below 1, or the alert can never fire",
      ],
    });
    expect(withTicketAt("99.99")).toMatchObject({ ok: true });
  });

  it("names every problem at once, with the key and what is allowed", () => {
    const text = TEXT.replace("objective: 0.999", "objective: 99.9")
      .replace("long: 6h, short: 30m", "long: 6h, short: 6h")
      .replace(
        'bad: http_request_duration_seconds_count{route!="unmatched",status_code=~"5.."}',
        "bad: not a selector!",
      )
      .replace("minShare: 0.5", "minShare: 2")
      .replace("burnRate: 14.4\n", "burnRate: -1\n")
      .replace("job: comments-api", "job: comments-api\nwindow: 5m");
    expect(parseSloSpec(text)).toEqual({
      ok: false,
      problems: [
        'alerts/slo.yaml: window="5m": unknown key; allowed: job, repositoryUrl, period, objectives, burnRates, reachability, rollback',
        "alerts/slo.yaml: objectives[0].objective=99.9: must be a fraction between 0 and 1, like 0.999",
        'alerts/slo.yaml: objectives[0].bad="not a selector!": must be a counter selector, like http_request_duration_seconds_count{status_code=~"5.."}',
        'alerts/slo.yaml: burnRates[1].short="6h": must be shorter than long (6h)',
        "alerts/slo.yaml: reachability.minShare=2: must be a fraction between 0 and 1, like 0.5",
        "alerts/slo.yaml: rollback.burnRate=-1: must be a number above 0",
      ],
    });
  });

  it("says where YAML that does not parse breaks", () => {
    expect(parseSloSpec("job: [", "x.yaml")).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^x\.yaml: not YAML: /)],
    });
  });
});
