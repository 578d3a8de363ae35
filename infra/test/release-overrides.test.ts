/**
 * The emergency routes as the Deploy workflow passes them: per-run environment of `pulumi up`
 * (RELEASE_OVERRIDE_BUDGET, RELEASE_IGNORE_ALARMS, RELEASE_SKIP_ANALYSIS), read by `pnpm release
 * deploy`, recorded in the deployment's description and the Grafana annotation. AWS is the release
 * harness (release-harness.ts); Grafana is a local HTTP server answering as its annotations API.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadStackConfig, rawConfigFrom, readConfigSpecs } from "../src/config";
import { runReleaseCli } from "../src/release/cli";
import { OVERRIDE_ENV, overridesFrom } from "../src/release/overrides";
import { REPO_ROOT, readStackFile } from "../src/stack-file";
import { type ReleaseHarness, releaseHarness, revision } from "./release-harness";

const specs = readConfigSpecs();
const config = loadStackConfig("prod", rawConfigFrom(readStackFile("prod")), specs);
let aws: ReleaseHarness;

const annotations: Array<{ text?: string }> = [];
const grafana = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => {
    body += chunk;
  });
  request.on("end", () => {
    annotations.push(JSON.parse(body));
    response.setHeader("content-type", "application/json");
    response.end(request.method === "POST" ? '{"message":"Annotation added","id":5}' : '{"message":"ok"}');
  });
});
let grafanaUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => grafana.listen(0, "127.0.0.1", resolve));
  grafanaUrl = `http://127.0.0.1:${(grafana.address() as AddressInfo).port}`;
});
afterAll(() => grafana.close());
beforeEach(() => {
  annotations.length = 0;
  aws = releaseHarness();
  aws.service(revision(42));
  aws.creates("d-9").status("Succeeded");
});

describe("overridesFrom", () => {
  it("takes a flag first, else the variable; an empty variable is no route, a blank one is named", () => {
    expect(
      overridesFrom(
        { ignoreAlarms: "flag" },
        { RELEASE_IGNORE_ALARMS: "env", RELEASE_OVERRIDE_BUDGET: " INC-4 ", RELEASE_SKIP_ANALYSIS: "" },
      ),
    ).toEqual({ ok: true, overrides: { ignoreAlarms: "flag", overrideBudget: "INC-4" } });
    expect(overridesFrom({}, { RELEASE_SKIP_ANALYSIS: "  ", RELEASE_IGNORE_ALARMS: "\t" })).toEqual({
      ok: false,
      problems: [
        "RELEASE_IGNORE_ALARMS is blank: it must say why (rollback alarms ignored)",
        "RELEASE_SKIP_ANALYSIS is blank: it must say why (canary analysis skipped)",
      ],
    });
  });

  it("names the variables the Deploy workflow sets on both `pulumi up` steps (one list)", () => {
    const deploy = parse(readFileSync(join(REPO_ROOT, ".github/workflows/deploy.yml"), "utf8"));
    for (const job of ["stage", "prod"]) {
      const up = deploy.jobs[job].steps.find((s: { name?: string }) => s.name === "pulumi up");
      expect(Object.keys(up.env).sort()).toEqual(Object.values(OVERRIDE_ENV).sort());
    }
  });
});

describe("pnpm release deploy with the workflow's per-run environment", () => {
  it("skips the gate and the analysis without querying Prometheus, and records every reason", async () => {
    const queried: string[] = [];
    const lines: string[] = [];
    const argv = ["deploy", "--stack", "prod", "--task-definition", revision(43)];
    const code = await runReleaseCli(
      [
        ...argv,
        "--prometheus-url",
        "https://aps-workspaces.sa-east-1.amazonaws.com/workspaces/ws-1",
        "--analysis",
        "canary",
      ],
      config,
      aws.clients,
      {
        log: (line) => lines.push(line),
        sleep: async () => {},
        now: () => 0,
        // The metrics path is down: any query would fail the release.
        query: () => async (promql: string) => {
          queried.push(promql);
          throw new Error("connect ECONNREFUSED");
        },
        env: {
          RELEASE_OVERRIDE_BUDGET: "INC-12 hotfix for the outage that spent it",
          RELEASE_SKIP_ANALYSIS: "INC-12: AMP unreachable",
          RELEASE_IGNORE_ALARMS: "",
          GRAFANA_URL: grafanaUrl,
          GRAFANA_TOKEN: "glsa_token",
        },
      },
    );
    expect([code, queried]).toEqual([0, []]);
    expect(aws.created()[0]?.description).toBe(
      `${revision(42)} -> ${revision(43)} [budget gate overridden: INC-12 hotfix for the outage that spent it; canary analysis skipped: INC-12: AMP unreachable]`,
    );
    expect(lines).toContain("+0s canary analysis skipped: INC-12: AMP unreachable");
    expect(annotations[0]?.text).toBe(
      "Release of revision 43 to prod started (CodeDeploy d-9) [budget gate overridden: INC-12 hotfix for the outage that spent it; canary analysis skipped: INC-12: AMP unreachable]",
    );
  });

  it("refuses a blank reason before anything is created", async () => {
    const lines: string[] = [];
    const code = await runReleaseCli(
      ["deploy", "--stack", "prod", "--task-definition", revision(43)],
      config,
      aws.clients,
      {
        log: (line) => lines.push(line),
        env: { RELEASE_OVERRIDE_BUDGET: " " },
      },
    );
    expect(code).toBe(2);
    expect(lines[0]?.split("\n")[0]).toBe(
      "RELEASE_OVERRIDE_BUDGET is blank: it must say why (budget gate overridden)",
    );
    expect(aws.created()).toHaveLength(0);
  });
});
