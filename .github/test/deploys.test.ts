/**
 * The drift check's question, "is a deploy of this stack changing it now?", against a fake GitHub
 * REST API on a real HTTP server answering the runs and jobs endpoints in GitHub's shapes
 * (https://docs.github.com/en/rest/actions/workflow-runs, .../workflow-jobs).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { main } from "../scripts/github.js";
import { activityReport, deployActivity, deployJobName, type WorkflowRun } from "../scripts/lib/deploys.js";

const NOW = "2026-12-07T04:23:00Z";
const run = (id: number, status: string, started: string): WorkflowRun => ({
  id,
  status,
  html_url: `https://github.com/acme/comments-platform/actions/runs/${id}`,
  head_sha: `${id}abcdef0123456789`,
  run_started_at: started,
});
/** The weekly Deploy parked on prod's approval since Monday, and a merge deploying stage now. */
const RUNS: Record<string, WorkflowRun[]> = {
  in_progress: [run(701, "in_progress", "2026-12-07T04:10:00Z")],
  waiting: [run(650, "waiting", "2026-12-05T05:17:00Z"), run(699, "waiting", "2026-12-07T01:00:00Z")],
};
const JOBS: Record<number, Array<{ name: string; status: string }>> = {
  701: [
    { name: "Deploy stage", status: "in_progress" },
    { name: "Preview prod", status: "queued" },
    { name: "Deploy prod", status: "pending" },
  ],
  650: [
    { name: "Deploy stage", status: "completed" },
    { name: "Preview prod", status: "completed" },
    { name: "Deploy prod", status: "waiting" },
  ],
  699: [
    { name: "Deploy stage", status: "completed" },
    { name: "Preview prod", status: "completed" },
    { name: "Deploy prod", status: "waiting" },
  ],
};

const requests: string[] = [];
const server = createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://x");
  requests.push(`${url.pathname}${url.search}`);
  response.setHeader("content-type", "application/json");
  const runs = /^\/repos\/acme\/comments-platform\/actions\/workflows\/deploy\.yml\/runs$/.test(url.pathname);
  const jobs = /^\/repos\/acme\/comments-platform\/actions\/runs\/(\d+)\/jobs$/.exec(url.pathname);
  if (runs) {
    const list = RUNS[url.searchParams.get("status") ?? ""] ?? [];
    return response.end(JSON.stringify({ total_count: list.length, workflow_runs: list }));
  }
  if (jobs) {
    const list = JOBS[Number(jobs[1])] ?? [];
    return response.end(JSON.stringify({ total_count: list.length, jobs: list }));
  }
  response.statusCode = 404;
  response.end(JSON.stringify({ message: "Not Found" }));
});
let apiUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

describe("deployJobName", () => {
  it("is the name deploy.yml gives each stack's job", () => {
    const deploy = parse(
      readFileSync(join(import.meta.dirname, "..", "workflows", "deploy.yml"), "utf8"),
    ) as {
      jobs: Record<string, { name: string }>;
    };
    expect([deploy.jobs.stage?.name, deploy.jobs.prod?.name]).toEqual([
      deployJobName("stage"),
      deployJobName("prod"),
    ]);
  });
});

describe("deployActivity", () => {
  const all = [
    ...(RUNS.in_progress ?? []).map((r) => ({ run: r, jobs: JOBS[r.id] ?? [] })),
    ...(RUNS.waiting ?? []).map((r) => ({ run: r, jobs: JOBS[r.id] ?? [] })),
  ];

  it("counts only a running Deploy job of the same stack; approvals waiting do not count", () => {
    const stage = deployActivity("stage", all, Date.parse(NOW));
    const prod = deployActivity("prod", all, Date.parse(NOW));
    expect(stage.running.map((r) => r.id)).toEqual([701]);
    expect(prod.running).toEqual([]);
  });

  it("reports an approval that has waited over a day, with the hours, and not a younger one", () => {
    const prod = deployActivity("prod", all, Date.parse(NOW));
    expect(prod.longWaiting.map(({ run: r, hours }) => [r.id, hours])).toEqual([[650, 47]]);
    expect(activityReport("prod", prod).lines).toEqual([
      "::warning title=Deploy waiting for approval::Deploy run https://github.com/acme/comments-platform/actions/runs/650 (commit 650abcd) started 47 hours ago and still waits for an approval: approve or reject it, or cancel the run. It does not hold the drift check back.",
    ]);
    // 24 hours to the millisecond is not yet "over a day".
    expect(deployActivity("prod", all, Date.parse("2026-12-06T05:17:00Z")).longWaiting).toEqual([]);
  });
});

describe("node .github/scripts/github.ts deploys", () => {
  it("writes running=<n> for the stack, warns about the long approval, and exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deploys-"));
    const output = join(dir, "output");
    const summary = join(dir, "summary");
    writeFileSync(output, "");
    writeFileSync(summary, "");
    const lines: string[] = [];
    const env = {
      GITHUB_TOKEN: "t0ken",
      GITHUB_REPOSITORY: "acme/comments-platform",
      GITHUB_API_URL: apiUrl,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      NOW,
    };
    expect(await main(["deploys", "--stack", "stage"], env, (l) => lines.push(l))).toBe(0);
    expect(readFileSync(output, "utf8")).toBe("running=1\n");
    expect(lines.at(-1)).toBe("github: 1 deploy(s) of stage running");
    expect(lines).toContain(
      "::notice title=Drift check of stage skipped::a deploy of stage is running (https://github.com/acme/comments-platform/actions/runs/701): a half-done deploy is not drift. The next nightly run checks again.",
    );
    writeFileSync(output, "");
    expect(await main(["deploys", "--stack", "prod"], env, (l) => lines.push(l))).toBe(0);
    expect(readFileSync(output, "utf8")).toBe("running=0\n");
    expect(readFileSync(summary, "utf8").split("\n").at(-2)).toMatch(
      /^- Deploy run https:\/\/github\.com\/acme\/comments-platform\/actions\/runs\/650 \(commit 650abcd\) started 47 hours ago/,
    );
    expect(requests.filter((r) => r.includes("/workflows/"))).toContain(
      "/repos/acme/comments-platform/actions/workflows/deploy.yml/runs?status=waiting&per_page=100",
    );
  });
});
