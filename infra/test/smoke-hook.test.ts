/** The smoke hook against a real local instance of the service, with CodeDeploy mocked. */
import { createServer, request, type Server } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from "@aws-sdk/client-codedeploy";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningServer, SERVICE_DIR, startServer } from "../../services/comments-api/test/process";
import { runHook } from "../src/release/smoke-handler";
import { makeCertificates, type TestCertificates } from "./tls";

const codedeploy = mockClient(CodeDeployClient);
const client = new CodeDeployClient({ region: "sa-east-1" });
const event = { DeploymentId: "d-ABC123", LifecycleEventHookExecutionId: "hook-1" };
const userAgent = "comments-platform/c-test (smoke-hook)";
let service: RunningServer;
let broken: Server;
let brokenUrl: string;
// The test listener as prod has it: TLS with a certificate for the stack's domain name, in front of
// the service, reached here through 127.0.0.1.
const DOMAIN = "comments.test.example";
let certificates: TestCertificates;
let listener: Server;
let listenerPort: number;

beforeAll(async () => {
  service = await startServer(SERVICE_DIR);
  // A version that starts but cannot reach its database: /readyz answers 503.
  broken = createServer((_request, response) => {
    response.statusCode = 503;
    response.end('{"status":"UNAVAILABLE","message":"database unavailable"}');
  });
  await new Promise<void>((resolve) => broken.listen(0, "127.0.0.1", resolve));
  brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
  certificates = makeCertificates(DOMAIN);
  const upstream = new URL(service.base);
  listener = createTlsServer({ key: certificates.key, cert: certificates.cert }, (incoming, outgoing) => {
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  listenerPort = (listener.address() as AddressInfo).port;
});
afterAll(async () => {
  service?.child.kill("SIGTERM");
  await service?.exited;
  broken?.close();
  listener?.close();
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
    expect(await runHook(event, client, { baseUrl: service.base, userAgent })).toBe("Succeeded");
    expect(reported()).toEqual([
      { deploymentId: "d-ABC123", lifecycleEventHookExecutionId: "hook-1", status: "Succeeded" },
    ]);
    const stored = await fetch(`${service.base}/api/comment/list/smoke-d-ABC123`);
    expect(await stored.json()).toEqual([
      { email: "smoke-test@comments-platform.invalid", comment: "smoke test of d-ABC123" },
    ]);
  });

  it("reports Failed for a version that never gets ready", async () => {
    expect(await runHook(event, client, { baseUrl: brokenUrl, readyWithinMs: 1500, userAgent })).toBe(
      "Failed: GET /readyz answered 503",
    );
    expect(reported()).toEqual([
      { deploymentId: "d-ABC123", lifecycleEventHookExecutionId: "hook-1", status: "Failed" },
    ]);
  });

  it("reports Failed when the test listener cannot be reached", async () => {
    const outcome = await runHook(event, client, {
      baseUrl: "http://127.0.0.1:9",
      userAgent,
      readyWithinMs: 1500,
      requestTimeoutMs: 500,
    });
    expect(outcome).toBe("Failed: GET /readyz failed: connect ECONNREFUSED 127.0.0.1:9");
    expect(reported().map((input) => input.status)).toEqual(["Failed"]);
  });

  it("verifies TLS against the domain name the certificate covers, and passes", async () => {
    const outcome = await runHook(event, client, {
      baseUrl: `https://${DOMAIN}:${listenerPort}`,
      userAgent,
      connectTo: "127.0.0.1",
      ca: certificates.ca,
    });
    expect(outcome).toBe("Succeeded");
    expect(reported().map((input) => input.status)).toEqual(["Succeeded"]);
  });

  // What every prod release did: the hook called the ALB's own DNS name, which the certificate does
  // not cover. It must fail at once, saying why, not retry for a minute.
  it("fails at once, saying why, when the certificate does not cover the name it calls", async () => {
    const alb = "comments-api-prod-alb-1234567890.sa-east-1.elb.amazonaws.com";
    const outcome = await runHook(event, client, {
      baseUrl: `https://${alb}:${listenerPort}`,
      userAgent,
      connectTo: "127.0.0.1",
      ca: certificates.ca,
    });
    expect(outcome).toBe(
      `Failed: GET /readyz failed: TLS verification of ${alb} failed (ERR_TLS_CERT_ALTNAME_INVALID): Hostname/IP does not match certificate's altnames: Host: ${alb}. is not in the cert's altnames: DNS:${DOMAIN}`,
    );
    expect(reported().map((input) => input.status)).toEqual(["Failed"]);
  });

  it("fails when the certificate's issuer is not trusted", async () => {
    const outcome = await runHook(event, client, {
      baseUrl: `https://${DOMAIN}:${listenerPort}`,
      userAgent,
      connectTo: "127.0.0.1",
    });
    // Node.js 24 adds a hint after OpenSSL's reason ("; if the root CA is installed locally, ...").
    expect(outcome).toMatch(
      new RegExp(
        `^Failed: GET /readyz failed: TLS verification of ${DOMAIN.replaceAll(".", "\\.")} failed \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\): unable to verify the first certificate(; if the root CA is installed locally, try running Node\\.js with --use-system-ca)?$`,
      ),
    );
  });
});
