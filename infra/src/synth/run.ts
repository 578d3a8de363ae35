/**
 * Runs the real program under Pulumi's mocks and records what it declares: every resource with the
 * inputs the program passed and the options that matter for safety, and the stack outputs. This is
 * what `pnpm synth` prints and what the component tests assert on. Mocks must be set before the
 * program is imported, and outputs awaited before they are read
 * (https://www.pulumi.com/docs/iac/guides/testing/unit/).
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { baseName, loadStackConfig, PROJECT, rawConfigFrom, readConfigSpecs } from "../config";
import { parseReleaseArgs } from "../release/cli";
import { type ReleasePlan, releasePlan } from "../release/plan";
import { readStackFile } from "../stack-file";

/** How a value unknown at plan time shows (only where no reference can name it). */
export const UNKNOWN = "[unknown]";
/** How a secret shows: never its value. */
export const SECRET = "[secret]";

/**
 * How a value AWS computes shows in a plan: `${sns:Topic/comments-api-prod-ticket.arn}` (module and
 * type of the resource, its name, the output), the way `cdk synth` renders a reference, so a
 * document built from it (a policy, a container definition) is readable whole and a test can
 * compare it exactly. The type is part of it because Pulumi names are unique per type only: a topic
 * and its policy share a name.
 */
export function reference(type: string, resourceName: string, output: string): string {
  // "aws:sns/topic:Topic" → "sns:Topic"; "docker-build:index:Image" → "docker-build:Image".
  const [pkg = "", module = "", kind = ""] = type.split(":");
  const scope = module === "index" ? pkg : module.split("/")[0];
  return `\${${scope}:${kind}/${resourceName}.${output}}`;
}

/** One declared resource: type, name, parent, inputs and the options that matter for safety. */
export interface RecordedResource {
  type: string;
  name: string;
  parent: string | null;
  /** The parent's type (with `parent`, it names the parent: names are unique per type only). */
  parentType?: string | null;
  /** Former types this resource answers to (Pulumi `aliases`), so a rename replaces nothing. */
  aliasTypes?: string[];
  /** Former parents (URNs) this resource answers to (Pulumi `aliases`), so a move replaces nothing. */
  aliasParents?: string[];
  inputs: Record<string, unknown>;
  options: {
    ignoreChanges: string[];
    dependsOn: string[];
    protect: boolean;
    skipDestroy?: boolean;
    deleteBeforeReplace?: boolean;
    /** The explicit provider's name, when the resource has one. */
    provider?: string;
  };
}

/** What a program declares: resources, outputs, warnings and the release it would create. */
export interface SynthResult {
  project: string;
  stack: string;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
  /** Warnings the program raised while declaring (deprecated resources, for one): none, for a clean plan. */
  warnings: string[];
  /** What the release step would create: the AppSpec (revision and network as references), names and deadline. */
  release: (Omit<ReleasePlan, "appSpec"> & { appSpec: unknown }) | undefined;
}

/** Which stack to synthesize, how, and from which config and program. */
export interface SynthOptions {
  stack: string;
  /**
   * `true` (what `pnpm synth` shows): a first preview, where whatever AWS computes (ids, ARNs,
   * addresses) is a named reference, `${comments-api-prod-ticket.arn}`. `false`: mocks answer with
   * deterministic fake values in AWS's formats, for code that parses them (policy rules, ARN checks).
   */
  preview: boolean;
  /** Raw config; defaults to the committed `Pulumi.<stack>.yaml`. */
  config?: Record<string, string>;
  /** The program module; defaults to infra/index.ts. */
  program?: () => Promise<Record<string, unknown>>;
}

const ACCOUNT = "123456789012";

/** Deterministic fake values for what AWS computes, keyed by resource type. */
function computed(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  region: string,
): Record<string, unknown> {
  const short = createHash("sha256").update(`${type}/${name}`).digest("hex").slice(0, 8);
  const service = type.split(":")[1]?.split("/")[0] ?? "mock";
  const values: Record<string, unknown> = {
    arn: `arn:aws:${service}:${region}:${ACCOUNT}:${name}`,
    name: inputs.name ?? name,
  };
  switch (type) {
    case "aws:s3/bucket:Bucket":
      // AWS completes a prefix with 26 characters of its own; the mocks use the hash.
      values.bucket = inputs.bucket ?? `${inputs.bucketPrefix ?? ""}${short}`;
      break;
    case "aws:ecr/repository:Repository":
      values.repositoryUrl = `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${inputs.name}`;
      values.registryId = ACCOUNT;
      break;
    case "docker-build:index:Image": {
      const tags = inputs.tags as string[] | undefined;
      values.ref = `${tags?.[0] ?? name}@sha256:${createHash("sha256").update(name).digest("hex")}`;
      values.digest = `sha256:${createHash("sha256").update(name).digest("hex")}`;
      break;
    }
    case "aws:rds/instance:Instance":
      values.address = `${name}.${short}.${region}.rds.amazonaws.com`;
      values.port = 5432;
      values.masterUserSecrets = [
        {
          secretArn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:rds!db-${short}`,
          secretStatus: "active",
        },
      ];
      break;
    case "aws:lb/loadBalancer:LoadBalancer":
      values.dnsName = `${name}-${short}.${region}.elb.amazonaws.com`;
      values.zoneId = "Z2P70J7HTTTPLU";
      values.arnSuffix = `app/${name}/${short}`;
      break;
    case "aws:lb/targetGroup:TargetGroup":
      values.arnSuffix = `targetgroup/${name}/${short}`;
      break;
    case "aws:ec2/eip:Eip":
      values.publicIp = `198.51.100.${Number.parseInt(short.slice(0, 2), 16) % 250}`;
      break;
    case "aws:amp/workspace:Workspace":
      values.prometheusEndpoint = `https://aps-workspaces.${region}.amazonaws.com/workspaces/ws-${short}/`;
      break;
    case "aws:grafana/workspace:Workspace":
      values.endpoint = `g-${short}.grafana-workspace.${region}.amazonaws.com`;
      break;
    case "aws:grafana/workspaceServiceAccount:WorkspaceServiceAccount":
      values.serviceAccountId = `sa-${short}`;
      break;
    case "aws:grafana/workspaceServiceAccountToken:WorkspaceServiceAccountToken":
      values.key = "mock-grafana-token";
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      values.arn = `arn:aws:logs:${region}:${ACCOUNT}:log-group:${inputs.name}`;
      break;
    default:
      break;
  }
  return values;
}

/** Outputs the program reads inside a structure: a reference for each leaf it reads. */
function structuredReferences(type: string, name: string): Record<string, unknown> {
  switch (type) {
    case "aws:rds/instance:Instance":
      return {
        masterUserSecrets: [{ secretArn: reference(type, name, "masterUserSecrets[0].secretArn") }],
      };
    default:
      return {};
  }
}

/** Pulumi's wire markers for unknown and secret values, made readable and stable. */
function clean(value: unknown): unknown {
  if (value === undefined) return UNKNOWN;
  if (typeof value === "string" && value === "04da6b54-80e4-46f7-96ec-b56ff0331ba9") return UNKNOWN;
  if (Array.isArray(value)) return value.map(clean);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record.__pulumiUnknown === true) return UNKNOWN;
    if (
      record.__pulumiSecret === true ||
      record["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270"
    ) {
      return SECRET;
    }
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, clean(record[key])]),
    );
  }
  return value;
}

async function resolve(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as pulumi.Output<unknown>;
    const [known, secret, inner] = await Promise.all([
      (output as unknown as { isKnown: Promise<boolean> }).isKnown,
      (output as unknown as { isSecret: Promise<boolean> }).isSecret,
      (output as unknown as { promise: () => Promise<unknown> }).promise(),
    ]);
    if (secret) return SECRET;
    if (!known) return UNKNOWN;
    return resolve(inner);
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolve));
  if (value !== null && typeof value === "object") {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolve(v)] as const),
    );
    return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
  }
  return value;
}

/**
 * What the data sources the program calls answer under mocks, by token. Also handed to Pulumi's own
 * runner in runner.test.ts (as JSON: that process cannot load this module).
 */
export function mockCalls(region: string, preview = false): Record<string, Record<string, unknown>> {
  // In a plan the account is a reference too: a fake number in a policy would read as a real one.
  const account = preview ? "${aws:getCallerIdentity.accountId}" : ACCOUNT;
  return {
    "aws:index/getAvailabilityZones:getAvailabilityZones": {
      names: ["a", "b", "c"].map((zone) => `${region}${zone}`),
      zoneIds: [],
    },
    "aws:index/getRegion:getRegion": { name: region, region, id: region },
    "aws:index/getCallerIdentity:getCallerIdentity": {
      accountId: account,
      arn: `arn:aws:iam::${account}:user/synth`,
      userId: "synth",
      id: account,
    },
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
      userName: "AWS",
      password: preview ? "${aws:getAuthorizationToken.password}" : "mock-token",
      authorizationToken: "mock",
      proxyEndpoint: "mock",
    },
  };
}

/** Runs the program for `options.stack` under mocks; call once per process (the program is a module). */
export async function synth(options: SynthOptions): Promise<SynthResult> {
  const raw = options.config ?? readStackFile(options.stack);
  // The SDK reads its config from PULUMI_CONFIG: set it before the program's first config read.
  process.env.PULUMI_CONFIG = JSON.stringify(raw);
  const region = raw["aws:region"] ?? "sa-east-1";
  const calls = mockCalls(region, options.preview);

  const recorded = new Map<string, RecordedResource>();
  // A resource's property names (inputs and outputs alike), as its constructor declares them: a
  // transformation sees them before the mock does.
  const propertyKeys = new Map<string, string[]>();
  const optionsByKey = new Map<
    string,
    Omit<RecordedResource["options"], "skipDestroy"> & {
      parent: string | null;
      parentType: string | null;
      aliasTypes: string[];
      aliasParents: string[];
    }
  >();
  const key = (type: string, name: string) => `${type}::${name}`;
  const providerRegions = new Map<string, string>();

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.set(key(args.type, args.name), {
          type: args.type,
          name: args.name,
          parent: null,
          inputs: clean(args.inputs) as Record<string, unknown>,
          options: { ignoreChanges: [], dependsOn: [], protect: false },
        });
        if (options.preview) {
          // Every output the program did not set is a reference to it; inputs stay as passed.
          const outputs = propertyKeys.get(key(args.type, args.name)) ?? [];
          const references = Object.fromEntries(
            outputs
              .filter((name) => !(name in args.inputs))
              .map((name) => [name, reference(args.type, args.name, name)]),
          );
          const state = { ...references, ...structuredReferences(args.type, args.name), ...args.inputs };
          return { id: reference(args.type, args.name, "id"), state };
        }
        // A resource behind an explicit aws.Provider lives in that provider's region (the
        // provider reference is "<urn>::<id>").
        const providerId = args.provider?.split("::").at(-1);
        const inRegion = (providerId === undefined ? undefined : providerRegions.get(providerId)) ?? region;
        if (args.type === "pulumi:providers:aws" && typeof args.inputs.region === "string") {
          providerRegions.set(`${args.name}-id`, args.inputs.region);
        }
        const state = { ...computed(args.type, args.name, args.inputs, inRegion), ...args.inputs };
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        const result = calls[args.token];
        if (result === undefined) throw new Error(`synth: no mock for ${args.token}`);
        return result;
      },
    },
    PROJECT,
    options.stack,
    options.preview,
  );
  const program = options.program ?? (() => import("../../index.js") as Promise<Record<string, unknown>>);
  let exports: Record<string, unknown> = {};
  // The SDK warns through pulumi.log (a deprecated resource type says so when constructed): keep
  // those in the result, where a test and a reviewer see them.
  const warnings: string[] = [];
  const log = pulumi.log as { warn: (message: string) => Promise<void> };
  const warn = log.warn;
  log.warn = async (message: string) => {
    warnings.push(message);
  };
  // The root stack resource, as the language host would create it: stack transformations need it.
  await pulumi.runtime.runInPulumiStack(async () => {
    // Options are not visible to mocks: a transformation sees them as the program passes them.
    pulumi.runtime.registerStackTransformation((args) => {
      const opts = args.opts as pulumi.CustomResourceOptions;
      propertyKeys.set(key(args.type, args.name), Object.keys(args.props));
      const dependsOn = opts.dependsOn === undefined ? [] : ([] as unknown[]).concat(opts.dependsOn);
      const parent = opts.parent as unknown as { __name?: string; __pulumiType?: string } | undefined;
      optionsByKey.set(key(args.type, args.name), {
        parent: parent?.__name ?? null,
        parentType: parent?.__pulumiType ?? null,
        aliasTypes: (opts.aliases ?? []).flatMap((alias) =>
          typeof alias === "object" && alias !== null && "type" in alias && typeof alias.type === "string"
            ? [alias.type]
            : [],
        ),
        aliasParents: (opts.aliases ?? []).flatMap((alias) =>
          typeof alias === "object" && alias !== null && "parent" in alias && typeof alias.parent === "string"
            ? [alias.parent]
            : [],
        ),
        ignoreChanges: [...(opts.ignoreChanges ?? [])],
        // As `module:Type/name`, like a reference: names are unique per type only.
        dependsOn: dependsOn.map((d) => {
          const { __name, __pulumiType } = d as { __name?: string; __pulumiType?: string };
          return __name === undefined || __pulumiType === undefined
            ? UNKNOWN
            : reference(__pulumiType, __name, "").slice(2, -2);
        }),
        protect: opts.protect === true,
        deleteBeforeReplace: opts.deleteBeforeReplace === true,
        ...(opts.provider === undefined
          ? {}
          : { provider: (opts.provider as unknown as { __name?: string }).__name ?? UNKNOWN }),
      });
      return undefined;
    });
    try {
      exports = await program();
    } finally {
      log.warn = warn;
    }
    return exports;
  });
  const outputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(exports)) outputs[name] = clean(await resolve(value));
  // Let every registration reach the mock monitor before reading the record.
  await new Promise((done) => setTimeout(done, 50));

  const resources = [...recorded.values()]
    .map((resource) => {
      const opts = optionsByKey.get(key(resource.type, resource.name));
      const skipDestroy = resource.inputs.skipDestroy;
      return {
        ...resource,
        parent: opts?.parent ?? null,
        parentType: opts?.parentType ?? null,
        ...(opts !== undefined && opts.aliasTypes.length > 0 ? { aliasTypes: opts.aliasTypes } : {}),
        ...(opts !== undefined && opts.aliasParents.length > 0 ? { aliasParents: opts.aliasParents } : {}),
        options: {
          ignoreChanges: opts?.ignoreChanges ?? [],
          dependsOn: opts?.dependsOn ?? [],
          protect: opts?.protect ?? false,
          ...(skipDestroy === true ? { skipDestroy: true } : {}),
          ...(opts?.deleteBeforeReplace === true ? { deleteBeforeReplace: true } : {}),
          ...(opts?.provider === undefined ? {} : { provider: opts.provider }),
        },
      };
    })
    .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
  if (options.program !== undefined) {
    // Another program (the bootstrap): no release plan of its own.
    return { project: PROJECT, stack: options.stack, resources, outputs, warnings, release: undefined };
  }
  return {
    project: PROJECT,
    stack: options.stack,
    resources,
    outputs,
    warnings,
    release: releaseOf(options.stack, raw, resources),
  };
}

/**
 * What the release step would deploy: the plan built from the very command the program declares
 * (so synth cannot show another AppSpec than `pulumi up` would create).
 */
function releaseOf(
  stack: string,
  raw: Record<string, string>,
  resources: RecordedResource[],
): SynthResult["release"] {
  const config = loadStackConfig(stack, rawConfigFrom(raw), readConfigSpecs());
  const step = resources.find(
    (r) => r.type === "command:local:Command" && r.name === `${baseName(stack)}-release`,
  );
  const argv = String(step?.inputs.create ?? "")
    .split(" ")
    .slice(3);
  const args = parseReleaseArgs(argv);
  if (!args.ok || args.taskDefinition === undefined) {
    throw new Error(
      `synth: the release step's command does not parse: ${JSON.stringify(step?.inputs.create)}`,
    );
  }
  // The AppSpec builder checks the ARN's form; the plan's revision is a reference until AWS assigns it.
  const placeholder = `arn:aws:ecs:${config.region}:000000000000:task-definition/placeholder:1`;
  const plan = releasePlan(config, placeholder, args.network);
  const appSpec = JSON.parse(
    JSON.stringify(plan.appSpec).replace(placeholder, args.taskDefinition),
  ) as unknown;
  return { ...plan, appSpec };
}

/**
 * The URNs a declared resource answers to, as the engine forms them: the types of its ancestors
 * below the stack, then its own, joined by `$`; every combination of current and former types
 * (Pulumi gives a child of an aliased parent the matching aliases itself).
 */
export function urnsOf(result: SynthResult, resource: RecordedResource): string[] {
  const prefix = `urn:pulumi:${result.stack}::${result.project}::`;
  const chains = (r: RecordedResource): string[] => {
    const own = [r.type, ...(r.aliasTypes ?? [])];
    const parent = result.resources.find((p) => p.name === r.parent && p.type === r.parentType);
    if (parent === undefined || parent.type === "pulumi:pulumi:Stack") return own;
    return chains(parent).flatMap((above) => own.map((type) => `${above}$${type}`));
  };
  return chains(resource).map((chain) => `${prefix}${chain}::${resource.name}`);
}
