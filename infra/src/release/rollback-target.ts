/**
 * Where `pnpm release rollback` goes, as a pure function of the deployments' history (the rule is
 * ROLLBACK_RULE, printed by the command and stated in docs/operations.md).
 */

/** The rule, as the command prints it. */
export const ROLLBACK_RULE =
  "a deployment in progress is stopped with rollback; otherwise the target is the revision the newest Succeeded deployment replaced (for the first release, the one ECS started), skipping the current revision and revisions a later deployment already rolled back from";

/** One deployment that Succeeded, as the rule reads it. */
export interface ShippedDeployment {
  deploymentId: string;
  /** completeTime, in ms. */
  completedAt: number;
  /** The task definition it replaced: its description's `<from> -> <to>` (release.ts), if any. */
  from?: string;
  /** The task definition it shipped (its AppSpec). */
  to: string;
}

/** The task definition a deployment's description says it replaced; release.ts writes `<from> -> <to>`. */
export function replacedTaskDefinition(description: string | undefined): string | undefined {
  return /^(arn:\S+:task-definition\/\S+) -> /.exec(description ?? "")?.[1];
}

/** The rollback's target and the deployment whose source it is; undefined when there is none. */
export function rollbackTarget(
  succeeded: readonly ShippedDeployment[],
  current: string,
): { taskDefinition: string; replacedBy: ShippedDeployment } | undefined {
  const oldestFirst = [...succeeded].sort((a, b) => a.completedAt - b.completedAt);
  const live = new Set<string>();
  const rolledBackFrom = new Set<string>();
  const withSource = oldestFirst.map((deployment, i) => {
    // A deployment created before descriptions named the source: the revision the one before it shipped.
    const from = deployment.from ?? oldestFirst[i - 1]?.to;
    // Going back to a revision that was live before is a rollback from `from`.
    if (from !== undefined && live.has(deployment.to)) rolledBackFrom.add(from);
    if (from !== undefined) live.add(from);
    live.add(deployment.to);
    return { deployment, from };
  });
  for (const { deployment, from } of withSource.reverse()) {
    if (from === undefined || from === current || rolledBackFrom.has(from)) continue;
    return { taskDefinition: from, replacedBy: deployment };
  }
  return undefined;
}
