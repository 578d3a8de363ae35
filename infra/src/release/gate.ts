/**
 * Before a prod release: is there error budget left, and is nothing paging for the stack? Read from
 * the stack's Prometheus: the 30-day SLIs the rules record, and Prometheus's own `ALERTS` series
 * (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/#inspecting-alerts-during-runtime).
 * An answer that cannot be read is "unknown", and does what the stack says (`releaseBudgetUnknown`:
 * refuse in prod, where `--override-budget "<reason>"` still goes ahead).
 */
import type { SloSpec } from "@comments-platform/slo";
import type { InstantQuery, QueryAnswer } from "./analysis";

/**
 * How far back the gate reads the 30-day SLIs. Their rule group is evaluated every 5 minutes
 * (alerts/rules/comments-api.yaml, group comments-api-slo-30d), and an instant query sees a sample
 * for 5 minutes only (the lookback delta,
 * https://prometheus.io/docs/prometheus/latest/querying/basics/#staleness): between a sample's
 * fifth minute and the next evaluation's sample, a plain query answers nothing. Two intervals
 * bridge that gap and one missed evaluation. A test checks it against the rule file.
 */
export const RECORDED_LOOKBACK = "10m";

/** Why an answer is not a number, or undefined when it is one. */
const unknown = (answer: QueryAnswer): string | undefined =>
  "error" in answer
    ? `error: ${answer.error}`
    : "noData" in answer
      ? answer.noData
      : Number.isNaN(answer.value)
        ? "NaN"
        : undefined;

/** The gate for one stack: what the release step asks before it creates a deployment. */
export function budgetGate(
  spec: SloSpec,
  stack: string,
  query: InstantQuery,
  now: () => number = Date.now,
  whenUnknown: "refuse" | "allow" = "refuse",
): () => Promise<{ allowed: boolean; lines: string[] }> {
  const level = spec.job.replaceAll("-", "_");
  const unknownDoes =
    whenUnknown === "refuse"
      ? "refusing (releaseBudgetUnknown: refuse)"
      : "not blocking (releaseBudgetUnknown: allow)";
  return async () => {
    const at = Math.round(now() / 1000);
    const lines: string[] = [];
    let allowed = true;
    for (const objective of spec.objectives) {
      const promql = `last_over_time(${level}:${objective.record}:ratio_rate${spec.period}{stack="${stack}"}[${RECORDED_LOOKBACK}])`;
      const answer = await query(promql, at);
      const why = unknown(answer);
      if (why !== undefined || !("value" in answer)) {
        if (whenUnknown === "refuse") allowed = false;
        lines.push(`${objective.name} budget left: unknown (${why}): ${unknownDoes}`);
        continue;
      }
      const left = 1 - answer.value / objective.budget;
      const spent = left <= 0;
      if (spent) allowed = false;
      lines.push(
        `${objective.name} budget left: ${Number((left * 100).toPrecision(4))}% of ${spec.period}'s ${Number((objective.budget * 100).toPrecision(6))}%${spent ? ": spent" : ""}`,
      );
    }
    // count() of nothing is no series: no page firing. An error is not "none".
    const pages = await query(`count(ALERTS{alertstate="firing",severity="page",stack="${stack}"})`, at);
    if ("error" in pages) {
      if (whenUnknown === "refuse") allowed = false;
      lines.push(`pages firing now in ${stack}: unknown (error: ${pages.error}): ${unknownDoes}`);
      return { allowed, lines };
    }
    const firing = "value" in pages ? pages.value : 0;
    if (firing > 0) allowed = false;
    lines.push(firing > 0 ? `pages firing now in ${stack}: ${firing}` : `no page firing in ${stack}`);
    return { allowed, lines };
  };
}
