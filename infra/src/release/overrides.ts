/**
 * The emergency routes of a release, each a reason that is recorded: `--override-budget`,
 * `--ignore-alarms`, `--skip-analysis` on the command line, or the same from the per-run
 * environment the Deploy workflow sets on its `pulumi up` step (its `workflow_dispatch` inputs), so
 * they reach the release step that `pulumi up` runs. Never stack config: a reason would stay in the
 * state, and changing it would trigger a release. `@pulumi/command` runs the step with the
 * provider's own environment plus its `environment` input (pulumi/pulumi-command
 * provider/pkg/provider/local/commandOutputs.go: `cmd.Env = os.Environ()`).
 */

/** Why a release takes a route; absent: it does not. */
export interface Overrides {
  /** Release although the error budget is spent or a page fires. */
  overrideBudget?: string;
  /** Release without rollback alarms. */
  ignoreAlarms?: string;
  /** Release without the Prometheus canary analysis (the metrics path is down). */
  skipAnalysis?: string;
}

/** The environment variable of each route, as the Deploy workflow sets them. */
export const OVERRIDE_ENV: Readonly<Record<keyof Overrides, string>> = {
  overrideBudget: "RELEASE_OVERRIDE_BUDGET",
  ignoreAlarms: "RELEASE_IGNORE_ALARMS",
  skipAnalysis: "RELEASE_SKIP_ANALYSIS",
};

/** What each route does, as the deployment's description, the log and the annotation say it. */
export const OVERRIDE_NOTE: Readonly<Record<keyof Overrides, string>> = {
  overrideBudget: "budget gate overridden",
  ignoreAlarms: "rollback alarms ignored",
  skipAnalysis: "canary analysis skipped",
};

/**
 * The routes from the flags, else from the environment; an empty variable is no route (GitHub
 * passes "" for an input left empty), a blank one is a mistake named with its variable.
 */
export function overridesFrom(
  flags: Overrides,
  env: Record<string, string | undefined>,
): { ok: true; overrides: Overrides } | { ok: false; problems: string[] } {
  const overrides: Overrides = {};
  const problems: string[] = [];
  for (const key of Object.keys(OVERRIDE_ENV) as Array<keyof Overrides>) {
    const flag = flags[key];
    const raw = env[OVERRIDE_ENV[key]] ?? "";
    if (flag !== undefined) overrides[key] = flag;
    else if (raw.trim() !== "") overrides[key] = raw.trim();
    else if (raw !== "")
      problems.push(`${OVERRIDE_ENV[key]} is blank: it must say why (${OVERRIDE_NOTE[key]})`);
  }
  return problems.length === 0 ? { ok: true, overrides } : { ok: false, problems };
}

/** `rollback alarms ignored: <reason>`, one per route taken, in a fixed order. */
export function overrideNotes(overrides: Overrides): string[] {
  return (Object.keys(OVERRIDE_NOTE) as Array<keyof Overrides>)
    .filter((key) => overrides[key] !== undefined)
    .map((key) => `${OVERRIDE_NOTE[key]}: ${overrides[key]}`);
}
