/** Writes every generated dashboard as committed JSON: `pnpm dashboards`. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSloSpec, type SloSpec } from "@comments-platform/slo";
import type { Dashboard } from "@grafana/schema";
import { commentsApiDashboard } from "./comments-api.js";

/** File name → dashboard; one Grafana dashboard per file in dashboards/. */
export const DASHBOARDS: Record<string, (spec: SloSpec) => Dashboard> = {
  "comments-api.json": commentsApiDashboard,
};

/** The exact bytes of a dashboard file: stable key order from the builder, two-space indent. */
export function render(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const spec = readSloSpec();
  for (const [file, build] of Object.entries(DASHBOARDS)) {
    writeFileSync(join(import.meta.dirname, "..", file), render(build(spec)));
    console.log(`wrote dashboards/${file}`);
  }
}
