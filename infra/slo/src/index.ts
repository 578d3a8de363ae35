/**
 * alerts/slo.yaml, read and checked: the service's objectives, the burn-rate pairs its alerts use,
 * how reachability is judged and the rollback alarms' defaults. The rule generator (alerts/src),
 * the dashboard (dashboards/src) and the stack config (config/) all read it through here, so the
 * 99.9% / 99% / 300 ms numbers live in that one file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { specReader } from "./spec-reader";

/** The spec reader the analysis files (infra/src/release/analysis.ts) are checked with too. */
export { type SpecReader, specReader } from "./spec-reader";

/** The repository root (this file is infra/slo/src/index.ts), where alerts/slo.yaml lives. */
const REPO_ROOT = join(__dirname, "..", "..", "..");

/** One objective: the share of requests that must be good over the period. */
export interface Objective {
  /** `availability`, `latency`: the `slo` label of its alerts. */
  name: string;
  objective: number;
  /** 1 - objective: the share of requests allowed to be bad. */
  budget: number;
  /** The recording rules' middle part: `comments_api:<record>:ratio_rate5m`. */
  record: string;
  /** Exactly one of `bad` and `good`: a counter selector without the job matcher. */
  bad?: string;
  good?: string;
  total: string;
  /** Latency objectives: the bucket bound, in seconds. */
  thresholdSeconds?: number;
}

/** One multi-window burn-rate pair. */
export interface BurnRate {
  severity: "page" | "ticket";
  /** Prometheus durations, like `1h` and `5m`. */
  long: string;
  short: string;
  burnRate: number;
  for: string;
}

/** The checked contents of alerts/slo.yaml. */
export interface SloSpec {
  job: string;
  /** The repository's web URL (no trailing slash): runbook links are built from it. */
  repositoryUrl: string;
  period: string;
  objectives: Objective[];
  burnRates: BurnRate[];
  reachability: {
    window: string;
    /** A task's scrapes count once its `up` series is this old (a new task is still starting). */
    graceFor: string;
    minShare: number;
    pageFor: string;
    ticketFor: string;
    silentFor: string;
    silentPageFor: string;
    neverHeardFor: string;
  };
  rollback: { burnRate: number; minRequestsPerMinute: number };
}

/** The result of reading the spec: the spec, or every problem found. */
export type SloResult = { ok: true; spec: SloSpec } | { ok: false; problems: string[] };

const DURATION = /^(\d+)(ms|s|m|h|d|w|y)$/;
const UNIT_SECONDS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
  y: 31536000,
};

/** Seconds in a Prometheus duration of one unit (`5m`, `1h`, `30d`); undefined when it is not one. */
export function durationSeconds(duration: string): number | undefined {
  const match = DURATION.exec(duration);
  return match === null ? undefined : Number(match[1]) * (UNIT_SECONDS[match[2] ?? ""] ?? Number.NaN);
}

const SELECTOR = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/;

/** A selector of the spec with the job matcher first: `m{a="b"}` → `m{job="<job>",a="b"}`. */
export function withJob(selector: string, job: string): string {
  const match = SELECTOR.exec(selector);
  if (match === null) throw new Error(`not a selector: ${selector}`);
  const matchers = match[2] === undefined || match[2] === "" ? "" : `,${match[2]}`;
  return `${match[1]}{job="${job}"${matchers}}`;
}

/** Parses and checks the spec's text; `file` names it in every problem. */
export function parseSloSpec(text: string, file = "alerts/slo.yaml"): SloResult {
  const reader = specReader(text, file);
  if (reader.document === undefined) return { ok: false, problems: reader.problems };
  const { document, problems, problem, keys: keysOf } = reader;
  const { at } = reader;
  const fraction = (
    parent: string,
    record: Record<string, unknown>,
    name: string,
    example: string,
  ): number => {
    const value = record[name];
    if (typeof value !== "number" || !(value > 0 && value < 1)) {
      problem(at(parent, name), value ?? null, `must be a fraction between 0 and 1, like ${example}`);
      return Number.NaN;
    }
    return value;
  };
  const positive = (
    parent: string,
    record: Record<string, unknown>,
    name: string,
    integer = false,
  ): number => {
    const value = record[name];
    if (typeof value !== "number" || !(value > 0) || (integer && !Number.isInteger(value))) {
      problem(at(parent, name), value ?? null, `must be a ${integer ? "whole number" : "number"} above 0`);
      return Number.NaN;
    }
    return value;
  };
  const duration = (parent: string, record: Record<string, unknown>, name: string): string => {
    const value = record[name];
    if (typeof value !== "string" || durationSeconds(value) === undefined || durationSeconds(value) === 0) {
      problem(
        at(parent, name),
        value ?? null,
        "must be a Prometheus duration of one unit, like 5m, 1h or 30d",
      );
      return "";
    }
    return value;
  };
  const pattern = (
    parent: string,
    record: Record<string, unknown>,
    name: string,
    re: RegExp,
    allowed: string,
  ) => {
    const value = record[name];
    if (typeof value !== "string" || !re.test(value)) {
      problem(at(parent, name), value ?? null, allowed);
      return "";
    }
    return value;
  };

  const root = keysOf("", document, [
    "job",
    "repositoryUrl",
    "period",
    "objectives",
    "burnRates",
    "reachability",
    "rollback",
  ]);
  const job = pattern(
    "",
    root,
    "job",
    /^[a-zA-Z_][a-zA-Z0-9_-]*$/,
    "must be a Prometheus job name, like comments-api",
  );
  const repositoryUrl = pattern(
    "",
    root,
    "repositoryUrl",
    /^https:\/\/[^\s/]+\/[^\s]*[^\s/]$/,
    "must be the repository's https URL without a trailing slash, like https://github.com/acme/comments-platform",
  );
  const period = duration("", root, "period");

  const objectives: Objective[] = [];
  if (!Array.isArray(root.objectives) || root.objectives.length === 0) {
    problem("objectives", root.objectives ?? null, "must be a list of at least one objective");
  } else {
    root.objectives.forEach((raw, index) => {
      const key = `objectives[${index}]`;
      const o = keysOf(key, raw, ["name", "objective", "record", "bad", "good", "total", "thresholdSeconds"]);
      const name = pattern(
        key,
        o,
        "name",
        /^[a-z][a-z0-9_]*$/,
        "must be a lower-case name, like availability",
      );
      if (objectives.some((other) => other.name === name)) problem(`${key}.name`, name, "must be unique");
      const objective = fraction(key, o, "objective", "0.999");
      const record = pattern(
        key,
        o,
        "record",
        /^[a-z][a-z0-9_]*$/,
        "must be a lower-case name, like request_errors",
      );
      const selector = (name: string) =>
        o[name] === undefined
          ? undefined
          : pattern(
              key,
              o,
              name,
              SELECTOR,
              'must be a counter selector, like http_request_duration_seconds_count{status_code=~"5.."}',
            );
      const bad = selector("bad");
      const good = selector("good");
      if ((bad === undefined) === (good === undefined)) {
        problem(key, Object.keys(o), "needs exactly one of bad and good");
      }
      const total = pattern(
        key,
        o,
        "total",
        SELECTOR,
        "must be a counter selector, like http_request_duration_seconds_count",
      );
      const thresholdSeconds =
        o.thresholdSeconds === undefined ? undefined : positive(key, o, "thresholdSeconds");
      objectives.push({
        name,
        objective,
        budget: Number((1 - objective).toPrecision(12)),
        record,
        ...(bad === undefined ? {} : { bad }),
        ...(good === undefined ? {} : { good }),
        total,
        ...(thresholdSeconds === undefined ? {} : { thresholdSeconds }),
      });
    });
  }

  const burnRates: BurnRate[] = [];
  if (!Array.isArray(root.burnRates) || root.burnRates.length === 0) {
    problem("burnRates", root.burnRates ?? null, "must be a list of at least one window pair");
  } else {
    root.burnRates.forEach((raw, index) => {
      const key = `burnRates[${index}]`;
      const b = keysOf(key, raw, ["severity", "long", "short", "burnRate", "for"]);
      const severity = b.severity;
      if (severity !== "page" && severity !== "ticket")
        problem(`${key}.severity`, severity ?? null, "must be page or ticket");
      const long = duration(key, b, "long");
      const short = duration(key, b, "short");
      if (long !== "" && short !== "" && (durationSeconds(short) ?? 0) >= (durationSeconds(long) ?? 0)) {
        problem(`${key}.short`, short, `must be shorter than long (${long})`);
      }
      const burnRate = positive(key, b, "burnRate");
      for (const objective of objectives) {
        if (burnRate * objective.budget >= 1) {
          problem(
            `${key}.burnRate`,
            burnRate,
            `times ${objective.name}'s budget (${objective.budget}) must stay below 1, or the alert can never fire`,
          );
        }
      }
      const forDuration = b.for === "0m" || b.for === "0s" ? String(b.for) : duration(key, b, "for");
      burnRates.push({
        severity: severity === "ticket" ? "ticket" : "page",
        long,
        short,
        burnRate,
        for: forDuration,
      });
    });
  }

  // A pair is redundant when another of the same severity fires whenever it does: windows at least
  // as long, at most its burn rate scaled by the windows' ratio (a window of length W holds at least
  // the errors of its last w, so its ratio is at least w/W of that one), and no longer `for`.
  burnRates.forEach((a, i) => {
    burnRates.forEach((b, j) => {
      if (i === j || a.severity !== b.severity || [a.long, a.short, b.long, b.short].includes("")) return;
      const [la, sa, lb, sb] = [a.long, a.short, b.long, b.short].map((d) => durationSeconds(d) ?? 0) as [
        number,
        number,
        number,
        number,
      ];
      const fa = durationSeconds(a.for) ?? 0;
      const fb = durationSeconds(b.for) ?? 0;
      const covers =
        lb >= la &&
        sb >= sa &&
        b.burnRate * lb <= a.burnRate * la &&
        b.burnRate * sb <= a.burnRate * sa &&
        fb <= fa;
      if (
        covers &&
        (j < i ||
          !(
            la >= lb &&
            sa >= sb &&
            a.burnRate * la <= b.burnRate * lb &&
            a.burnRate * sa <= b.burnRate * sb &&
            fa <= fb
          ))
      ) {
        problem(
          `burnRates[${i}]`,
          `${a.long}/${a.short} at ${a.burnRate}`,
          `can never fire without burnRates[${j}] (${b.long}/${b.short} at ${b.burnRate}) firing too: drop it, or change its windows or rate`,
        );
      }
    });
  });

  const r = keysOf("reachability", root.reachability, [
    "window",
    "graceFor",
    "minShare",
    "pageFor",
    "ticketFor",
    "silentFor",
    "silentPageFor",
    "neverHeardFor",
  ]);
  const reachability = {
    window: duration("reachability", r, "window"),
    graceFor: duration("reachability", r, "graceFor"),
    minShare: fraction("reachability", r, "minShare", "0.5"),
    pageFor: duration("reachability", r, "pageFor"),
    ticketFor: duration("reachability", r, "ticketFor"),
    silentFor: duration("reachability", r, "silentFor"),
    silentPageFor: duration("reachability", r, "silentPageFor"),
    neverHeardFor: duration("reachability", r, "neverHeardFor"),
  };
  const rb = keysOf("rollback", root.rollback, ["burnRate", "minRequestsPerMinute"]);
  const rollback = {
    burnRate: positive("rollback", rb, "burnRate"),
    minRequestsPerMinute: positive("rollback", rb, "minRequestsPerMinute", true),
  };
  const availability = objectives.find((o) => o.name === "availability");
  const latency = objectives.find((o) => o.thresholdSeconds !== undefined);
  if (availability === undefined || availability.bad === undefined) {
    problems.push(
      `${file}: objectives: needs an objective named availability with a bad selector (the rollback alarms' 5xx ratio)`,
    );
  }
  if (latency === undefined) {
    problems.push(
      `${file}: objectives: needs a latency objective with thresholdSeconds (the rollback alarms' p99)`,
    );
  }
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, spec: { job, repositoryUrl, period, objectives, burnRates, reachability, rollback } };
}

/** The spec of this repository; throws with every problem when it is not valid. */
export function readSloSpec(root: string = REPO_ROOT): SloSpec {
  const file = join(root, "alerts", "slo.yaml");
  const result = parseSloSpec(readFileSync(file, "utf8"));
  if (!result.ok) throw new Error(`alerts/slo.yaml is not valid:\n  ${result.problems.join("\n  ")}`);
  return result.spec;
}

/** The availability objective (the one with a `bad` selector named availability). */
export function availabilityOf(spec: SloSpec): Objective & { bad: string } {
  const objective = spec.objectives.find((o) => o.name === "availability");
  if (objective?.bad === undefined) throw new Error("alerts/slo.yaml has no availability objective");
  return objective as Objective & { bad: string };
}

/** The latency objective (the one with thresholdSeconds). */
export function latencyOf(spec: SloSpec): Objective & { thresholdSeconds: number } {
  const objective = spec.objectives.find((o) => o.thresholdSeconds !== undefined);
  if (objective === undefined) throw new Error("alerts/slo.yaml has no latency objective");
  return objective as Objective & { thresholdSeconds: number };
}

/** The rollback alarms' defaults the stack config falls back to. */
export function rollbackDefaults(spec: SloSpec): {
  alarm5xxRatio: number;
  alarmMinRequests: number;
  alarmP99Seconds: number;
} {
  return {
    alarm5xxRatio: Number((spec.rollback.burnRate * availabilityOf(spec).budget).toPrecision(12)),
    alarmMinRequests: spec.rollback.minRequestsPerMinute,
    alarmP99Seconds: latencyOf(spec).thresholdSeconds,
  };
}
