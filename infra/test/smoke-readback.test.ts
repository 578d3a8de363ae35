/**
 * The smoke hook against a version that answers every request well but forgets what it was told
 * (the original per-process store behind two tasks): the write succeeds, the read-back lacks the
 * comment just written, and the hook reports Failed with that reason.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from "@aws-sdk/client-codedeploy";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHook } from "../src/release/smoke-handler";

const codedeploy = mockClient(CodeDeployClient);
let forgetful: Server;
let base: string;

beforeAll(async () => {
  forgetful = createServer((incoming, outgoing) => {
    outgoing.setHeader("content-type", "application/json");
    if (incoming.url === "/readyz") return outgoing.end('{"status":"READY"}');
    if (incoming.method === "POST")
      return outgoing.end(
        '{"status":"SUCCESS","message":"comment created and associated with content_id smoke-d-ABC123"}',
      );
    // Another task's memory: a comment, but not the one just written.
    outgoing.end('[{"email":"someone@example.com","comment":"an older comment"}]');
  });
  await new Promise<void>((resolve) => forgetful.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(forgetful.address() as AddressInfo).port}`;
});
afterAll(() => {
  forgetful?.close();
  codedeploy.restore();
});

describe("the smoke hook's read-back", () => {
  it("fails when the list lacks the comment just written", async () => {
    codedeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .resolves({ lifecycleEventHookExecutionId: "hook-1" });
    const outcome = await runHook(
      { DeploymentId: "d-ABC123", LifecycleEventHookExecutionId: "hook-1" },
      new CodeDeployClient({ region: "sa-east-1" }),
      { baseUrl: base, userAgent: "comments-platform/c-test (smoke-hook)" },
    );
    expect(outcome).toBe(
      "Failed: the comment written was not read back from /api/comment/list/smoke-d-ABC123",
    );
    expect(
      codedeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand).map((c) => c.args[0].input),
    ).toEqual([{ deploymentId: "d-ABC123", lifecycleEventHookExecutionId: "hook-1", status: "Failed" }]);
  });
});
