/**
 * The commands of .github/scripts/github.ts that the Deploy and Drift workflows added: the
 * emergency routes a run takes (`overrides`), the approved preview recorded and bound
 * (`preview-record`, `preview-bind`), the deploys the drift check waits for (`deploys`) and the
 * scheduled workflows GitHub may have stopped (`schedules`).
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { activityReport, deployActivity, unfinishedDeploys } from "./deploys.ts";
import type { GitHub, RunInfo } from "./github-api.ts";
import { overridesOf, overridesSummary } from "./overrides.ts";
import { type ApprovedPreview, bindingReport, boundSteps, readApproved } from "./preview-binding.ts";
import { parsePreview } from "./preview-events.ts";
import { stoppedSchedules, workflowStates } from "./schedules.ts";

/** What github.ts has parsed and set up for a command. */
export interface CommandContext {
  opts: Map<string, string>;
  env: Record<string, string | undefined>;
  log: (line: string) => void;
  gh: GitHub;
  run: RunInfo;
}

/** Runs `command` when it is one of these; its exit code, or undefined for the others. */
export async function deliveryCommand(command: string, ctx: CommandContext): Promise<number | undefined> {
  const { opts, env, log, gh, run } = ctx;
  const stack = opts.get("--stack") as string;
  const exitCode = opts.get("--exit-code");
  if (command === "schedules") {
    const stopped = stoppedSchedules(await workflowStates(gh));
    for (const line of stopped) log(line);
    if (stopped.length === 0) log("github: every scheduled workflow is active");
    return stopped.length === 0 ? 0 : 1;
  }
  if (command === "overrides") {
    const { problems: bad, taken } = overridesOf(env);
    for (const problem of bad) log(`::error title=Deploy inputs::${problem}`);
    if (bad.length > 0) return 2;
    const summary = overridesSummary(stack, taken);
    for (const line of summary) log(line);
    if (env.GITHUB_STEP_SUMMARY && summary.length > 0)
      appendFileSync(env.GITHUB_STEP_SUMMARY, `${summary.join("\n")}\n`);
    if (taken.length === 0) log(`github: no emergency route for ${stack}`);
    return 0;
  }
  if (command === "preview-record" || command === "preview-bind") {
    let events: string;
    let approvedText = "";
    try {
      events = readFileSync(opts.get("--events") as string, "utf8");
      if (command === "preview-bind") approvedText = readFileSync(opts.get("--approved") as string, "utf8");
    } catch (error) {
      log(`github: cannot read the preview: ${(error as Error).message}`);
      return 2;
    }
    const steps = boundSteps(parsePreview(events));
    if (command === "preview-record") {
      const record: ApprovedPreview = { version: 1, stack: stack, sha: run.sha, steps };
      writeFileSync(opts.get("--out") as string, `${JSON.stringify(record, null, 2)}\n`);
      log(`github: recorded the ${steps.length} change(s) of ${stack}'s preview at ${run.sha.slice(0, 7)}`);
      return 0;
    }
    let approved: ApprovedPreview;
    try {
      approved = readApproved(approvedText);
    } catch (error) {
      log(`github: --approved: ${(error as Error).message}`);
      return 2;
    }
    const report =
      exitCode !== "0"
        ? {
            ok: false,
            lines: [
              `Refused: the deploy's own preview of ${stack} failed (exit ${exitCode}), so it cannot be compared with the approved one; nothing was changed.`,
            ],
          }
        : approved.stack !== stack
          ? { ok: false, lines: [`Refused: the approved preview is of ${approved.stack}, not ${stack}.`] }
          : bindingReport(stack, approved, steps);
    for (const line of report.lines) log(line);
    if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${report.lines.join("\n")}\n`);
    return report.ok ? 0 : 1;
  }
  if (command === "deploys") {
    const activity = deployActivity(
      stack,
      await unfinishedDeploys(gh),
      env.NOW === undefined ? Date.now() : Date.parse(env.NOW),
    );
    const report = activityReport(stack, activity);
    for (const line of report.lines) log(line);
    if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `running=${activity.running.length}\n`);
    if (env.GITHUB_STEP_SUMMARY && report.summary.length > 0)
      appendFileSync(env.GITHUB_STEP_SUMMARY, `${report.summary.join("\n")}\n`);
    log(`github: ${activity.running.length} deploy(s) of ${stack} running`);
    return 0;
  }
  return undefined;
}
