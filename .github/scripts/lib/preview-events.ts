/**
 * Reads `pulumi preview --json` into what the preview digest would show: the logical steps, one per
 * resource. Two shapes, as pulumi/pulumi writes them:
 *
 * - the streaming form (`PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true`: one `apitype.EngineEvent` per
 *   line, sdk/go/common/apitype/events.go), which the workflows use: `resourcePreEvent.metadata`
 *   (`op`, `urn`, `keys`, `diffs`, `detailedDiff`, `logical`, `old`/`new`), `policyEvent`,
 *   `diagnosticEvent`, `summaryEvent.resourceChanges`. The stream is not filtered: with `--refresh`
 *   it carries a `refresh` step for every resource in state, and a replacement streams
 *   `create-replacement`, `replace` and `delete-replaced` for one resource. Only the `replace` is
 *   logical (pkg/resource/deploy/step.go: `Logical()` is false for RefreshStep and for create and
 *   delete steps that replace), and `logical` is omitted when false (`json:"logical,omitempty"`).
 * - the digest (one JSON object, sdk/go/common/display `PreviewDigest`), already filtered of
 *   non-logical replacement steps (pkg/backend/display/display.go `shouldShow`) but not of
 *   `refresh` steps, and without policy violations (pkg/backend/display/json.go).
 */

/** One resource's logical step. */
export interface Step {
  op: string;
  urn: string;
  /** Properties forcing a replacement. */
  replaceReasons: string[];
  /** Changed properties. */
  diffReasons: string[];
  /** property path → kind (add, update, delete, and their -replace forms). */
  detailedDiff: Record<string, string>;
  protect: boolean;
  /** A replacement that deletes the old resource before creating the new one (downtime). */
  deleteBeforeReplace: boolean;
}

/** One policy violation (apitype.PolicyEvent). */
export interface Violation {
  enforcementLevel: string;
  policyPackName: string;
  policyName: string;
  resourceUrn: string;
  message: string;
}

/** A preview, whichever shape it came in. */
export interface Preview {
  /** The logical steps, one per resource, in the engine's order (`same` included). */
  steps: Step[];
  violations: Violation[];
  /** Error diagnostics: why a preview failed. */
  errors: string[];
  /** The engine's counts per operation (summaryEvent.resourceChanges, or the digest's changeSummary). */
  changeSummary: Record<string, number>;
  /** False when the preview ended without its summary (a crash, a cancel): count the steps then. */
  summarized: boolean;
}

/** Steps the digest never shows: the engine marks them non-logical (pkg/resource/deploy/step.go). */
export const NON_LOGICAL_OPS = [
  "refresh",
  "create-replacement",
  "delete-replaced",
  "read-replacement",
  "import-replacement",
  "discard-replaced",
  "remove-pending-replace",
];

interface StateMetadata {
  protect?: boolean;
}
interface StepMetadata {
  op: string;
  urn: string;
  keys?: string[];
  diffs?: string[];
  detailedDiff?: Record<string, { diffKind?: string; kind?: string }> | null;
  logical?: boolean;
  old?: StateMetadata | null;
  new?: StateMetadata | null;
}
interface DigestStep {
  op: string;
  urn: string;
  oldState?: StateMetadata;
  newState?: StateMetadata;
  diffReasons?: string[];
  replaceReasons?: string[];
  detailedDiff?: Record<string, { kind: string }> | null;
}
interface RawStep {
  step: Step;
  logical: boolean;
}

const toStep = (
  op: string,
  urn: string,
  keys: string[] | undefined,
  diffs: string[] | undefined,
  detailed: Record<string, { diffKind?: string; kind?: string }> | null | undefined,
  protect: boolean,
): Step => ({
  op,
  urn,
  replaceReasons: keys ?? [],
  diffReasons: diffs ?? [],
  detailedDiff: Object.fromEntries(
    Object.entries(detailed ?? {}).map(([key, diff]) => [key, diff.diffKind ?? diff.kind ?? ""]),
  ),
  protect,
  deleteBeforeReplace: false,
});

/**
 * One row per resource, as the digest has it: the non-logical steps dropped, the last logical step
 * of a URN kept (a digest's refresh that found drift is rewritten to an update before the program's
 * own step for that resource). A `delete-replaced` streamed before its `create-replacement` marks
 * the replacement delete-before-replace (step_generator.go orders the steps that way).
 */
export function logicalSteps(raw: readonly RawStep[]): Step[] {
  const byUrn = new Map<string, Step>();
  const deletedFirst = new Set<string>();
  const created = new Set<string>();
  for (const { step, logical } of raw) {
    if (step.op === "create-replacement") created.add(step.urn);
    if (step.op === "delete-replaced" && !created.has(step.urn)) deletedFirst.add(step.urn);
    if (!logical) continue;
    byUrn.delete(step.urn);
    byUrn.set(step.urn, step);
  }
  return [...byUrn.values()].map((step) =>
    step.op === "replace" && deletedFirst.has(step.urn) ? { ...step, deleteBeforeReplace: true } : step,
  );
}

/** Reads `pulumi preview --json` output, digest or streamed events. */
export function parsePreview(text: string): Preview {
  const trimmed = text.trim();
  const preview: Preview = { steps: [], violations: [], errors: [], changeSummary: {}, summarized: false };
  if (trimmed === "") return preview;
  // The digest is one indented object; the stream is one compact object per line.
  let digest:
    | {
        steps?: DigestStep[] | null;
        diagnostics?: Array<{ message?: string; severity?: string }> | null;
        changeSummary?: Record<string, number> | null;
      }
    | undefined;
  if (!trimmed.includes("\n{")) {
    try {
      digest = JSON.parse(trimmed);
    } catch {
      digest = undefined;
    }
  }
  if (digest !== undefined && !("sequence" in digest)) {
    preview.steps = logicalSteps(
      (digest.steps ?? []).map((s) => ({
        step: toStep(
          s.op,
          s.urn,
          s.replaceReasons,
          s.diffReasons,
          s.detailedDiff,
          s.oldState?.protect === true || s.newState?.protect === true,
        ),
        logical: !NON_LOGICAL_OPS.includes(s.op),
      })),
    );
    preview.errors = (digest.diagnostics ?? [])
      .filter((d) => d.severity === "error")
      .map((d) => (d.message ?? "").trim());
    preview.summarized = digest.changeSummary !== undefined && digest.changeSummary !== null;
    preview.changeSummary = digest.changeSummary ?? {};
    return preview;
  }
  const raw: RawStep[] = [];
  for (const line of trimmed.split("\n")) {
    if (line.trim() === "") continue;
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line);
    } catch {
      continue;
    }
    const pre = event.resourcePreEvent as { metadata: StepMetadata } | undefined;
    if (pre !== undefined) {
      const m = pre.metadata;
      raw.push({
        step: toStep(
          m.op,
          m.urn,
          m.keys,
          m.diffs,
          m.detailedDiff,
          m.old?.protect === true || m.new?.protect === true,
        ),
        logical: m.logical === true,
      });
    }
    const policy = event.policyEvent as Violation | undefined;
    if (policy !== undefined) {
      preview.violations.push({
        enforcementLevel: policy.enforcementLevel,
        policyPackName: policy.policyPackName,
        policyName: policy.policyName,
        resourceUrn: policy.resourceUrn ?? "",
        message: (policy.message ?? "").trim(),
      });
    }
    const diagnostic = event.diagnosticEvent as { severity?: string; message?: string } | undefined;
    if (diagnostic?.severity === "error") preview.errors.push((diagnostic.message ?? "").trim());
    const summary = event.summaryEvent as { resourceChanges?: Record<string, number> | null } | undefined;
    if (summary !== undefined) {
      preview.changeSummary = summary.resourceChanges ?? {};
      preview.summarized = true;
    }
  }
  preview.steps = logicalSteps(raw);
  return preview;
}

/** The steps that change something: not `same`, not the stack itself. */
export function changes(preview: Preview): Step[] {
  return preview.steps.filter((step) => step.op !== "same" && !step.urn.includes("::pulumi:pulumi:Stack::"));
}
