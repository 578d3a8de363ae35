/**
 * `pnpm release` on an ECS-native stack (`--strategy ecs`, as the release step passes it, or the
 * stack's comments-platform:releaseStrategy), over the release harness with the ECS timeline:
 * status, rollback of a deployment in progress, rollback to the last good revision, and no second
 * canary judge on the runner (the hook judges inside AWS).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { loadStackConfig, rawConfigFrom, readConfigSpecs } from "../src/config";
import { runReleaseCli } from "../src/release/cli";
import { parseReleaseArgs } from "../src/release/cli-args";
import { commandContext } from "../src/release/cli-context";
import { readStackFile } from "../src/stack-file";
import { ecsNative, serviceDeployment } from "./ecs-timeline";
import { type ReleaseHarness, releaseHarness, revision } from "./release-harness";

const config = loadStackConfig("prod", rawConfigFrom(readStackFile("prod")), readConfigSpecs());
let aws: ReleaseHarness;
let ecs: ReturnType<typeof ecsNative>;
const cli = (...argv: string[]) =>
  runReleaseCli([...argv, "--stack", "prod", "--strategy", "ecs"], config, aws.clients, aws.io());
beforeEach(() => {
  aws = releaseHarness();
  ecs = ecsNative(aws, revision(42));
});

describe("pnpm release --strategy ecs", () => {
  it("status: the service's revision and its service deployments in progress", async () => {
    ecs.existing("EZe5RNVLH6PPzHXINuP28", revision(43)).at(0).status("IN_PROGRESS");
    expect(await cli("status")).toBe(0);
    expect(aws.lines).toEqual([
      `service comments-api-prod runs ${revision(43)}`,
      `deployment ${serviceDeployment("EZe5RNVLH6PPzHXINuP28")} IN_PROGRESS`,
    ]);
  });

  it("rollback: StopServiceDeployment ROLLBACK of the deployment in progress", async () => {
    ecs.existing("EZe5RNVLH6PPzHXINuP28", revision(43)).at(0).status("IN_PROGRESS");
    expect(await cli("rollback")).toBe(0);
    expect(ecs.stopped()).toEqual([
      { serviceDeploymentArn: serviceDeployment("EZe5RNVLH6PPzHXINuP28"), stopType: "ROLLBACK" },
    ]);
    expect(ecs.updated()).toEqual([]);
  });

  it("rollback: with nothing in progress, UpdateService back to the revision the newest SUCCESSFUL deployment replaced", async () => {
    ecs.existing("older", revision(42), revision(41)).at(0).status("SUCCESSFUL");
    ecs.existing("newest", revision(43), revision(42)).at(0).status("SUCCESSFUL");
    ecs.creates().at(0).status("IN_PROGRESS").at(60).status("SUCCESSFUL");
    expect(await cli("rollback")).toBe(0);
    expect(ecs.updated().map((input) => input.taskDefinition)).toEqual([revision(42)]);
    expect(aws.lines[0]).toMatch(
      new RegExp(
        `^rolling back comments-api-prod from ${revision(43)} to ${revision(42)}: the revision ${serviceDeployment("newest")} replaced`,
      ),
    );
  });

  it("takes its strategy from --strategy, else the stack's releaseStrategy; on ECS the runner judges no canary", () => {
    const argv = ["deploy", "--stack", "prod", "--task-definition", revision(43)];
    const judging = ["--prometheus-url", "http://127.0.0.1:9", "--analysis", "canary"];
    const context = (extra: string[]) => {
      const args = parseReleaseArgs([...argv, ...judging, ...extra]);
      if (!args.ok) throw new Error(args.problem);
      return commandContext(args, config, aws.clients, aws.io(), {});
    };
    expect(config.release.strategy).toBe("codedeploy");
    expect(context([]).deployer.strategy).toBe("codedeploy");
    expect(context([]).judged(revision(43)).canary?.plan.name).toBe("canary");
    const onEcs = context(["--strategy", "ecs"]);
    expect(onEcs.deployer.strategy).toBe("ecs");
    expect(onEcs.judged(revision(43)).canary).toBeUndefined();
    // The budget gate still runs before the deployment is created.
    expect(typeof onEcs.judged(revision(43)).gate).toBe("function");
  });
});
