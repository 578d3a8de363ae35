/**
 * What the workflows tell people through GitHub, kept out of YAML so it is tested:
 *
 *   node .github/scripts/github.ts preview-status --stack <s> --pr <n> --outcome <success|failure|cancelled>
 *     One comment per PR and stack, edited in place, when a preview fails (pulumi/actions may leave
 *     no comment then: it fails before it has output). A later success edits that comment to say so;
 *     a success with no earlier failure writes nothing (pulumi/actions' own comment has the diff).
 *
 *   node .github/scripts/github.ts drift --stack <s> --exit-code <n> --log <file> [--history <file>]
 *     Reads `pulumi refresh --preview-only --expect-no-changes` by its exit code: 0 is no drift; 7
 *     is drift and opens an issue labelled `drift` (or comments on the open one for that stack) with
 *     the diff, then exits 1; anything else is a failed check, not drift: exit 1, no issue. With
 *     `pulumi stack history --json` it also says, apart, whether main is ahead of what is deployed
 *     (in the log and the run's summary, GITHUB_STEP_SUMMARY).
 *
 *   node .github/scripts/github.ts contract --base <file> --head <file> --pr <n>
 *     Compares the base branch's infra/contract/src/contract.ts with the PR's: a removed or retyped field of
 *     contractV1 fails (exit 1) as a breaking change for consumers; added fields are listed. The PR
 *     gets one comment when anything changed, edited in place (by its marker) on later pushes.
 *
 *   node .github/scripts/github.ts preview-comment --stack <s> --pr <n> --events <file> --exit-code <n>
 *     Renders the stack's preview from `pulumi preview --json` (streamed engine events, or the digest)
 *     into one PR comment (counts, replacements and deletes first, policy violations, a diff per
 *     resource), edited in place: only a comment this workflow's author wrote with the stack's marker.
 *     Exits with the preview's exit code, so a failed preview fails the job after saying why.
 *
 *   node .github/scripts/github.ts preview-summary --stack <s> --events <file> --exit-code <n>
 *     The same rendering into the run's summary (GITHUB_STEP_SUMMARY), for the prod approver.
 *
 *   node .github/scripts/github.ts preview-stale --stack <s> --pr <n>
 *     Marks the stack's earlier preview comment stale while a newer push (HEAD_SHA) is previewed.
 *
 *   node .github/scripts/github.ts deploys --stack <s>
 *     Before the drift check: `running=<n>` into GITHUB_OUTPUT, the Deploy jobs of that stack that
 *     are running now (a run waiting for approval is not one); an approval waiting over a day is
 *     reported as a warning and in the run's summary.
 *
 *   node .github/scripts/github.ts schedules
 *     Exits 1, saying how to enable it, when drift.yml or deploy.yml is not active (GitHub disables
 *     scheduled workflows after 60 days without activity in public repositories).
 *
 *   node .github/scripts/github.ts overrides --stack <s>
 *     The emergency routes a Deploy run was started with (OVERRIDE_BUDGET, IGNORE_ALARMS,
 *     SKIP_ANALYSIS from its inputs): each into the run's summary with its reason; a blank reason
 *     fails (exit 2) before anything runs.
 *
 *   node .github/scripts/github.ts preview-record --stack <s> --events <file> --out <file>
 *     Records the changes of the preview the prod approver reads (URN, op, changed keys) in <file>.
 *
 *   node .github/scripts/github.ts preview-bind --stack <s> --approved <file> --events <file> --exit-code <n>
 *     Before `pulumi up`: compares the deploy's own preview with the recorded one and exits 1,
 *     naming each resource that differs, when they differ or when the deploy's preview failed.
 *
 * Needs only Node.js (22.18+/24 run TypeScript as is; erasable syntax only, imports of node: and of
 * ./lib/*.ts with their extension): it must work when `pnpm install` is what failed. Environment: GITHUB_TOKEN, GITHUB_REPOSITORY,
 * GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_RUN_ID, GITHUB_SHA (all set by Actions but the token),
 * and HEAD_SHA, the commit to name when it is not GITHUB_SHA (a pull request's head).
 */
import { appendFileSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { CONTRACT_MARKER, compareContracts, contractComment } from "./lib/contract.ts";
import { deliveryCommand } from "./lib/delivery-commands.ts";
import {
  classifyDrift,
  deployedVersusMain,
  type HistoryEntry,
  PULUMI_EXIT_CODES,
  reportDrift,
} from "./lib/drift.ts";
import {
  call,
  type GitHub,
  ownComments,
  type RunInfo,
  upsertComment,
  upsertOwnComment,
} from "./lib/github-api.ts";
import {
  markStale,
  parsePreview,
  previewCommentMarker,
  renderPreviewComment,
} from "./lib/preview-comment.ts";
import { type Outcome, reportPreview } from "./lib/preview-status.ts";

/** How to call the script: its commands and options. */
export const USAGE = [
  "usage: node .github/scripts/github.ts preview-status --stack <stack> --pr <number> --outcome <success|failure|cancelled>",
  "       node .github/scripts/github.ts drift --stack <stack> --exit-code <number> --log <file> [--history <file>]",
  "       node .github/scripts/github.ts contract --base <file> --head <file> --pr <number>",
  "       node .github/scripts/github.ts preview-comment --stack <stack> --pr <number> --events <file> --exit-code <number>",
  "       node .github/scripts/github.ts preview-summary --stack <stack> --events <file> --exit-code <number>",
  "       node .github/scripts/github.ts preview-stale --stack <stack> --pr <number>",
  "       node .github/scripts/github.ts deploys --stack <stack>",
  "       node .github/scripts/github.ts overrides --stack <stack>",
  "       node .github/scripts/github.ts schedules",
  "       node .github/scripts/github.ts preview-record --stack <stack> --events <file> --out <file>",
  "       node .github/scripts/github.ts preview-bind --stack <stack> --approved <file> --events <file> --exit-code <number>",
  "environment: GITHUB_TOKEN, GITHUB_REPOSITORY (owner/name); optional GITHUB_API_URL, GITHUB_SERVER_URL,",
  "             GITHUB_RUN_ID, GITHUB_SHA",
].join("\n");

const STACK = /^[a-z][a-z0-9-]{0,39}$/;

/** Each command's options, every one required (drift's --history is the one optional option). */
const COMMANDS: Record<string, string[]> = {
  "preview-status": ["--stack", "--pr", "--outcome"],
  drift: ["--stack", "--exit-code", "--log"],
  contract: ["--base", "--head", "--pr"],
  "preview-comment": ["--stack", "--pr", "--events", "--exit-code"],
  "preview-summary": ["--stack", "--events", "--exit-code"],
  "preview-stale": ["--stack", "--pr"],
  deploys: ["--stack"],
  schedules: [],
  overrides: ["--stack"],
  "preview-record": ["--stack", "--events", "--out"],
  "preview-bind": ["--stack", "--approved", "--events", "--exit-code"],
};
/** Commands that never call GitHub's API, so need no token. */
const OFFLINE = ["preview-summary", "preview-record", "preview-bind", "overrides"];

/** Node's own parser, non-strict so that every problem is named at once rather than the first. */
function options(
  argv: readonly string[],
  allowed: readonly string[],
  problems: string[],
): Map<string, string> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(allowed.map((name) => [name.slice(2), { type: "string" as const }])),
    strict: false,
    allowPositionals: true,
  });
  const found = new Map<string, string>();
  for (const [key, value] of Object.entries(values)) {
    const name = `--${key}`;
    if (!allowed.includes(name)) problems.push(`unknown option ${name} (allowed: ${allowed.join(", ")})`);
    else if (typeof value !== "string" || value.startsWith("--")) problems.push(`${name} needs a value`);
    else found.set(name, value);
  }
  for (const extra of positionals) problems.push(`unexpected argument ${JSON.stringify(extra)}`);
  for (const name of allowed) if (!(name.slice(2) in values)) problems.push(`${name} is required`);
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
  if (!Object.hasOwn(COMMANDS, command ?? "")) {
    log(`github: unknown command ${JSON.stringify(command ?? "")}\n${USAGE}`);
    return 2;
  }
  const allowed = COMMANDS[command as string] as string[];
  // --history is optional: take it out before the parser, which requires every allowed option.
  const historyAt = rest.indexOf("--history");
  const historyFile = command === "drift" && historyAt !== -1 ? rest[historyAt + 1] : undefined;
  const args = historyFile === undefined ? rest : [...rest.slice(0, historyAt), ...rest.slice(historyAt + 2)];
  const opts = options(args, allowed, problems);
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
  if (!env.GITHUB_TOKEN && !OFFLINE.includes(command as string)) problems.push("GITHUB_TOKEN is not set");
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

  // Comments the workflow wrote itself: GITHUB_TOKEN writes as github-actions[bot].
  const author = env.COMMENT_AUTHOR ?? "github-actions[bot]";
  if (command === "preview-summary" || command === "preview-comment") {
    let text: string;
    try {
      text = readFileSync(opts.get("--events") as string, "utf8");
    } catch (error) {
      log(`github: cannot read --events: ${(error as Error).message}`);
      return 2;
    }
    const code = Number(exitCode);
    const body = renderPreviewComment({
      stack: stack as string,
      preview: parsePreview(text),
      outcome: code === 0 ? "success" : "failure",
      sha: run.sha,
      runUrl: run.runUrl,
    });
    if (command === "preview-summary") {
      if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${body}\n`);
      log(body);
      return code;
    }
    const action = await upsertOwnComment(
      gh,
      Number(pr),
      previewCommentMarker(stack as string),
      body,
      author,
    );
    log(`github: preview comment of ${stack} ${action} (${body.length} characters)`);
    if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${body}\n`);
    return code;
  }
  const delivered = await deliveryCommand(command as string, { opts, env, log, gh, run });
  if (delivered !== undefined) return delivered;
  if (command === "preview-stale") {
    const comments = await ownComments(gh, Number(pr), previewCommentMarker(stack as string), author);
    for (const comment of comments) {
      await call(gh, "PATCH", `/repos/${gh.repository}/issues/comments/${comment.id}`, {
        body: markStale(comment.body ?? "", run.sha),
      });
    }
    log(`github: ${comments.length} earlier preview comment(s) of ${stack} marked stale`);
    return 0;
  }
  if (command === "contract") {
    let change: ReturnType<typeof compareContracts>;
    try {
      change = compareContracts(
        readFileSync(opts.get("--base") as string, "utf8"),
        readFileSync(opts.get("--head") as string, "utf8"),
      );
    } catch (error) {
      log(`github: cannot compare the contracts: ${(error as Error).message}`);
      return 2;
    }
    const body = contractComment(change);
    const breaking = change.removed.length + change.retyped.length > 0;
    log(body === undefined ? "github: contractV1 unchanged" : body.replace(`${CONTRACT_MARKER}\n`, ""));
    try {
      const action = await upsertComment(
        gh,
        Number(pr),
        CONTRACT_MARKER,
        body ?? `${CONTRACT_MARKER}\n### contractV1: unchanged by this PR now`,
        body !== undefined,
      );
      log(`github: contract comment ${action === "none" ? "not needed" : action}`);
    } catch (error) {
      // A fork's token cannot comment: the check's verdict stands on its own.
      log(`github: could not comment on the PR: ${(error as Error).message}`);
    }
    return breaking ? 1 : 0;
  }
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
  if (historyFile !== undefined) {
    try {
      const history = JSON.parse(readFileSync(historyFile, "utf8")) as HistoryEntry[];
      const line = deployedVersusMain(history, env.GITHUB_SHA ?? "unknown");
      log(`github: ${stack}: ${line}`);
      if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `### ${stack}\n\n${line}\n`);
    } catch (error) {
      log(`github: ${stack}: cannot read --history: ${(error as Error).message}`);
    }
  }
  const verdict = classifyDrift(Number(exitCode));
  if (verdict === "clean") {
    log(`github: ${stack} matches its state: no drift`);
    return 0;
  }
  if (verdict === "error") {
    log(
      `github: the drift check of ${stack} failed (exit ${exitCode}: ${PULUMI_EXIT_CODES[Number(exitCode)] ?? "unknown exit code"}) before it could compare: not drift, no issue opened; see the log above`,
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
