/**
 * The preview comment renderer on fixtures that follow pulumi/pulumi's shapes: the streamed engine
 * events (sdk/go/common/apitype/events.go: EngineEvent, ResourcePreEvent.metadata, PolicyEvent,
 * SummaryEvent) and the digest (sdk/go/common/display: PreviewDigest, PreviewStep).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  COMMENT_LIMIT,
  countsHeading,
  markStale,
  type Preview,
  parsePreview,
  renderPreviewComment,
  resourceOf,
} from "../scripts/lib/preview-comment.js";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "fixtures", name), "utf8");
const run = { sha: "0123456789abcdef", runUrl: "https://github.com/acme/comments-platform/actions/runs/42" };

const comment = (name: string, outcome: "success" | "failure" = "success", stack = "prod") =>
  renderPreviewComment({ stack, preview: parsePreview(fixture(name)), outcome, ...run }).split("\n");

describe("parsePreview", () => {
  it("keeps only logical steps of the engine's stream: no refresh rows, one row per replaced resource", () => {
    const preview = parsePreview(fixture("preview-replacement.ndjson"));
    expect(
      preview.steps.map((s) => [
        s.op,
        resourceOf(s.urn).name,
        s.replaceReasons,
        s.protect,
        s.deleteBeforeReplace,
      ]),
    ).toEqual([
      ["same", "comments-platform-prod", [], false, false],
      ["replace", "comments-api-prod-db", ["engineVersion"], true, false],
      ["replace", "comments-api-prod-blue", ["port"], false, true],
      ["update", "comments-api-prod-task", [], false, false],
      ["same", "comments-api-prod-service", [], false, false],
    ]);
    expect([preview.summarized, preview.changeSummary]).toEqual([true, { replace: 2, update: 1, same: 2 }]);
  });

  it("reads a policy violation and the error it failed with", () => {
    const preview = parsePreview(fixture("preview-policy.ndjson"));
    expect(preview.violations).toEqual([
      {
        enforcementLevel: "mandatory",
        policyPackName: "comments-platform",
        policyName: "sns-encrypted",
        resourceUrn:
          "urn:pulumi:prod::comments-platform::comments-platform:observability:Observability$aws:sns/topic:Topic::comments-api-prod-alerts",
        message: "SNS topics must be encrypted.\nSet kmsMasterKeyId.",
      },
    ]);
    expect(preview.errors).toEqual(["preview failed: 1 policy violation"]);
  });

  it("reads the digest, which carries no policy violations (the CLI skips them there)", () => {
    const preview = parsePreview(fixture("preview-digest.json"));
    // Its refresh step (the digest filters replacement steps, not refreshes) is gone.
    expect(preview.steps.map((s) => [s.op, resourceOf(s.urn).type, s.protect, s.detailedDiff])).toEqual([
      ["same", "pulumi:pulumi:Stack", false, {}],
      ["update", "aws:ecs/service:Service", false, { desiredCount: "update" }],
      ["delete", "aws:ecr/repository:Repository", true, {}],
    ]);
    expect([preview.violations, countsHeading(preview)]).toEqual([[], "+0 ~1 -1 ±0 replace"]);
  });

  it("takes a parent's type out of a URN", () => {
    expect(
      resourceOf(
        "urn:pulumi:prod::comments-platform::comments-platform:database:Database$aws:rds/instance:Instance::db",
      ),
    ).toEqual({ type: "aws:rds/instance:Instance", name: "db" });
  });
});

describe("renderPreviewComment", () => {
  it("says No changes. for a refresh-only preview (every resource refreshed, none changed)", () => {
    expect(comment("preview-refresh-only.ndjson", "success", "stage").slice(1)).toEqual([
      "### :mag: Preview of `stage`: +0 ~0 -0 ±0 replace",
      "",
      "Commit 0123456, [workflow run](https://github.com/acme/comments-platform/actions/runs/42).",
      "",
      "No changes.",
    ]);
  });

  it("lists a replacement once, with its reasons and whether it deletes first, and one diff per resource", () => {
    expect(comment("preview-replacement.ndjson")).toEqual([
      "<!-- comments-platform:preview:prod -->",
      "### :mag: Preview of `prod`: +0 ~1 -0 ±2 replace",
      "",
      "Commit 0123456, [workflow run](https://github.com/acme/comments-platform/actions/runs/42).",
      "",
      "#### Replacements and deletions",
      "",
      "- `±` replace `aws:rds/instance:Instance` **comments-api-prod-db**, forced by `engineVersion` :warning: **stateful**, **protected**",
      "- `±` replace `aws:lb/targetGroup:TargetGroup` **comments-api-prod-blue**, forced by `port` (deleted before its replacement is created)",
      "",
      "#### Every change",
      "",
      "<details><summary>± replace aws:rds/instance:Instance comments-api-prod-db</summary>",
      "",
      "- `engineVersion`: update-replace",
      "- `tags.Version`: update",
      "",
      "</details>",
      "",
      "<details><summary>± replace aws:lb/targetGroup:TargetGroup comments-api-prod-blue</summary>",
      "",
      "- `port`: update-replace",
      "",
      "</details>",
      "",
      "<details><summary>~ update aws:ecs/taskDefinition:TaskDefinition comments-api-prod-task</summary>",
      "",
      "- `containerDefinitions`: update",
      "",
      "</details>",
    ]);
  });

  it("calls out a delete first", () => {
    expect(comment("preview-delete.ndjson", "success", "stage").slice(1, 9)).toEqual([
      "### :mag: Preview of `stage`: +0 ~0 -1 ±0 replace",
      "",
      "Commit 0123456, [workflow run](https://github.com/acme/comments-platform/actions/runs/42).",
      "",
      "#### Replacements and deletions",
      "",
      "- `-` delete `aws:ec2/securityGroup:SecurityGroup` **comments-api-stage-legacy**",
      "",
    ]);
  });

  it("tables a policy violation that failed the preview, with its error", () => {
    expect(comment("preview-policy.ndjson", "failure").slice(1, 17)).toEqual([
      "### :x: Preview of `prod`: +0 ~1 -0 ±0 replace",
      "",
      "Commit 0123456, [workflow run](https://github.com/acme/comments-platform/actions/runs/42): **the preview failed**; nothing was changed. Do not merge until it passes.",
      "",
      "#### Policy violations",
      "",
      "| enforcement | policy | resource | message |",
      "| --- | --- | --- | --- |",
      "| mandatory | comments-platform/sns-encrypted | comments-api-prod-alerts | SNS topics must be encrypted. Set kmsMasterKeyId. |",
      "",
      "#### Errors",
      "",
      "- preview failed: 1 policy violation",
      "",
      "#### Every change",
      "",
    ]);
  });

  it("counts a failed preview without a summary from its logical steps, and says so", () => {
    const preview = parsePreview(fixture("preview-failed-no-summary.ndjson"));
    expect(countsHeading(preview)).toBe(
      "+1 ~1 -0 ±0 replace (counted from the steps: the preview ended without its summary)",
    );
    expect(comment("preview-failed-no-summary.ndjson", "failure", "stage").slice(1, 10)).toEqual([
      "### :x: Preview of `stage`: +1 ~1 -0 ±0 replace (counted from the steps: the preview ended without its summary)",
      "",
      "Commit 0123456, [workflow run](https://github.com/acme/comments-platform/actions/runs/42): **the preview failed**; nothing was changed. Do not merge until it passes.",
      "",
      "#### Errors",
      "",
      "- aws:ecs/service:Service resource 'comments-api-stage-service': property cluster value {<nil>} has a problem: cluster is required",
      "",
      "#### Every change",
    ]);
  });

  it("stays under GitHub's comment limit, cutting per-resource diffs and saying how many", () => {
    const many: Preview = {
      steps: Array.from({ length: 2000 }, (_, i) => ({
        op: "update",
        urn: `urn:pulumi:prod::p::aws:ec2/securityGroupRule:SecurityGroupRule::rule-${i}`,
        replaceReasons: [],
        diffReasons: [],
        detailedDiff: { description: "update", "tags.Name": "update" },
        protect: false,
        deleteBeforeReplace: false,
      })),
      violations: [],
      errors: [],
      changeSummary: { update: 2000 },
      summarized: true,
    };
    const text = renderPreviewComment({ stack: "stage", preview: many, outcome: "success", ...run });
    expect(text.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    const kept = text.split("\n").filter((l) => l.startsWith("<details>")).length;
    expect(text.split("\n").at(-1)).toBe(
      `_${2000 - kept} more resources' diffs cut to stay under GitHub's comment size limit: the full preview is in the [workflow run](${run.runUrl})._`,
    );
    expect(kept).toBeGreaterThan(100);
  });

  it("says no changes when there are none", () => {
    const text = renderPreviewComment({
      stack: "stage",
      preview: { steps: [], violations: [], errors: [], changeSummary: { same: 104 }, summarized: true },
      outcome: "success",
      ...run,
    });
    expect(text.split("\n").slice(1)).toEqual([
      "### :mag: Preview of `stage`: +0 ~0 -0 ±0 replace",
      "",
      "Commit 0123456, [workflow run](https://github.com/acme/comments-platform/actions/runs/42).",
      "",
      "No changes.",
    ]);
  });

  it("marks a comment stale once, under its marker", () => {
    const body = "<!-- m -->\n### Preview";
    const stale = markStale(body, "fedcba9876");
    expect(stale).toBe(
      "<!-- m -->\n> :hourglass: **Stale**: a newer push (fedcba9) is being previewed; this comment is replaced when it finishes.\n### Preview",
    );
    expect(markStale(stale, "1111111")).toBe(
      "<!-- m -->\n> :hourglass: **Stale**: a newer push (1111111) is being previewed; this comment is replaced when it finishes.\n### Preview",
    );
  });
});
