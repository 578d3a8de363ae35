/**
 * The acceptance run against a simulated sandbox: pulumi, pnpm release and the AWS CLI answer as
 * a small model of the stack (the service's revision, a deployment in progress, alarms forced),
 * so the order of the steps, what each checks, the timing and the report are exact.
 */
import { describe, expect, it } from "vitest";
import { main } from "../scripts/acceptance.js";
import {
  type AcceptanceIo,
  MARKER_FILE,
  runAcceptance,
  sandboxStackFile,
} from "../scripts/lib/acceptance.js";

const ARN = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/comments-sb-ci:${n}`;

/** A sandbox account: `alarmsWork` false models a rollback that never happens. */
function sandbox(options: { alarmsWork?: boolean; upFails?: boolean } = {}) {
  let clock = 0;
  let revision = 0;
  let marker = "";
  let deployed = "";
  let deploying = false;
  let deployingSince = 0;
  let alarmed = false;
  let finish: ((code: number) => void) | undefined;
  const history: number[] = [];
  const files = new Map<string, string>();
  const calls: string[] = [];
  const io: AcceptanceIo = {
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
      if (!deploying) return;
      // CodeDeploy rolls back once an alarm fires; without one the deployment succeeds in 40 s.
      if (alarmed && options.alarmsWork !== false) {
        deploying = false;
        finish?.(255);
      } else if (clock - deployingSince >= 40_000) {
        deploying = false;
        history.push(revision);
        finish?.(0);
      }
    },
    log: () => {},
    writeFile: (path, text) => {
      files.set(path, text);
      if (path === MARKER_FILE) marker = text;
    },
    removeFile: (path) => {
      files.delete(path);
    },
    exec: async (command, args) => {
      calls.push([command, ...args.slice(0, 3)].join(" "));
      clock += 1000;
      if (command === "pulumi" && args[0] === "up") {
        clock += 60_000;
        if (options.upFails === true) return { code: 255, stdout: "" };
        if (revision === 0 || marker !== deployed) {
          const failing = marker.includes("-2");
          revision += 1;
          deployed = marker;
          if (failing) {
            // The release step waits on its deployment until it ends.
            deploying = true;
            deployingSince = clock;
            alarmed = false;
            return new Promise((resolve) => {
              finish = (code) => resolve({ code, stdout: "" });
            });
          }
          history.push(revision);
        }
        return { code: 0, stdout: "" };
      }
      if (command === "pnpm" && args[2] === "status") {
        const running = history.at(-1) ?? 0;
        return {
          code: 0,
          stdout: `service comments-sb-ci runs ${ARN(running)}\n${deploying ? "deployment d-1 InProgress" : "no deployment in progress"}\n`,
        };
      }
      if (command === "pnpm" && args[2] === "rollback") {
        history.push(history.at(-2) ?? 0);
        return { code: 0, stdout: "" };
      }
      if (command === "aws" && args[0] === "deploy")
        return { code: 0, stdout: "comments-sb-ci-green-5xx\tcomments-sb-ci-green-latency\n" };
      if (command === "aws" && args[0] === "cloudwatch") {
        alarmed = true;
        return { code: 0, stdout: "" };
      }
      return { code: 0, stdout: "" };
    },
  };
  return { io, calls, files };
}

const options = { name: "ci", region: "us-east-1", runId: "42", failureDeadlineMs: 600_000 };

describe("runAcceptance", () => {
  it("runs every step in order, each timed, and leaves no stack, stack file or marker behind", async () => {
    const world = sandbox();
    const reports = await runAcceptance(options, world.io);
    expect(reports.map((r) => [r.step, r.ok, r.seconds, r.detail])).toEqual([
      ["create stack sandbox-ci", true, 1, "Pulumi.sandbox-ci.yaml written; stack selected"],
      ["pulumi up", true, 62, `${ARN(1)} running`],
      ["release a changed image", true, 63, `${ARN(1)} -> ${ARN(2)} through CodeDeploy`],
      [
        "forced canary failure rolls back",
        true,
        77,
        `2 alarm state change(s); pulumi up failed as it must; ${ARN(2)} still running`,
      ],
      ["pnpm release rollback", true, 2, `${ARN(2)} -> ${ARN(1)}`],
      ["pulumi destroy", true, 2, "sandbox-ci destroyed and removed"],
    ]);
    expect(world.calls.filter((c) => !c.endsWith("release status"))).toEqual([
      "pulumi stack select --create",
      "pulumi up --yes --skip-preview",
      "pulumi up --yes --skip-preview",
      "pulumi up --yes --skip-preview",
      "aws deploy get-deployment-group --application-name",
      "aws cloudwatch set-alarm-state --alarm-name",
      "aws cloudwatch set-alarm-state --alarm-name",
      "pnpm --silent release rollback",
      "pulumi destroy --yes --skip-preview",
      "pulumi stack rm sandbox-ci",
    ]);
    expect([...world.files.keys()]).toEqual([]);
  });

  it("fails the forced-failure step when the deployment succeeds in spite of the alarms, and still destroys", async () => {
    const world = sandbox({ alarmsWork: false });
    const reports = await runAcceptance(options, world.io);
    expect(reports.map((r) => [r.step, r.ok, r.detail]).slice(3)).toEqual([
      [
        "forced canary failure rolls back",
        false,
        "pulumi up succeeded: the forced failure did not roll back",
      ],
      ["pulumi destroy", true, "sandbox-ci destroyed and removed"],
    ]);
  });

  it("stops at the first failed step, destroys, and keeps the stack with keep", async () => {
    const world = sandbox({ upFails: true });
    const reports = await runAcceptance({ ...options, keep: true }, world.io);
    expect(reports.map((r) => [r.step, r.ok, r.detail])).toEqual([
      ["create stack sandbox-ci", true, "Pulumi.sandbox-ci.yaml written; stack selected"],
      ["pulumi up", false, "pulumi up exited 255"],
    ]);
    expect(world.calls.some((c) => c.startsWith("pulumi destroy"))).toBe(false);
    expect(world.files.get("Pulumi.sandbox-ci.yaml")).toBe(sandboxStackFile(options));
  });
});

describe("node .github/scripts/acceptance.ts", () => {
  it("names every bad argument at once", async () => {
    const lines: string[] = [];
    expect(await main(["--name", "Alice-1", "--region", "moon"], {}, (l) => lines.push(l))).toBe(2);
    expect(lines[0]?.split("\n").slice(0, 2)).toEqual([
      'acceptance: --name "Alice-1": 1-6 lowercase letters or digits, starting with a letter',
      '            --region "moon": an AWS region like us-east-1',
    ]);
  });

  it("prints the report table and exits 1 when a step failed", async () => {
    const lines: string[] = [];
    const code = await main(
      ["--name", "ci", "--region", "us-east-1"],
      {},
      (l) => lines.push(l),
      async () => [
        { step: "pulumi up", ok: true, seconds: 300, detail: "a | b" },
        { step: "pulumi destroy", ok: false, seconds: 12, detail: "pulumi destroy exited 255" },
      ],
    );
    expect([code, lines]).toEqual([
      1,
      [
        "| step | result | seconds | detail |",
        "| --- | --- | ---: | --- |",
        "| pulumi up | passed | 300 | a \\| b |",
        "| pulumi destroy | **failed** | 12 | pulumi destroy exited 255 |",
      ],
    ]);
  });
});
