/**
 * The stack's configuration: one pure function turns the raw Pulumi config (every value a string,
 * structured values as JSON) into a typed object, and reports every problem at once, with the key,
 * the value and what is allowed, before any resource is declared. Each section is parsed in its own
 * file (network.ts, service.ts, database.ts, load-balancer.ts, monitoring.ts, release.ts), the
 * types are in types.ts, and this file puts them together.
 */
import { operatorAccessOf } from "../operator-config";
import { placeholderProblems } from "../placeholders";
import { parseDatabase } from "./database";
import { parseAbuse, parseLoadBalancer } from "./load-balancer";
import { parseMonitoring } from "./monitoring";
import { parseNetwork } from "./network";
import { prodFloorProblems } from "./prod-floor";
import { nearestKey, type Raw, Reader } from "./reader";
import { parseRelease } from "./release";
import { parseRegistry, parseService } from "./service";
import type { ConfigSpecs } from "./specs";
import { AWS_REGIONS, isStackName, PROJECT, STACKS, type StackName } from "./stack";
import type { SectionContext, StackConfig } from "./types";

/** Fargate's CPU sizes and the memory each allows. */
export { FARGATE_CPU, fargateMemoryOptions } from "../fargate";
/** The regions that offer Amazon Managed Grafana. */
export { GRAFANA_REGIONS } from "./monitoring";
/** The release section's lists and the check of its windows against the rollback alarms. */
export { alarmWindowProblems, DEPLOYMENT_CONFIGS, METRICS_DELAY_MINUTES } from "./release";
/** The traffic routing: derived once, read by everything that moves traffic. */
export type { TrafficRouting, TrafficShift } from "./routing";
/** The files the config is checked against, read at each entry and passed in. */
export { type ConfigSpecs, readConfigSpecs } from "./specs";
/** The stacks, their names and the raw config. */
export {
  AWS_REGIONS,
  baseName,
  isStackName,
  PROJECT,
  rawConfigFrom,
  SANDBOX_STACK,
  STACKS,
  type StackName,
} from "./stack";
/** The config's types and the values a setting may take. */
export {
  type AbuseConfig,
  CPU_ARCHITECTURES,
  type CpuArchitecture,
  type DatabaseConfig,
  GRAFANA_MODES,
  LOG_RETENTION_DAYS,
  type LoadBalancerConfig,
  type MonitoringConfig,
  NAT_STRATEGIES,
  type NatStrategy,
  type NetworkConfig,
  RELEASE_STRATEGIES,
  type RegistryConfig,
  type ReleaseConfig,
  type ReleaseStrategy,
  type ServiceConfig,
  type StackConfig,
} from "./types";

/**
 * Parses the raw config of one stack: keys without the project prefix (`owner`, not
 * `comments-platform:owner`), plus `aws:region`, against alerts/slo.yaml and alerts/analysis
 * (`specs`, from readConfigSpecs). Returns the config or every problem.
 */
export function parseStackConfig(
  stack: string,
  raw: Raw,
  specs: ConfigSpecs,
  /** Filled with every key the parser reads and its default: Pulumi.yaml must declare exactly these. */
  seen?: Map<string, unknown>,
): { ok: true; config: StackConfig } | { ok: false; problems: string[] } {
  const read = new Reader(raw, seen);
  if (!isStackName(stack)) {
    read.problem(
      "stack",
      stack,
      `must be one of ${STACKS.join(", ")}, or sandbox-<1-6 lowercase letters or digits>`,
    );
  }
  const isProd = stack === "prod";

  const region = read.string("aws:region");
  if (region !== "" && !AWS_REGIONS.includes(region)) {
    const nearest = nearestKey(region, AWS_REGIONS);
    read.problem(
      "aws:region",
      region,
      `is not an AWS region${nearest === undefined ? "" : ` (did you mean ${nearest}?)`}; one of ${AWS_REGIONS.join(", ")}`,
    );
  }
  const owner = read.string("owner");
  const costCentre = read.string("costCentre");
  const context: SectionContext = { stack, isProd, region };

  const network = parseNetwork(read, context);
  const service = parseService(read, context);
  const database = parseDatabase(read, context);
  const loadBalancer = parseLoadBalancer(read, context);
  const abuse = parseAbuse(read, context);

  // Production's floor (prod-floor.ts): what an availability-zone outage or a bad `pulumi destroy`
  // must not take down.
  if (isProd) {
    read.problems.push(
      ...prodFloorProblems({
        availabilityZoneCount: network.availabilityZoneCount,
        natStrategy: network.natStrategy,
        multiAz: database.multiAz,
        deletionProtection: database.deletionProtection,
        backupRetentionDays: database.backupRetentionDays,
        fargateSpot: service.fargateSpot,
        minTasks: service.minTasks,
        certificateArn: loadBalancer.certificateArn,
        wafRateLimit: abuse.wafRateLimit,
      }),
    );
  } else if (network.availabilityZoneCount < 2) {
    read.problem(
      "availabilityZoneCount",
      String(network.availabilityZoneCount),
      "an application load balancer needs at least 2 availability zones",
    );
  }

  const config: StackConfig = {
    stack: stack as StackName,
    region,
    tags: { project: PROJECT, stack, owner, costCentre },
    network,
    service,
    database,
    loadBalancer,
    abuse,
    registry: parseRegistry(read),
    operator: operatorAccessOf(read),
    monitoring: parseMonitoring(read, context),
    release: parseRelease(read, context, specs),
  };
  // A key nobody reads is a typo or a leftover: refused, naming the key it most resembles.
  for (const key of Object.keys(raw).sort()) {
    if (key.includes(":") || read.read.has(key)) continue;
    read.problems.push(
      `${key}: not a setting of ${PROJECT} (did you mean ${nearestKey(key, read.read) ?? "none"}?); Pulumi.yaml lists every key`,
    );
  }
  return read.problems.length === 0 ? { ok: true, config } : { ok: false, problems: read.problems };
}

/** Every problem of a stack's configuration at once, thrown before any resource is declared. */
export class StackConfigError extends Error {
  constructor(
    readonly stackName: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration for stack ${stackName}:\n  - ${problems.join("\n  - ")}`);
    this.name = "StackConfigError";
  }
}

/**
 * `parseStackConfig`, throwing every problem at once. With `refusePlaceholders` (a run that changes
 * real resources: `pulumi up`, not a preview), documentation placeholders are problems too
 * (placeholders.ts). @default refusePlaceholders false
 */
export function loadStackConfig(
  stack: string,
  raw: Raw,
  specs: ConfigSpecs,
  options: { refusePlaceholders?: boolean } = {},
): StackConfig {
  const result = parseStackConfig(stack, raw, specs);
  const problems = [
    ...(result.ok ? [] : result.problems),
    ...(options.refusePlaceholders === true ? placeholderProblems(raw) : []),
  ];
  if (!result.ok || problems.length > 0) throw new StackConfigError(stack, problems);
  return result.config;
}
