/**
 * Is a deploy of this stack changing it right now? The drift check asks before it compares the
 * cloud with the state: a half-done `pulumi up` is not drift. Only a Deploy job of the same stack
 * whose status is `in_progress` counts. A run waiting for a reviewer's approval changes nothing,
 * and a job waiting for approval stays `waiting` up to 30 days
 * (https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/reviewing-deployments):
 * counting it would switch drift off for as long, so it is reported instead once it has waited a day.
 */
import { call, type GitHub } from "./github-api.ts";

/** The fields of a workflow run the check reads (GET /repos/{repo}/actions/workflows/{id}/runs). */
export interface WorkflowRun {
  id: number;
  status: string;
  html_url: string;
  head_sha: string;
  /** When this attempt started (ISO 8601). */
  run_started_at: string;
}

/** The fields of a job the check reads (GET /repos/{repo}/actions/runs/{id}/jobs). */
export interface WorkflowJob {
  name: string;
  status: string;
}

/** How long an approval may wait before the drift check says so. @default one day */
export const APPROVAL_WAIT_REPORTED_MS = 24 * 3600 * 1000;

/** The Deploy job of a stack, as deploy.yml names it. */
export const deployJobName = (stack: string) => `Deploy ${stack}`;

/** What the drift check of `stack` makes of the Deploy runs that are not finished. */
export function deployActivity(
  stack: string,
  runs: ReadonlyArray<{ run: WorkflowRun; jobs: readonly WorkflowJob[] }>,
  now: number,
): { running: WorkflowRun[]; longWaiting: Array<{ run: WorkflowRun; hours: number }> } {
  const running = runs
    .filter(({ jobs }) =>
      jobs.some((job) => job.name === deployJobName(stack) && job.status === "in_progress"),
    )
    .map(({ run }) => run);
  const longWaiting = runs
    .filter(({ run }) => run.status === "waiting")
    .map(({ run }) => ({ run, waited: now - Date.parse(run.run_started_at) }))
    .filter(({ waited }) => waited > APPROVAL_WAIT_REPORTED_MS)
    .map(({ run, waited }) => ({ run, hours: Math.floor(waited / 3600_000) }));
  return { running, longWaiting };
}

/** The lines the drift job prints (GitHub workflow commands) and the summary it appends. */
export function activityReport(
  stack: string,
  activity: ReturnType<typeof deployActivity>,
): { lines: string[]; summary: string[] } {
  const lines: string[] = [];
  const summary: string[] = [];
  for (const { run, hours } of activity.longWaiting) {
    const text = `Deploy run ${run.html_url} (commit ${run.head_sha.slice(0, 7)}) started ${hours} hours ago and still waits for an approval: approve or reject it, or cancel the run. It does not hold the drift check back.`;
    lines.push(`::warning title=Deploy waiting for approval::${text}`);
    summary.push(`- ${text}`);
  }
  if (activity.running.length > 0) {
    const urls = activity.running.map((run) => run.html_url).join(", ");
    const text = `a deploy of ${stack} is running (${urls}): a half-done deploy is not drift. The next nightly run checks again.`;
    lines.push(`::notice title=Drift check of ${stack} skipped::${text}`);
    summary.push(`- Drift check of \`${stack}\` skipped: ${text}`);
  }
  return { lines, summary };
}

/**
 * Deploy runs in progress or waiting, each with its latest attempt's jobs: runs filtered by
 * `status` (https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow),
 * jobs per run (https://docs.github.com/en/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run).
 */
export async function unfinishedDeploys(
  gh: GitHub,
  workflow = "deploy.yml",
): Promise<Array<{ run: WorkflowRun; jobs: WorkflowJob[] }>> {
  const out: Array<{ run: WorkflowRun; jobs: WorkflowJob[] }> = [];
  for (const status of ["in_progress", "waiting"]) {
    const { workflow_runs } = await call<{ workflow_runs: WorkflowRun[] }>(
      gh,
      "GET",
      `/repos/${gh.repository}/actions/workflows/${workflow}/runs?status=${status}&per_page=100`,
    );
    for (const run of workflow_runs) {
      const { jobs } = await call<{ jobs: WorkflowJob[] }>(
        gh,
        "GET",
        `/repos/${gh.repository}/actions/runs/${run.id}/jobs?per_page=100`,
      );
      out.push({ run, jobs });
    }
  }
  return out;
}
