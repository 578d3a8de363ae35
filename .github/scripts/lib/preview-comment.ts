/**
 * The PR comment of a stack's preview, rendered from `pulumi preview --json`. Two shapes are read,
 * as pulumi/pulumi writes them:
 *
 * - the preview digest (one JSON object: `steps`, `diagnostics`, `changeSummary`;
 *   sdk/go/common/display `PreviewDigest`), which carries no policy violations: the CLI skips policy
 *   events when it builds it (pkg/backend/display/json.go, "we don't handle policy events in JSON
 *   serialization");
 * - the streaming form (`PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true`: one `apitype.EngineEvent` per
 *   line), which does: `resourcePreEvent.metadata` (op, urn, keys, diffs, detailedDiff, old/new),
 *   `policyEvent`, `diagnosticEvent`, `summaryEvent.resourceChanges`. The workflow uses this one.
 *
 * Replacements and deletes come first with the properties that force them; stateful and protected
 * resources are flagged; policy violations are a table, also when the preview failed because of
 * them; each changed resource has a collapsible diff; the comment stays under GitHub's size limit.
 */

/** One resource step, as either shape gives it. */
export interface Step {
  op: string;
  urn: string;
  /** Properties forcing a replacement. */
  replaceReasons: string[];
  /** Changed properties. */
  diffReasons: string[];
  /** property path → kind (add, update, delete, and their -replace forms). */
  detailedDiff: Record<string, string>;
  protect: boolean;
}

/** One policy violation (apitype.PolicyEvent). */
export interface Violation {
  enforcementLevel: string;
  policyPackName: string;
  policyName: string;
  resourceUrn: string;
  message: string;
}

/** A preview, whichever shape it came in. */
export interface Preview {
  steps: Step[];
  violations: Violation[];
  /** Error diagnostics: why a preview failed. */
  errors: string[];
  changeSummary: Record<string, number>;
}

interface DigestStep {
  op: string;
  urn: string;
  oldState?: { protect?: boolean };
  newState?: { protect?: boolean };
  diffReasons?: string[];
  replaceReasons?: string[];
  detailedDiff?: Record<string, { kind: string }> | null;
}
interface EventMetadata {
  op: string;
  urn: string;
  keys?: string[];
  diffs?: string[];
  detailedDiff?: Record<string, { diffKind: string }> | null;
  old?: { protect?: boolean } | null;
  new?: { protect?: boolean } | null;
}

/** Reads `pulumi preview --json` output, digest or streamed events. */
export function parsePreview(text: string): Preview {
  const trimmed = text.trim();
  const preview: Preview = { steps: [], violations: [], errors: [], changeSummary: {} };
  if (trimmed === "") return preview;
  // The digest is one indented object; the stream is one compact object per line.
  let digest:
    | {
        steps?: DigestStep[];
        diagnostics?: Array<{ message?: string; severity?: string }>;
        changeSummary?: Record<string, number>;
      }
    | undefined;
  if (!trimmed.includes("\n{")) {
    try {
      digest = JSON.parse(trimmed);
    } catch {
      digest = undefined;
    }
  }
  if (digest !== undefined && !("sequence" in digest)) {
    for (const step of digest.steps ?? []) {
      preview.steps.push({
        op: step.op,
        urn: step.urn,
        replaceReasons: step.replaceReasons ?? [],
        diffReasons: step.diffReasons ?? [],
        detailedDiff: Object.fromEntries(
          Object.entries(step.detailedDiff ?? {}).map(([k, v]) => [k, v.kind]),
        ),
        protect: step.oldState?.protect === true || step.newState?.protect === true,
      });
    }
    preview.errors = (digest.diagnostics ?? [])
      .filter((d) => d.severity === "error")
      .map((d) => (d.message ?? "").trim());
    preview.changeSummary = digest.changeSummary ?? {};
    return preview;
  }
  for (const line of trimmed.split("\n")) {
    if (line.trim() === "") continue;
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line);
    } catch {
      continue;
    }
    const pre = event.resourcePreEvent as { metadata: EventMetadata } | undefined;
    if (pre !== undefined) {
      const m = pre.metadata;
      preview.steps.push({
        op: m.op,
        urn: m.urn,
        replaceReasons: m.keys ?? [],
        diffReasons: m.diffs ?? [],
        detailedDiff: Object.fromEntries(
          Object.entries(m.detailedDiff ?? {}).map(([k, v]) => [k, v.diffKind]),
        ),
        protect: m.old?.protect === true || m.new?.protect === true,
      });
    }
    const policy = event.policyEvent as Violation | undefined;
    if (policy !== undefined) {
      preview.violations.push({
        enforcementLevel: policy.enforcementLevel,
        policyPackName: policy.policyPackName,
        policyName: policy.policyName,
        resourceUrn: policy.resourceUrn ?? "",
        message: (policy.message ?? "").trim(),
      });
    }
    const diagnostic = event.diagnosticEvent as { severity?: string; message?: string } | undefined;
    if (diagnostic?.severity === "error") preview.errors.push((diagnostic.message ?? "").trim());
    const summary = event.summaryEvent as { resourceChanges?: Record<string, number> } | undefined;
    if (summary !== undefined) preview.changeSummary = summary.resourceChanges ?? {};
  }
  return preview;
}

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
  "create-replacement": "±",
  "delete-replaced": "±",
  read: ">",
  import: "=",
};

/** `+3 ~1 -0 ±1 replace`, from the summary (or the steps when a failed preview has none). */
export function countsHeading(preview: Preview): string {
  const counted = (op: string) =>
    preview.changeSummary[op] ?? preview.steps.filter((step) => step.op === op).length;
  return `+${counted("create")} ~${counted("update")} -${counted("delete")} ±${counted("replace")} replace`;
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
  const changes = preview.steps.filter(
    (step) => step.op !== "same" && !step.urn.includes("::pulumi:pulumi:Stack::"),
  );
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
  const dangerous = changes.filter((step) => step.op === "replace" || step.op === "delete");
  const body: string[] = [];
  if (dangerous.length > 0) {
    body.push("", "#### Replacements and deletions", "");
    for (const step of dangerous) {
      const forced =
        step.replaceReasons.length === 0
          ? ""
          : `, forced by ${step.replaceReasons.map((k) => `\`${k}\``).join(", ")}`;
      body.push(`- ${line(step)}${forced}${flag(step)}`);
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
  for (const step of changes) {
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
  if (changes.length === 0 && input.outcome === "success") body.push("", "No changes.");
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
