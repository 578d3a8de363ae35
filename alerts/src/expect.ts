/**
 * What a promtool case expects, built from the spec: alert names, labels and annotations exactly as
 * the rules give them, rendered as Prometheus renders their templates.
 */
import { availabilityOf, latencyOf, type SloSpec } from "@comments-platform/slo";
import {
  burnAlertName,
  burnAnnotations,
  reachabilityAnnotations,
  sloRulesFailingAlert,
  taskUnreachableAlert,
  unreachableAlert,
  windowLabel,
} from "./rules.js";
import { JOB, type Scenario, taskArn } from "./series.js";

/** One alert instance expected at a check: its labels and the value its description shows. */
export interface Firing {
  labels: Record<string, string>;
  /** `$value | humanizePercentage`, as promtool renders it. */
  value: string;
  annotations: Record<string, string>;
}

/** At minute `at`, exactly these instances of `alert` fire. */
export interface Check {
  at: number;
  alert: string;
  firing: Firing[];
}

/** A named scenario and its checks. */
export interface Case {
  name: string;
  scenario: Scenario;
  checks: Check[];
}

/** `{{ $labels.x }}` and `{{ $value | humanizePercentage }}`, as Prometheus renders them. */
export function render(template: string, labels: Record<string, string>, value: string): string {
  return template
    .replaceAll("{{ $value | humanizePercentage }}", value)
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? "");
}

const renderAll = (annotations: Record<string, string>, labels: Record<string, string>, value: string) =>
  Object.fromEntries(Object.entries(annotations).map(([key, text]) => [key, render(text, labels, value)]));

/** The checks a case builds from the spec: alert names, labels and annotations as the rules give them. */
export class Expect {
  private readonly spec: SloSpec;
  constructor(spec: SloSpec) {
    this.spec = spec;
  }

  private pair(long: string) {
    const pair = this.spec.burnRates.find((p) => p.long === long);
    if (pair === undefined) throw new Error(`alerts/slo.yaml has no burn-rate pair with long window ${long}`);
    return pair;
  }

  /** The burn-rate alert of `objective` through the pair whose long window is `long`. */
  burn(
    objective: "availability" | "latency",
    long: string,
    stack: string,
    value: string,
  ): Check["firing"][number] & { alert: string } {
    const o = objective === "availability" ? availabilityOf(this.spec) : latencyOf(this.spec);
    const pair = this.pair(long);
    const labels = { severity: pair.severity, slo: o.name, stack, window: windowLabel(pair) };
    return {
      alert: burnAlertName(this.spec, o, pair.severity),
      labels,
      value,
      annotations: renderAll(burnAnnotations(this.spec, o, pair), labels, value),
    };
  }

  /** The stack-wide reachability page: too few scrapes answered (value), silent, or never heard (no stack). */
  unreachable(stack: string | undefined, value?: string): Firing & { alert: string } {
    const annotations = reachabilityAnnotations(this.spec);
    const reason = stack === undefined ? "never_heard" : value === undefined ? "silent" : "scrapes_failing";
    const labels: Record<string, string> =
      stack === undefined ? { job: JOB, reason, severity: "page" } : { reason, severity: "page", stack };
    const template =
      stack === undefined
        ? annotations.neverHeard
        : value === undefined
          ? annotations.silent
          : annotations.scrapes;
    const shown = value ?? "1";
    return {
      alert: unreachableAlert(this.spec),
      labels,
      value: shown,
      annotations: renderAll(template, labels, shown),
    };
  }

  /** The one-task ticket. */
  taskUnreachable(stack: string, task: string, value: string): Firing & { alert: string } {
    const labels = {
      aws_ecs_task_arn: taskArn(stack, task),
      instance: "127.0.0.1:9464",
      job: JOB,
      severity: "ticket",
      stack,
    };
    return {
      alert: taskUnreachableAlert(this.spec),
      labels,
      value,
      annotations: renderAll(reachabilityAnnotations(this.spec).ticket, labels, value),
    };
  }

  /** Quiet at minute `quiet`, exactly `firing` at minute `fires`. */
  firstFires(quiet: number, fires: number, ...firing: Array<Firing & { alert: string }>): Check[] {
    const alert = firing[0]?.alert ?? "";
    return [
      { at: quiet, alert, firing: [] },
      {
        at: fires,
        alert,
        firing: firing.map(({ labels, value, annotations }) => ({ labels, value, annotations })),
      },
    ];
  }

  /** None of `alerts` fires at any of `minutes`. */
  quiet(alerts: string[], ...minutes: number[]): Check[] {
    return minutes.flatMap((at) => alerts.map((alert) => ({ at, alert, firing: [] })));
  }

  /** Every alert the rules define but Watchdog (the sentinel's failing rules are in test/sentinel.test.ts). */
  get all(): string[] {
    const names = new Set<string>();
    for (const o of this.spec.objectives) {
      for (const p of this.spec.burnRates) names.add(burnAlertName(this.spec, o, p.severity));
    }
    return [
      ...names,
      unreachableAlert(this.spec),
      taskUnreachableAlert(this.spec),
      sloRulesFailingAlert(this.spec),
    ];
  }
}
