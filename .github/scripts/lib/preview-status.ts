/**
 * The preview status comment: one per PR and stack, found again by a marker and edited in place.
 * Failures and cancellations always say so (pulumi/actions may leave no comment when the preview
 * fails before it has output); a success only corrects an earlier status comment, since
 * the preview comment (preview-comment.ts) carries the diff.
 */
import { type CommentAction, type GitHub, type RunInfo, upsertComment } from "./github-api.ts";

/** The hidden marker that identifies a stack's status comment, so it is edited, never duplicated. */
export function previewMarker(stack: string): string {
  return `<!-- comments-platform:preview-status:${stack} -->`;
}

/** How a stack's preview job ended. */
export type Outcome = "success" | "failure" | "cancelled";

/** The status comment's body: a marker line (how it is found again), then what happened. */
export function previewStatusBody(stack: string, outcome: Outcome, run: RunInfo): string {
  const sha = run.sha.slice(0, 7);
  const lines = [previewMarker(stack)];
  if (outcome === "failure") {
    lines.push(
      `#### :x: Preview of \`${stack}\` failed at ${sha}`,
      "",
      `Nothing was changed in AWS. The reason is in the [workflow run](${run.runUrl}): a policy`,
      "violation, a program error, or a step before the preview (dependencies, AWS credentials).",
      "Do not merge until this preview passes.",
    );
  } else if (outcome === "cancelled") {
    lines.push(
      `#### :warning: Preview of \`${stack}\` at ${sha} was cancelled`,
      "",
      `A newer push supersedes it, or someone stopped the [run](${run.runUrl}).`,
    );
  } else {
    lines.push(
      `#### :white_check_mark: Preview of \`${stack}\` passed at ${sha}`,
      "",
      `The earlier failure is fixed; the diff is in the preview comment for \`${stack}\` ([run](${run.runUrl})).`,
    );
  }
  return lines.join("\n");
}

/** Failures and cancellations always say so; a success only corrects an earlier status comment. */
export function reportPreview(
  gh: GitHub,
  pr: number,
  stack: string,
  outcome: Outcome,
  run: RunInfo,
): Promise<CommentAction> {
  return upsertComment(
    gh,
    pr,
    previewMarker(stack),
    previewStatusBody(stack, outcome, run),
    outcome !== "success",
  );
}
