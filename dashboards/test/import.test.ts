/**
 * The dashboard modules read no file when imported: the SLO spec (alerts/slo.yaml) is read by the
 * generator's entry and passed in, as the stack config's is (infra/test/config-import.test.ts).
 */
import type * as fs from "node:fs";
import { join, relative } from "node:path";
import { readSloSpec } from "@comments-platform/slo";
import { expect, it, vi } from "vitest";
// Imported after the mock below: vi.mock is hoisted above every import.
import { commentsApiDashboard, DASHBOARD_UID } from "../src/comments-api.js";
import { DASHBOARDS } from "../src/generate.js";
import { queriesFor } from "../src/queries.js";

const reads = vi.hoisted((): string[] => []);

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  const readFileSync = ((path: fs.PathOrFileDescriptor, options?: unknown) => {
    reads.push(String(path));
    return real.readFileSync(path, options as BufferEncoding);
  }) as typeof real.readFileSync;
  const mocked = { ...real, readFileSync };
  return { ...mocked, default: mocked };
});

it("reads nothing when imported; the dashboard is drawn from the spec it is given", () => {
  expect(reads).toEqual([]);
  const spec = readSloSpec();
  expect(reads.map((path) => relative(join(import.meta.dirname, "..", ".."), path))).toEqual([
    "alerts/slo.yaml",
  ]);

  // A spec with another job: every query follows it, so nothing was drawn from a spec read earlier.
  const other = { ...spec, job: "other-api" };
  expect(queriesFor(other).tasksUp).toBe('count(up{job="other-api",stack="$stack"} == 1)');
  const dashboard = DASHBOARDS["comments-api.json"]?.(other);
  expect(dashboard?.uid).toBe(DASHBOARD_UID);
  expect(JSON.stringify(commentsApiDashboard(other))).not.toContain('job=\\"comments-api');
  expect(JSON.stringify(commentsApiDashboard(spec))).toContain('job=\\"comments-api\\"');
  expect(reads).toHaveLength(1);
});
