/**
 * Pulumi.yaml declares the project's config keys for `pulumi config` and the CLI's checks: they
 * must be exactly the keys the parser reads, and every default it states the parser's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseStackConfig, rawConfigFrom, readConfigSpecs } from "../src/config";
import { REPO_ROOT, readStackFile } from "../src/stack-file";

const specs = readConfigSpecs();

const project = parse(readFileSync(join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as {
  config: Record<string, { type: string; default?: unknown; description: string }>;
};
const seenBy = (stack: string) => {
  const seen = new Map<string, unknown>();
  parseStackConfig(stack, rawConfigFrom(readStackFile(stack)), specs, seen);
  seen.delete("aws:region");
  return seen;
};
const stage = seenBy("stage");
const prod = seenBy("prod");

/** "Default 60." or "Default 14 stage, 90 prod." or "(default 0.0144, ...)" in a description. */
function statedDefaults(description: string): { stage: string; prod: string } | undefined {
  const both = /Default ([^\s,]+) (?:in )?stage, ([^\s,]+?) (?:in )?prod\b/.exec(description);
  if (both !== undefined && both !== null) return { stage: both[1] as string, prod: both[2] as string };
  const one = /[Dd]efault ([^\s,]+?)[.,)]?(?:\s|$)/.exec(description);
  return one === null ? undefined : { stage: one[1] as string, prod: one[1] as string };
}

describe("Pulumi.yaml", () => {
  it("declares exactly the keys the parser reads", () => {
    expect(Object.keys(project.config).sort()).toEqual(
      [...new Set([...stage.keys(), ...prod.keys()])].sort(),
    );
  });

  it("states the parser's default wherever it states one, for both stacks", () => {
    const stated: string[] = [];
    for (const [key, declaration] of Object.entries(project.config)) {
      const fromDescription = statedDefaults(declaration.description);
      const expected =
        fromDescription ??
        (declaration.default === undefined
          ? undefined
          : { stage: String(declaration.default), prod: String(declaration.default) });
      if (expected === undefined) continue;
      stated.push(key);
      expect([key, String(stage.get(key)), String(prod.get(key))]).toEqual([
        key,
        expected.stage,
        expected.prod,
      ]);
    }
    // The keys whose default the file states: a key that loses its stated default shows up here.
    expect(stated.sort()).toEqual([
      "alarm5xxRatio",
      "alarmMinRequests",
      "alarmP99Seconds",
      "appRateLimitPerMinute",
      "availabilityZoneCount",
      "canaryIntervalMinutes",
      "canaryPercent",
      "cpuTargetPercent",
      "dbAllocatedStorageGiB",
      "dbApplyImmediately",
      "dbEngineVersion",
      "dbInstanceClass",
      "fargateSpot",
      "grafanaVersion",
      "keepReleases",
      "logRetentionDays",
      "releaseBudgetUnknown",
      "requestsPerTarget",
      "terminationWaitMinutes",
      "testListenerPort",
      "vpcCidr",
      "wafRateLimit",
    ]);
  });
});
