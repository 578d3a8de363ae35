/** Pure pieces of the Grafana setup. */

/** Managed Grafana service account tokens live at most 30 days (AWS); the program renews at 25. */
export const TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;
/** Days between Grafana token renewals: under the 30-day limit, with room for a missed run. */
export const TOKEN_ROTATION_DAYS = 25;

/**
 * The rotation window a moment falls in. The token's name carries it, so a `pulumi up` in a new
 * window replaces the token, and every preview within a window shows no change. Only a `pulumi up`
 * renews it (the nightly drift job runs no program): deploy each stack at least every 25 days.
 */
export function tokenRotationWindow(now: Date, days: number = TOKEN_ROTATION_DAYS): string {
  const window = Math.floor(now.getTime() / (days * 24 * 3600 * 1000));
  return `w${window}`;
}

/**
 * The SigV4 auth types Grafana knows (`default`, `keys`, `credentials`, `ec2_iam_role`,
 * `grafana_assume_role`: https://github.com/grafana/grafana-aws-sdk/tree/main/pkg/awsauth). Managed Grafana signs with its workspace
 * IAM role, which the editor calls "Workspace IAM Role" and stores as `ec2_iam_role`; an existing
 * Grafana uses its host's default credential chain.
 */
export const SIGV4_AUTH_TYPE = { managed: "ec2_iam_role", existing: "default" } as const;

/**
 * The AMP data source's JSON settings. `region` is Prometheus's region, which signs the requests:
 * the Grafana workspace may live in another one.
 */
export function prometheusDataSourceSettings(
  region: string,
  mode: "managed" | "existing",
): Record<string, unknown> {
  return {
    httpMethod: "POST",
    sigV4Auth: true,
    sigV4AuthType: SIGV4_AUTH_TYPE[mode],
    sigV4Region: region,
  };
}

/** What Amazon Managed Grafana's workspace role may do: read this Prometheus workspace. */
export function grafanaQueryPolicy(workspaceArn: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "QueryPrometheus",
        Effect: "Allow",
        Action: ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"],
        Resource: workspaceArn,
      },
    ],
  };
}
