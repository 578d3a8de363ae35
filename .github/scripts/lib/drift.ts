/**
 * Drift: reading `pulumi preview --refresh --expect-no-changes`, and the issue a drift opens (one per
 * stack while it stays open; later drifts comment on it).
 */
import { call, type GitHub, type Issue, listAll, type RunInfo } from "./github-api.ts";

/** What a drift check found: no change, drift, or a check that failed for another reason. */
export type DriftVerdict = "clean" | "drift" | "error";

const NO_CHANGES_EXPECTED = /no changes were expected( for \S+)? but changes (were proposed|occurred)/;

/** How `pulumi preview --refresh --expect-no-changes` ended. */
export function classifyDrift(exitCode: number, log: string): DriftVerdict {
  if (exitCode === 0) return "clean";
  return NO_CHANGES_EXPECTED.test(log) ? "drift" : "error";
}

/** The title of a stack's drift issue: one open issue per stack carries it. */
export function driftTitle(stack: string): string {
  return `Drift: stack ${stack} differs from its code`;
}

/** The preview's output for the issue: ANSI colours stripped, the last 60000 characters at most. */
export function driftExcerpt(log: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences are the target.
  const plain = log.replace(/\u001b\[[0-9;]*m/g, "").trimEnd();
  const limit = 60_000;
  const text =
    plain.length > limit ? `[... ${plain.length - limit} characters cut]\n${plain.slice(-limit)}` : plain;
  return ["```", text.replaceAll("```", "'''"), "```"].join("\n");
}

/** The body of a drift issue: the stack, the run that found it and the preview's diff. */
export function driftBody(stack: string, log: string, run: RunInfo): string {
  return [
    `The nightly check found resources in \`${stack}\` that differ from what the code at ${run.sha.slice(0, 7)} declares`,
    `(someone changed them outside Pulumi, or AWS did). [Workflow run](${run.runUrl}).`,
    "",
    "Decide per change: bring the code to what runs (a PR), or put back what the code says",
    `(\`pulumi up -s ${stack}\` from main, or re-run the Deploy workflow). Close this issue when a`,
    "check passes again.",
    "",
    "<details><summary>pulumi preview --refresh --expect-no-changes</summary>",
    "",
    driftExcerpt(log),
    "",
    "</details>",
  ].join("\n");
}

/** Opens the stack's drift issue, or comments on the one already open. Returns its number. */
export async function reportDrift(
  gh: GitHub,
  stack: string,
  log: string,
  run: RunInfo,
): Promise<{ issue: number; action: "opened" | "commented" }> {
  const title = driftTitle(stack);
  const open = await listAll<Issue>(gh, `/repos/${gh.repository}/issues?state=open&labels=drift`);
  const existing = open.find((issue) => issue.pull_request === undefined && issue.title === title);
  const body = driftBody(stack, log, run);
  if (existing !== undefined) {
    await call(gh, "POST", `/repos/${gh.repository}/issues/${existing.number}/comments`, {
      body: `Still drifting.\n\n${body}`,
    });
    return { issue: existing.number, action: "commented" };
  }
  const created = await call<Issue>(gh, "POST", `/repos/${gh.repository}/issues`, {
    title,
    body,
    labels: ["drift"],
  });
  return { issue: created.number, action: "opened" };
}
