/**
 * `pnpm release analyze --stack local` against the Prometheus `pnpm dev:monitoring` runs: the same
 * configuration (localPrometheusConfig: stack="local", aws_ecs_task_revision="1"), a real Prometheus
 * scraping the real service, the real script through the documented command.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  findTool,
  localPrometheusConfig,
  type RunningTool,
  startPrometheus,
  waitUntil,
} from "@comments-platform/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, SERVICE_DIR, startServer } from "../../services/comments-api/test/process";
import { REPO_ROOT } from "../src/stack-file";

// Under CI=true a missing binary throws: the test runs, never skips.
const prometheusTool = findTool("prometheus", "prometheus");

describe.skipIf(prometheusTool.path === undefined)("pnpm release analyze --stack local", () => {
  let dir: string;
  let server: RunningServer;
  let prometheus: RunningTool;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "analyze-local-"));
    server = await startServer(SERVICE_DIR);
    prometheus = await startPrometheus(
      join(dir, "prometheus"),
      localPrometheusConfig({
        ruleFiles: [],
        metricsTarget: new URL(server.metricsUrl).host,
        interval: "1s",
      }),
    );
    for (let i = 0; i < 5; i += 1) {
      await fetch(`${server.base}/api/comment/list/local-${i}`);
    }
    // Two scrapes after the requests: increase() has two samples of the counted requests.
    await waitUntil("two scrapes of the local service's requests", async () => {
      const query = encodeURIComponent(
        'count_over_time(http_request_duration_seconds_count{stack="local",aws_ecs_task_revision="1",route!="unmatched"}[5m]) >= 2',
      );
      const body = (await (await fetch(`${prometheus.base}/api/v1/query?query=${query}`)).json()) as {
        data: { result: unknown[] };
      };
      return body.data.result.length > 0;
    });
  });
  afterAll(async () => {
    await prometheus?.stop();
    server?.child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  it("judges revision 1 of stack local without a stack file or AWS: the queries name stack local", () => {
    const result = spawnSync(
      "pnpm",
      [
        "-s",
        "release",
        "analyze",
        "--stack",
        "local",
        "--prometheus-url",
        prometheus.base,
        "--revision",
        "1",
        "--window",
        "5m",
      ],
      { cwd: REPO_ROOT, encoding: "utf8" },
    );
    const lines = result.stdout.trim().split("\n");
    expect([
      result.status,
      result.stderr,
      lines[0]?.startsWith("analysis canary of revision 1 against every other revision in local"),
    ]).toEqual([3, "", true]);
    expect(lines.at(-1)).toBe("look 10 of 10: inconclusive");
    expect(lines.filter((line) => line.includes('stack="local"')).length).toBeGreaterThan(0);
  });

  it("refuses every other command on stack local with exit 2", () => {
    const result = spawnSync("pnpm", ["-s", "release", "status", "--stack", "local"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    });
    expect([result.status, result.stdout.split("\n")[0]]).toEqual([
      2,
      '--stack local is the Prometheus of pnpm dev:monitoring: only analyze runs against it, not "status"',
    ]);
  });
});
