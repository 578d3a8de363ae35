/**
 * Every HTTP client we ship sends a User-Agent naming the product and its release, through a local
 * front that refuses what prod's web ACL refuses (NoUserAgent_HEADER: 403 without one): the smoke
 * hook Lambda, `pnpm smoke`, and the release's Grafana and Prometheus calls.
 */
import { execFile } from "node:child_process";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from "@aws-sdk/client-codedeploy";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, SERVICE_DIR, startServer } from "../../services/comments-api/test/process";
import { loadStackConfig, rawConfigFrom, readConfigSpecs } from "../src/config";
import { imageTagFor } from "../src/image-tag";
import { grafanaAnnotator } from "../src/release/annotations";
import { runReleaseCli } from "../src/release/cli";
import type { ReleaseClients } from "../src/release/clients";
import { prometheusQuery, sigV4Signer } from "../src/release/prometheus";
import { handler } from "../src/release/smoke-handler";
import { userAgent } from "../src/release/user-agent";
import { REPO_ROOT, readStackFile } from "../src/stack-file";
import { startWafFront, WAF_FORBIDDEN_BODY, type WafFront } from "./waf-front";

const specs = readConfigSpecs();

const TAG = imageTagFor(REPO_ROOT);

describe("userAgent", () => {
  it("names the product, the release and the client, as RFC 9110 shapes a User-Agent", () => {
    expect(userAgent("smoke-hook", "c-0123456789abcdef0123")).toBe(
      "comments-platform/c-0123456789abcdef0123 (smoke-hook)",
    );
    expect(userAgent("release", "4f2a9c1")).toBe("comments-platform/4f2a9c1 (release)");
  });

  it("refuses a release that is not an HTTP token", () => {
    expect(() => userAgent("smoke-cli", "v 1")).toThrow(
      'userAgent: release "v 1" must be an HTTP token, like c-0123abcd',
    );
    expect(() => userAgent("smoke-cli", "")).toThrow('userAgent: release "" must be an HTTP token');
  });
});

describe("through a front that refuses requests without a User-Agent", () => {
  let service: RunningServer;
  let front: WafFront;
  /** Answers as Prometheus's query API and Grafana's annotations API do, whatever is asked. */
  let fake: Server;
  let fakeFront: WafFront;
  beforeAll(async () => {
    service = await startServer(SERVICE_DIR);
    front = await startWafFront(service.base);
    fake = createServer((incoming, outgoing) => {
      incoming.resume();
      outgoing.setHeader("content-type", "application/json");
      outgoing.end(
        incoming.url?.startsWith("/api/annotations") === true
          ? '{"message":"Annotation added","id":3}'
          : '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.5"]}]}}',
      );
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    fakeFront = await startWafFront(`http://127.0.0.1:${(fake.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    await front?.close();
    await fakeFront?.close();
    fake?.close();
    service?.child.kill("SIGTERM");
    await service?.exited;
  });

  it("is a front that answers 403 to a request without one, as NoUserAgent_HEADER does", async () => {
    // node:http sends no User-Agent unless told to: what the smoke test did.
    const answer = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      request(`${front.base}/readyz`, (response) => {
        let body = "";
        response.on("data", (chunk) => {
          body += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode, body }));
      })
        .on("error", reject)
        .end();
    });
    expect(answer).toEqual({ status: 403, body: WAF_FORBIDDEN_BODY });
    expect(front.userAgents.splice(0)).toEqual([undefined]);
  });

  it("the smoke hook Lambda passes through it, naming its release on every request", async () => {
    const codedeploy = mockClient(CodeDeployClient);
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
    const agent = userAgent("smoke-hook", TAG);
    process.env.TEST_LISTENER_URL = front.base;
    process.env.USER_AGENT = agent;
    try {
      expect(await handler({ DeploymentId: "d-UA1", LifecycleEventHookExecutionId: "hook-ua" })).toBe(
        "Succeeded",
      );
    } finally {
      delete process.env.TEST_LISTENER_URL;
      delete process.env.USER_AGENT;
      codedeploy.restore();
    }
    // Readiness, the write, its read-back.
    expect(front.userAgents.splice(0)).toEqual([agent, agent, agent]);
  });

  it("the smoke hook Lambda refuses to start without USER_AGENT", async () => {
    process.env.TEST_LISTENER_URL = front.base;
    try {
      await expect(handler({ DeploymentId: "d-UA2", LifecycleEventHookExecutionId: "h" })).rejects.toThrow(
        "USER_AGENT is not set",
      );
    } finally {
      delete process.env.TEST_LISTENER_URL;
    }
    expect(front.userAgents.splice(0)).toEqual([]);
  });

  it("pnpm smoke passes through it, naming the checkout's image tag", async () => {
    // Asynchronously: the front answers from this process.
    const result = await new Promise<{ status: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "scripts/smoke.ts", front.base, "--id", "ua-1"],
        { cwd: join(__dirname, ".."), encoding: "utf8" },
        (error, stdout) => resolve({ status: error === null ? 0 : Number(error.code), stdout }),
      );
    });
    expect([result.status, result.stdout]).toEqual([
      0,
      `smoke: ${front.base} passed: ready, wrote and read back a comment under smoke-ua-1\n`,
    ]);
    const agent = `comments-platform/${TAG} (smoke-cli)`;
    expect(front.userAgents.splice(0)).toEqual([agent, agent, agent]);
  });

  it("the release's Grafana annotations pass through it", async () => {
    const agent = userAgent("release", TAG);
    const annotate = grafanaAnnotator(fakeFront.base, "glsa_token", {
      stack: "prod",
      revision: "42",
      userAgent: agent,
      deployer: "CodeDeploy",
    });
    expect(await annotate({ phase: "start", deploymentId: "d-1", time: 1_000 })).toBe("3");
    expect(fakeFront.userAgents.splice(0)).toEqual([agent]);
  });

  it("the release's Prometheus queries pass through it, signed or not, the User-Agent left unsigned", async () => {
    const agent = userAgent("release", TAG);
    expect(await prometheusQuery(fakeFront.base, { userAgent: agent })("up", 1)).toEqual({ value: 0.5 });
    const signer = sigV4Signer("sa-east-1", "aps", { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });
    const seen: Array<Record<string, string>> = [];
    const recording: typeof fetch = (input, init) => {
      seen.push(init?.headers as Record<string, string>);
      return fetch(input, init);
    };
    expect(
      await prometheusQuery(fakeFront.base, { userAgent: agent, signer, fetchImpl: recording })("up", 1),
    ).toEqual({ value: 0.5 });
    expect(fakeFront.userAgents.splice(0)).toEqual([agent, agent]);
    expect(seen[0]?.["user-agent"]).toBe(agent);
    expect(seen[0]?.authorization).toMatch(/ SignedHeaders=content-type;host;x-amz-date, /);
  });

  it("pnpm release analyze names the checkout's image tag by default", async () => {
    const config = loadStackConfig("prod", rawConfigFrom(readStackFile("prod")), specs);
    await runReleaseCli(
      ["analyze", "--stack", "prod", "--prometheus-url", fakeFront.base, "--revision", "42", "--at", "1000"],
      config,
      {} as ReleaseClients,
      { log: () => {} },
    );
    const seen = fakeFront.userAgents.splice(0);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([`comments-platform/${TAG} (release)`]));
  });
});
