/**
 * The canary simulated: the real state machine (canary.ts) and the real judge (judge.ts) over the
 * real look schedule, fed binomial counts drawn per 15 s scrape for the canary and for the tasks
 * it replaces. `pnpm bench:canary` runs it over a grid of traffic and true ratios; every draw comes
 * from a seeded generator, so a run is reproducible.
 */
import type { Analysis } from "./analysis";
import { CANARY_START, type CanaryObservation, nextCanaryStep } from "./canary";
import { type Counts, judge, type MetricCounts } from "./judge";

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Binomial(n, p) draw by inversion, summing the probabilities up from 0 (p above 1/2 by symmetry). */
export function binomialDraw(n: number, p: number, random: () => number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomialDraw(n, 1 - p, random);
  const u = random();
  let k = 0;
  let term = Math.exp(n * Math.log1p(-p));
  let sum = term;
  const ratio = p / (1 - p);
  while (sum < u && k < n) {
    term *= ((n - k) / (k + 1)) * ratio;
    k += 1;
    sum += term;
  }
  return k;
}

/** One simulated canary's true rates: requests per second, and per metric the share of bad requests. */
export interface Traffic {
  canaryPerSecond: number;
  baselinePerSecond: number;
  /** Per metric name: the canary's true ratio and the baseline's. */
  ratios: Record<string, { canary: number; baseline: number }>;
}

/** How one simulated canary ended. */
export interface TrialOutcome {
  outcome: "fail" | "pass" | "inconclusive" | "error";
  /** Minutes from the canary's start to the stop, for a fail. */
  minutes?: number;
}

/**
 * One canary: polls every `scrapeSeconds` while green holds part of the traffic for
 * `canaryMinutes`, then one poll with all of it; counts grow by binomial draws per scrape.
 */
export function simulateCanary(
  analysis: Analysis,
  traffic: Traffic,
  canaryMinutes: number,
  random: () => number,
  scrapeSeconds = 15,
): TrialOutcome {
  const plan = {
    name: analysis.name,
    looks: analysis.looks,
    consecutiveErrorLimit: analysis.consecutiveErrorLimit,
    inconclusive: analysis.inconclusive,
    sameRevision: analysis.sameRevision,
    unjudgeable: false,
  };
  const cumulative: Record<string, { canary: Counts; baseline: Counts }> = {};
  for (const metric of analysis.metrics)
    cumulative[metric.name] = { canary: { bad: 0, total: 0 }, baseline: { bad: 0, total: 0 } };
  let state = CANARY_START;
  let last: TrialOutcome["outcome"] = "inconclusive";
  const end = canaryMinutes * 60;
  for (let t = 0; t <= end; t += scrapeSeconds) {
    if (t > 0) {
      // Requests arrive at a steady rate (rounded per scrape); each is bad with the true ratio.
      const requests = (perSecond: number) =>
        Math.round(perSecond * t) - Math.round(perSecond * (t - scrapeSeconds));
      const canaryRequests = requests(traffic.canaryPerSecond);
      const baselineRequests = requests(traffic.baselinePerSecond);
      for (const metric of analysis.metrics) {
        const c = cumulative[metric.name] as { canary: Counts; baseline: Counts };
        const ratio = traffic.ratios[metric.name] ?? { canary: 0, baseline: 0 };
        c.canary = {
          bad: c.canary.bad + binomialDraw(canaryRequests, ratio.canary, random),
          total: c.canary.total + canaryRequests,
        };
        c.baseline = {
          bad: c.baseline.bad + binomialDraw(baselineRequests, ratio.baseline, random),
          total: c.baseline.total + baselineRequests,
        };
      }
    }
    let observation: CanaryObservation = { type: "poll", now: t, greenWeight: t < end ? 10 : 100 };
    for (;;) {
      const step = nextCanaryStep(plan, state, observation);
      state = step.state;
      const action = step.action;
      if (action.type === "stop")
        return last === "fail" ? { outcome: "fail", minutes: t / 60 } : { outcome: last };
      if (action.type === "carryOn") return { outcome: last };
      if (action.type !== "look") break;
      // The window starts at the canary's start: the counts so far are the look's counts.
      const counts: Record<string, MetricCounts> = {};
      for (const [name, c] of Object.entries(cumulative))
        counts[name] = { canary: c.canary, baseline: c.baseline };
      const verdict = judge(analysis, counts, action.look).verdict;
      last = verdict;
      observation = { type: "judged", look: action.look, verdict };
    }
  }
  return { outcome: last === "fail" ? "fail" : last === "pass" ? "pass" : "inconclusive" };
}

/** One row of the benchmark: a metric at one traffic and one true ratio, over many canaries. */
export interface BenchRow {
  metric: string;
  canaryPerSecond: number;
  /** The canary's true ratio, as a multiple of the objective's budget. */
  multiple: number;
  rolledBack: number;
  passed: number;
  inconclusive: number;
}

/**
 * The goals of issue 26, checked against the rows: at most 1% of healthy canaries (at or under the
 * budget) rolled back at any traffic; 2x the fast-burn line (28.8 x budget) caught in 95% at 5 req/s
 * and more; 10x the line (144 x budget) in 95% at 0.5 req/s and more; a healthy canary at the
 * lowest traffic inconclusive (99%), never a coin flip.
 */
export function benchGoals(rows: BenchRow[], lowest: number): { goal: string; met: boolean }[] {
  const worst = (selected: BenchRow[], value: (r: BenchRow) => number, pick: "max" | "min") =>
    selected.length === 0 ? Number.NaN : Math[pick](...selected.map(value));
  const percent = (x: number) => `${Number((x * 100).toPrecision(3))}%`;
  const falseRollback = worst(
    rows.filter((r) => r.multiple <= 1),
    (r) => r.rolledBack,
    "max",
  );
  const twice = worst(
    rows.filter((r) => r.multiple === 28.8 && r.canaryPerSecond >= 5),
    (r) => r.rolledBack,
    "min",
  );
  const tenfold = worst(
    rows.filter((r) => r.multiple === 144 && r.canaryPerSecond >= 0.5),
    (r) => r.rolledBack,
    "min",
  );
  const quiet = worst(
    rows.filter((r) => r.multiple <= 1 && r.canaryPerSecond === lowest),
    (r) => r.inconclusive,
    "min",
  );
  return [
    {
      goal: `false rollback at most 1% at every traffic: worst ${percent(falseRollback)}`,
      met: falseRollback <= 0.01,
    },
    {
      goal: `2x the fast-burn line caught in at least 95% at 5 req/s and more: worst ${percent(twice)}`,
      met: twice >= 0.95,
    },
    {
      goal: `10x the fast-burn line caught in at least 95% at 0.5 req/s and more: worst ${percent(tenfold)}`,
      met: tenfold >= 0.95,
    },
    {
      goal: `healthy at ${lowest} req/s inconclusive in at least 99%: worst ${percent(quiet)}`,
      met: quiet >= 0.99,
    },
  ];
}
