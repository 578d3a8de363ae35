/**
 * Production's floor: what an availability-zone outage or a bad `pulumi destroy` must not take
 * down, as a list of rules. Each names its key, shows the value and says what prod needs.
 */
import type { NatStrategy } from "./types";

/** The settings the floor judges. */
export interface ProdFloorInput {
  availabilityZoneCount: number;
  natStrategy: NatStrategy;
  multiAz: boolean;
  deletionProtection: boolean;
  backupRetentionDays: number;
  fargateSpot: boolean;
  minTasks: number;
  certificateArn: string | undefined;
  wafRateLimit: number;
}

interface ProdRule {
  key: keyof ProdFloorInput;
  /** True when the setting is below the floor. */
  below: (input: ProdFloorInput) => boolean;
  need: string;
}

/** In the order the problems are reported. */
export const PROD_FLOOR: readonly ProdRule[] = [
  {
    key: "availabilityZoneCount",
    below: (c) => c.availabilityZoneCount < 2,
    need: "prod needs at least 2 availability zones",
  },
  {
    key: "natStrategy",
    below: (c) => c.natStrategy !== "onePerAz",
    need: "prod needs onePerAz: one NAT gateway per availability zone",
  },
  { key: "multiAz", below: (c) => !c.multiAz, need: "prod needs a Multi-AZ database" },
  {
    key: "deletionProtection",
    below: (c) => !c.deletionProtection,
    need: "prod needs deletion protection on its database",
  },
  {
    key: "backupRetentionDays",
    below: (c) => c.backupRetentionDays < 7,
    need: "prod keeps at least 7 days of backups",
  },
  {
    key: "fargateSpot",
    below: (c) => c.fargateSpot,
    need: "prod runs on regular Fargate: Spot tasks can be reclaimed at two minutes' notice",
  },
  {
    key: "minTasks",
    below: (c) => c.minTasks < 2,
    need: "prod runs at least 2 tasks, one per availability zone",
  },
  {
    key: "certificateArn",
    below: (c) => c.certificateArn === undefined,
    need: "prod serves HTTPS; set the ACM certificate of its domain",
  },
  {
    key: "wafRateLimit",
    below: (c) => c.wafRateLimit === 0,
    need: "prod runs behind the WAF web ACL: set requests per client address per 5 minutes (10 or more)",
  },
];

/** The config key a person types for each setting. */
const CONFIG_KEY: Record<keyof ProdFloorInput, string> = {
  availabilityZoneCount: "availabilityZoneCount",
  natStrategy: "natStrategy",
  multiAz: "dbMultiAz",
  deletionProtection: "dbDeletionProtection",
  backupRetentionDays: "dbBackupRetentionDays",
  fargateSpot: "fargateSpot",
  minTasks: "minTasks",
  certificateArn: "certificateArn",
  wafRateLimit: "wafRateLimit",
};

/** Every rule the settings break, as `key="value": what prod needs` (a missing value: `key: ...`). */
export function prodFloorProblems(input: ProdFloorInput): string[] {
  return PROD_FLOOR.filter((rule) => rule.below(input)).map((rule) => {
    const value = input[rule.key];
    const key = CONFIG_KEY[rule.key];
    return value === undefined
      ? `${key}: ${rule.need}`
      : `${key}=${JSON.stringify(String(value))}: ${rule.need}`;
  });
}
