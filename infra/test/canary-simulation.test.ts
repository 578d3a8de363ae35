/**
 * The benchmark's machinery: a seeded generator (a run is reproducible), binomial draws, one
 * simulated canary through the real state machine and judge, and the goals it checks.
 */

import { readSloSpec } from "@comments-platform/slo";
import { describe, expect, it } from "vitest";
import { readAnalyses } from "../src/release/analysis";
import {
  type BenchRow,
  benchGoals,
  binomialDraw,
  seededRandom,
  simulateCanary,
} from "../src/release/canary-simulation";

const analysis = readAnalyses(readSloSpec()).canary;
if (analysis === undefined) throw new Error("alerts/analysis/canary.yaml is missing");

describe("the canary simulation", () => {
  it("draws the same numbers from the same seed", () => {
    const random = seededRandom(26);
    expect([random(), random(), random()]).toEqual([
      0.5114786140620708, 0.74351347819902, 0.5101396401878446,
    ]);
  });

  it("draws binomial counts: edges exact, 10 000 draws of Binomial(100, 3%) near 30 000 in all", () => {
    const random = seededRandom(7);
    expect([binomialDraw(0, 0.5, random), binomialDraw(10, 0, random), binomialDraw(10, 1, random)]).toEqual([
      0, 0, 10,
    ]);
    const draws = seededRandom(7);
    let sum = 0;
    for (let i = 0; i < 10_000; i += 1) sum += binomialDraw(100, 0.03, draws);
    // Mean 30 000, standard deviation sqrt(10 000 x 100 x 0.03 x 0.97) = 171: 29 763 is 1.4 of them.
    expect(sum).toBe(29763);
  });

  const traffic = (ratio: number, perSecond: number) => ({
    canaryPerSecond: perSecond,
    baselinePerSecond: perSecond * 9,
    ratios: {
      "5xx ratio": { canary: ratio, baseline: 0.0005 },
      "share slower than the latency threshold": { canary: 0.005, baseline: 0.005 },
    },
  });

  it("runs one canary through the real looks: 3% at 5 req/s stopped at minute 2, healthy at 50 passes, healthy at 0.1 inconclusive", () => {
    expect(simulateCanary(analysis, traffic(0.03, 5), 10, seededRandom(1))).toEqual({
      outcome: "fail",
      minutes: 2,
    });
    expect(simulateCanary(analysis, traffic(0.001, 50), 10, seededRandom(1))).toEqual({ outcome: "pass" });
    expect(simulateCanary(analysis, traffic(0.001, 0.1), 10, seededRandom(1))).toEqual({
      outcome: "inconclusive",
    });
  });

  it("checks the goals, each against its own rows", () => {
    const row = (
      multiple: number,
      canaryPerSecond: number,
      rolledBack: number,
      inconclusive = 0,
    ): BenchRow => ({
      metric: "5xx ratio",
      canaryPerSecond,
      multiple,
      rolledBack,
      passed: 1 - rolledBack - inconclusive,
      inconclusive,
    });
    const met = [
      row(1, 0.1, 0, 1),
      row(1, 5, 0.01),
      row(28.8, 5, 0.95),
      row(28.8, 0.5, 0.1),
      row(144, 0.5, 0.95),
    ];
    expect(benchGoals(met, 0.1).map((g) => g.met)).toEqual([true, true, true, true]);
    const missed = [row(1, 0.1, 0, 0.98), row(1, 5, 0.0101), row(28.8, 5, 0.949), row(144, 0.5, 0.949)];
    expect(benchGoals(missed, 0.1)).toEqual([
      { goal: "false rollback at most 1% at every traffic: worst 1.01%", met: false },
      { goal: "2x the fast-burn line caught in at least 95% at 5 req/s and more: worst 94.9%", met: false },
      {
        goal: "10x the fast-burn line caught in at least 95% at 0.5 req/s and more: worst 94.9%",
        met: false,
      },
      { goal: "healthy at 0.1 req/s inconclusive in at least 99%: worst 98%", met: false },
    ]);
  });
});
