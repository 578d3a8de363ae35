/**
 * The policy pack as `pulumi preview --policy-pack infra/policy` runs it: the Pulumi CLI starts
 * `@pulumi/pulumi/cmd/run-policy-pack` (resolved from the pack directory) with the pack directory as
 * its working directory; the pack compiles with ts-node, serves the Analyzer gRPC service on a port
 * it prints, and the engine calls GetAnalyzerInfo, then Analyze for every resource. This test is the
 * engine's side of that exchange, so a pack that would not start or answer under the CLI fails here.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PolicyResource, RULES } from "../policy/rules";

const PACK_DIR = join(__dirname, "..", "policy");
const fromPack = createRequire(join(PACK_DIR, "package.json"));
const RUNNER = fromPack.resolve("@pulumi/pulumi/cmd/run-policy-pack");
const fromPulumi = createRequire(RUNNER);
const grpc = fromPulumi("@grpc/grpc-js") as { credentials: { createInsecure(): unknown } };
const services = fromPulumi("../../proto/analyzer_grpc_pb") as {
  AnalyzerClient: new (
    address: string,
    credentials: unknown,
  ) => Record<
    string,
    (request: unknown, callback: (error: Error | null, response: never) => void) => void
  > & {
    close(): void;
  };
};
type Message = new () => Record<string, (value: unknown) => void>;
const messages = fromPulumi("../../proto/analyzer_pb") as {
  AnalyzeRequest: Message;
  AnalyzerResourceOptions: Message;
};
const emptyProto = fromPulumi("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };
const structProto = fromPulumi("google-protobuf/google/protobuf/struct_pb") as {
  Struct: { fromJavaScript(value: Record<string, unknown>): unknown };
};

let runner: ChildProcess;
let client: InstanceType<typeof services.AnalyzerClient>;
let stderr = "";

beforeAll(async () => {
  runner = spawn(process.execPath, [RUNNER, "127.0.0.1:1", "."], {
    cwd: PACK_DIR,
    // What the CLI sets for a Node.js analyzer (constructEnv in the engine's analyzer plugin).
    env: { ...process.env, PULUMI_NODEJS_PROJECT: "comments-platform", PULUMI_NODEJS_STACK: "prod" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  runner.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    runner.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^(\d+)\n/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    runner.on("exit", (code) => reject(new Error(`the policy pack exited with ${code}:\n${out}\n${stderr}`)));
  });
  client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
  client?.close();
  runner?.kill();
});

const rpc = <T>(method: string, request: unknown) =>
  new Promise<T>((resolve, reject) =>
    client[method]?.(request, (error, response) => (error ? reject(error) : resolve(response as T))),
  );

/** What the rules report when called directly: [rule, message]. */
function direct(resource: PolicyResource): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const rule of RULES) rule.validate(resource, (message) => found.push([rule.name, message]));
  return found;
}

async function analyze(resource: PolicyResource) {
  const request = new messages.AnalyzeRequest();
  request.setType?.(resource.type);
  request.setName?.(resource.name);
  request.setUrn?.(`urn:pulumi:${resource.stack}::comments-platform::${resource.type}::${resource.name}`);
  request.setProperties?.(structProto.Struct.fromJavaScript(resource.props));
  // The engine always sends the resource's options (an empty set here).
  request.setOptions?.(new messages.AnalyzerResourceOptions());
  const response = await rpc<{ getDiagnosticsList(): Array<Record<string, () => unknown>> }>(
    "analyze",
    request,
  );
  return response
    .getDiagnosticsList()
    .map((d) => [d.getPolicyname?.(), d.getMessage?.(), d.getEnforcementlevel?.()]);
}

describe("the policy pack under Pulumi's policy-pack runner", () => {
  it("starts and describes itself: name, the package's version, every rule, all mandatory", async () => {
    const info = await rpc<{
      getName(): string;
      getVersion(): string;
      getPoliciesList(): Array<{ getName(): string; getEnforcementlevel(): number }>;
    }>("getAnalyzerInfo", new emptyProto.Empty());
    expect([info.getName(), info.getVersion()]).toEqual(["comments-platform", "1.0.0"]);
    expect(info.getPoliciesList().map((p) => p.getName())).toEqual(RULES.map((rule) => rule.name));
    // EnforcementLevel.MANDATORY is 1 in pulumi/analyzer.proto.
    expect(new Set(info.getPoliciesList().map((p) => p.getEnforcementlevel()))).toEqual(new Set([1]));
  });

  it("reports a mutable, unscanned repository exactly as the rules do", async () => {
    const repository: PolicyResource = {
      type: "aws:ecr/repository:Repository",
      name: "service",
      stack: "prod",
      props: {
        imageTagMutability: "MUTABLE",
        imageScanningConfiguration: { scanOnPush: false },
        tags: { project: "comments-platform", stack: "prod", owner: "o", "cost-centre": "c" },
      },
    };
    // The engine shows the policy's description, then the violation.
    const why = "ECR repositories have immutable tags and scan on push.";
    expect(await analyze(repository)).toEqual([
      ["ecr-immutable-scanned", `${why}\nimageTagMutability must be IMMUTABLE`, 1],
      ["ecr-immutable-scanned", `${why}\nimageScanningConfiguration.scanOnPush must be true`, 1],
    ]);
    expect(direct(repository)).toEqual([
      ["ecr-immutable-scanned", "imageTagMutability must be IMMUTABLE"],
      ["ecr-immutable-scanned", "imageScanningConfiguration.scanOnPush must be true"],
    ]);
  });

  it("knows the stack it runs for from the CLI's environment (prod's listener must serve HTTPS)", async () => {
    const listener: PolicyResource = {
      type: "aws:lb/listener:Listener",
      name: "http",
      stack: "prod",
      props: {
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "forward" }],
        tags: { project: "comments-platform", stack: "prod", owner: "o", "cost-centre": "c" },
      },
    };
    const description = (name: string) => RULES.find((rule) => rule.name === name)?.description;
    const expected = direct(listener).map(([rule, message]) => [rule, `${description(rule)}\n${message}`, 1]);
    expect(expected).not.toEqual([]);
    expect(await analyze(listener)).toEqual(expected);
    const stageTags = { project: "comments-platform", stack: "stage", owner: "o", "cost-centre": "c" };
    expect(direct({ ...listener, stack: "stage", props: { ...listener.props, tags: stageTags } })).toEqual(
      [],
    );
  });
});
