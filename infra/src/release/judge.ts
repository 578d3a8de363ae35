/**
 * The canary judge: counts in, verdict out, no I/O. Both SLIs are proportions of requests (answered
 * 5xx; slower than the threshold), so each check is an exact binomial confidence bound
 * (Clopper-Pearson, binomial.ts) set against its line:
 *
 * - line: fail when the canary's ratio is shown above the line (its lower bound is above it), pass
 *   when it is shown at or below (its upper bound is at or below it), else inconclusive;
 * - baseline: the same for the canary's ratio minus the replaced tasks' ratio against the margin,
 *   the difference bounded by the two exact bounds at half the error rate each (Bonferroni).
 *
 * Error rates: a false rollback can come from any gating check at any look, so the fail side's
 * error rate is the file's 1 - confidence divided by looks x checks (Bonferroni: it holds however
 * correlated the looks are); a pass is acted on at one look, so the pass side divides by checks
 * only. Why exact bounds and not Wilson or a two-proportion z test: those are approximations whose
 * error rate exceeds the stated one at small counts and small ratios, where canaries live. The
 * arithmetic and the measured rates are in alerts/analysis/canary.yaml and docs/benchmarks.md.
 */
import type { Analysis, AnalysisMetric, Line } from "./analysis";
import { lowerBound, upperBound } from "./binomial";

/** Requests counted for one revision over the look's window. */
export interface Counts {
  bad: number;
  total: number;
}

/** One metric's counts at one look: the canary's, and the replaced tasks' (undefined: none known). */
export interface MetricCounts {
  canary: Counts;
  baseline?: Counts;
}

/** One check of one metric at one look. */
export interface CheckVerdict {
  metric: string;
  rule: "line" | "baseline";
  dryRun: boolean;
  canary: Counts;
  baseline?: Counts;
  /** The canary's ratio (line) or the difference (baseline), bounded below at the fail side's confidence. */
  lower: number;
  /** The same, bounded above at the pass side's confidence. */
  upper: number;
  limit: Line;
  verdict: "pass" | "fail" | "inconclusive";
  /** Why inconclusive without looking at bounds (too few requests, no baseline). */
  why?: string;
}

/** The judge's answer at one look. */
export interface JudgeVerdict {
  look: number;
  looks: number;
  /** Error rate of each fail-side bound, and of each pass-side bound. */
  failAlpha: number;
  passAlpha: number;
  checks: CheckVerdict[];
  verdict: "pass" | "fail" | "inconclusive";
}

type Check = { metric: AnalysisMetric; rule: "line" | "baseline"; limit: Line };

/** Every check an analysis makes, dry runs included. */
function checksOf(analysis: Analysis): Check[] {
  return analysis.metrics.flatMap((metric) => [
    ...(metric.failAbove === undefined ? [] : [{ metric, rule: "line" as const, limit: metric.failAbove }]),
    ...(metric.baselineMargin === undefined
      ? []
      : [{ metric, rule: "baseline" as const, limit: metric.baselineMargin }]),
  ]);
}

/** Each bound's error rate: the whole canary's 1 - confidence shared among looks and gating checks. */
export function errorRates(analysis: Analysis): { failAlpha: number; passAlpha: number; checks: number } {
  const checks = Math.max(1, checksOf(analysis).filter((c) => !c.metric.dryRun).length);
  // 1 - 0.99 is 0.010000000000000009 in floating point: rounded, so the rates print as written.
  const share = (parts: number) => Number(((1 - analysis.confidence) / parts).toPrecision(12));
  return { failAlpha: share(analysis.looks.count * checks), passAlpha: share(checks), checks };
}

/** Judges one look's counts. `counts` has an entry for every metric of the analysis. */
export function judge(analysis: Analysis, counts: Record<string, MetricCounts>, look: number): JudgeVerdict {
  const { failAlpha, passAlpha } = errorRates(analysis);
  const checks = checksOf(analysis).map(({ metric, rule, limit }): CheckVerdict => {
    const { canary, baseline } = counts[metric.name] ?? { canary: { bad: 0, total: 0 } };
    const base = { metric: metric.name, rule, dryRun: metric.dryRun, canary, limit };
    if (canary.total < analysis.minRequests) {
      return {
        ...base,
        ...(baseline === undefined || rule === "line" ? {} : { baseline }),
        lower: 0,
        upper: 1,
        verdict: "inconclusive",
        why: `${canary.total} requests of the canary, fewer than minRequests (${analysis.minRequests})`,
      };
    }
    if (rule === "line") {
      const lower = lowerBound(canary.bad, canary.total, failAlpha);
      const upper = upperBound(canary.bad, canary.total, passAlpha);
      const verdict = lower > limit.value ? "fail" : upper <= limit.value ? "pass" : "inconclusive";
      return { ...base, lower, upper, verdict };
    }
    if (baseline === undefined || baseline.total === 0) {
      return {
        ...base,
        ...(baseline === undefined ? {} : { baseline }),
        lower: -1,
        upper: 1,
        verdict: "inconclusive",
        why: "no request of the replaced tasks to compare with",
      };
    }
    const lower =
      lowerBound(canary.bad, canary.total, failAlpha / 2) -
      upperBound(baseline.bad, baseline.total, failAlpha / 2);
    const upper =
      upperBound(canary.bad, canary.total, passAlpha / 2) -
      lowerBound(baseline.bad, baseline.total, passAlpha / 2);
    const verdict = lower > limit.value ? "fail" : upper <= limit.value ? "pass" : "inconclusive";
    return { ...base, baseline, lower, upper, verdict };
  });
  const gating = checks.filter((c) => !c.dryRun);
  const verdict = gating.some((c) => c.verdict === "fail")
    ? "fail"
    : gating.every((c) => c.verdict === "pass")
      ? "pass"
      : "inconclusive";
  return { look, looks: analysis.looks.count, failAlpha, passAlpha, checks, verdict };
}

const percent = (ratio: number) => `${Number((ratio * 100).toPrecision(3))}%`;
const confidence = (alpha: number) => `${Number(((1 - alpha) * 100).toPrecision(6))}%`;
const counted = (name: string, c: Counts) =>
  `${name} ${c.bad} of ${c.total}${c.total === 0 ? "" : ` (${percent(c.bad / c.total)})`}`;

/** The verdict as the log prints it: the error rates, per check the counts, bounds and rule, the verdict last. */
export function verdictLines(analysis: Analysis, verdict: JudgeVerdict): string[] {
  const { checks } = errorRates(analysis);
  const rate = percent(1 - analysis.confidence);
  const lines = [
    `confidence ${percent(analysis.confidence)} for the whole canary: a fail needs a bound at ${confidence(verdict.failAlpha)} (${rate} over ${verdict.looks} looks x ${checks} checks, Bonferroni), a pass one at ${confidence(verdict.passAlpha)} (${rate} over ${checks} checks)`,
  ];
  for (const check of verdict.checks) {
    const what = check.rule === "line" ? "canary ratio" : "canary minus baseline";
    const seen = [
      counted("canary", check.canary),
      ...(check.baseline === undefined ? [] : [counted("baseline", check.baseline)]),
    ];
    const bounds =
      check.why === undefined ? `${what} in [${percent(check.lower)}, ${percent(check.upper)}]` : check.why;
    lines.push(
      `${check.metric}${check.dryRun ? " (dry run, never gating)" : ""}, ${check.rule === "line" ? "against the line" : "against the replaced tasks"}: ${seen.join(", ")}; ${bounds}; fail when the lower bound > ${check.limit.text.replace(/^[0-9.e-]+/, percent(check.limit.value))}, pass when the upper bound <= it: ${check.verdict}`,
    );
  }
  lines.push(`look ${verdict.look} of ${verdict.looks}: ${verdict.verdict}`);
  return lines;
}
