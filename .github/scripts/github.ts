/**
 * What the workflows tell people through GitHub, kept out of YAML so it is tested:
 *
 *   node .github/scripts/github.ts preview-status --stack <s> --pr <n> --outcome <success|failure|cancelled>
 *     One comment per PR and stack, edited in place, when a preview fails (pulumi/actions may leave
 *     no comment then: it fails before it has output). A later success edits that comment to say so;
 *     a success with no earlier failure writes nothing (pulumi/actions' own comment has the diff).
 *
 *   node .github/scripts/github.ts drift --stack <s> --exit-code <n> --log <file>
 *     Reads `pulumi preview --refresh --expect-no-changes`: exit 0 is no drift; "no changes were
 *     expected" is drift and opens an issue labelled `drift` (or comments on the open one for that
 *     stack) with the diff, then exits 1; anything else is a failed check, not drift: exit 1, no issue.
 *
 * Needs only Node.js (22.18+/24 run TypeScript as is; erasable syntax only, no imports but node:):
 * it must work when `pnpm install` is what failed. Environment: GITHUB_TOKEN, GITHUB_REPOSITORY,
 * GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_RUN_ID, GITHUB_SHA (all set by Actions but the token),
 * and HEAD_SHA, the commit to name when it is not GITHUB_SHA (a pull request's head).
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

export interface GitHub {
  /** owner/name */
  repository: string;
  token: string;
  /** https://api.github.com, or a test server */
  apiUrl: string;
}

export interface RunInfo {
  /** Link to the workflow run. */
  runUrl: string;
  sha: string;
}

interface Comment {
  id: number;
  body?: string;
}

interface Issue {
  number: number;
  title: string;
  pull_request?: unknown;
}

/** One REST call; any status >= 300 throws with the method, path, status and GitHub's message. */
export async function call<T>(gh: GitHub, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${gh.apiUrl.replace(/\/+$/, "")}${path}`, {
    method,
    headers: {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${gh.token}`,
      "x-github-api-version": "2022-11-28",
      "user-agent": "comments-platform-workflows",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status >= 300) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {}
    throw new Error(`GitHub ${method} ${path} answered ${response.status}: ${message}`);
  }
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

/** Every page of a list endpoint (100 per page). */
async function listAll<T>(gh: GitHub, path: string): Promise<T[]> {
  const all: T[] = [];
  const separator = path.includes("?") ? "&" : "?";
  for (let page = 1; ; page++) {
    const items = await call<T[]>(gh, "GET", `${path}${separator}per_page=100&page=${page}`);
    all.push(...items);
    if (items.length < 100) return all;
  }
}

export function previewMarker(stack: string): string {
  return `<!-- comments-platform:preview-status:${stack} -->`;
}

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
      `The earlier failure is fixed; the diff is in the Pulumi comment for \`${stack}\` ([run](${run.runUrl})).`,
    );
  }
  return lines.join("\n");
}

export type CommentAction = "created" | "updated" | "none";

/** Edits the comment holding `marker`, or creates one when `create` is true. */
export async function upsertComment(
  gh: GitHub,
  issue: number,
  marker: string,
  body: string,
  create: boolean,
): Promise<CommentAction> {
  const comments = await listAll<Comment>(gh, `/repos/${gh.repository}/issues/${issue}/comments`);
  const existing = comments.find((comment) => comment.body?.includes(marker));
  if (existing !== undefined) {
    await call(gh, "PATCH", `/repos/${gh.repository}/issues/comments/${existing.id}`, { body });
    return "updated";
  }
  if (!create) return "none";
  await call(gh, "POST", `/repos/${gh.repository}/issues/${issue}/comments`, { body });
  return "created";
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

export type DriftVerdict = "clean" | "drift" | "error";

const NO_CHANGES_EXPECTED = /no changes were expected( for \S+)? but changes (were proposed|occurred)/;

/** How `pulumi preview --refresh --expect-no-changes` ended. */
export function classifyDrift(exitCode: number, log: string): DriftVerdict {
  if (exitCode === 0) return "clean";
  return NO_CHANGES_EXPECTED.test(log) ? "drift" : "error";
}

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

export const USAGE = [
  "usage: node .github/scripts/github.ts preview-status --stack <stack> --pr <number> --outcome <success|failure|cancelled>",
  "       node .github/scripts/github.ts drift --stack <stack> --exit-code <number> --log <file>",
  "environment: GITHUB_TOKEN, GITHUB_REPOSITORY (owner/name); optional GITHUB_API_URL, GITHUB_SERVER_URL,",
  "             GITHUB_RUN_ID, GITHUB_SHA",
].join("\n");

const STACK = /^[a-z][a-z0-9-]{0,39}$/;

function options(
  argv: readonly string[],
  allowed: readonly string[],
  problems: string[],
): Map<string, string> {
  const found = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i] as string;
    const value = argv[i + 1];
    if (!allowed.includes(name)) problems.push(`unknown option ${name} (allowed: ${allowed.join(", ")})`);
    else if (value === undefined || value.startsWith("--")) problems.push(`${name} needs a value`);
    else found.set(name, value);
    if (value?.startsWith("--")) i--;
  }
  for (const name of allowed)
    if (!found.has(name) && !problems.some((p) => p.startsWith(name))) problems.push(`${name} is required`);
  return found;
}

/** The CLI; returns the exit code. `env` and `log` come in so tests run it in-process. */
export async function main(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  log: (line: string) => void,
): Promise<number> {
  const [command, ...rest] = argv;
  const problems: string[] = [];
  if (command !== "preview-status" && command !== "drift") {
    log(`github: unknown command ${JSON.stringify(command ?? "")}\n${USAGE}`);
    return 2;
  }
  const allowed =
    command === "preview-status" ? ["--stack", "--pr", "--outcome"] : ["--stack", "--exit-code", "--log"];
  const opts = options(rest, allowed, problems);
  const stack = opts.get("--stack");
  if (stack !== undefined && !STACK.test(stack))
    problems.push(`--stack ${JSON.stringify(stack)} is not a stack name`);
  const pr = opts.get("--pr");
  if (pr !== undefined && !/^[1-9]\d{0,9}$/.test(pr))
    problems.push(`--pr ${JSON.stringify(pr)} must be a PR number`);
  const outcome = opts.get("--outcome");
  if (outcome !== undefined && !["success", "failure", "cancelled"].includes(outcome))
    problems.push(`--outcome ${JSON.stringify(outcome)} must be success, failure or cancelled`);
  const exitCode = opts.get("--exit-code");
  if (exitCode !== undefined && !/^\d{1,3}$/.test(exitCode))
    problems.push(`--exit-code ${JSON.stringify(exitCode)} must be a process exit code`);
  if (!env.GITHUB_TOKEN) problems.push("GITHUB_TOKEN is not set");
  if (!/^[\w.-]+\/[\w.-]+$/.test(env.GITHUB_REPOSITORY ?? ""))
    problems.push(`GITHUB_REPOSITORY ${JSON.stringify(env.GITHUB_REPOSITORY ?? "")} must be owner/name`);
  if (problems.length > 0) {
    log(`github: ${problems.join("\n        ")}\n${USAGE}`);
    return 2;
  }
  const gh: GitHub = {
    repository: env.GITHUB_REPOSITORY as string,
    token: env.GITHUB_TOKEN as string,
    apiUrl: env.GITHUB_API_URL ?? "https://api.github.com",
  };
  const run: RunInfo = {
    runUrl: `${env.GITHUB_SERVER_URL ?? "https://github.com"}/${gh.repository}/actions/runs/${env.GITHUB_RUN_ID ?? "0"}`,
    // On pull_request events GITHUB_SHA is the merge commit; the workflow passes the head as HEAD_SHA.
    sha: env.HEAD_SHA ?? env.GITHUB_SHA ?? "unknown",
  };

  if (command === "preview-status") {
    const action = await reportPreview(gh, Number(pr), stack as string, outcome as Outcome, run);
    log(
      `github: preview of ${stack} ${outcome}: status comment ${action === "none" ? "not needed" : action}`,
    );
    return 0;
  }
  let text: string;
  try {
    text = readFileSync(opts.get("--log") as string, "utf8");
  } catch (error) {
    log(`github: cannot read --log: ${(error as Error).message}`);
    return 2;
  }
  const verdict = classifyDrift(Number(exitCode), text);
  if (verdict === "clean") {
    log(`github: ${stack} matches its code: no drift`);
    return 0;
  }
  if (verdict === "error") {
    log(
      `github: the drift check of ${stack} failed (exit ${exitCode}) before it could compare: not drift, no issue opened; see the log above`,
    );
    return 1;
  }
  const { issue, action } = await reportDrift(gh, stack as string, text, run);
  log(`github: ${stack} drifted: issue #${issue} ${action}`);
  return 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`github: ${(error as Error).message}`);
      process.exitCode = 1;
    },
  );
}
