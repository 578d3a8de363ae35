/**
 * Drift: reading `pulumi refresh --preview-only --expect-no-changes` (the cloud against the stack's
 * state), the issue a drift opens (one per stack while it stays open; later drifts comment on it),
 * and, apart from drift, whether main is ahead of what the stack's last update deployed.
 */
import { call, type GitHub, type Issue, listAll, type RunInfo } from "./github-api.ts";

/** What a drift check found: no change, drift, or a check that failed for another reason. */
export type DriftVerdict = "clean" | "drift" | "error";

/**
 * The Pulumi CLI's exit codes (https://www.pulumi.com/docs/iac/cli/exit-codes/, the mapping since CLI
 * 3.226.1; the workflows install 3.248): 7 is "an expectation about changes is not met", the
 * drift; every other non-zero code is a check that could not compare.
 */
export const PULUMI_EXIT_CODES: Record<number, string> = {
  1: "generic error",
  2: "configuration or validation error",
  3: "authentication or authorization error",
  4: "resource or deployment error",
  5: "policy failure",
  6: "stack not found",
  7: "changes found where none were expected",
  8: "canceled",
};

/** How `pulumi refresh --preview-only --expect-no-changes` ended, by its exit code alone. */
export function classifyDrift(exitCode: number): DriftVerdict {
  return exitCode === 0 ? "clean" : exitCode === 7 ? "drift" : "error";
}

/** One update of `pulumi stack history --json` (pulumi/pulumi, stack_history.go: updateInfoJSON). */
export interface HistoryEntry {
  version?: number;
  kind: string;
  startTime: string;
  message: string;
  environment?: Record<string, string>;
  result?: string;
}

/**
 * What the stack's newest successful `update` deployed (the `git.head` the CLI records), against
 * main: a separate report from drift, since a merge waiting for its deploy (or its approval) is not
 * a change made outside Pulumi.
 */
export function deployedVersusMain(history: HistoryEntry[], mainSha: string): string {
  const deployed = history.find((entry) => entry.kind === "update" && entry.result === "succeeded");
  const head = deployed?.environment?.["git.head"];
  if (deployed === undefined) return "no successful update in the stack's history: nothing deployed yet";
  if (head === undefined)
    return `the last update (${deployed.startTime}) recorded no commit (git.head): cannot compare with main`;
  if (head === mainSha)
    return `main (${mainSha.slice(0, 7)}) is what is deployed (update of ${deployed.startTime})`;
  return `main is ahead of what is deployed: the last update (${deployed.startTime}) deployed ${head.slice(0, 7)}, main is at ${mainSha.slice(0, 7)}. Not drift: a deploy of main brings the stack there.`;
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
    `The nightly check found resources in \`${stack}\` that differ from the stack's state, what its last`,
    `deploy left (someone changed them outside Pulumi, or AWS did). [Workflow run](${run.runUrl}).`,
    "",
    "Decide per change: bring the code to what runs (a PR), or put back what the code says",
    `(\`pulumi up -s ${stack}\` from main, or re-run the Deploy workflow). Close this issue when a`,
    "check passes again.",
    "",
    "<details><summary>pulumi refresh --preview-only --expect-no-changes</summary>",
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
