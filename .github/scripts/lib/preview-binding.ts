/**
 * Prod deploys what the approver saw. The `Preview prod` job records the logical steps of the
 * preview it put in the run's summary (URN, operation, changed keys); the prod job previews again
 * right before `pulumi up` and refuses, before anything changes, when its own steps differ: a newer
 * base, a drifted resource, a new provider, a token window that rolled over. Pulumi's own update
 * plans (`pulumi preview --save-plan`, `pulumi up --plan`) bind the values too, but they are a
 * public preview (https://www.pulumi.com/docs/iac/concepts/update-plans/) and cannot run here.
 */
import { changes, type Preview } from "./preview-events.ts";

/** One change the approver saw. */
export interface BoundStep {
  urn: string;
  op: string;
  /** The changed property paths (detailed diff, else the changed keys), and those forcing a replace, sorted. */
  keys: string[];
}

/** What the approval binds: the stack, the commit previewed and its changes. */
export interface ApprovedPreview {
  version: 1;
  stack: string;
  sha: string;
  steps: BoundStep[];
}

/** The changes of a preview, in a stable order: what an approval covers. */
export function boundSteps(preview: Preview): BoundStep[] {
  return changes(preview)
    .map((step) => ({
      urn: step.urn,
      op: step.op,
      keys: [
        ...new Set([
          ...(Object.keys(step.detailedDiff).length > 0 ? Object.keys(step.detailedDiff) : step.diffReasons),
          ...step.replaceReasons,
        ]),
      ].sort(),
    }))
    .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}

/** Reads a recorded approval, naming what is wrong with the file. */
export function readApproved(text: string): ApprovedPreview {
  const value = JSON.parse(text) as Partial<ApprovedPreview>;
  if (value.version !== 1 || typeof value.stack !== "string" || !Array.isArray(value.steps))
    throw new Error("not an approved preview (version 1, stack, sha, steps)");
  return value as ApprovedPreview;
}

/** One way the deploy's preview differs from the approved one. */
export interface Difference {
  urn: string;
  approved?: BoundStep;
  now?: BoundStep;
}

/** Every resource whose change differs: not approved, no longer there, another op or other keys. */
export function differences(approved: readonly BoundStep[], now: readonly BoundStep[]): Difference[] {
  const before = new Map(approved.map((step) => [step.urn, step]));
  const after = new Map(now.map((step) => [step.urn, step]));
  const urns = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: Difference[] = [];
  for (const urn of urns) {
    const a = before.get(urn);
    const b = after.get(urn);
    if (a !== undefined && b !== undefined && a.op === b.op && a.keys.join("\n") === b.keys.join("\n"))
      continue;
    out.push({ urn, ...(a === undefined ? {} : { approved: a }), ...(b === undefined ? {} : { now: b }) });
  }
  return out;
}

const describe = (step: BoundStep | undefined) =>
  step === undefined
    ? "no change"
    : `${step.op}${step.keys.length === 0 ? "" : ` (${step.keys.join(", ")})`}`;

/** The refusal, one line per resource, or the confirmation. */
export function bindingReport(
  stack: string,
  approved: ApprovedPreview,
  now: readonly BoundStep[],
): { ok: boolean; lines: string[] } {
  const found = differences(approved.steps, now);
  if (found.length === 0)
    return {
      ok: true,
      lines: [
        `The deploy's preview of ${stack} matches the approved one (commit ${approved.sha.slice(0, 7)}): ${now.length} change(s).`,
      ],
    };
  return {
    ok: false,
    lines: [
      `Refused: the deploy's preview of ${stack} differs from the approved one (commit ${approved.sha.slice(0, 7)}) in ${found.length} resource(s); nothing was changed. Run the Deploy again to get a new preview to approve.`,
      ...found.map((d) => `- ${d.urn}: approved ${describe(d.approved)}, now ${describe(d.now)}`),
    ],
  };
}
