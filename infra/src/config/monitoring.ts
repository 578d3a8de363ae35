/**
 * The `monitoring` section: where dashboards go (a managed Grafana workspace or an existing Grafana)
 * and who gets paged (e-mail, PagerDuty or Opsgenie endpoints).
 */
import { DEFAULT_GRAFANA_VERSION, type GrafanaGroups, MANAGED_GRAFANA_VERSIONS } from "../documents/grafana";
import type { Reader } from "./reader";
import { GRAFANA_MODES, type MonitoringConfig, type SectionContext } from "./types";

/**
 * Regions that offer Amazon Managed Grafana, from "Amazon Managed Grafana endpoints and quotas"
 * (https://docs.aws.amazon.com/general/latest/gr/grafana.html). sa-east-1 is not one: a stack there
 * puts its workspace in another region (`grafanaRegion`) and reads its own Prometheus across
 * regions. GovCloud is left out: its ARNs are in another partition, which this program does not use.
 */
export const GRAFANA_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
] as const;
const GRAFANA_ENDPOINTS_PAGE = "https://docs.aws.amazon.com/general/latest/gr/grafana.html";

/** Reads the Grafana keys and the page and ticket subscriptions. */
export function parseMonitoring(read: Reader, { region }: SectionContext): MonitoringConfig {
  const grafanaMode = read.oneOf("grafanaMode", GRAFANA_MODES, "managed");
  const hasGrafanaToken = read.present("grafanaToken");
  const grafanaUrl = read.optionalString("grafanaUrl");
  const offersGrafana = (name: string) => (GRAFANA_REGIONS as readonly string[]).includes(name);
  const grafanaRegion = read.optionalString("grafanaRegion") ?? (offersGrafana(region) ? region : undefined);
  if (grafanaMode === "managed" && region !== "") {
    if (grafanaRegion === undefined) {
      read.problems.push(
        `grafanaRegion: Amazon Managed Grafana is not offered in ${region} (${GRAFANA_ENDPOINTS_PAGE}); set grafanaRegion to one of ${GRAFANA_REGIONS.join(", ")}, or use grafanaMode existing`,
      );
    } else if (!offersGrafana(grafanaRegion)) {
      read.problem(
        "grafanaRegion",
        grafanaRegion,
        `Amazon Managed Grafana is not offered there (${GRAFANA_ENDPOINTS_PAGE}); must be one of ${GRAFANA_REGIONS.join(", ")}`,
      );
    }
  }
  if (grafanaMode === "existing") {
    if (grafanaUrl === undefined || !/^https:\/\/[^\s/]+/.test(grafanaUrl)) {
      read.problem(
        "grafanaUrl",
        grafanaUrl ?? "",
        "grafanaMode existing needs the https:// URL of that Grafana",
      );
    }
    if (!hasGrafanaToken) {
      read.problems.push(
        "grafanaToken: grafanaMode existing needs a service account token (pulumi config set --secret grafanaToken ...)",
      );
    }
  }
  const grafanaVersion =
    read.optionalString("grafanaVersion", DEFAULT_GRAFANA_VERSION) ?? DEFAULT_GRAFANA_VERSION;
  if (
    grafanaMode === "managed" &&
    !(MANAGED_GRAFANA_VERSIONS as readonly string[]).includes(grafanaVersion)
  ) {
    read.problem(
      "grafanaVersion",
      grafanaVersion,
      `Amazon Managed Grafana creates ${MANAGED_GRAFANA_VERSIONS.join(", ")} (https://docs.aws.amazon.com/grafana/latest/APIReference/API_ListVersions.html)`,
    );
  } else if (grafanaMode === "existing" && !/^\d+\.\d+$/.test(grafanaVersion)) {
    read.problem("grafanaVersion", grafanaVersion, "must be that Grafana's major.minor version, like 11.6");
  }
  // IAM Identity Center group ids (identitystore GroupId:
  // https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_Group.html).
  const groupIds = (key: string) => {
    const list = read.stringList(key, []);
    for (const id of list) {
      if (
        !/^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/.test(
          id,
        )
      )
        read.problem(
          key,
          id,
          "must be IAM Identity Center group ids, like 906754a2-c0a1-70a3-9e5c-1f0e3a7b8c9d",
        );
    }
    if (list.length > 0 && grafanaMode === "existing")
      read.problem(
        key,
        JSON.stringify(list),
        "assigns groups to a managed workspace; grafanaMode is existing",
      );
    return list;
  };
  const grafanaGroups: GrafanaGroups = {
    admin: groupIds("grafanaAdminGroups"),
    editor: groupIds("grafanaEditorGroups"),
    viewer: groupIds("grafanaViewerGroups"),
  };
  return {
    grafana:
      grafanaMode === "existing"
        ? { mode: "existing", url: grafanaUrl ?? "", version: grafanaVersion }
        : { mode: "managed", region: grafanaRegion ?? "", version: grafanaVersion, groups: grafanaGroups },
    pageEmails: emails(read, "pageEmails"),
    ticketEmails: emails(read, "ticketEmails"),
    pageHttpsEndpoints: httpsEndpoints(read, "pageHttpsEndpoints"),
  };
}

/** A list of e-mail addresses. */
function emails(read: Reader, key: string): string[] {
  const list = read.stringList(key, []);
  for (const email of list) {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) read.problem(key, email, "must be e-mail addresses");
  }
  return list;
}

/** A list of https:// URLs that hold an integration key: a problem names the key and what is allowed, never the URL. */
function httpsEndpoints(read: Reader, key: string): string[] {
  const list = read.stringList(key, []);
  if (list.some((url) => !/^https:\/\/[^\s/]+\/\S*$/.test(url)))
    read.problem(key, "<secret>", "must be https:// URLs (set with pulumi config set --secret --path)");
  return list;
}
