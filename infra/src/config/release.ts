/**
 * The `release` section: how traffic moves (routing.ts), what a conflicting deployment and an
 * unreadable budget do, the rollback alarms' thresholds (defaults from alerts/slo.yaml) and the
 * canary analysis (a file of alerts/analysis); and the check that the alarms and the analysis get
 * to act before there is nothing left to roll back to.
 */

import { rollbackDefaults } from "@comments-platform/slo";
import { alarmReactionMinutes } from "../documents/alarms";
import { ecsRoutingProblems } from "../documents/ecs-deployment";
import { PREDEFINED_CONFIGS, type PredefinedConfig } from "../release/deadline";
import type { Reader } from "./reader";
import { type TrafficRouting, trafficRoutingOf } from "./routing";
import type { ConfigSpecs } from "./specs";
import { RELEASE_STRATEGIES, type ReleaseConfig, type SectionContext } from "./types";

/** CodeDeploy's predefined ECS deployment configurations: the names of release/deadline.ts's one list. */
export const DEPLOYMENT_CONFIGS = Object.keys(PREDEFINED_CONFIGS) as PredefinedConfig[];

/**
 * Delay before a sample reaches Amazon Managed Prometheus: the collector scrapes every 15 s and
 * batches for 10 s (documents/collector.ts); AWS states no ingestion delay, so 35 s more is our
 * allowance. One minute in all.
 */
export const METRICS_DELAY_MINUTES = 1;

/** Reads the release keys; the rollback alarms default from alerts/slo.yaml (`specs.slo`). */
export function parseRelease(read: Reader, { isProd }: SectionContext, specs: ConfigSpecs): ReleaseConfig {
  const rollback = rollbackDefaults(specs.slo);
  const deploymentConfig = read.oneOf(
    "deploymentConfig",
    [...DEPLOYMENT_CONFIGS, "custom"],
    isProd ? "custom" : "CodeDeployDefault.ECSAllAtOnce",
  );
  const routing = trafficRoutingOf({
    deploymentConfig,
    canaryPercent: read.integer("canaryPercent", 10, 1, 99),
    canaryIntervalMinutes: read.integer("canaryIntervalMinutes", 10, 1, 60),
    terminationWaitMinutes: read.integer("terminationWaitMinutes", isProd ? 15 : 5, 0, 2880),
  });
  const ratio = (key: string, fallback: number) => {
    const raw = read.optionalString(key, fallback);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!(value > 0 && value < 1)) read.problem(key, raw, "must be a fraction between 0 and 1, like 0.0144");
    return Number.isFinite(value) ? value : fallback;
  };
  const release: ReleaseConfig = {
    strategy: read.oneOf("releaseStrategy", RELEASE_STRATEGIES, "codedeploy"),
    deploymentConfig,
    routing,
    onConflict: read.oneOf("releaseOnConflict", ["stop", "fail"] as const, "fail"),
    budgetUnknown: read.oneOf(
      "releaseBudgetUnknown",
      ["refuse", "allow"] as const,
      isProd ? "refuse" : "allow",
    ),
    // Defaults from alerts/slo.yaml: the fast page's burn rate times the availability budget,
    // its minimum traffic, and the latency objective's threshold.
    alarm5xxRatio: ratio("alarm5xxRatio", rollback.alarm5xxRatio),
    alarmMinRequests: read.integer("alarmMinRequests", rollback.alarmMinRequests, 1, 100000),
    alarmP99Seconds: ratio("alarmP99Seconds", rollback.alarmP99Seconds),
    ...canaryAnalysisOf(read, routing, specs.analyses),
  };
  read.problems.push(...alarmWindowProblems(release, specs.analyses));
  // ECS's bake times and linear steps have narrower ranges than CodeDeploy's.
  if (release.strategy === "ecs") read.problems.push(...ecsRoutingProblems(release.routing));
  return release;
}

/** `canaryAnalysis`: a file of alerts/analysis, or `none`; by default `canary` where there is a canary. */
function canaryAnalysisOf(
  read: Reader,
  routing: TrafficRouting,
  analyses: ConfigSpecs["analyses"],
): { canaryAnalysis?: string; canaryLooks?: ReleaseConfig["canaryLooks"] } {
  const names = Object.keys(analyses);
  const fallback = routing.shift.kind === "canary" ? "canary" : "none";
  const value = read.optionalString("canaryAnalysis", fallback) ?? fallback;
  if (value !== "none" && !names.includes(value)) {
    read.problem("canaryAnalysis", value, `must be none or a file of alerts/analysis: ${names.join(", ")}`);
    return {};
  }
  const looks = analyses[value]?.looks;
  return value === "none" || looks === undefined ? {} : { canaryAnalysis: value, canaryLooks: looks };
}

/**
 * A rollback alarm can stop a release only while there is something to roll back to: during the
 * canary (before all traffic moves) and during the termination wait (before blue's task set is
 * deleted). Both must outlast the alarms' reaction time.
 */
export function alarmWindowProblems(release: ReleaseConfig, analyses: ConfigSpecs["analyses"]): string[] {
  const { windowMinutes, delayMinutes, totalMinutes } = alarmReactionMinutes();
  const why = `the rollback alarms judge ${windowMinutes} minutes of metrics, which reach CloudWatch up to ${delayMinutes} minutes late, so at least ${totalMinutes}`;
  const problems: string[] = [];
  const { shift, terminationWaitMinutes } = release.routing;
  const canaryMinutes = shift.kind === "canary" ? shift.intervalMinutes : undefined;
  // A problem names the key the person set: canaryIntervalMinutes for custom, else deploymentConfig.
  const canaryKey =
    release.deploymentConfig === "custom"
      ? `canaryIntervalMinutes=${JSON.stringify(String(canaryMinutes))}`
      : `deploymentConfig=${JSON.stringify(release.deploymentConfig)}`;
  if (canaryMinutes !== undefined && canaryMinutes < totalMinutes) {
    problems.push(
      release.deploymentConfig === "custom"
        ? `${canaryKey}: ${why}; shorter, all traffic moves before an alarm can stop the canary`
        : `${canaryKey}: its canary lasts ${canaryMinutes} minutes; ${why}`,
    );
  }
  const analysis = release.canaryAnalysis === undefined ? undefined : analyses[release.canaryAnalysis];
  const firstLook = analysis?.looks.everyMinutes;
  if (firstLook !== undefined && canaryMinutes !== undefined) {
    const needed = firstLook + METRICS_DELAY_MINUTES;
    if (canaryMinutes < needed) {
      problems.push(
        `${canaryKey}: the canary analysis ${release.canaryAnalysis} first looks ${firstLook} minute(s) into the canary, at metrics that reach Prometheus up to ${METRICS_DELAY_MINUTES} minute late, so at least ${needed} minutes of canary; shorter, it cannot judge anything before all traffic moves`,
      );
    }
  }
  if (terminationWaitMinutes < totalMinutes) {
    problems.push(
      `terminationWaitMinutes=${JSON.stringify(String(terminationWaitMinutes))}: ${why}; shorter, the old task set is gone before an alarm can roll back to it`,
    );
  }
  return problems;
}
