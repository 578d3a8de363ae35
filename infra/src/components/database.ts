import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { named, type Tags } from "./tags";

/** What the database component needs: its settings, the isolated subnets and its security group. */
export interface DatabaseArgs {
  settings: StackConfig["database"];
  /**
   * When the instance is first created: it names the final snapshot, so a database created again
   * after a deletion never takes a name an earlier deletion left. @default the current time
   */
  createdAt?: Date;
  isolatedSubnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  tags: Tags;
}

/** The database name and master user the service connects as. */
export const DATABASE_NAME = "comments";
/** The RDS master user the service connects as (its password lives in the RDS-managed secret). */
export const DATABASE_USER = "comments";

/**
 * The final snapshot's name: `<name>-final-<UTC time of creation to the second>`, a DB snapshot
 * identifier (letters, digits, single hyphens, at most 255 characters).
 */
export function finalSnapshotName(name: string, createdAt: Date): string {
  const stamp = createdAt
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "")
    .replace("T", "t");
  return `${name}-final-${stamp}`;
}

/**
 * When a new instance is created, for its final snapshot's name: `SOURCE_DATE_EPOCH` (whole seconds
 * since 1970) when set, as reproducible builds define it
 * (https://reproducible-builds.org/specs/source-date-epoch/), so `pnpm synth` prints the same bytes
 * twice; otherwise now.
 * @default now
 */
export function creationTime(env: NodeJS.ProcessEnv = process.env): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch === undefined || epoch === "") return new Date();
  if (!/^\d+$/.test(epoch)) {
    throw new Error(
      `SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC, got ${JSON.stringify(epoch)}`,
    );
  }
  return new Date(Number(epoch) * 1000);
}

/**
 * RDS PostgreSQL in the isolated subnets: encrypted, never public, TLS required, the master password
 * generated and rotated by RDS in Secrets Manager (the program never sees it).
 */
export class Database extends pulumi.ComponentResource {
  readonly instance: aws.rds.Instance;
  /** The RDS-managed secret holding `username` and `password`. */
  readonly secretArn: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("comments-platform:database:Database", name, {}, opts);
    const parent = { parent: this };
    const { settings } = args;
    const subnets = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      {
        subnetIds: args.isolatedSubnetIds,
        tags: named(args.tags, `${name}-subnets`),
      },
      parent,
    );
    const parameters = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        // A major version needs a group of its family: a new dbEngineVersion replaces the group (new
        // first), and the old one can be deleted only once the instance has left it
        // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.PostgreSQL.MajorVersion.html):
        // upgrade with dbApplyImmediately true (docs/operations.md).
        family: `postgres${settings.engineVersion}`,
        parameters: [{ name: "rds.force_ssl", value: "1" }],
        tags: named(args.tags, `${name}-params`),
      },
      parent,
    );
    this.instance = new aws.rds.Instance(
      `${name}-db`,
      {
        engine: "postgres",
        engineVersion: settings.engineVersion,
        instanceClass: settings.instanceClass,
        allocatedStorage: settings.allocatedStorageGiB,
        storageType: "gp3",
        storageEncrypted: true,
        dbName: DATABASE_NAME,
        username: DATABASE_USER,
        manageMasterUserPassword: true,
        dbSubnetGroupName: subnets.name,
        parameterGroupName: parameters.name,
        vpcSecurityGroupIds: [args.securityGroupId],
        publiclyAccessible: false,
        multiAz: settings.multiAz,
        deletionProtection: settings.deletionProtection,
        backupRetentionPeriod: settings.backupRetentionDays,
        // Where the database may not be deleted, a deletion must leave a final snapshot, under a
        // name no earlier deletion took: RDS refuses an existing one (DBSnapshotAlreadyExists,
        // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html).
        skipFinalSnapshot: !settings.deletionProtection,
        // Set even where skipped: ignoreChanges keeps the first creation's value, and a property
        // absent at creation stays absent (Pulumi's PropertyPath.Reset deletes it from the new
        // inputs: sdk/go/common/resource/properties_path.go), so a stack that turned
        // deletionProtection on later could not be deleted ("final_snapshot_identifier is required
        // when skip_final_snapshot is false": terraform-provider-aws
        // internal/service/rds/instance.go, resourceInstanceDelete).
        finalSnapshotIdentifier: finalSnapshotName(name, args.createdAt ?? creationTime()),
        // Modifications wait for the weekly maintenance window unless applied at once
        // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.DBInstance.Modifying.html).
        applyImmediately: settings.applyImmediately,
        // A major version (dbEngineVersion, reviewed config) is refused without it
        // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html).
        allowMajorVersionUpgrade: true,
        autoMinorVersionUpgrade: true,
        copyTagsToSnapshot: true,
        tags: named(args.tags, `${name}-db`),
      },
      {
        parent: this,
        protect: settings.deletionProtection,
        // The name is the first creation's: later runs (another time) change nothing.
        ignoreChanges: ["finalSnapshotIdentifier"],
      },
    );
    this.secretArn = this.instance.masterUserSecrets.apply((secrets) => secrets[0]?.secretArn ?? "");
    this.registerOutputs({ address: this.instance.address, secretArn: this.secretArn });
  }
}
