/**
 * Scheduled workflows that stopped. In a public repository GitHub disables a scheduled workflow
 * after 60 days without activity, and it stays disabled until someone enables it again
 * (https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-workflow-runs/disabling-and-enabling-a-workflow):
 * the drift check and the weekly Deploy (the Grafana token's renewal) then stop without a word.
 * CI asks on every push to main; the API gives each workflow's `state`
 * (https://docs.github.com/en/rest/actions/workflows#list-repository-workflows).
 */
import { call, type GitHub } from "./github-api.ts";

/** The workflows that run on a schedule, and what stops with each. */
export const SCHEDULED: Readonly<Record<string, string>> = {
  ".github/workflows/drift.yml": "the nightly drift check",
  ".github/workflows/deploy.yml": "every deploy, the weekly one too (the Grafana tokens' renewal)",
};

/** One workflow as the API lists it. */
export interface WorkflowState {
  path: string;
  state: string;
}

/** The lines to print for every scheduled workflow that is not active; none when all are. */
export function stoppedSchedules(workflows: readonly WorkflowState[]): string[] {
  return workflows
    .filter((w) => SCHEDULED[w.path] !== undefined && w.state !== "active")
    .map(
      (w) =>
        `::error title=Scheduled workflow stopped::${w.path} is ${w.state}: ${SCHEDULED[w.path]} no longer runs. Enable it: gh workflow enable ${w.path.split("/").at(-1)}`,
    );
}

/** Every workflow of the repository with its state. */
export async function workflowStates(gh: GitHub): Promise<WorkflowState[]> {
  const { workflows } = await call<{ workflows: WorkflowState[] }>(
    gh,
    "GET",
    `/repos/${gh.repository}/actions/workflows?per_page=100`,
  );
  return workflows;
}
