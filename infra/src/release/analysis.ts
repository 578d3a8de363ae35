/**
 * Canary analysis as versioned data: alerts/analysis/<name>.yaml names PromQL templates, the
 * conditions that fail or pass each one, the traffic below which the answer is inconclusive, and
 * what an inconclusive answer does. Thresholds may name the SLO spec (`slo.availability.fastBurnRatio`),
 * so the analysis judges a release by the same numbers the alerts page on. Parsed like the stack
 * config: every problem at once, with the file, the key and what is allowed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { durationSeconds, type SloSpec } from "../slo";
import { specReader } from "../spec-reader";
import { REPO_ROOT } from "../stack-file";

/** `> 0.0144`, `<= slo.latency.budget`: an operator and its resolved threshold. */
export interface Condition {
  op: ">" | ">=" | "<" | "<=";
  threshold: number;
  /** As written, with the threshold resolved: `> 0.0144 (slo.availability.fastBurnRatio)`. */
  text: string;
}

/** One metric of an analysis. */
export interface AnalysisMetric {
  name: string;
  /** PromQL with `{{stack}}`, `{{revision}}` and `{{window}}`. */
  query: string;
  failWhen: Condition;
  passWhen: Condition;
}

/** A checked analysis file. */
export interface Analysis {
  name: string;
  file: string;
  description: string;
  /** The window each query looks back over, a Prometheus duration. */
  window: string;
  /** The new revision's requests in the window below which the answer is inconclusive. */
  minRequests: number;
  /** PromQL giving the new revision's requests in the window. */
  traffic: string;
  /** What an inconclusive answer at the end of the canary does. */
  inconclusive: "pass" | "fail";
  metrics: AnalysisMetric[];
}

const PLACEHOLDERS = ["stack", "revision", "window"] as const;
const CONDITION = /^(>=|<=|>|<)\s*(.+)$/;
const REFERENCE = /^(?:(\d+(?:\.\d+)?)\s*\*\s*)?slo\.([a-z][a-z0-9_]*)\.(budget|fastBurnRatio|objective)$/;

/** What `slo.<objective>.<field>` names: the budget, the fastest page's ratio, or the objective. */
export function sloValue(spec: SloSpec, objective: string, field: string): number | undefined {
  const o = spec.objectives.find((candidate) => candidate.name === objective);
  if (o === undefined) return undefined;
  const fastest = Math.max(...spec.burnRates.filter((b) => b.severity === "page").map((b) => b.burnRate));
  const value = field === "budget" ? o.budget : field === "objective" ? o.objective : o.budget * fastest;
  return Number(value.toPrecision(12));
}

/** Parses and checks one analysis file's text. */
export function parseAnalysis(
  text: string,
  file: string,
  spec: SloSpec,
): { ok: true; analysis: Analysis } | { ok: false; problems: string[] } {
  const reader = specReader(text, file);
  if (reader.document === undefined) return { ok: false, problems: reader.problems };
  const { document, problems, problem, keys } = reader;
  const { at } = reader;
  const string = (parent: string, record: Record<string, unknown>, name: string) => {
    const value = record[name];
    if (typeof value !== "string" || value.trim() === "") {
      problem(at(parent, name), value ?? null, "is required: a non-empty string");
      return "";
    }
    return value.trim();
  };
  const template = (parent: string, record: Record<string, unknown>, name: string) => {
    // {{slo.<objective>.thresholdSeconds}} is filled in now, from alerts/slo.yaml.
    const value = string(parent, record, name).replace(
      /\{\{\s*slo\.([a-z][a-z0-9_]*)\.thresholdSeconds\s*\}\}/g,
      (whole, objective: string) => {
        const seconds = spec.objectives.find((o) => o.name === objective)?.thresholdSeconds;
        if (seconds === undefined) {
          problem(
            at(parent, name),
            whole,
            `alerts/slo.yaml has no objective ${objective} with thresholdSeconds`,
          );
          return whole;
        }
        return String(seconds);
      },
    );
    for (const match of value.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(match[1] ?? "")) {
        problem(
          at(parent, name),
          match[0],
          `unknown placeholder; allowed: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")}, {{slo.<objective>.thresholdSeconds}}`,
        );
      }
    }
    if (value !== "" && !value.includes("{{revision}}")) {
      problem(at(parent, name), value, "must select the new revision's series with {{revision}}");
    }
    return value;
  };
  const condition = (parent: string, record: Record<string, unknown>, name: string): Condition => {
    const value = record[name];
    const match = typeof value === "string" ? CONDITION.exec(value.trim()) : null;
    const allowed =
      "must be an operator (>, >=, <, <=) and a number or slo.<objective>.<budget|fastBurnRatio|objective>, optionally times a factor: like > 0.0144 or > 2 * slo.availability.budget";
    if (match === null) {
      problem(at(parent, name), value ?? null, allowed);
      return { op: ">", threshold: Number.NaN, text: "" };
    }
    const op = match[1] as Condition["op"];
    const operand = (match[2] ?? "").trim();
    const reference = REFERENCE.exec(operand);
    let threshold = Number(operand);
    if (reference !== null) {
      const resolved = sloValue(spec, reference[2] ?? "", reference[3] ?? "");
      if (resolved === undefined) {
        problem(
          at(parent, name),
          value,
          `names no objective of alerts/slo.yaml (${spec.objectives.map((o) => o.name).join(", ")})`,
        );
        return { op, threshold: Number.NaN, text: "" };
      }
      threshold = Number((resolved * Number(reference[1] ?? 1)).toPrecision(12));
      return { op, threshold, text: `${op} ${threshold} (${operand})` };
    }
    if (operand === "" || !Number.isFinite(threshold)) {
      problem(at(parent, name), value, allowed);
      return { op, threshold: Number.NaN, text: "" };
    }
    return { op, threshold, text: `${op} ${threshold}` };
  };

  const root = keys("", document, [
    "description",
    "window",
    "minRequests",
    "traffic",
    "inconclusive",
    "metrics",
  ]);
  const description = string("", root, "description");
  const window =
    typeof root.window === "string" && durationSeconds(root.window) !== undefined ? root.window : "";
  if (window === "")
    problem("window", root.window ?? null, "must be a Prometheus duration of one unit, like 5m");
  const minRequests = root.minRequests;
  if (typeof minRequests !== "number" || !Number.isInteger(minRequests) || minRequests < 1) {
    problem("minRequests", minRequests ?? null, "must be a whole number of requests, 1 or more");
  }
  const traffic = template("", root, "traffic");
  const inconclusive = root.inconclusive;
  if (inconclusive !== "pass" && inconclusive !== "fail") {
    problem("inconclusive", inconclusive ?? null, "must be pass (carry on) or fail (roll back)");
  }
  const metrics: AnalysisMetric[] = [];
  if (!Array.isArray(root.metrics) || root.metrics.length === 0) {
    problem("metrics", root.metrics ?? null, "must be a list of at least one metric");
  } else {
    root.metrics.forEach((raw, index) => {
      const key = `metrics[${index}]`;
      const m = keys(key, raw, ["name", "query", "failWhen", "passWhen"]);
      const name = string(key, m, "name");
      if (metrics.some((other) => other.name === name)) problem(`${key}.name`, name, "must be unique");
      metrics.push({
        name,
        query: template(key, m, "query"),
        failWhen: condition(key, m, "failWhen"),
        passWhen: condition(key, m, "passWhen"),
      });
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    analysis: {
      name: basename(file, ".yaml"),
      file,
      description,
      window,
      minRequests: minRequests as number,
      traffic,
      inconclusive: inconclusive as "pass" | "fail",
      metrics,
    },
  };
}

/** Every analysis in alerts/analysis, by name; throws with every problem of every file. */
export function readAnalyses(spec: SloSpec, root: string = REPO_ROOT): Record<string, Analysis> {
  const dir = join(root, "alerts", "analysis");
  const analyses: Record<string, Analysis> = {};
  const problems: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    const result = parseAnalysis(readFileSync(join(dir, file), "utf8"), `alerts/analysis/${file}`, spec);
    if (result.ok) analyses[result.analysis.name] = result.analysis;
    else problems.push(...result.problems);
  }
  if (problems.length > 0) throw new Error(`alerts/analysis is not valid:\n  ${problems.join("\n  ")}`);
  return analyses;
}

/** A template with its placeholders filled in. */
export function renderQuery(
  query: string,
  values: { stack: string; revision: string; window: string },
): string {
  return query.replace(
    /\{\{\s*(stack|revision|window)\s*\}\}/g,
    (_, name: keyof typeof values) => values[name],
  );
}

/** What a query answered: one number, nothing, or why it could not be read. */
export type QueryAnswer = { value: number } | { noData: string };
/** Runs one instant query at `at` (unix seconds). */
export type InstantQuery = (promql: string, at: number) => Promise<QueryAnswer>;

/** One metric's line in the verdict table. */
export interface MetricVerdict {
  name: string;
  query: string;
  value: number | undefined;
  /** Why there is no value. */
  reason?: string;
  condition: string;
  verdict: "pass" | "fail" | "inconclusive";
}

/** An analysis evaluated at one instant. */
export interface Verdict {
  analysis: string;
  stack: string;
  revision: string;
  at: number;
  window: string;
  traffic: { query: string; requests: number | undefined; reason?: string; enough: boolean };
  metrics: MetricVerdict[];
  verdict: "pass" | "fail" | "inconclusive";
}

const holds = (condition: Condition, value: number) =>
  condition.op === ">"
    ? value > condition.threshold
    : condition.op === ">="
      ? value >= condition.threshold
      : condition.op === "<"
        ? value < condition.threshold
        : value <= condition.threshold;

/**
 * Evaluates an analysis at one instant: fail when any metric fails; otherwise inconclusive when
 * the new revision served too few requests or a metric answered nothing (an empty result is never
 * a crash) or met neither condition; otherwise pass.
 */
export async function evaluate(
  analysis: Analysis,
  params: { stack: string; revision: string; at: number; window?: string },
  query: InstantQuery,
): Promise<Verdict> {
  const window = params.window ?? analysis.window;
  const values = { stack: params.stack, revision: params.revision, window };
  const trafficQuery = renderQuery(analysis.traffic, values);
  const trafficAnswer = await query(trafficQuery, params.at);
  const requests = "value" in trafficAnswer ? trafficAnswer.value : undefined;
  const enough = requests !== undefined && requests >= analysis.minRequests;
  const metrics: MetricVerdict[] = [];
  for (const metric of analysis.metrics) {
    const sent = renderQuery(metric.query, values);
    const answer = await query(sent, params.at);
    const condition = `fail ${metric.failWhen.text}; pass ${metric.passWhen.text}`;
    if (!("value" in answer) || Number.isNaN(answer.value)) {
      const reason = "noData" in answer ? answer.noData : "NaN (no requests in the window)";
      metrics.push({
        name: metric.name,
        query: sent,
        value: undefined,
        reason,
        condition,
        verdict: "inconclusive",
      });
      continue;
    }
    const verdict = holds(metric.failWhen, answer.value)
      ? "fail"
      : holds(metric.passWhen, answer.value)
        ? "pass"
        : "inconclusive";
    metrics.push({ name: metric.name, query: sent, value: answer.value, condition, verdict });
  }
  const verdict = metrics.some((m) => m.verdict === "fail")
    ? "fail"
    : !enough || metrics.some((m) => m.verdict === "inconclusive")
      ? "inconclusive"
      : "pass";
  return {
    analysis: analysis.name,
    stack: params.stack,
    revision: params.revision,
    at: params.at,
    window,
    traffic: {
      query: trafficQuery,
      requests,
      ...("noData" in trafficAnswer ? { reason: trafficAnswer.noData } : {}),
      enough,
    },
    metrics,
    verdict,
  };
}

const shown = (value: number | undefined) =>
  value === undefined ? "no value" : String(Number(value.toPrecision(6)));

/** The verdict as the log prints it: a header, traffic, one block per metric, the verdict last. */
export function verdictTable(verdict: Verdict, minRequests: number): string[] {
  const lines = [
    `analysis ${verdict.analysis} of revision ${verdict.revision} in ${verdict.stack} at ${new Date(verdict.at * 1000).toISOString()}, window ${verdict.window}`,
    `traffic: ${shown(verdict.traffic.requests)} requests of the new revision (at least ${minRequests} needed): ${verdict.traffic.enough ? "enough" : `inconclusive${verdict.traffic.reason === undefined ? "" : `, ${verdict.traffic.reason}`}`}`,
    `  query: ${verdict.traffic.query}`,
  ];
  for (const metric of verdict.metrics) {
    lines.push(
      `${metric.name}: ${shown(metric.value)}${metric.reason === undefined ? "" : ` (${metric.reason})`}; ${metric.condition}: ${metric.verdict}`,
      `  query: ${metric.query}`,
    );
  }
  lines.push(verdict.verdict);
  return lines;
}
