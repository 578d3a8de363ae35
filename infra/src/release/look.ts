/**
 * One look of the canary: the analysis's queries for the canary's revision and for the replaced
 * tasks' over the canary's minutes so far, the counts handed to the pure judge. A query that fails
 * makes the whole look an error (never inconclusive, never a pass), with the query and the reason.
 */
import type { Analysis, InstantQuery, QueryAnswer } from "./analysis";
import { type Counts, type JudgeVerdict, judge, type MetricCounts, verdictLines } from "./judge";

/** The label the collector puts the task definition revision in (documents/collector.ts). */
export const REVISION_LABEL = "aws_ecs_task_revision";

/** Who is compared, and over which window. */
export interface LookRequest {
  stack: string;
  /** The canary's task definition revision. */
  revision: string;
  /** The replaced tasks' revision. @default every other revision */
  baselineRevision?: string;
  look: number;
  /** Unix seconds: the end of the window. */
  at: number;
  windowSeconds: number;
}

/** A look's outcome: a verdict with its lines, or an error with its lines. */
export type LookResult =
  | { ok: true; verdict: JudgeVerdict; lines: string[]; queries: string[] }
  | { ok: false; reason: string; lines: string[]; queries: string[] };

/** A template with its placeholders filled in; {{revision}} becomes a whole label matcher. */
export function renderQuery(
  query: string,
  values: { stack: string; matcher: string; windowSeconds: number },
): string {
  return query
    .replace(/\{\{\s*stack\s*\}\}/g, values.stack)
    .replace(/\{\{\s*revision\s*\}\}/g, values.matcher)
    .replace(/\{\{\s*window\s*\}\}/g, `${values.windowSeconds}s`);
}

/** Queries and judges one look. */
export async function takeLook(
  analysis: Analysis,
  request: LookRequest,
  query: InstantQuery,
): Promise<LookResult> {
  const header = `analysis ${analysis.name} of revision ${request.revision} against ${request.baselineRevision === undefined ? "every other revision" : `revision ${request.baselineRevision}`} in ${request.stack}: look ${request.look} of ${analysis.looks.count}, the ${request.windowSeconds} s to ${new Date(request.at * 1000).toISOString()}`;
  const sides = {
    canary: `${REVISION_LABEL}="${request.revision}"`,
    baseline:
      request.baselineRevision === undefined
        ? `${REVISION_LABEL}!="${request.revision}"`
        : `${REVISION_LABEL}="${request.baselineRevision}"`,
  };
  const errors: string[] = [];
  const queries: string[] = [];
  // Metrics share queries (every one counts all requests): each distinct query is sent once a look.
  const answers = new Map<string, Promise<QueryAnswer>>();
  const count = async (template: string, matcher: string): Promise<number> => {
    const sent = renderQuery(template, {
      stack: request.stack,
      matcher,
      windowSeconds: request.windowSeconds,
    });
    let pending = answers.get(sent);
    if (pending === undefined) {
      queries.push(`  query: ${sent}`);
      pending = query(sent, request.at);
      answers.set(sent, pending);
      const answer = await pending;
      if ("error" in answer) errors.push(`${answer.error} (query: ${sent})`);
    }
    const answer = await pending;
    if ("error" in answer) return 0;
    // No series: no request of that kind in the window. increase() extrapolates, so round.
    return "value" in answer && Number.isFinite(answer.value) ? Math.max(0, Math.round(answer.value)) : 0;
  };
  const side = async (bad: string, total: string, matcher: string): Promise<Counts> => {
    const t = await count(total, matcher);
    const b = await count(bad, matcher);
    return { bad: Math.min(b, t), total: t };
  };
  const counts: Record<string, MetricCounts> = {};
  for (const metric of analysis.metrics) {
    counts[metric.name] = {
      canary: await side(metric.bad, metric.total, sides.canary),
      ...(metric.baselineMargin === undefined
        ? {}
        : { baseline: await side(metric.bad, metric.total, sides.baseline) }),
    };
  }
  if (errors.length > 0) {
    const reason = `${errors.length} of ${queries.length} queries failed: ${errors[0]}`;
    return {
      ok: false,
      reason,
      lines: [
        header,
        ...errors.map((e) => `query failed: ${e}`),
        `look ${request.look} of ${analysis.looks.count}: error`,
      ],
      queries,
    };
  }
  const verdict = judge(analysis, counts, request.look);
  return { ok: true, verdict, lines: [header, ...verdictLines(analysis, verdict)], queries };
}
