/**
 * The release's SDK clients against a local server that speaks CodeDeploy's JSON protocol: the SDK
 * itself retries throttling (adaptive mode, six attempts), and never an error a retry cannot fix.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CodeDeployClient, GetDeploymentCommand } from "@aws-sdk/client-codedeploy";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RELEASE_MAX_ATTEMPTS, releaseClientConfig } from "../src/release/clients";

let server: Server;
let endpoint: string;
let answers: Array<{ status: number; body: Record<string, unknown> }>;
let targets: string[];
beforeAll(async () => {
  server = createServer((request, response) => {
    targets.push(String(request.headers["x-amz-target"]));
    request.resume();
    request.on("end", () => {
      const answer = answers.shift() ?? {
        status: 500,
        body: { __type: "InternalFailure", message: "no answer left" },
      };
      response.writeHead(answer.status, { "content-type": "application/x-amz-json-1.1" });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());
beforeEach(() => {
  targets = [];
});

const client = () =>
  new CodeDeployClient({
    ...releaseClientConfig("sa-east-1", endpoint),
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
// CodeDeploy's answer to too many calls (its JSON error shape: __type and message).
const throttled = { status: 400, body: { __type: "ThrottlingException", message: "Rate exceeded" } };

describe("the release's SDK clients", () => {
  it("retry throttling by themselves and return the answer", async () => {
    answers = [
      throttled,
      throttled,
      { status: 200, body: { deploymentInfo: { deploymentId: "d-1", status: "InProgress" } } },
    ];
    const { deploymentInfo } = await client().send(new GetDeploymentCommand({ deploymentId: "d-1" }));
    expect(deploymentInfo).toEqual({ deploymentId: "d-1", status: "InProgress" });
    expect(targets).toEqual(Array(3).fill("CodeDeploy_20141006.GetDeployment"));
  });

  it(`give up after ${RELEASE_MAX_ATTEMPTS} attempts, with CodeDeploy's error`, async () => {
    answers = Array(RELEASE_MAX_ATTEMPTS + 2).fill(throttled);
    await expect(client().send(new GetDeploymentCommand({ deploymentId: "d-1" }))).rejects.toMatchObject({
      name: "ThrottlingException",
      message: "Rate exceeded",
    });
    expect(targets).toHaveLength(RELEASE_MAX_ATTEMPTS);
  });

  it("do not retry what a retry cannot fix", async () => {
    answers = [{ status: 400, body: { __type: "DeploymentDoesNotExistException", message: "no d-9" } }];
    await expect(client().send(new GetDeploymentCommand({ deploymentId: "d-9" }))).rejects.toMatchObject({
      name: "DeploymentDoesNotExistException",
    });
    expect(targets).toHaveLength(1);
  });
});
