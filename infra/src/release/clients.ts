/**
 * The AWS SDK clients of a release. Throttling and transient failures are retried by the SDK itself
 * (standard retry strategy with adaptive rate limiting), not by a loop of ours on top of it:
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { ECSClient } from "@aws-sdk/client-ecs";

/** The AWS SDK clients a release calls, for every strategy's adapter. */
export interface ReleaseClients {
  codedeploy: CodeDeployClient;
  ecs: ECSClient;
}

/**
 * Attempts per call, the first included. A release polls every 15 s for up to an hour; six attempts
 * ride out a throttling burst without hiding a real outage for long.
 */
export const RELEASE_MAX_ATTEMPTS = 6;

/** SDK client settings for a release's calls; `endpoint` points them at an emulator or a test server. */
export function releaseClientConfig(region: string, endpoint?: string) {
  return {
    region,
    maxAttempts: RELEASE_MAX_ATTEMPTS,
    retryMode: "adaptive" as const,
    ...(endpoint === undefined ? {} : { endpoint }),
  };
}

/** The CodeDeploy and ECS clients of a release, with the SDK's retries. */
export function releaseClients(region: string): ReleaseClients {
  return {
    codedeploy: new CodeDeployClient(releaseClientConfig(region)),
    ecs: new ECSClient(releaseClientConfig(region)),
  };
}
