/**
 * The roles the bootstrap gives other teams, as pure values: who they are (config, validated), who
 * may assume their role, and what it may do. Two routes to the contract: its SSM parameters, from
 * any account; and, for a team whose Pulumi stacks live in our state bucket, its own project's
 * state beside read access to ours (a StackReference resolves through the reader's own backend:
 * pulumi/pulumi pkg/backend/backend.go, `backendClient.GetStackOutputs` calls `GetStack` on it).
 */

/** One team allowed to read the contract, from the bootstrap's `consumerTeams` config. */
export interface ConsumerTeam {
  /** Lowercase letters, digits and `-`: the role is `comments-platform-consumer-<name>`. */
  name: string;
  /**
   * Who may assume the role: an account root (`arn:aws:iam::<id>:root`: the account, whose admins
   * then grant `sts:AssumeRole` to their roles,
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts)
   * or one role's ARN.
   */
  principal: string;
  /**
   * The team's Pulumi project, when its stacks live in our state bucket: the role then writes
   * that project's stacks and reads ours.
   * @default undefined: the SSM route only
   */
  project?: string;
}

/** The Pulumi project of this repository: a team may never claim it. */
export const OUR_PROJECT = "comments-platform";

const PRINCIPAL = /^arn:aws:iam::\d{12}:(root|role\/[\w+=,.@/-]+)$/;
// Pulumi project names: letters, digits, `-`, `_`, `.` (pulumi/pulumi sdk/go/common/tokens); none
// of IAM's wildcards, so a project's path can never match another's.
const PROJECT = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses `comments-platform-bootstrap:consumerTeams` (a list; absent means none).
 *
 * @throws Error listing every bad entry: the key, the value and what is allowed
 */
export function parseConsumerTeams(raw: unknown): ConsumerTeam[] {
  const key = "comments-platform-bootstrap:consumerTeams";
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error(`${key}: ${JSON.stringify(raw)} is not a list of teams`);
  const errors: string[] = [];
  const names = new Set<string>();
  raw.forEach((entry: unknown, index) => {
    const at = `${key}[${index}]`;
    const team = (entry ?? {}) as Record<string, unknown>;
    if (typeof team.name !== "string" || !/^[a-z0-9][a-z0-9-]{0,30}$/.test(team.name)) {
      errors.push(`${at}.name: ${JSON.stringify(team.name)} must be 1-31 lowercase letters, digits or "-"`);
    } else if (names.has(team.name)) {
      errors.push(`${at}.name: "${team.name}" is given twice; each team gets one role`);
    } else names.add(team.name);
    if (typeof team.principal !== "string" || !PRINCIPAL.test(team.principal)) {
      errors.push(
        `${at}.principal: ${JSON.stringify(team.principal)} must be arn:aws:iam::<account>:root or arn:aws:iam::<account>:role/<name>`,
      );
    }
    if (team.project !== undefined) {
      if (typeof team.project !== "string" || !PROJECT.test(team.project)) {
        errors.push(
          `${at}.project: ${JSON.stringify(team.project)} must be a Pulumi project name (A-Z a-z 0-9 _ . -)`,
        );
      } else if (team.project === OUR_PROJECT) {
        errors.push(
          `${at}.project: "${OUR_PROJECT}" is this platform's own project; a team writes only its own`,
        );
      }
    }
  });
  if (errors.length > 0) throw new Error(`invalid consumer teams:\n${errors.join("\n")}`);
  return (raw as ConsumerTeam[]).map(({ name, principal, project }) => ({
    name,
    principal,
    ...(project === undefined ? {} : { project }),
  }));
}

/** The team's role name. */
export function consumerRoleName(team: Pick<ConsumerTeam, "name">): string {
  return `comments-platform-consumer-${team.name}`;
}

/**
 * Trust: the team's principal, with `sts:AssumeRole`. Across accounts the caller's own account must
 * allow it too: both sides decide
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_evaluation-logic-cross-account.html).
 */
export function consumerTrustPolicy(team: ConsumerTeam): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: team.principal }, Action: "sts:AssumeRole" }],
  };
}

/**
 * A project's files in the S3 backend under `.pulumi/` (pulumi/pulumi pkg/backend/diy: store.go
 * `StackBasePath`/`HistoryDir`/`BackupDir` put stacks, history and backups under
 * `<dir>/<project>/<stack>`, lock.go puts locks under `locks/<organization>/<project>/<stack>/`
 * with the organization always `organization`; the stack file is `<stack>.json`, `.json.gz` or
 * `.json.zst`, `.bak` beside it).
 */
export function projectStatePrefixes(project: string): string[] {
  return [
    `.pulumi/stacks/${project}/`,
    `.pulumi/locks/organization/${project}/`,
    `.pulumi/history/${project}/`,
    `.pulumi/backups/${project}/`,
  ];
}

/** What the team's role may do: read the contracts; with a project, its own state and ours to read. */
export function consumerTeamPolicy(input: {
  team: ConsumerTeam;
  /** The contract parameters' ARNs, one per stack. */
  parameterArns: string[];
  bucketArn: string;
  region: string;
  /** The state bucket's SSE-KMS key. */
  stateKeyArn: string;
  /** Our stacks' secrets keys: a StackReference decrypts the referenced stack's secret outputs. */
  stackKeyArns: string[];
  /** Our stacks: the only state files of ours the role reads. */
  stacks: readonly string[];
}): Record<string, unknown> {
  const statements: Record<string, unknown>[] = [
    { Sid: "ReadContracts", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: input.parameterArns },
  ];
  const project = input.team.project;
  if (project !== undefined) {
    const own = projectStatePrefixes(project);
    const ours = input.stacks.map((stack) => `.pulumi/stacks/${OUR_PROJECT}/${stack}.json*`);
    statements.push(
      {
        // The CLI lists a stack's file variants, its lock directory and its history (store.go,
        // lock.go `checkForLock`, state.go `getHistory`); `pulumi stack ls` lists every project and
        // is refused. `s3:prefix` is the ListBucket request's prefix
        // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html).
        Sid: "ListOwnStacksAndOurs",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: input.bucketArn,
        Condition: { StringLike: { "s3:prefix": [...own.map((p) => `${p}*`), ...ours] } },
      },
      {
        Sid: "WriteOwnProjectState",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: own.map((prefix) => `${input.bucketArn}/${prefix}*`),
      },
      {
        Sid: "ReadOurStacks",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [`${input.bucketArn}/.pulumi/meta.yaml`, ...ours.map((key) => `${input.bucketArn}/${key}`)],
      },
      {
        // S3 encrypts and decrypts the state with the bucket's key as the caller: uploads need
        // kms:GenerateDataKey, downloads kms:Decrypt
        // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html); and only
        // through S3 (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service).
        Sid: "StateEncryptionThroughS3",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: input.stateKeyArn,
        Condition: { StringEquals: { "kms:ViaService": `s3.${input.region}.amazonaws.com` } },
      },
      { Sid: "OurStacksSecrets", Effect: "Allow", Action: ["kms:Decrypt"], Resource: input.stackKeyArns },
      {
        // Whatever else it is granted later, never our project's state.
        Sid: "NeverWriteOurState",
        Effect: "Deny",
        Action: ["s3:PutObject", "s3:DeleteObject"],
        Resource: projectStatePrefixes(OUR_PROJECT).map((prefix) => `${input.bucketArn}/${prefix}*`),
      },
    );
  }
  return { Version: "2012-10-17", Statement: statements };
}
