/**
 * The stack's configuration: one pure function turns the raw Pulumi config (every value a string,
 * structured values as JSON) into a typed object, and reports every problem at once, with the key,
 * the value and what is allowed, before any resource is declared.
 */

import { Region } from "@pulumi/aws/types/enums";
import { type TrafficRouting, trafficRoutingOf } from "./config/routing";
import type { ConfigSpecs } from "./config/specs";
import { isCidr, nearestKey, type Raw, Reader } from "./config-reader";
import { alarmReactionMinutes } from "./documents/alarms";
import { ecsRoutingProblems } from "./documents/ecs-deployment";
import { DEFAULT_GRAFANA_VERSION, type GrafanaGroups, MANAGED_GRAFANA_VERSIONS } from "./documents/grafana";
import { FARGATE_CPU, fargateMemoryOptions } from "./fargate";
import { placeholderProblems } from "./placeholders";
import { prodFloorProblems } from "./prod-floor";
import { PREDEFINED_CONFIGS, type PredefinedConfig } from "./release/deadline";
import { rollbackDefaults } from "./slo";

/** The traffic routing's types, with the config that carries them. */
export type { TrafficRouting, TrafficShift } from "./config/routing";
/** The files the config is checked against, read at each entry and passed in. */
export { type ConfigSpecs, readConfigSpecs } from "./config/specs";

/** The Pulumi project's name (Pulumi.yaml), and the prefix of its config keys. */
export const PROJECT = "comments-platform";
/** The stacks there is a Pulumi.<stack>.yaml for. */
export const STACKS = ["stage", "prod"] as const;
/**
 * Throw-away stacks for a first run in a sandbox account (the Acceptance workflow): `sandbox-`
 * and 1-6 lowercase letters or digits. They take stage's defaults; their stack file is written by
 * the acceptance run, never committed.
 */
export const SANDBOX_STACK = /^sandbox-[a-z][a-z0-9]{0,5}$/;
/** A stack this program knows. */
export type StackName = (typeof STACKS)[number] | `sandbox-${string}`;

/** Whether `stack` is one of STACKS or a sandbox stack. */
export function isStackName(stack: string): stack is StackName {
  return (STACKS as readonly string[]).includes(stack) || SANDBOX_STACK.test(stack);
}

/**
 * The stack's base name: its components' names, and the cluster, service and CodeDeploy names. A
 * sandbox's is `comments-sb-<name>`, no longer than stage's: Pulumi's auto-names add `-` and 7
 * random characters and refuse a name over the resource's limit (32 for a target group:
 * pulumi/pulumi sdk/go/common/resource NewUniqueHex), and `comments-api-stage-green-` is 25.
 */
export function baseName(stack: string): string {
  return stack.startsWith("sandbox-")
    ? `comments-sb-${stack.slice("sandbox-".length)}`
    : `comments-api-${stack}`;
}

/** NAT gateways: one shared (stage: cost) or one per availability zone (prod: an AZ outage keeps egress). */
export const NAT_STRATEGIES = ["single", "onePerAz"] as const;
/** How many NAT gateways a stack runs. */
export type NatStrategy = (typeof NAT_STRATEGIES)[number];

/** The CPU architectures Fargate runs (the image is built for the one chosen). */
export const CPU_ARCHITECTURES = ["ARM64", "X86_64"] as const;
/** A CPU architecture Fargate runs. */
export type CpuArchitecture = (typeof CPU_ARCHITECTURES)[number];

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export { FARGATE_CPU, fargateMemoryOptions } from "./fargate";

/** A stack's configuration, typed and checked: what the components are built from. */
export interface StackConfig {
  stack: StackName;
  region: string;
  /** Tags on every taggable resource. */
  tags: { project: string; stack: string; owner: string; costCentre: string };
  network: {
    vpcCidr: string;
    /** @default 2 (stage), 3 (prod) */
    availabilityZoneCount: number;
    natStrategy: NatStrategy;
  };
  service: {
    /** Fargate CPU units. */
    cpu: number;
    /** MiB; must be a Fargate pair with `cpu`. */
    memory: number;
    cpuArchitecture: CpuArchitecture;
    /** Autoscaling floor; also the service's first desired count. */
    minTasks: number;
    maxTasks: number;
    /** Target tracking on average CPU utilization (percent). */
    cpuTargetPercent: number;
    /** Target tracking on ALB requests per target per minute. */
    requestsPerTarget: number;
    /** Run on Fargate Spot (stage only: interruptions are acceptable there). */
    fargateSpot: boolean;
    containerPort: number;
    logRetentionDays: number;
  };
  database: {
    instanceClass: string;
    allocatedStorageGiB: number;
    engineVersion: string;
    multiAz: boolean;
    deletionProtection: boolean;
    backupRetentionDays: number;
    /**
     * Apply modifications now rather than in the instance's weekly maintenance window (class,
     * storage, engine version and parameter group changes). @default true (stage), false (prod)
     */
    applyImmediately: boolean;
  };
  loadBalancer: {
    /** ACM certificate: HTTPS on 443 with HTTP redirecting to it; unset, plain HTTP on 80. */
    certificateArn: string | undefined;
    /** Port of the blue/green test listener. */
    testListenerPort: number;
    /** Who may reach the test listener besides the VPC's own NAT addresses (the smoke-test hook). */
    testListenerCidrs: string[];
    /**
     * The name clients (and the smoke test) use, which the certificate covers. Required with
     * `certificateArn`: TLS is verified against a name, and the ALB's own DNS name is not on it.
     * @default unset: the ALB's DNS name, over HTTP
     */
    domainName: string | undefined;
    /** Route 53 hosted zone that gets an alias record for `domainName`. @default unset: DNS is yours to point */
    hostedZoneId: string | undefined;
  };
  /** Limits per client: the WAF's across the fleet, the service's per task. */
  abuse: {
    /**
     * Requests one client address may make in 5 minutes before the WAF web ACL on the ALB answers
     * 429 (its rate-based rule); 0: no web ACL. @default 2000 (prod, which requires one), 0 (stage)
     */
    wafRateLimit: number;
    /** RATE_LIMIT_PER_MINUTE of each task (the service's own limit); 0: none. @default 600 */
    appRateLimitPerMinute: number;
  };
  registry: {
    /** Tagged images kept by the lifecycle policy (rollback needs the previous ones). */
    keepReleases: number;
  };
  release: {
    /**
     * Who moves the traffic: CodeDeploy (a deployment group; the default, what this product's users
     * asked for) or ECS itself (the service's own blue/green, canary or linear deployment, docs/ecs-native.md).
     * @default codedeploy
     */
    strategy: ReleaseStrategy;
    /**
     * A predefined CodeDeploy ECS configuration, or `custom` (a canary of `canaryPercent` for
     * `canaryIntervalMinutes`): the CodeDeploy name only; what it does is `routing`.
     */
    deploymentConfig: string;
    /** How traffic moves and how long blue stays after it: derived once from the keys above. */
    routing: TrafficRouting;
    /** A deployment of another revision already active: stop it with rollback, or fail. */
    onConflict: "stop" | "fail";
    /**
     * The budget gate when the 30-day SLIs or the firing pages cannot be read: refuse the release
     * (`--override-budget "<reason>"` still goes ahead) or allow it. @default refuse (prod), allow (stage)
     */
    budgetUnknown: "refuse" | "allow";
    /** Rollback alarms: 5xx share of requests, p99 response time (s), unhealthy targets. */
    alarm5xxRatio: number;
    /** Requests a minute must have before its 5xx ratio counts. */
    alarmMinRequests: number;
    /** The alerts/analysis file that judges the canary; undefined: none. */
    canaryAnalysis?: string;
    alarmP99Seconds: number;
  };
  monitoring: {
    /**
     * `managed`: the stack creates an Amazon Managed Grafana workspace (needs IAM Identity Center).
     * `existing`: dashboards go to the Grafana at `grafanaUrl`, with the secret `grafanaToken`.
     */
    grafana:
      | {
          mode: "managed";
          region: string;
          /** Pinned: one of MANAGED_GRAFANA_VERSIONS (AWS would otherwise pick its latest). @default 12.4 */
          version: string;
          /** Identity Center groups per workspace role. @default none */
          groups: GrafanaGroups;
        }
      | {
          mode: "existing";
          url: string;
          /** That Grafana's version: it decides the data source type. @default 12.4 */
          version: string;
        };
    /** E-mail subscriptions of the page and ticket topics (confirmed by each recipient). */
    pageEmails: string[];
    ticketEmails: string[];
    /**
     * HTTPS endpoints subscribed to the page topic: a PagerDuty or Opsgenie integration URL, which
     * carries its integration key (secret config). @default []
     */
    pageHttpsEndpoints: string[];
  };
}

/** Where dashboards go: a managed Grafana the stack creates, or an existing one. */
export const GRAFANA_MODES = ["managed", "existing"] as const;

/**
 * Regions that offer Amazon Managed Grafana, from "Amazon Managed Grafana endpoints and quotas"
 * (https://docs.aws.amazon.com/general/latest/gr/grafana.html). sa-east-1 is not one: a stack there
 * puts its workspace in another region (`grafanaRegion`) and reads its own Prometheus across
 * regions. GovCloud is left out: its ARNs are in another partition, which this program does not use.
 */
export const GRAFANA_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
] as const;
const GRAFANA_ENDPOINTS_PAGE = "https://docs.aws.amazon.com/general/latest/gr/grafana.html";

/**
 * The regions of the `aws` partition: the provider's own list (@pulumi/aws `Region`) without China,
 * GovCloud, the ISO regions and the European Sovereign Cloud, whose ARNs are in other partitions
 * (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html).
 */
export const AWS_REGIONS: readonly string[] = Object.values(Region)
  .filter((name) => !/^(cn|us-gov|us-iso[a-z]*|eu-iso[a-z]*|eusc)-/.test(name))
  .sort();

/** Who moves a release's traffic: a CodeDeploy deployment group, or the ECS service's own deployment. */
export const RELEASE_STRATEGIES = ["codedeploy", "ecs"] as const;
/** Who moves a release's traffic. */
export type ReleaseStrategy = (typeof RELEASE_STRATEGIES)[number];

/** CodeDeploy's predefined ECS deployment configurations: the names of release/deadline.ts's one list. */
export const DEPLOYMENT_CONFIGS = Object.keys(PREDEFINED_CONFIGS) as PredefinedConfig[];

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
  const rollback = rollbackDefaults(specs.slo);
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

  const vpcCidr = read.string("vpcCidr", "10.0.0.0/16");
  if (vpcCidr !== "" && (!isCidr(vpcCidr) || Number(vpcCidr.split("/")[1]) > 20)) {
    read.problem("vpcCidr", vpcCidr, "must be an IPv4 CIDR block of /20 or larger, like 10.0.0.0/16");
  }
  const availabilityZoneCount = read.integer("availabilityZoneCount", isProd ? 3 : 2, 1, 3);
  const natStrategy = read.oneOf("natStrategy", NAT_STRATEGIES, isProd ? "onePerAz" : "single");

  const cpu = read.oneOf("taskCpu", FARGATE_CPU, 256);
  const memory = read.integer("taskMemory", 512, 512, 122880);
  const memoryOptions = fargateMemoryOptions(cpu);
  if (!memoryOptions.includes(memory)) {
    read.problem(
      "taskMemory",
      String(memory),
      `is not a Fargate size for taskCpu ${cpu}; allowed: ${memoryOptions.join(", ")}`,
    );
  }
  const minTasks = read.integer("minTasks", isProd ? 2 : 1, 1, 100);
  const maxTasks = read.integer("maxTasks", isProd ? 10 : 2, 1, 100);
  if (maxTasks < minTasks)
    read.problem("maxTasks", String(maxTasks), `must be at least minTasks (${minTasks})`);
  const fargateSpot = read.boolean("fargateSpot", false);

  const multiAz = read.boolean("dbMultiAz", isProd);
  const deletionProtection = read.boolean("dbDeletionProtection", isProd);
  const backupRetentionDays = read.integer("dbBackupRetentionDays", isProd ? 14 : 1, 0, 35);
  const logRetentionDays = read.oneOf("logRetentionDays", LOG_RETENTION_DAYS, isProd ? 90 : 14);

  const testListenerCidrs = read.stringList("testListenerCidrs", []);
  for (const cidr of testListenerCidrs) {
    if (!isCidr(cidr))
      read.problem("testListenerCidrs", cidr, "must be an IPv4 CIDR block like 203.0.113.0/24");
    else if (cidr.endsWith("/0"))
      read.problem("testListenerCidrs", cidr, "must not open the test listener to the internet");
  }
  const certificateArn = read.optionalString("certificateArn");
  if (
    certificateArn !== undefined &&
    !/^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/.test(certificateArn)
  ) {
    read.problem("certificateArn", certificateArn, "must be an ACM certificate ARN");
  } else if (certificateArn !== undefined && region !== "") {
    // ACM certificates are regional: an ALB takes one of its own region
    // (https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html).
    const certificateRegion = certificateArn.split(":")[3];
    if (certificateRegion !== region) {
      read.problem(
        "certificateArn",
        certificateArn,
        `is in ${certificateRegion}; the load balancer takes a certificate of its own region, ${region} (request or import it there)`,
      );
    }
  }

  const domainName = read.optionalString("domainName");
  if (
    domainName !== undefined &&
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domainName)
  ) {
    read.problem("domainName", domainName, "must be a DNS name like comments.example.com");
  }
  if (certificateArn !== undefined && domainName === undefined) {
    read.problems.push(
      "domainName: certificateArn is set, so clients and the smoke test reach the service by the name its certificate covers; set domainName to that name",
    );
  }
  // AWS WAF's rate-based rule takes 10 to 2,000,000,000 requests per evaluation window
  // (https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html).
  const wafRateLimit = read.integer("wafRateLimit", isProd ? 2000 : 0, 0, 2_000_000_000);
  if (wafRateLimit > 0 && wafRateLimit < 10) {
    read.problem(
      "wafRateLimit",
      String(wafRateLimit),
      "must be 0 (no web ACL) or at least 10, AWS WAF's minimum",
    );
  }
  const hostedZoneId = read.optionalString("hostedZoneId");
  if (hostedZoneId !== undefined && !/^Z[A-Z0-9]{1,31}$/.test(hostedZoneId)) {
    read.problem(
      "hostedZoneId",
      hostedZoneId,
      "must be a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ",
    );
  }
  if (hostedZoneId !== undefined && domainName === undefined) {
    read.problems.push("hostedZoneId: needs domainName, the record it creates in that zone");
  }

  // Production's floor (prod-floor.ts): what an availability-zone outage or a bad `pulumi destroy`
  // must not take down.
  if (isProd) {
    read.problems.push(
      ...prodFloorProblems({
        availabilityZoneCount,
        natStrategy,
        multiAz,
        deletionProtection,
        backupRetentionDays,
        fargateSpot,
        minTasks,
        certificateArn,
        wafRateLimit,
      }),
    );
  } else if (availabilityZoneCount < 2) {
    read.problem(
      "availabilityZoneCount",
      String(availabilityZoneCount),
      "an application load balancer needs at least 2 availability zones",
    );
  }

  const cpuArchitecture = read.oneOf("cpuArchitecture", CPU_ARCHITECTURES, "ARM64");
  // ECS API reference, CapacityProviderStrategyItem: "FARGATE_SPOT only supports Linux tasks with
  // the X86_64 architecture".
  if (fargateSpot && cpuArchitecture !== "X86_64") {
    read.problem(
      "fargateSpot",
      "true",
      `Fargate Spot runs X86_64 tasks only; cpuArchitecture is ${cpuArchitecture}`,
    );
  }

  const grafanaMode = read.oneOf("grafanaMode", GRAFANA_MODES, "managed");
  const hasGrafanaToken = read.present("grafanaToken");
  const grafanaUrl = read.optionalString("grafanaUrl");
  const offersGrafana = (name: string) => (GRAFANA_REGIONS as readonly string[]).includes(name);
  const grafanaRegion = read.optionalString("grafanaRegion") ?? (offersGrafana(region) ? region : undefined);
  if (grafanaMode === "managed" && region !== "") {
    if (grafanaRegion === undefined) {
      read.problems.push(
        `grafanaRegion: Amazon Managed Grafana is not offered in ${region} (${GRAFANA_ENDPOINTS_PAGE}); set grafanaRegion to one of ${GRAFANA_REGIONS.join(", ")}, or use grafanaMode existing`,
      );
    } else if (!offersGrafana(grafanaRegion)) {
      read.problem(
        "grafanaRegion",
        grafanaRegion,
        `Amazon Managed Grafana is not offered there (${GRAFANA_ENDPOINTS_PAGE}); must be one of ${GRAFANA_REGIONS.join(", ")}`,
      );
    }
  }
  if (grafanaMode === "existing") {
    if (grafanaUrl === undefined || !/^https:\/\/[^\s/]+/.test(grafanaUrl)) {
      read.problem(
        "grafanaUrl",
        grafanaUrl ?? "",
        "grafanaMode existing needs the https:// URL of that Grafana",
      );
    }
    if (!hasGrafanaToken) {
      read.problems.push(
        "grafanaToken: grafanaMode existing needs a service account token (pulumi config set --secret grafanaToken ...)",
      );
    }
  }
  const grafanaVersion =
    read.optionalString("grafanaVersion", DEFAULT_GRAFANA_VERSION) ?? DEFAULT_GRAFANA_VERSION;
  if (
    grafanaMode === "managed" &&
    !(MANAGED_GRAFANA_VERSIONS as readonly string[]).includes(grafanaVersion)
  ) {
    read.problem(
      "grafanaVersion",
      grafanaVersion,
      `Amazon Managed Grafana creates ${MANAGED_GRAFANA_VERSIONS.join(", ")} (https://docs.aws.amazon.com/grafana/latest/APIReference/API_ListVersions.html)`,
    );
  } else if (grafanaMode === "existing" && !/^\d+\.\d+$/.test(grafanaVersion)) {
    read.problem("grafanaVersion", grafanaVersion, "must be that Grafana's major.minor version, like 11.6");
  }
  // IAM Identity Center group ids (identitystore GroupId:
  // https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_Group.html).
  const groupIds = (key: string) => {
    const list = read.stringList(key, []);
    for (const id of list) {
      if (
        !/^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/.test(
          id,
        )
      )
        read.problem(
          key,
          id,
          "must be IAM Identity Center group ids, like 906754a2-c0a1-70a3-9e5c-1f0e3a7b8c9d",
        );
    }
    if (list.length > 0 && grafanaMode === "existing")
      read.problem(
        key,
        JSON.stringify(list),
        "assigns groups to a managed workspace; grafanaMode is existing",
      );
    return list;
  };
  const grafanaGroups: GrafanaGroups = {
    admin: groupIds("grafanaAdminGroups"),
    editor: groupIds("grafanaEditorGroups"),
    viewer: groupIds("grafanaViewerGroups"),
  };
  const emails = (key: string) => {
    const list = read.stringList(key, []);
    for (const email of list) {
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) read.problem(key, email, "must be e-mail addresses");
    }
    return list;
  };

  // The value holds an integration key: a problem names the key and what is allowed, never the URL.
  const httpsEndpoints = (key: string) => {
    const list = read.stringList(key, []);
    if (list.some((url) => !/^https:\/\/[^\s/]+\/\S*$/.test(url)))
      read.problem(key, "<secret>", "must be https:// URLs (set with pulumi config set --secret --path)");
    return list;
  };

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

  const config: StackConfig = {
    stack: stack as StackName,
    region,
    tags: { project: PROJECT, stack, owner, costCentre },
    network: { vpcCidr, availabilityZoneCount, natStrategy },
    service: {
      cpu,
      memory,
      cpuArchitecture,
      minTasks,
      maxTasks,
      cpuTargetPercent: read.integer("cpuTargetPercent", 60, 10, 90),
      requestsPerTarget: read.integer("requestsPerTarget", 1000, 10, 100000),
      fargateSpot,
      containerPort: 3000,
      logRetentionDays,
    },
    database: {
      instanceClass: read.string("dbInstanceClass", isProd ? "db.t4g.medium" : "db.t4g.micro"),
      allocatedStorageGiB: read.integer("dbAllocatedStorageGiB", 20, 20, 1000),
      engineVersion: read.string("dbEngineVersion", "16"),
      multiAz,
      deletionProtection,
      backupRetentionDays,
      applyImmediately: read.boolean("dbApplyImmediately", !isProd),
    },
    loadBalancer: {
      certificateArn,
      testListenerPort: read.integer("testListenerPort", 8443, 1024, 65535),
      testListenerCidrs,
      domainName,
      hostedZoneId,
    },
    abuse: {
      wafRateLimit,
      appRateLimitPerMinute: read.integer("appRateLimitPerMinute", 600, 0, 1_000_000),
    },
    registry: { keepReleases: read.integer("keepReleases", 20, 2, 1000) },
    release: {
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
    },
    monitoring: {
      grafana:
        grafanaMode === "existing"
          ? { mode: "existing", url: grafanaUrl ?? "", version: grafanaVersion }
          : { mode: "managed", region: grafanaRegion ?? "", version: grafanaVersion, groups: grafanaGroups },
      pageEmails: emails("pageEmails"),
      ticketEmails: emails("ticketEmails"),
      pageHttpsEndpoints: httpsEndpoints("pageHttpsEndpoints"),
    },
  };
  read.problems.push(...alarmWindowProblems(config.release, specs.analyses));
  // ECS's bake times and linear steps have narrower ranges than CodeDeploy's.
  if (config.release.strategy === "ecs") read.problems.push(...ecsRoutingProblems(config.release.routing));
  // A key nobody reads is a typo or a leftover: refused, naming the key it most resembles.
  for (const key of Object.keys(raw).sort()) {
    if (key.includes(":") || read.read.has(key)) continue;
    read.problems.push(
      `${key}: not a setting of ${PROJECT} (did you mean ${nearestKey(key, read.read) ?? "none"}?); Pulumi.yaml lists every key`,
    );
  }
  return read.problems.length === 0 ? { ok: true, config } : { ok: false, problems: read.problems };
}

/** `canaryAnalysis`: a file of alerts/analysis, or `none`; by default `canary` where there is a canary. */
function canaryAnalysisOf(
  read: Reader,
  routing: TrafficRouting,
  analyses: ConfigSpecs["analyses"],
): { canaryAnalysis?: string } {
  const names = Object.keys(analyses);
  const fallback = routing.shift.kind === "canary" ? "canary" : "none";
  const value = read.optionalString("canaryAnalysis", fallback) ?? fallback;
  if (value !== "none" && !names.includes(value)) {
    read.problem("canaryAnalysis", value, `must be none or a file of alerts/analysis: ${names.join(", ")}`);
    return {};
  }
  return value === "none" ? {} : { canaryAnalysis: value };
}

/**
 * Delay before a sample reaches Amazon Managed Prometheus: the collector scrapes every 15 s and
 * batches for 10 s (documents/collector.ts); AWS states no ingestion delay, so 35 s more is our
 * allowance. One minute in all.
 */
export const METRICS_DELAY_MINUTES = 1;

/**
 * A rollback alarm can stop a release only while there is something to roll back to: during the
 * canary (before all traffic moves) and during the termination wait (before blue's task set is
 * deleted). Both must outlast the alarms' reaction time.
 */
export function alarmWindowProblems(
  release: StackConfig["release"],
  analyses: ConfigSpecs["analyses"],
): string[] {
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

/** Strips the project prefix from `pulumi.runtime.allConfig()`'s keys; keeps `aws:region`. */
export function rawConfigFrom(all: Readonly<Record<string, string>>): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(all)) {
    if (key.startsWith(`${PROJECT}:`)) raw[key.slice(PROJECT.length + 1)] = value;
    else if (key === "aws:region") raw[key] = value;
  }
  return raw;
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
