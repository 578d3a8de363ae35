/**
 * The PR comment of a stack's preview, rendered from `pulumi preview --json` as preview-events.ts
 * reads it: the logical steps only, one row per resource, as the digest would show them.
 *
 * Replacements and deletes come first with the properties that force them; stateful and protected
 * resources are flagged; policy violations are a table, also when the preview failed because of
 * them; each changed resource has a collapsible diff; the comment stays under GitHub's size limit.
 */

import { changes, type Preview, type Step } from "./preview-events.ts";

export { type Preview, parsePreview, type Step, type Violation } from "./preview-events.ts";

/** `urn:pulumi:prod::comments-platform::parent$aws:rds/instance:Instance::comments-api-prod-db` → type and name. */
export function resourceOf(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const name = parts.at(-1) ?? urn;
  const type = (parts.at(-2) ?? "").split("$").at(-1) ?? "";
  return { type, name };
}

/** Resources whose replacement or deletion loses data or breaks consumers: flagged loudly. */
export const STATEFUL_TYPES = [
  "aws:rds/instance:Instance",
  "aws:rds/cluster:Cluster",
  "aws:ecr/repository:Repository",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:kms/key:Key",
  "aws:secretsmanager/secret:Secret",
  "aws:amp/workspace:Workspace",
  "aws:grafana/workspace:Workspace",
];

/** GitHub refuses comment bodies over 65,536 characters; stay under with room for the banner. */
export const COMMENT_LIMIT = 65_000;

/** The comment's hidden marker: how this workflow finds its own comment for the stack. */
export const previewCommentMarker = (stack: string) => `<!-- comments-platform:preview:${stack} -->`;

const SYMBOL: Record<string, string> = {
  create: "+",
  update: "~",
  delete: "-",
  replace: "±",
  read: ">",
  import: "=",
};

/**
 * `+3 ~1 -0 ±1 replace`, from the engine's summary; a preview that ended without one (a crash, a
 * cancel) is counted from its logical steps, and says so.
 */
export function countsHeading(preview: Preview): string {
  const counted = (op: string) =>
    preview.summarized
      ? (preview.changeSummary[op] ?? 0)
      : changes(preview).filter((step) => step.op === op).length;
  const counts = `+${counted("create")} ~${counted("update")} -${counted("delete")} ±${counted("replace")} replace`;
  return preview.summarized
    ? counts
    : `${counts} (counted from the steps: the preview ended without its summary)`;
}

/** The whole comment for one stack. */
export function renderPreviewComment(input: {
  stack: string;
  preview: Preview;
  outcome: "success" | "failure";
  sha: string;
  runUrl: string;
}): string {
  const { stack, preview } = input;
  const changed = changes(preview);
  const flag = (step: Step) => {
    const { type } = resourceOf(step.urn);
    const notes = [
      ...(STATEFUL_TYPES.includes(type) ? ["**stateful**"] : []),
      ...(step.protect ? ["**protected**"] : []),
    ];
    return notes.length === 0 ? "" : ` :warning: ${notes.join(", ")}`;
  };
  const line = (step: Step) => {
    const { type, name } = resourceOf(step.urn);
    return `\`${SYMBOL[step.op] ?? step.op}\` ${step.op} \`${type}\` **${name}**`;
  };
  const head = [
    previewCommentMarker(stack),
    `### ${input.outcome === "failure" ? ":x:" : ":mag:"} Preview of \`${stack}\`: ${countsHeading(preview)}`,
    "",
    `Commit ${input.sha.slice(0, 7)}, [workflow run](${input.runUrl})${input.outcome === "failure" ? ": **the preview failed**; nothing was changed. Do not merge until it passes." : "."}`,
  ];
  const dangerous = changed.filter((step) => step.op === "replace" || step.op === "delete");
  const body: string[] = [];
  if (dangerous.length > 0) {
    body.push("", "#### Replacements and deletions", "");
    for (const step of dangerous) {
      const forced =
        step.replaceReasons.length === 0
          ? ""
          : `, forced by ${step.replaceReasons.map((k) => `\`${k}\``).join(", ")}`;
      const order = step.deleteBeforeReplace ? " (deleted before its replacement is created)" : "";
      body.push(`- ${line(step)}${forced}${order}${flag(step)}`);
    }
  }
  if (preview.violations.length > 0) {
    body.push(
      "",
      "#### Policy violations",
      "",
      "| enforcement | policy | resource | message |",
      "| --- | --- | --- | --- |",
    );
    for (const v of preview.violations) {
      const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
      body.push(
        `| ${v.enforcementLevel} | ${cell(`${v.policyPackName}/${v.policyName}`)} | ${cell(v.resourceUrn === "" ? "(stack)" : resourceOf(v.resourceUrn).name)} | ${cell(v.message)} |`,
      );
    }
  }
  if (input.outcome === "failure" && preview.errors.length > 0) {
    body.push("", "#### Errors", "", ...preview.errors.map((e) => `- ${e.split("\n")[0]}`));
  }
  const details: string[] = [];
  for (const step of changed) {
    const properties = Object.entries(step.detailedDiff);
    const list =
      properties.length > 0
        ? properties.map(([path, kind]) => `- \`${path}\`: ${kind}`)
        : step.diffReasons.map((key) => `- \`${key}\``);
    details.push(
      "",
      `<details><summary>${line(step).replaceAll("`", "").replaceAll("**", "")}</summary>`,
      "",
      ...(list.length > 0 ? list : ["- (no property diff)"]),
      "",
      "</details>",
    );
  }
  if (changed.length === 0 && input.outcome === "success") body.push("", "No changes.");
  let text = [...head, ...body, ...(details.length > 0 ? ["", "#### Every change", ...details] : [])].join(
    "\n",
  );
  if (text.length > COMMENT_LIMIT) {
    // The heading, the dangerous changes and the violations always fit; the per-resource diffs go.
    const kept: string[] = [];
    let size = [...head, ...body].join("\n").length + 200;
    let cut = 0;
    for (let i = 0; i < details.length; i += 1) {
      const piece = details[i] ?? "";
      if (size + piece.length + 1 > COMMENT_LIMIT) {
        cut = details.slice(i).filter((l) => l.startsWith("<details>")).length;
        break;
      }
      kept.push(piece);
      size += piece.length + 1;
    }
    text = [
      ...head,
      ...body,
      "",
      "#### Every change",
      ...kept,
      "",
      `_${cut} more resources' diffs cut to stay under GitHub's comment size limit: the full preview is in the [workflow run](${input.runUrl})._`,
    ].join("\n");
  }
  return text;
}

/** The banner a comment gets while a newer push's preview runs. */
export const staleBanner = (sha: string) =>
  `> :hourglass: **Stale**: a newer push (${sha.slice(0, 7)}) is being previewed; this comment is replaced when it finishes.`;

/** The comment with the stale banner in front (once), after its marker line. */
export function markStale(body: string, sha: string): string {
  const lines = body.split("\n");
  const rest = lines.slice(1).filter((l) => !l.startsWith("> :hourglass: **Stale**"));
  return [lines[0] ?? "", staleBanner(sha), ...rest].join("\n");
}
