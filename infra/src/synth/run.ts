/**
 * Runs the real program under Pulumi's mocks and records what it declares: every resource with the
 * inputs the program passed and the options that matter for safety, and the stack outputs. This is
 * what `pnpm synth` prints and what the component tests assert on. Mocks must be set before the
 * program is imported, and outputs awaited before they are read (DESIGN.md).
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig, PROJECT, rawConfigFrom } from "../config";
import { type ReleasePlan, releasePlan } from "../release/plan";
import { readStackFile } from "../stack-file";

export const UNKNOWN = "[unknown]";
export const SECRET = "[secret]";

export interface RecordedResource {
  type: string;
  name: string;
  parent: string | null;
  inputs: Record<string, unknown>;
  options: { ignoreChanges: string[]; dependsOn: string[]; protect: boolean; skipDestroy?: boolean };
}

export interface SynthResult {
  project: string;
  stack: string;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
  /** What a release would create: the AppSpec (revision "[unknown]"), names and deadline. */
  release: (Omit<ReleasePlan, "appSpec"> & { appSpec: unknown }) | undefined;
}

export interface SynthOptions {
  stack: string;
  /**
   * `true` (what `pnpm synth` shows): a first preview, where whatever AWS computes (ids, ARNs,
   * addresses) is "[unknown]". `false`: mocks answer with deterministic fake values, so tests can
   * check documents built from them (policies, container definitions).
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
    case "aws:s3/bucketV2:BucketV2":
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
export function mockCalls(region: string): Record<string, Record<string, unknown>> {
  return {
    "aws:index/getAvailabilityZones:getAvailabilityZones": {
      names: ["a", "b", "c"].map((zone) => `${region}${zone}`),
      zoneIds: [],
    },
    "aws:index/getRegion:getRegion": { name: region, region, id: region },
    "aws:index/getCallerIdentity:getCallerIdentity": {
      accountId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:user/synth`,
      userId: "synth",
      id: ACCOUNT,
    },
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
      userName: "AWS",
      password: "mock-token",
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
  process.env.IMAGE_TAG = process.env.IMAGE_TAG ?? "synth";
  const region = raw["aws:region"] ?? "sa-east-1";
  const calls = mockCalls(region);

  const recorded = new Map<string, RecordedResource>();
  const optionsByKey = new Map<string, RecordedResource["options"] & { parent: string | null }>();
  const key = (type: string, name: string) => `${type}::${name}`;

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
        const state = options.preview
          ? args.inputs
          : { ...computed(args.type, args.name, args.inputs, region), ...args.inputs };
        return { id: options.preview ? "" : `${args.name}-id`, state };
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
  // The root stack resource, as the language host would create it: stack transformations need it.
  await pulumi.runtime.runInPulumiStack(async () => {
    // Options are not visible to mocks: a transformation sees them as the program passes them.
    pulumi.runtime.registerStackTransformation((args) => {
      const opts = args.opts as pulumi.CustomResourceOptions;
      const dependsOn = opts.dependsOn === undefined ? [] : ([] as unknown[]).concat(opts.dependsOn);
      optionsByKey.set(key(args.type, args.name), {
        parent: (opts.parent as unknown as { __name?: string } | undefined)?.__name ?? null,
        ignoreChanges: [...(opts.ignoreChanges ?? [])],
        dependsOn: dependsOn.map((d) => (d as { __name?: string }).__name ?? UNKNOWN),
        protect: opts.protect === true,
      });
      return undefined;
    });
    exports = await program();
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
        options: {
          ignoreChanges: opts?.ignoreChanges ?? [],
          dependsOn: opts?.dependsOn ?? [],
          protect: opts?.protect ?? false,
          ...(skipDestroy === true ? { skipDestroy: true } : {}),
        },
      };
    })
    .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
  // The plan for a placeholder revision, with the revision shown as what it is at plan time.
  const placeholder = `arn:aws:ecs:${region}:000000000000:task-definition/placeholder:1`;
  if (options.program !== undefined) {
    // Another program (the bootstrap): no release plan of its own.
    return { project: PROJECT, stack: options.stack, resources, outputs, release: undefined };
  }
  const plan = releasePlan(loadStackConfig(options.stack, rawConfigFrom(raw)), placeholder);
  const appSpec = JSON.parse(JSON.stringify(plan.appSpec).replace(placeholder, UNKNOWN)) as unknown;
  return { project: PROJECT, stack: options.stack, resources, outputs, release: { ...plan, appSpec } };
}
