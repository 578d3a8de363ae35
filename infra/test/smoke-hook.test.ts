/** The smoke hook against a real local instance of the service, with CodeDeploy mocked. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from "@aws-sdk/client-codedeploy";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningServer, SERVICE_DIR, startServer } from "../../services/comments-api/test/process";
import { runHook } from "../src/release/smoke-hook";

const codedeploy = mockClient(CodeDeployClient);
const client = new CodeDeployClient({ region: "sa-east-1" });
const event = { DeploymentId: "d-ABC123", LifecycleEventHookExecutionId: "hook-1" };
let service: RunningServer;
let broken: Server;
let brokenUrl: string;

beforeAll(async () => {
  service = await startServer(SERVICE_DIR);
  // A version that starts but cannot reach its database: /readyz answers 503.
  broken = createServer((_request, response) => {
    response.statusCode = 503;
    response.end('{"status":"UNAVAILABLE","message":"database unavailable"}');
  });
  await new Promise<void>((resolve) => broken.listen(0, "127.0.0.1", resolve));
  brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  service?.child.kill("SIGTERM");
  await service?.exited;
  broken?.close();
});
beforeEach(() => {
  codedeploy.reset();
  codedeploy
    .on(PutLifecycleEventHookExecutionStatusCommand)
    .resolves({ lifecycleEventHookExecutionId: "hook-1" });
});

const reported = () =>
  codedeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand).map((call) => call.args[0].input);

describe("the smoke hook", () => {
  it("reports Succeeded for a healthy version that stores and returns a comment", async () => {
    expect(await runHook(event, client, { baseUrl: service.base })).toBe("Succeeded");
    expect(reported()).toEqual([
      { deploymentId: "d-ABC123", lifecycleEventHookExecutionId: "hook-1", status: "Succeeded" },
    ]);
    const stored = await fetch(`${service.base}/api/comment/list/smoke-d-ABC123`);
    expect(await stored.json()).toEqual([
      { email: "smoke-test@comments-platform.invalid", comment: "smoke test of d-ABC123" },
    ]);
  });

  it("reports Failed for a version that never gets ready", async () => {
    expect(await runHook(event, client, { baseUrl: brokenUrl, readyWithinMs: 1500 })).toBe(
      "Failed: GET /readyz answered 503",
    );
    expect(reported()).toEqual([
      { deploymentId: "d-ABC123", lifecycleEventHookExecutionId: "hook-1", status: "Failed" },
    ]);
  });

  it("reports Failed when the test listener cannot be reached", async () => {
    const outcome = await runHook(event, client, {
      baseUrl: "http://127.0.0.1:9",
      readyWithinMs: 1500,
      requestTimeoutMs: 500,
    });
    expect(outcome).toBe("Failed: GET /readyz failed: fetch failed");
    expect(reported().map((input) => input.status)).toEqual(["Failed"]);
  });
});
