/**
 * The program as `pulumi preview` starts it: the Node.js language host runs
 * `@pulumi/pulumi/cmd/run` in infra/ (Pulumi.yaml's `main`) with PULUMI_NODEJS_TYPESCRIPT=true, so
 * the runner compiles the TypeScript with its ts-node and infra/tsconfig.json, type checking on. The
 * engine is replaced by Pulumi's mocks (fixtures/mock-monitor.cjs); everything else is the real path,
 * so a program that compiles under vitest and tsc but not under Pulumi's runner fails here.
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { readStackFile } from "../src/stack-file";
import { mockCalls } from "../src/synth/run";

const INFRA = join(__dirname, "..");
const RUNNER = createRequire(join(INFRA, "package.json")).resolve("@pulumi/pulumi/cmd/run");
const run = promisify(execFile);

describe.each([
  ["stage", 107],
  ["prod", 127],
])("stack %s under Pulumi's program runner", (stack, resources) => {
  it(`compiles with type checking and declares all ${resources} resources`, async () => {
    const config = readStackFile(stack);
    const result = await run(
      process.execPath,
      [
        "-r",
        join(__dirname, "fixtures", "mock-monitor.cjs"),
        RUNNER,
        "--monitor",
        "127.0.0.1:1",
        "--engine",
        "127.0.0.1:1",
        "--project",
        "comments-platform",
        "--stack",
        stack,
        "--dry-run",
        ".",
      ],
      {
        cwd: INFRA,
        encoding: "utf8",
        env: {
          ...process.env,
          PULUMI_NODEJS_TYPESCRIPT: "true",
          PULUMI_NODEJS_PROJECT: "comments-platform",
          PULUMI_NODEJS_STACK: stack,
          PULUMI_CONFIG: JSON.stringify(config),
          MOCK_CALLS: JSON.stringify(mockCalls(config["aws:region"] as string)),
        },
      },
    );
    // The mocks have no shutdown RPC; the runner says so and exits 0. Nothing else may be on stderr.
    expect(
      result.stderr
        .split("\n")
        .filter(
          (line) => line !== "" && !line.startsWith("Error while signaling shutdown: TypeError: monitorRef"),
        ),
    ).toEqual([`mock-monitor: registered ${resources}`]);
  });
});
