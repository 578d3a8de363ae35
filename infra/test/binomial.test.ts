/**
 * The exact binomial arithmetic the canary judge rests on, against closed forms and against
 * scipy.stats.beta.ppf (scipy 1.x, the values pasted below): Clopper-Pearson bounds are beta quantiles.
 */
import { describe, expect, it } from "vitest";
import { lowerBound, lowerTail, upperBound, upperTail } from "../src/release/binomial";

describe("Clopper-Pearson bounds", () => {
  it("match the closed forms at the edges: 0 of n, n of n, 1 of n", () => {
    // P(X <= 0 | p) = (1 - p)^n = alpha  =>  p = 1 - alpha^(1/n): 0 errors in 50 bound the ratio at 5.8%.
    expect(upperBound(0, 50, 0.05)).toBeCloseTo(1 - 0.05 ** (1 / 50), 13);
    expect(lowerBound(50, 50, 0.05)).toBeCloseTo(0.05 ** (1 / 50), 13);
    // P(X >= 1 | p) = 1 - (1 - p)^n = alpha  =>  p = 1 - (1 - alpha)^(1/n).
    expect(lowerBound(1, 12, 0.05)).toBeCloseTo(1 - 0.95 ** (1 / 12), 13);
    expect([lowerBound(0, 12, 0.05), upperBound(12, 12, 0.05), upperBound(0, 0, 0.05)]).toEqual([0, 1, 1]);
  });

  it("match scipy's beta quantiles in the canary's range", () => {
    // scipy.stats.beta.ppf(0.025, 3, 98), beta.ppf(0.975, 4, 97): R's binom.test(3, 100)$conf.int.
    expect(lowerBound(3, 100, 0.025)).toBeCloseTo(0.006229971538306395, 12);
    expect(upperBound(3, 100, 0.025)).toBeCloseTo(0.08517605297428002, 12);
    // beta.ppf(0.00025, 90, 2911): 90 errors in 3000 at the fail side's 99.975%.
    expect(lowerBound(90, 3000, 0.00025)).toBeCloseTo(0.020304717420633885, 12);
    // beta.ppf(0.9975, 4, 2997): 3 errors in 3000 at the pass side's 99.75%.
    expect(upperBound(3, 3000, 0.0025)).toBeCloseTo(0.003956547672611181, 11);
  });

  it("are the tails' inverses: the tail at the bound is the error rate", () => {
    for (const [bad, total] of [
      [1, 12],
      [7, 600],
      [40, 30000],
    ] as const) {
      expect(upperTail(bad, total, lowerBound(bad, total, 0.001))).toBeCloseTo(0.001, 9);
      expect(lowerTail(bad, total, upperBound(bad, total, 0.001))).toBeCloseTo(0.001, 9);
    }
    // binom.sf(0, 12, 0.0144): one or more errors in 12 requests at the 1.44% line happens 16% of the time.
    expect(upperTail(1, 12, 0.0144)).toBeCloseTo(0.15975035463387283, 13);
  });
});
