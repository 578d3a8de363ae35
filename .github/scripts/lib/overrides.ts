/**
 * The Deploy workflow's emergency routes, run by hand (`workflow_dispatch` inputs): each is a
 * reason, and a blank one is refused before anything runs. What a run takes is said in its summary;
 * the release step (infra/src/release/overrides.ts) puts the same reasons in the CodeDeploy
 * deployment's description and the Grafana annotation.
 */

/** One route: its workflow input, the variable this step reads it from, and what it does. */
export interface Route {
  input: string;
  env: string;
  does: string;
}

/** The routes, in the order the summary lists them. */
export const ROUTES: readonly Route[] = [
  { input: "override_budget", env: "OVERRIDE_BUDGET", does: "budget gate overridden" },
  { input: "ignore_alarms", env: "IGNORE_ALARMS", does: "rollback alarms ignored" },
  { input: "skip_analysis", env: "SKIP_ANALYSIS", does: "canary analysis skipped" },
];

/** The routes a run takes with their reasons, or what is wrong with the inputs (every problem at once). */
export function overridesOf(env: Record<string, string | undefined>): {
  problems: string[];
  taken: Array<{ route: Route; reason: string }>;
} {
  const problems: string[] = [];
  const taken: Array<{ route: Route; reason: string }> = [];
  for (const route of ROUTES) {
    const value = env[route.env] ?? "";
    // Not given: GitHub passes "" for an empty input, and nothing on push or schedule.
    if (value === "") continue;
    const reason = value.trim();
    if (reason === "") problems.push(`input ${route.input} is blank: give the reason, or leave it empty`);
    else if (/[\r\n]/.test(reason)) problems.push(`input ${route.input}: the reason must be one line`);
    else taken.push({ route, reason });
  }
  return { problems, taken };
}

/** The run summary's lines for a stack. */
export function overridesSummary(stack: string, taken: ReturnType<typeof overridesOf>["taken"]): string[] {
  if (taken.length === 0) return [];
  return [
    `### Emergency routes for ${stack}`,
    "",
    ...taken.map(({ route, reason }) => `- ${route.does} (\`${route.input}\`): ${reason}`),
  ];
}
