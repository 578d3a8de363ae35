/** Stage with an existing Grafana instead of Managed Grafana. */
import { beforeAll, describe, expect, it } from "vitest";
import { readStackFile } from "../src/stack-file";
import { type SynthResult, synth } from "../src/synth/run";
import { countByType, one } from "./helpers";

let result: SynthResult;
beforeAll(async () => {
  const config = {
    ...readStackFile("stage"),
    "comments-platform:grafanaMode": "existing",
    "comments-platform:grafanaUrl": "https://grafana.example.com",
    "comments-platform:grafanaToken": "glsa_test_token",
  };
  result = await synth({ stack: "stage", preview: false, config });
});

describe("an existing Grafana", () => {
  it("gets the folder, data source and dashboards, and no Managed Grafana is created", () => {
    const counts = countByType(result);
    expect(Object.keys(counts).filter((type) => type.startsWith("aws:grafana/"))).toEqual([]);
    expect(ofGrafana(counts)).toEqual({
      "grafana:oss/dashboard:Dashboard": 1,
      "grafana:oss/dataSource:DataSource": 1,
      "grafana:oss/folder:Folder": 1,
    });
    expect(one(result, "pulumi:providers:grafana").inputs.url).toBe("https://grafana.example.com");
    expect(
      JSON.parse(String(one(result, "grafana:oss/dataSource:DataSource").inputs.jsonDataEncoded)),
    ).toMatchObject({ sigV4AuthType: "default" });
    expect((result.outputs.contractV1 as { grafanaUrl: string }).grafanaUrl).toBe(
      "https://grafana.example.com",
    );
  });
});

function ofGrafana(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts)
      .filter(([type]) => type.startsWith("grafana:"))
      .sort(),
  );
}
