import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import { DescribeServicesCommand, ECSClient, ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { loadStackConfig, rawConfigFrom } from "../src/config";
import { runReleaseCli } from "../src/release/cli";
import { readStackFile } from "../src/stack-file";

const codedeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const clients = {
  codedeploy: new CodeDeployClient({ region: "sa-east-1" }),
  ecs: new ECSClient({ region: "sa-east-1" }),
};
const config = loadStackConfig("prod", rawConfigFrom(readStackFile("prod")));
const revision = (n: number) => `arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod:${n}`;
let lines: string[];
const io = () => ({ log: (line: string) => lines.push(line), sleep: async () => {}, now: () => 0 });

beforeEach(() => {
  codedeploy.reset();
  ecs.reset();
  lines = [];
  codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
  codedeploy.on(GetDeploymentTargetCommand).resolves({});
  ecs.on(DescribeServicesCommand).resolves({ services: [{ taskDefinition: revision(42) }] });
});

describe("pnpm release", () => {
  it("status: the running revision and deployments in progress", async () => {
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ["d-5"] });
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: "InProgress" } });
    expect(await runReleaseCli(["status", "--stack", "prod"], config, clients, io())).toBe(0);
    expect(lines).toEqual([`service comments-api-prod runs ${revision(42)}`, "deployment d-5 InProgress"]);
  });

  it("deploy: needs a task definition", async () => {
    expect(await runReleaseCli(["deploy", "--stack", "prod"], config, clients, io())).toBe(2);
    expect(lines[0]?.split("\n")[0]).toBe("deploy needs --task-definition <arn>");
  });

  it("rollback: stops a deployment in progress with rollback", async () => {
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ["d-5"] });
    expect(await runReleaseCli(["rollback", "--stack", "prod"], config, clients, io())).toBe(0);
    expect(codedeploy.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { deploymentId: "d-5", autoRollbackEnabled: true },
    ]);
  });

  it("rollback: otherwise redeploys the previous ACTIVE revision, blue/green, with the smoke hook", async () => {
    ecs
      .on(ListTaskDefinitionsCommand)
      .resolves({ taskDefinitionArns: [revision(42), revision(41), revision(40)] });
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-6" });
    codedeploy
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: { deploymentId: "d-6", status: "Succeeded" } });
    expect(await runReleaseCli(["rollback", "--stack", "prod"], config, clients, io())).toBe(0);
    expect(ecs.commandCalls(ListTaskDefinitionsCommand)[0]?.args[0].input).toEqual({
      familyPrefix: "comments-api-prod",
      sort: "DESC",
      status: "ACTIVE",
    });
    const appSpec = JSON.parse(
      codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input.revision?.appSpecContent?.content ??
        "{}",
    );
    expect(appSpec.Resources[0].TargetService.Properties.TaskDefinition).toBe(revision(41));
    expect(appSpec.Hooks).toEqual([{ AfterAllowTestTraffic: "CodeDeployHook_prod_smoke" }]);
    expect(lines[0]).toBe(`rolling back comments-api-prod from ${revision(42)} to ${revision(41)}`);
    expect(lines.at(-1)).toBe("rolled back by d-6");
  });

  it("rollback: refuses when no earlier revision is ACTIVE", async () => {
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [revision(42)] });
    expect(await runReleaseCli(["rollback", "--stack", "prod"], config, clients, io())).toBe(1);
    expect(lines).toEqual([
      `no revision of comments-api-prod before ${revision(42)} is ACTIVE: nothing to roll back to`,
    ]);
  });

  it("reports AWS errors as one line and exit code 1", async () => {
    ecs
      .on(DescribeServicesCommand)
      .rejects(Object.assign(new Error("User is not authorized"), { name: "AccessDeniedException" }));
    expect(await runReleaseCli(["status", "--stack", "prod"], config, clients, io())).toBe(1);
    expect(lines).toEqual(["release status failed: User is not authorized"]);
  });
});
