/**
 * The Deploy workflow's emergency routes as its first step reads them from the run's inputs: each a
 * reason into the summary, a blank one refused before anything runs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../scripts/github.js";

const run = async (inputs: Record<string, string>) => {
  const summary = join(mkdtempSync(join(tmpdir(), "overrides-")), "summary.md");
  writeFileSync(summary, "");
  const lines: string[] = [];
  const code = await main(
    ["overrides", "--stack", "prod"],
    { GITHUB_REPOSITORY: "acme/comments-platform", GITHUB_STEP_SUMMARY: summary, ...inputs },
    (line) => lines.push(line),
  );
  return { code, lines, summary: readFileSync(summary, "utf8") };
};

describe("node .github/scripts/github.ts overrides", () => {
  it("says nothing was taken on a push (no inputs) or with every input left empty", async () => {
    expect(await run({})).toEqual({ code: 0, lines: ["github: no emergency route for prod"], summary: "" });
    expect((await run({ OVERRIDE_BUDGET: "", IGNORE_ALARMS: "", SKIP_ANALYSIS: "" })).code).toBe(0);
  });

  it("puts each route taken in the run's summary with its reason", async () => {
    const result = await run({
      OVERRIDE_BUDGET: " INC-12 hotfix ",
      SKIP_ANALYSIS: "INC-12: AMP unreachable",
    });
    expect(result.code).toBe(0);
    expect(result.summary).toBe(
      [
        "### Emergency routes for prod",
        "",
        "- budget gate overridden (`override_budget`): INC-12 hotfix",
        "- canary analysis skipped (`skip_analysis`): INC-12: AMP unreachable",
        "",
      ].join("\n"),
    );
  });

  it("refuses a blank reason, naming every input at once, and writes no summary", async () => {
    expect(await run({ OVERRIDE_BUDGET: "  ", IGNORE_ALARMS: "a\nb" })).toEqual({
      code: 2,
      lines: [
        "::error title=Deploy inputs::input override_budget is blank: give the reason, or leave it empty",
        "::error title=Deploy inputs::input ignore_alarms: the reason must be one line",
      ],
      summary: "",
    });
  });
});
