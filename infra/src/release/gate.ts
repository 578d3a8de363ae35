/**
 * Before a prod release: is there error budget left, and is nothing paging for the stack? Read from
 * the stack's Prometheus: the 30-day SLIs the rules record, and Prometheus's own `ALERTS` series
 * (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/#inspecting-alerts-during-runtime).
 * An answer that cannot be read does not block a release; it is said in the log.
 */
import type { SloSpec } from "../slo";
import type { InstantQuery } from "./analysis";

/** The gate for one stack: what the release step asks before it creates a deployment. */
export function budgetGate(
  spec: SloSpec,
  stack: string,
  query: InstantQuery,
  now: () => number = Date.now,
): () => Promise<{ allowed: boolean; lines: string[] }> {
  const level = spec.job.replaceAll("-", "_");
  return async () => {
    const at = Math.round(now() / 1000);
    const lines: string[] = [];
    let allowed = true;
    for (const objective of spec.objectives) {
      const promql = `${level}:${objective.record}:ratio_rate${spec.period}{stack="${stack}"}`;
      const answer = await query(promql, at);
      if (!("value" in answer) || Number.isNaN(answer.value)) {
        lines.push(
          `${objective.name} budget left: unknown (${"noData" in answer ? answer.noData : "NaN"}): not blocking`,
        );
        continue;
      }
      const left = 1 - answer.value / objective.budget;
      const spent = left <= 0;
      if (spent) allowed = false;
      lines.push(
        `${objective.name} budget left: ${Number((left * 100).toPrecision(4))}% of ${spec.period}'s ${Number((objective.budget * 100).toPrecision(6))}%${spent ? ": spent" : ""}`,
      );
    }
    const pages = await query(`count(ALERTS{alertstate="firing",severity="page",stack="${stack}"})`, at);
    const firing = "value" in pages ? pages.value : 0;
    if (firing > 0) allowed = false;
    lines.push(firing > 0 ? `pages firing now in ${stack}: ${firing}` : `no page firing in ${stack}`);
    return { allowed, lines };
  };
}
