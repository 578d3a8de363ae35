/**
 * The committed dashboard as Grafana reads it: the colour a panel shows for a value (Grafana's
 * getActiveThreshold), and where the Prometheus annotation's options are read from. Values come
 * from alerts/slo.yaml, so a threshold that drifts from the alerts fails here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { availabilityOf, latencyOf, readSloSpec } from "@comments-platform/slo";
import { describe, expect, it } from "vitest";

const spec = readSloSpec();
const DASHBOARD = JSON.parse(readFileSync(join(import.meta.dirname, "..", "comments-api.json"), "utf8")) as {
  templating: { list: Array<{ name: string; includeAll?: boolean; multi?: boolean }> };
  annotations: { list: Array<Record<string, unknown> & { name: string; target?: Record<string, unknown> }> };
  panels: Array<{
    title: string;
    fieldConfig?: {
      defaults: { thresholds?: { mode: string; steps: Array<{ color: string; value: number | null }> } };
    };
  }>;
};

/**
 * The colour Grafana gives a value: the last step whose value it reaches, the base (null, minus
 * infinity) otherwise (grafana/grafana packages/grafana-data/src/field/thresholds.ts, getActiveThreshold).
 */
function colour(title: string, value: number): string {
  const panel = DASHBOARD.panels.find((p) => p.title === title);
  const thresholds = panel?.fieldConfig?.defaults.thresholds;
  if (thresholds === undefined) throw new Error(`no panel "${title}" with thresholds`);
  expect(thresholds.mode).toBe("absolute");
  let active = thresholds.steps[0]?.color ?? "";
  for (const step of thresholds.steps) {
    if (value >= (step.value ?? Number.NEGATIVE_INFINITY)) active = step.color;
    else break;
  }
  return active;
}

const below = (value: number) => value * (1 - 1e-9);
const pages = (long: string) => spec.burnRates.find((p) => p.severity === "page" && p.long === long);
const ticketRate = Math.min(...spec.burnRates.filter((p) => p.severity === "ticket").map((p) => p.burnRate));
const fastest = Math.max(...spec.burnRates.filter((p) => p.severity === "page").map((p) => p.burnRate));

describe("burn-rate panels turn red where their window pages, orange where a ticket opens", () => {
  const cases = spec.burnRates
    .filter((p) => p.severity === "page")
    .flatMap((pair) =>
      ["Availability", "Latency"].map((slo) => [`${slo} burn rate (${pair.long})`, pair.burnRate] as const),
    );
  it.each(cases)("%s: red from %s", (title, rate) => {
    expect(colour(title, rate)).toBe("red");
    expect(colour(title, below(rate))).toBe("orange");
    expect(colour(title, ticketRate)).toBe("orange");
    expect(colour(title, below(ticketRate))).toBe("green");
    expect(colour(title, 0)).toBe("green");
  });

  it("covers exactly the paging windows, 1h at 14.4 and 6h at 6", () => {
    expect(cases).toEqual([
      ["Availability burn rate (1h)", 14.4],
      ["Latency burn rate (1h)", 14.4],
      ["Availability burn rate (6h)", 6],
      ["Latency burn rate (6h)", 6],
    ]);
    expect([pages("1h")?.burnRate, pages("6h")?.burnRate, ticketRate]).toEqual([14.4, 6, 1]);
  });
});

describe("ratio panels: orange at the budget, red at the fastest page's rate", () => {
  const availability = availabilityOf(spec).budget;
  const latency = latencyOf(spec).budget;
  it.each([
    ["5xx ratio", availability],
    ["5xx ratio by task", availability],
    ["Share slower than 300 ms", latency],
  ])("%s (budget %s)", (title, budget) => {
    const red = budget * fastest;
    expect(colour(title, red)).toBe("red");
    expect(colour(title, below(red))).toBe("orange");
    expect(colour(title, budget)).toBe("orange");
    expect(colour(title, below(budget))).toBe("green");
  });

  it("30-day stats: green from the objective, red below it", () => {
    for (const [title, objective] of [
      ["Availability", availabilityOf(spec).objective],
      ["Within 300 ms", latencyOf(spec).objective],
    ] as const) {
      expect(colour(title, objective), title).toBe("green");
      expect(colour(title, below(objective)), title).toBe("red");
    }
  });
});

describe("the Task starts annotation, as Grafana's Prometheus annotation support reads it", () => {
  it("has useValueForTime, titleFormat, textFormat and tagKeys on the annotation, the query in target", () => {
    const annotation: Record<string, unknown> & { target?: Record<string, unknown> } =
      DASHBOARD.annotations.list.find((a) => a.name === "Task starts") ?? {};
    // processEvents: `const { tagKeys = '', titleFormat = '', textFormat = '' } = anno;` and
    // `anno.useValueForTime` (grafana/grafana packages/grafana-prometheus/src/annotations.ts).
    const { tagKeys = "", titleFormat = "", textFormat = "", useValueForTime } = annotation;
    expect({ tagKeys, titleFormat, textFormat, useValueForTime }).toEqual({
      tagKeys: "task",
      titleFormat: "task started",
      textFormat: "{{task}}",
      useValueForTime: true,
    });
    expect(Object.keys(annotation.target ?? {}).sort()).toEqual(["expr", "interval", "refId"]);
  });
});

describe("the stack variable", () => {
  it("takes one stack, no All: alert messages link to a stack only when the alert has one", () => {
    expect(DASHBOARD.templating.list.find((v) => v.name === "stack")).toMatchObject({
      includeAll: false,
      multi: false,
    });
  });
});
