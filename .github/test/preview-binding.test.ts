/**
 * Prod deploys what the approver saw: the approved preview's changes recorded, the deploy's own
 * preview compared, on engine-shaped events (apitype.EngineEvent) of both cases.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../scripts/github.js";
import { boundSteps, differences } from "../scripts/lib/preview-binding.js";
import { parsePreview } from "../scripts/lib/preview-events.js";

const fixtures = join(import.meta.dirname, "fixtures");
const fixture = (name: string) => readFileSync(join(fixtures, name), "utf8");
const URN = "urn:pulumi:prod::comments-platform::";
const env = { GITHUB_REPOSITORY: "acme/comments-platform", GITHUB_SHA: "0123456789abcdef" };
const cli = async (argv: string[], extra: Record<string, string> = {}) => {
  const lines: string[] = [];
  const code = await main(argv, { ...env, ...extra }, (line) => lines.push(line));
  return { code, lines };
};

describe("boundSteps", () => {
  it("keeps each changed resource once with its op and changed keys, refresh and replacement steps aside", () => {
    expect(boundSteps(parsePreview(fixture("preview-replacement.ndjson")))).toEqual([
      {
        urn: `${URN}aws:ecs/taskDefinition:TaskDefinition::comments-api-prod-task`,
        op: "update",
        keys: ["containerDefinitions"],
      },
      {
        urn: `${URN}comments-platform:database:Database$aws:rds/instance:Instance::comments-api-prod-db`,
        op: "replace",
        keys: ["engineVersion", "tags.Version"],
      },
      {
        urn: `${URN}comments-platform:service:LoadBalancer$aws:lb/targetGroup:TargetGroup::comments-api-prod-blue`,
        op: "replace",
        keys: ["port"],
      },
    ]);
  });

  it("finds no difference between a preview and itself, and each one of a later preview", () => {
    const approved = boundSteps(parsePreview(fixture("preview-replacement.ndjson")));
    expect(differences(approved, approved)).toEqual([]);
    const later = boundSteps(parsePreview(fixture("preview-replacement-later.ndjson")));
    expect(
      differences(approved, later).map((d) => [d.urn.split("::").at(-1), d.approved?.op, d.now?.op]),
    ).toEqual([
      ["comments-api-prod-service", undefined, "update"],
      ["comments-api-prod-db", "replace", "replace"],
    ]);
  });
});

describe("preview-record, then preview-bind", () => {
  const dir = mkdtempSync(join(tmpdir(), "bind-"));
  const approved = join(dir, "approved-preview-prod.json");
  const file = (name: string) => {
    const path = join(dir, name);
    writeFileSync(path, fixture(name));
    return path;
  };

  it("records the approved preview's changes with the commit", async () => {
    const result = await cli([
      "preview-record",
      "--stack",
      "prod",
      "--events",
      file("preview-replacement.ndjson"),
      "--out",
      approved,
    ]);
    expect(result).toEqual({
      code: 0,
      lines: ["github: recorded the 3 change(s) of prod's preview at 0123456"],
    });
    const record = JSON.parse(readFileSync(approved, "utf8"));
    expect([record.version, record.stack, record.sha, record.steps.length]).toEqual([
      1,
      "prod",
      "0123456789abcdef",
      3,
    ]);
  });

  it("lets the deploy go on when its own preview has the same changes", async () => {
    const summary = join(dir, "summary.md");
    writeFileSync(summary, "");
    const args = ["--approved", approved, "--events", file("preview-replacement.ndjson"), "--exit-code", "0"];
    expect(await cli(["preview-bind", "--stack", "prod", ...args], { GITHUB_STEP_SUMMARY: summary })).toEqual(
      {
        code: 0,
        lines: ["The deploy's preview of prod matches the approved one (commit 0123456): 3 change(s)."],
      },
    );
  });

  it("refuses, naming each resource, when the deploy's preview differs", async () => {
    const args = [
      "--approved",
      approved,
      "--events",
      file("preview-replacement-later.ndjson"),
      "--exit-code",
      "0",
    ];
    expect(await cli(["preview-bind", "--stack", "prod", ...args])).toEqual({
      code: 1,
      lines: [
        "Refused: the deploy's preview of prod differs from the approved one (commit 0123456) in 2 resource(s); nothing was changed. Run the Deploy again to get a new preview to approve.",
        `- ${URN}aws:ecs/service:Service::comments-api-prod-service: approved no change, now update (tags.Owner)`,
        `- ${URN}comments-platform:database:Database$aws:rds/instance:Instance::comments-api-prod-db: approved replace (engineVersion, tags.Version), now replace (allocatedStorage, engineVersion, tags.Version)`,
      ],
    });
  });

  it("refuses when the deploy's own preview failed, or the approval is another stack's", async () => {
    const events = file("preview-replacement.ndjson");
    expect(
      await cli([
        "preview-bind",
        "--stack",
        "prod",
        "--approved",
        approved,
        "--events",
        events,
        "--exit-code",
        "255",
      ]),
    ).toEqual({
      code: 1,
      lines: [
        "Refused: the deploy's own preview of prod failed (exit 255), so it cannot be compared with the approved one; nothing was changed.",
      ],
    });
    expect(
      (
        await cli([
          "preview-bind",
          "--stack",
          "stage",
          "--approved",
          approved,
          "--events",
          events,
          "--exit-code",
          "0",
        ])
      ).lines,
    ).toEqual(["Refused: the approved preview is of prod, not stage."]);
  });
});
