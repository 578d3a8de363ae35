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

/**
 * The Grafana versions Amazon Managed Grafana creates workspaces with (CreateWorkspace's
 * grafanaVersion; ListVersions answers the current list:
 * https://docs.aws.amazon.com/grafana/latest/APIReference/API_ListVersions.html). Its user guide has
 * a "Working in Grafana version N" part for 8, 9, 10 and 12
 * (https://docs.aws.amazon.com/grafana/latest/userguide/using-grafana-v12.html).
 */
export const MANAGED_GRAFANA_VERSIONS = ["8.4", "9.4", "10.4", "12.4"] as const;
/** The version a stack's Grafana is pinned to unless its config says otherwise: the newest. */
export const DEFAULT_GRAFANA_VERSION = "12.4";

/** The core data source, which signs with SigV4 itself up to Grafana 11. */
export const CORE_PROMETHEUS_TYPE = "prometheus";
/**
 * From Grafana 12, SigV4 to Amazon Managed Prometheus is the Amazon Managed Service for Prometheus
 * plugin, no longer the core data source (AMG user guide, "prometheus-manually-adding":
 * https://docs.aws.amazon.com/grafana/latest/userguide/prometheus-manually-adding.html; Grafana,
 * https://grafana.com/docs/grafana/latest/datasources/prometheus/configure/aws-authentication/).
 */
export const AMAZON_PROMETHEUS_TYPE = "grafana-amazonprometheus-datasource";

/** The data source type that signs requests to AMP on a Grafana of `version` (major.minor). */
export function prometheusDataSourceType(version: string): string {
  return Number(version.split(".")[0]) >= 12 ? AMAZON_PROMETHEUS_TYPE : CORE_PROMETHEUS_TYPE;
}

/**
 * A dashboard of dashboards/ (written for the core `prometheus` type) for a data source of `type`:
 * the data source variable lists data sources of that type, and every reference to it names it.
 */
export function dashboardForDataSource(json: string, type: string): string {
  if (type === CORE_PROMETHEUS_TYPE) return json;
  const retype = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(retype);
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    const copy = Object.fromEntries(Object.entries(record).map(([key, item]) => [key, retype(item)]));
    // A data source reference ({type, uid}), and the data source variable (type "datasource").
    if (record.type === CORE_PROMETHEUS_TYPE && "uid" in record) copy.type = type;
    if (record.type === "datasource" && record.query === CORE_PROMETHEUS_TYPE) copy.query = type;
    return copy;
  };
  return JSON.stringify(retype(JSON.parse(json)), null, 2);
}

/** Identity Center groups per Grafana role of the managed workspace. */
export interface GrafanaGroups {
  admin: string[];
  editor: string[];
  viewer: string[];
}

/** The workspace roles with their groups, in a fixed order, leaving out the roles without any. */
export function roleAssociations(
  groups: GrafanaGroups,
): Array<{ role: "ADMIN" | "EDITOR" | "VIEWER"; groupIds: string[] }> {
  return (
    [
      ["ADMIN", groups.admin],
      ["EDITOR", groups.editor],
      ["VIEWER", groups.viewer],
    ] as const
  )
    .filter(([, groupIds]) => groupIds.length > 0)
    .map(([role, groupIds]) => ({ role, groupIds: [...groupIds] }));
}
