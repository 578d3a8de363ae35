/**
 * The AfterAllowTestTraffic hook (`CodeDeployHook_<stack>_smoke`): calls the new version through the
 * test listener (readiness, then a write and its read-back) and reports Succeeded or Failed to
 * CodeDeploy. A failure means production traffic never reaches the new version.
 *
 * This file is the Lambda's whole code: it imports only Node.js's own modules and the AWS SDK, which
 * the Node.js 22 Lambda runtime provides, and is shipped transpiled as a single file.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from "@aws-sdk/client-codedeploy";

/** What CodeDeploy sends a lifecycle hook. */
export interface HookEvent {
  DeploymentId: string;
  LifecycleEventHookExecutionId: string;
}

/** Where and how the smoke test calls the service. */
export interface SmokeOptions {
  /** Test listener base URL, e.g. https://comments.example.com:8443: TLS is verified against its host. */
  baseUrl: string;
  /**
   * Sent as User-Agent on every request (release/user-agent.ts): node:http sends none, and the
   * prod web ACL's NoUserAgent_HEADER rule blocks a request without one
   * (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html).
   */
  userAgent: string;
  /** How long green may take to answer /readyz. @default 60000 */
  readyWithinMs?: number;
  /** Per request. @default 5000 */
  requestTimeoutMs?: number;
  /**
   * Connect to this address instead of resolving the URL's host, still verifying TLS against the
   * host (what `curl --resolve` does). @default unset: the host is resolved by DNS
   */
  connectTo?: string;
  /** Extra trusted CA certificates (PEM). @default unset: Node.js's bundled roots, which include Amazon's */
  ca?: string;
}

interface Answer {
  status: number;
  body: string;
}

/** Errors of certificate verification: retrying cannot fix them, so the hook fails at once, saying so. */
const TLS_VERIFICATION_ERRORS = new Set([
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
]);

class TlsVerificationError extends Error {}

/**
 * One HTTP(S) request with node:http(s) rather than fetch: its `lookup` lets a test reach a local
 * server by the certificate's name, and its errors say what failed ("fetch failed" says nothing).
 */
function send(
  options: SmokeOptions,
  path: string,
  init: { method?: string; body?: string } = {},
): Promise<Answer> {
  const url = new URL(`${options.baseUrl}${path}`);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  const address = options.connectTo;
  const lookup: LookupFunction | undefined =
    address === undefined
      ? undefined
      : (_hostname, lookupOptions, callback) => {
          // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily).
          if ((lookupOptions as { all?: boolean }).all === true)
            (callback as unknown as (e: null, all: Array<{ address: string; family: number }>) => void)(
              null,
              [{ address, family: 4 }],
            );
          else callback(null, address, 4);
        };
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: init.method ?? "GET",
        timeout: options.requestTimeoutMs ?? 5000,
        headers: {
          "user-agent": options.userAgent,
          ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(lookup === undefined ? {} : { lookup }),
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", reject);
      },
    );
    outgoing.on("timeout", () =>
      outgoing.destroy(new Error(`no answer within ${options.requestTimeoutMs ?? 5000} ms`)),
    );
    outgoing.on("error", (error: Error & { code?: string }) => {
      reject(
        error.code !== undefined && TLS_VERIFICATION_ERRORS.has(error.code)
          ? new TlsVerificationError(
              `TLS verification of ${url.hostname} failed (${error.code}): ${error.message}`,
            )
          : error,
      );
    });
    outgoing.end(init.body);
  });
}

/** Runs the smoke test; resolves with what failed, or undefined when everything passed. */
export async function smokeTest(deploymentId: string, options: SmokeOptions): Promise<string | undefined> {
  const deadline = Date.now() + (options.readyWithinMs ?? 60_000);

  let readiness = "not tried";
  for (;;) {
    try {
      const ready = await send(options, "/readyz");
      readiness = `GET /readyz answered ${ready.status}`;
      if (ready.status === 200) break;
    } catch (error) {
      readiness = `GET /readyz failed: ${(error as Error).message}`;
      // A certificate that does not fit will not fit in a minute either.
      if (error instanceof TlsVerificationError) return readiness;
    }
    if (Date.now() >= deadline) return readiness;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }

  // A content of its own per deployment: repeated runs never collide, real content is untouched.
  const contentId = `smoke-${deploymentId}`.replace(/[^A-Za-z0-9_.:-]/g, "-");
  const comment = `smoke test of ${deploymentId}`;
  try {
    const created = await send(options, "/api/comment/new", {
      method: "POST",
      body: JSON.stringify({ email: "smoke-test@comments-platform.invalid", comment, content_id: contentId }),
    });
    if (created.status !== 200) return `POST /api/comment/new answered ${created.status}: ${created.body}`;
    const listed = await send(options, `/api/comment/list/${contentId}`);
    if (listed.status !== 200) return `GET /api/comment/list/${contentId} answered ${listed.status}`;
    const comments = JSON.parse(listed.body) as Array<{ comment: string }>;
    if (!comments.some((c) => c.comment === comment))
      return `the comment written was not read back from /api/comment/list/${contentId}`;
  } catch (error) {
    return `write and read-back failed: ${(error as Error).message}`;
  }
  return undefined;
}

/** The hook: smoke-test, then tell CodeDeploy. The client comes in, so tests can mock it. */
export async function runHook(
  event: HookEvent,
  codedeploy: Pick<CodeDeployClient, "send">,
  options: SmokeOptions,
): Promise<string> {
  const failure = await smokeTest(event.DeploymentId, options);
  await codedeploy.send(
    new PutLifecycleEventHookExecutionStatusCommand({
      deploymentId: event.DeploymentId,
      lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
      status: failure === undefined ? "Succeeded" : "Failed",
    }),
  );
  const outcome = failure === undefined ? "Succeeded" : `Failed: ${failure}`;
  console.log(`smoke test of ${event.DeploymentId} through ${options.baseUrl}: ${outcome}`);
  return outcome;
}

/** Lambda entry point: TEST_LISTENER_URL and USER_AGENT from the function's environment. */
export async function handler(event: HookEvent): Promise<string> {
  const baseUrl = process.env.TEST_LISTENER_URL;
  if (baseUrl === undefined) throw new Error("TEST_LISTENER_URL is not set");
  // Computed by the stack from the image tag (components/smoke-hook.ts): this file imports nothing of ours.
  const userAgent = process.env.USER_AGENT;
  if (userAgent === undefined || userAgent === "") throw new Error("USER_AGENT is not set");
  // The SDK retries throttling itself, as the release's clients do (release/clients.ts).
  return runHook(event, new CodeDeployClient({ maxAttempts: 6, retryMode: "adaptive" }), {
    baseUrl,
    userAgent,
  });
}
