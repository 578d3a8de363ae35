/**
 * Canary analysis as versioned data: alerts/analysis/<name>.yaml names, per metric, two PromQL
 * templates that count the requests and the bad ones, the line above which the canary fails, and
 * how far above the tasks it replaces it may be; the confidence the whole canary is judged at, the
 * looks it takes, and what an inconclusive answer or a broken monitor does. Lines may name the SLO
 * spec (`slo.availability.fastBurnRatio`), so the analysis judges a release by the same numbers the
 * alerts page on. Parsed like the stack config: every problem at once, with the file, the key and
 * what is allowed. The judging itself is in judge.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { SloSpec } from "@comments-platform/slo";
import { specReader } from "@comments-platform/slo";
import { REPO_ROOT } from "../stack-file";

/** A ratio, as written and resolved: `0.0144 (slo.availability.fastBurnRatio)`. */
export interface Line {
  value: number;
  text: string;
}

/** One metric: a proportion of requests, counted for the canary and for the tasks it replaces. */
export interface AnalysisMetric {
  name: string;
  /** PromQL counting bad requests, with `{{stack}}`, `{{revision}}` and `{{window}}`. */
  bad: string;
  /** PromQL counting all requests, same placeholders. */
  total: string;
  /** The canary fails when its ratio is shown above this line. @default no absolute check */
  failAbove?: Line;
  /** The canary fails when its ratio is shown above the baseline's by more than this. @default no comparison */
  baselineMargin?: Line;
  /** Measured and printed, never judged. @default false */
  dryRun: boolean;
}

/** When the judge looks: at minute marks everyMinutes, 2 × everyMinutes, ... from the canary's start. */
export interface LookSchedule {
  everyMinutes: number;
  /** The most looks one canary takes; the false-rollback rate is divided among them. */
  count: number;
}

/** A checked analysis file. */
export interface Analysis {
  name: string;
  file: string;
  description: string;
  /** The whole canary's confidence: its false-rollback rate, and a pass's error rate, are at most 1 - confidence. */
  confidence: number;
  looks: LookSchedule;
  /** The canary's requests below which a metric says nothing either way. */
  minRequests: number;
  /** Failed looks in a row that stop the release with rollback. */
  consecutiveErrorLimit: number;
  /** What an inconclusive verdict at the end of the canary does. */
  inconclusive: "pass" | "fail";
  /** What a release whose new tasks run the revision of the tasks they replace does: it cannot be judged. */
  sameRevision: "pass" | "fail";
  metrics: AnalysisMetric[];
}

const PLACEHOLDERS = ["stack", "revision", "window"] as const;
const LINE = /^(?:(\d+(?:\.\d+)?)\s*\*\s*)?slo\.([a-z][a-z0-9_]*)\.(budget|fastBurnRatio|objective)$/;

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
  const { document, problems, problem, keys, at } = reader;
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
      problem(at(parent, name), value, "must select one revision's series with {{revision}}");
    }
    return value;
  };
  const line = (parent: string, record: Record<string, unknown>, name: string): Line | undefined => {
    const value = record[name];
    if (value === undefined) return undefined;
    const allowed =
      "must be a ratio between 0 and 1, or slo.<objective>.<budget|fastBurnRatio|objective> optionally times a factor: like 0.0144 or 5 * slo.availability.budget";
    if (typeof value === "number") {
      if (value > 0 && value < 1) return { value, text: String(value) };
      problem(at(parent, name), value, allowed);
      return undefined;
    }
    const reference = typeof value === "string" ? LINE.exec(value.trim()) : null;
    if (reference === null) {
      problem(at(parent, name), value, allowed);
      return undefined;
    }
    const resolved = sloValue(spec, reference[2] ?? "", reference[3] ?? "");
    if (resolved === undefined) {
      problem(
        at(parent, name),
        value,
        `names no objective of alerts/slo.yaml (${spec.objectives.map((o) => o.name).join(", ")})`,
      );
      return undefined;
    }
    const ratio = Number((resolved * Number(reference[1] ?? 1)).toPrecision(12));
    return { value: ratio, text: `${ratio} (${(value as string).trim()})` };
  };
  const whole = (key: string, value: unknown, min: number, max: number, fallback?: number) => {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      problem(key, value ?? null, `must be a whole number from ${min} to ${max}`);
      return min;
    }
    return value;
  };
  const choice = (key: string, value: unknown, allowed: string) => {
    if (value !== "pass" && value !== "fail") problem(key, value ?? null, allowed);
    return value === "fail" ? "fail" : "pass";
  };

  const root = keys("", document, [
    "description",
    "confidence",
    "looks",
    "minRequests",
    "consecutiveErrorLimit",
    "inconclusive",
    "sameRevision",
    "metrics",
  ]);
  const description = string("", root, "description");
  const confidence = root.confidence;
  if (typeof confidence !== "number" || !(confidence >= 0.5 && confidence < 1)) {
    problem("confidence", confidence ?? null, "must be a number from 0.5 up to (not including) 1, like 0.99");
  }
  const rawLooks = keys("looks", root.looks, ["everyMinutes", "count"]);
  const looks = {
    everyMinutes: whole("looks.everyMinutes", rawLooks.everyMinutes, 1, 60),
    count: whole("looks.count", rawLooks.count, 1, 120),
  };
  const minRequests = whole("minRequests", root.minRequests, 1, 1_000_000);
  // Two failed looks in a row by default: one lost scrape is noise, two is a monitor to look at.
  const consecutiveErrorLimit = whole("consecutiveErrorLimit", root.consecutiveErrorLimit, 1, 10, 2);
  const inconclusive = choice(
    "inconclusive",
    root.inconclusive,
    "must be pass (carry on) or fail (roll back)",
  );
  const sameRevision = choice(
    "sameRevision",
    root.sameRevision ?? "fail",
    "must be pass (carry on unjudged) or fail (roll back)",
  );
  const metrics: AnalysisMetric[] = [];
  if (!Array.isArray(root.metrics) || root.metrics.length === 0) {
    problem("metrics", root.metrics ?? null, "must be a list of at least one metric");
  } else {
    root.metrics.forEach((raw, index) => {
      const key = `metrics[${index}]`;
      const m = keys(key, raw, ["name", "bad", "total", "failAbove", "baselineMargin", "dryRun"]);
      const name = string(key, m, "name");
      if (metrics.some((other) => other.name === name)) problem(`${key}.name`, name, "must be unique");
      const failAbove = line(key, m, "failAbove");
      const baselineMargin = line(key, m, "baselineMargin");
      if (m.failAbove === undefined && m.baselineMargin === undefined)
        problem(key, name, "needs failAbove, baselineMargin or both");
      if (m.dryRun !== undefined && typeof m.dryRun !== "boolean")
        problem(`${key}.dryRun`, m.dryRun, "must be true or false");
      metrics.push({
        name,
        bad: template(key, m, "bad"),
        total: template(key, m, "total"),
        ...(failAbove === undefined ? {} : { failAbove }),
        ...(baselineMargin === undefined ? {} : { baselineMargin }),
        dryRun: m.dryRun === true,
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
      confidence: confidence as number,
      looks,
      minRequests,
      consecutiveErrorLimit,
      inconclusive,
      sameRevision,
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

/**
 * What a query answered: one number; nothing (no series: no request in the window); or an error
 * (the monitor could not be read: unreachable, denied, a bad query), which is never a pass.
 */
export type QueryAnswer = { value: number } | { noData: string } | { error: string };
/** Runs one instant query at `at` (unix seconds). */
export type InstantQuery = (promql: string, at: number) => Promise<QueryAnswer>;
