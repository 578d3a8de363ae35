/** Managed Grafana with a pinned older version and Identity Center groups, and the pure pieces. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { dashboardForDataSource, prometheusDataSourceType, roleAssociations } from "../src/documents/grafana";
import { readMonitoringFiles } from "../src/monitoring-files";
import { REPO_ROOT, readStackFile } from "../src/stack-file";
import { type SynthResult, synth } from "../src/synth/run";
import { ofType, one } from "./helpers";

const ADMINS = "906754a2-c0a1-70a3-9e5c-1f0e3a7b8c9d";
const VIEWERS = "9067a1b2c3-11111111-2222-3333-4444-555555555555";

describe("prometheusDataSourceType", () => {
  it.each([
    ["8.4", "prometheus"],
    ["10.4", "prometheus"],
    ["11.6", "prometheus"],
    ["12.4", "grafana-amazonprometheus-datasource"],
    ["13.0", "grafana-amazonprometheus-datasource"],
  ])("Grafana %s signs to AMP with %s", (version, type) => {
    expect(prometheusDataSourceType(version)).toBe(type);
  });
});

describe("dashboardForDataSource", () => {
  const json = readFileSync(join(REPO_ROOT, "dashboards", "comments-api.json"), "utf8");
  it("leaves a dashboard for the core data source byte for byte", () => {
    expect(dashboardForDataSource(json, "prometheus")).toBe(json);
  });

  it("points the data source variable and every reference at the plugin's type", () => {
    const out = dashboardForDataSource(json, "grafana-amazonprometheus-datasource");
    const types = [...out.matchAll(/"type": "(prometheus|grafana-amazonprometheus-datasource)"/g)].map(
      (m) => m[1],
    );
    expect(new Set(types)).toEqual(new Set(["grafana-amazonprometheus-datasource"]));
    expect(types.length).toBe([...json.matchAll(/"type": "prometheus"/g)].length);
    const variable = (JSON.parse(out) as { templating: { list: Array<Record<string, unknown>> } }).templating
      .list[0];
    expect(variable).toMatchObject({
      name: "datasource",
      type: "datasource",
      query: "grafana-amazonprometheus-datasource",
    });
    // Nothing else changes.
    expect(out.replaceAll("grafana-amazonprometheus-datasource", "prometheus")).toBe(
      JSON.stringify(JSON.parse(json), null, 2),
    );
  });
});

describe("roleAssociations", () => {
  it("one per role that has groups, admin first", () => {
    expect(roleAssociations({ admin: [ADMINS], editor: [], viewer: [VIEWERS] })).toEqual([
      { role: "ADMIN", groupIds: [ADMINS] },
      { role: "VIEWER", groupIds: [VIEWERS] },
    ]);
  });
});

describe("stage with Grafana 10.4 and Identity Center groups", () => {
  let result: SynthResult;
  beforeAll(async () => {
    result = await synth({
      stack: "stage",
      preview: false,
      config: {
        ...readStackFile("stage"),
        "comments-platform:grafanaVersion": "10.4",
        "comments-platform:grafanaAdminGroups": JSON.stringify([ADMINS]),
        "comments-platform:grafanaViewerGroups": JSON.stringify([VIEWERS]),
      },
    });
  });

  it("assigns each role's groups to the workspace, in the workspace's region", () => {
    expect(
      ofType(result, "aws:grafana/roleAssociation:RoleAssociation").map((r) => [
        r.name,
        r.inputs,
        r.options.provider,
      ]),
    ).toEqual([
      [
        "comments-api-stage-grafana-admin",
        { groupIds: [ADMINS], role: "ADMIN", workspaceId: "comments-api-stage-grafana-id" },
        "comments-api-stage-grafana-region",
      ],
      [
        "comments-api-stage-grafana-viewer",
        { groupIds: [VIEWERS], role: "VIEWER", workspaceId: "comments-api-stage-grafana-id" },
        "comments-api-stage-grafana-region",
      ],
    ]);
  });

  it("pins 10.4 and keeps the core data source, with the dashboards as committed", () => {
    expect(one(result, "aws:grafana/workspace:Workspace").inputs.grafanaVersion).toBe("10.4");
    expect(one(result, "grafana:oss/dataSource:DataSource").inputs.type).toBe("prometheus");
    expect(ofType(result, "grafana:oss/dashboard:Dashboard").map((d) => d.inputs.configJson)).toEqual(
      readMonitoringFiles().dashboards.map((d) => d.json),
    );
  });
});
