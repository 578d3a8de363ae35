/**
 * The AfterAllowTestTraffic hook (`CodeDeployHook_<stack>_smoke`): calls the new version through the
 * test listener (readiness, then a write and its read-back) and reports Succeeded or Failed to
 * CodeDeploy. A failure means production traffic never reaches the new version.
 *
 * This file is the Lambda's whole code: it imports only the AWS SDK, which the Node.js 22 Lambda
 * runtime provides, and is shipped transpiled as a single file.
 */
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from "@aws-sdk/client-codedeploy";

export interface HookEvent {
  DeploymentId: string;
  LifecycleEventHookExecutionId: string;
}

export interface SmokeOptions {
  /** Test listener base URL, e.g. https://alb-dns:8443 */
  baseUrl: string;
  /** How long green may take to answer /readyz. @default 60000 */
  readyWithinMs?: number;
  /** Per request. @default 5000 */
  requestTimeoutMs?: number;
}

/** Runs the smoke test; resolves with what failed, or undefined when everything passed. */
export async function smokeTest(deploymentId: string, options: SmokeOptions): Promise<string | undefined> {
  const timeout = options.requestTimeoutMs ?? 5000;
  const deadline = Date.now() + (options.readyWithinMs ?? 60_000);
  const call = (path: string, init?: RequestInit) =>
    fetch(`${options.baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(timeout) });

  let readiness = "not tried";
  for (;;) {
    try {
      const ready = await call("/readyz");
      readiness = `GET /readyz answered ${ready.status}`;
      await ready.arrayBuffer();
      if (ready.status === 200) break;
    } catch (error) {
      readiness = `GET /readyz failed: ${(error as Error).message}`;
    }
    if (Date.now() >= deadline) return readiness;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }

  // A content of its own per deployment: repeated runs never collide, real content is untouched.
  const contentId = `smoke-${deploymentId}`.replace(/[^A-Za-z0-9_.:-]/g, "-");
  const comment = `smoke test of ${deploymentId}`;
  try {
    const created = await call("/api/comment/new", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "smoke-test@comments-platform.invalid", comment, content_id: contentId }),
    });
    if (created.status !== 200)
      return `POST /api/comment/new answered ${created.status}: ${await created.text()}`;
    await created.arrayBuffer().catch(() => undefined);
    const listed = await call(`/api/comment/list/${contentId}`);
    if (listed.status !== 200) return `GET /api/comment/list/${contentId} answered ${listed.status}`;
    const comments = (await listed.json()) as Array<{ comment: string }>;
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

/** Lambda entry point: TEST_LISTENER_URL from the function's environment. */
export async function handler(event: HookEvent): Promise<string> {
  const baseUrl = process.env.TEST_LISTENER_URL;
  if (baseUrl === undefined) throw new Error("TEST_LISTENER_URL is not set");
  return runHook(event, new CodeDeployClient({}), { baseUrl });
}
