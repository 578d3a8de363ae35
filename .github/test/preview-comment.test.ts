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

describe("parsePreview", () => {
  it("reads the streamed engine events: steps, the policy violation, the error and the summary", () => {
    const preview = parsePreview(fixture("preview-events.ndjson"));
    expect(preview.steps.map((s) => [s.op, resourceOf(s.urn).name, s.replaceReasons, s.protect])).toEqual([
      ["same", "comments-platform-prod", [], false],
      ["replace", "comments-api-prod-db", ["engineVersion"], true],
      ["create-replacement", "comments-api-prod-db", ["engineVersion"], false],
      ["update", "comments-api-prod-service", [], false],
      ["create", "comments-api-prod-release", [], false],
      ["delete", "comments-api-prod-legacy", [], false],
    ]);
    expect(preview.violations).toEqual([
      {
        enforcementLevel: "mandatory",
        policyPackName: "comments-platform",
        policyName: "s3-no-public-access",
        resourceUrn: "urn:pulumi:prod::comments-platform::aws:s3/bucket:Bucket::logs",
        message: "S3 buckets must block public access.\nSet blockPublicAcls.",
      },
    ]);
    expect(preview.errors).toEqual(["preview failed: 1 policy violation"]);
    expect(countsHeading(preview)).toBe("+1 ~1 -1 ±1 replace");
  });

  it("reads the digest, which carries no policy violations (the CLI skips them there)", () => {
    const preview = parsePreview(fixture("preview-digest.json"));
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
  it("heads with the counts, calls out replacements and deletes first with what forces them, flags state, tables policy", () => {
    const text = renderPreviewComment({
      stack: "prod",
      preview: parsePreview(fixture("preview-events.ndjson")),
      outcome: "failure",
      ...run,
    });
    expect(text.split("\n").slice(0, 20)).toEqual([
      "<!-- comments-platform:preview:prod -->",
      "### :x: Preview of `prod`: +1 ~1 -1 ±1 replace",
      "",
      "Commit 0123456, [workflow run](https://github.com/acme/comments-platform/actions/runs/42): **the preview failed**; nothing was changed. Do not merge until it passes.",
      "",
      "#### Replacements and deletions",
      "",
      "- `±` replace `aws:rds/instance:Instance` **comments-api-prod-db**, forced by `engineVersion` :warning: **stateful**, **protected**",
      "- `-` delete `aws:ec2/securityGroup:SecurityGroup` **comments-api-prod-legacy**",
      "",
      "#### Policy violations",
      "",
      "| enforcement | policy | resource | message |",
      "| --- | --- | --- | --- |",
      "| mandatory | comments-platform/s3-no-public-access | logs | S3 buckets must block public access. Set blockPublicAcls. |",
      "",
      "#### Errors",
      "",
      "- preview failed: 1 policy violation",
      "",
    ]);
    expect(text).toContain(
      "<details><summary>± replace aws:rds/instance:Instance comments-api-prod-db</summary>\n\n- `engineVersion`: update-replace\n\n</details>",
    );
    expect(text).toContain("- `desiredCount`: update");
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
      })),
      violations: [],
      errors: [],
      changeSummary: { update: 2000 },
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
      preview: { steps: [], violations: [], errors: [], changeSummary: { same: 104 } },
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
