/**
 * CI's check that GitHub has not stopped the scheduled workflows (60 days without activity in a
 * public repository), against a fake API answering `GET /repos/{repo}/actions/workflows` in
 * GitHub's shape, states included (`active`, `disabled_inactivity`, `disabled_manually`).
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { main } from "../scripts/github.js";
import { SCHEDULED, stoppedSchedules } from "../scripts/lib/schedules.js";

let states: Record<string, string> = {};
const server = createServer((request, response) => {
  response.setHeader("content-type", "application/json");
  if (request.url?.startsWith("/repos/acme/comments-platform/actions/workflows")) {
    const workflows = Object.entries(states).map(([path, state], i) => ({ id: i + 1, path, state }));
    return response.end(JSON.stringify({ total_count: workflows.length, workflows }));
  }
  response.statusCode = 404;
  response.end('{"message":"Not Found"}');
});
let apiUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

const run = async () => {
  const lines: string[] = [];
  const code = await main(
    ["schedules"],
    { GITHUB_TOKEN: "t0ken", GITHUB_REPOSITORY: "acme/comments-platform", GITHUB_API_URL: apiUrl },
    (line) => lines.push(line),
  );
  return { code, lines };
};

describe("node .github/scripts/github.ts schedules", () => {
  it("passes while every scheduled workflow is active", async () => {
    states = {
      ".github/workflows/ci.yml": "active",
      ".github/workflows/drift.yml": "active",
      ".github/workflows/deploy.yml": "active",
    };
    expect(await run()).toEqual({ code: 0, lines: ["github: every scheduled workflow is active"] });
  });

  it("fails naming each stopped one, what stopped with it and how to enable it", async () => {
    states = {
      ".github/workflows/ci.yml": "active",
      ".github/workflows/drift.yml": "disabled_inactivity",
      ".github/workflows/deploy.yml": "disabled_manually",
    };
    expect(await run()).toEqual({
      code: 1,
      lines: [
        "::error title=Scheduled workflow stopped::.github/workflows/drift.yml is disabled_inactivity: the nightly drift check no longer runs. Enable it: gh workflow enable drift.yml",
        "::error title=Scheduled workflow stopped::.github/workflows/deploy.yml is disabled_manually: every deploy, the weekly one too (the Grafana tokens' renewal) no longer runs. Enable it: gh workflow enable deploy.yml",
      ],
    });
  });

  it("knows every workflow that has a schedule (one list)", () => {
    const dir = join(import.meta.dirname, "..", "workflows");
    const scheduled = readdirSync(dir)
      .filter((file) => "schedule" in (parse(readFileSync(join(dir, file), "utf8")) as { on: object }).on)
      .map((file) => `.github/workflows/${file}`);
    expect(scheduled.sort()).toEqual(Object.keys(SCHEDULED).sort());
    expect(stoppedSchedules([{ path: ".github/workflows/ci.yml", state: "disabled_manually" }])).toEqual([]);
  });
});
