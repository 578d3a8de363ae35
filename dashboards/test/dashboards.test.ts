import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readSloSpec } from "@comments-platform/slo";
import { describe, expect, it } from "vitest";
import type { Panel } from "../src/comments-api.js";
import { DASHBOARDS, render } from "../src/generate.js";

const DIR = join(import.meta.dirname, "..");
const files = readdirSync(DIR).filter((file) => file.endsWith(".json"));

describe("dashboards/", () => {
  it("holds exactly the generated dashboards", () => {
    expect(files.sort()).toEqual(Object.keys(DASHBOARDS).sort());
  });

  it.each(Object.entries(DASHBOARDS))(
    "%s is what the generator writes (run `pnpm dashboards`)",
    (file, build) => {
      expect(readFileSync(join(DIR, file), "utf8")).toBe(render(build(readSloSpec())));
    },
  );
});

describe.each(files)("%s", (file) => {
  const dashboard = JSON.parse(readFileSync(join(DIR, file), "utf8")) as {
    uid: string;
    schemaVersion: number;
    templating: { list: Array<{ name: string; type: string; query: unknown }> };
    panels: Panel[];
  };
  const panels = dashboard.panels.filter((panel) => panel.type !== "row");

  it("has a fixed uid, schema version and a $datasource variable for Prometheus", () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.schemaVersion).toBe(39);
    expect(dashboard.templating.list.find((v) => v.name === "datasource")).toMatchObject({
      type: "datasource",
      query: "prometheus",
    });
  });

  it("has unique panel ids", () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("gives every panel a unit, a description and the $datasource", () => {
    for (const panel of panels) {
      expect(panel.fieldConfig?.defaults.unit, panel.title).toEqual(expect.any(String));
      expect(panel.description?.length ?? 0, panel.title).toBeGreaterThan(10);
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
    }
  });

  it("lays panels on the 24-column grid without overlap", () => {
    const cells = new Set<string>();
    for (const { gridPos, title } of dashboard.panels) {
      expect(gridPos.x + gridPos.w, title).toBeLessThanOrEqual(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x += 1) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y += 1) {
          expect(cells.has(`${x},${y}`), `${title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });
});
