/**
 * The stack's configuration as the components read it: every section's type, and the lists of
 * values a setting may take. The parsing is in the section files beside this one.
 */

import type { GrafanaGroups } from "../documents/grafana";
import type { OperatorAccess } from "../operator-config";
import type { LookSchedule } from "../release/analysis";
import type { TrafficRouting } from "./routing";
import type { StackName } from "./stack";

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

/** Who moves a release's traffic: a CodeDeploy deployment group, or the ECS service's own deployment. */
export const RELEASE_STRATEGIES = ["codedeploy", "ecs"] as const;
/** Who moves a release's traffic. */
export type ReleaseStrategy = (typeof RELEASE_STRATEGIES)[number];

/** Where dashboards go: a managed Grafana the stack creates, or an existing one. */
export const GRAFANA_MODES = ["managed", "existing"] as const;

/** The network: the VPC, its availability zones and NAT gateways. */
export interface NetworkConfig {
  vpcCidr: string;
  /** @default 2 (stage), 3 (prod) */
  availabilityZoneCount: number;
  natStrategy: NatStrategy;
}

/** The ECS service: its tasks' size, how many, and their logs. */
export interface ServiceConfig {
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
}

/** The RDS PostgreSQL instance. */
export interface DatabaseConfig {
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
}

/** The load balancer's listeners and the name clients reach it by. */
export interface LoadBalancerConfig {
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
}

/** Limits per client: the WAF's across the fleet, the service's per task. */
export interface AbuseConfig {
  /**
   * Requests one client address may make in 5 minutes before the WAF web ACL on the ALB answers
   * 429 (its rate-based rule); 0: no web ACL. @default 2000 (prod, which requires one), 0 (stage)
   */
  wafRateLimit: number;
  /** RATE_LIMIT_PER_MINUTE of each task (the service's own limit); 0: none. @default 600 */
  appRateLimitPerMinute: number;
}

/** The image registry. */
export interface RegistryConfig {
  /** Tagged images kept by the lifecycle policy (rollback needs the previous ones). */
  keepReleases: number;
}

/** How a release goes out, and what stops it. */
export interface ReleaseConfig {
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
  /**
   * That analysis's looks, read with it: an `ecs` stack's judge hook holds the production shift
   * for all of them, so its bake and its deadline count them (documents/ecs-deployment.ts).
   */
  canaryLooks?: LookSchedule;
  alarmP99Seconds: number;
}

/** Dashboards and who gets paged. */
export interface MonitoringConfig {
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
}

/** A stack's configuration, typed and checked: what the components are built from. */
export interface StackConfig {
  stack: StackName;
  region: string;
  /** Tags on every taggable resource. */
  tags: { project: string; stack: string; owner: string; costCentre: string };
  network: NetworkConfig;
  service: ServiceConfig;
  database: DatabaseConfig;
  loadBalancer: LoadBalancerConfig;
  /** Limits per client: the WAF's across the fleet, the service's per task. */
  abuse: AbuseConfig;
  registry: RegistryConfig;
  /** The operator permission set of IAM Identity Center (operator-config.ts). */
  operator: OperatorAccess;
  release: ReleaseConfig;
  monitoring: MonitoringConfig;
}

/** What every section's parser knows besides the keys it reads. */
export interface SectionContext {
  /** The stack's name, checked or not (a problem says so). */
  stack: string;
  isProd: boolean;
  /** `aws:region`; "" when it is missing (a problem says so). */
  region: string;
}
