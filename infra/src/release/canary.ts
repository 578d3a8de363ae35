/**
 * The canary as a state machine: state and one observation in, the next state and one action out,
 * no I/O (argo-rollouts' `assessMetricStatus` and `rollout/canary.go` are the model). The release
 * step feeds it every poll and every look's result, and does what it says: wait, take a look,
 * log, stop with rollback, or carry on. Looks are at fixed minute marks from the canary's start, so
 * whoever drives it (the release step, a hook re-invoked on its own schedule) takes the same looks.
 */
import type { LookSchedule } from "./analysis";

/** What the machine needs of the analysis. */
export interface CanaryPlan {
  name: string;
  looks: LookSchedule;
  consecutiveErrorLimit: number;
  inconclusive: "pass" | "fail";
  sameRevision: "pass" | "fail";
  /** The new tasks run the revision of the tasks they replace: nothing tells them apart. */
  unjudgeable: boolean;
}

/** Where the canary is. */
export interface CanaryState {
  /** Unix seconds of the first poll that saw green with part of the traffic. */
  startedAt?: number;
  /** The last look asked for (1-based); 0 before the first. */
  look: number;
  consecutiveErrors: number;
  /** The last look's outcome. */
  last?: "pass" | "fail" | "inconclusive" | "error";
  /** A decision was made (stop or carry on): nothing more to do. */
  done: boolean;
}

/** The state before anything happened. */
export const CANARY_START: CanaryState = { look: 0, consecutiveErrors: 0, done: false };

/** What the release step saw. */
export type CanaryObservation =
  /** A poll: the time, and green's share of traffic (undefined: not known yet). */
  | { type: "poll"; now: number; greenWeight: number | undefined }
  /** A look answered. */
  | { type: "judged"; look: number; verdict: "pass" | "fail" | "inconclusive" }
  /** A look's queries failed. */
  | { type: "error"; look: number; reason: string };

/** What the release step does next. */
export type CanaryAction =
  | { type: "wait" }
  /** Query and judge look `look`: the window ends at `at` (unix seconds) and lasts `windowSeconds`. */
  | { type: "look"; look: number; at: number; windowSeconds: number }
  | { type: "log"; line: string }
  | { type: "stop"; reason: string }
  | { type: "carryOn"; reason: string };

/** One step: the next state and what to do. */
export function nextCanaryStep(
  plan: CanaryPlan,
  state: CanaryState,
  observation: CanaryObservation,
): { state: CanaryState; action: CanaryAction } {
  const name = `canary analysis ${plan.name}`;
  const of = `${plan.looks.count}`;
  if (state.done) return { state, action: { type: "wait" } };
  if (observation.type === "judged") {
    const next = { ...state, consecutiveErrors: 0, last: observation.verdict };
    if (observation.verdict === "fail")
      return {
        state: { ...next, done: true },
        action: { type: "stop", reason: `${name} failed at look ${observation.look} of ${of}` },
      };
    return {
      state: next,
      action: { type: "log", line: `${name} look ${observation.look} of ${of}: ${observation.verdict}` },
    };
  }
  if (observation.type === "error") {
    const errors = state.consecutiveErrors + 1;
    const next = { ...state, consecutiveErrors: errors, last: "error" as const };
    if (errors >= plan.consecutiveErrorLimit)
      return {
        state: { ...next, done: true },
        action: {
          type: "stop",
          reason: `${name} could not be read ${errors} looks in a row (consecutiveErrorLimit ${plan.consecutiveErrorLimit}): ${observation.reason}`,
        },
      };
    return {
      state: next,
      action: {
        type: "log",
        line: `${name} look ${observation.look} of ${of}: error (${errors} of ${plan.consecutiveErrorLimit} in a row): ${observation.reason}`,
      },
    };
  }
  const { now, greenWeight } = observation;
  if (greenWeight === undefined) return { state, action: { type: "wait" } };
  if (state.startedAt === undefined) {
    if (greenWeight <= 0 || greenWeight >= 100) return { state, action: { type: "wait" } };
    const started = { ...state, startedAt: now };
    if (!plan.unjudgeable) return { state: started, action: { type: "wait" } };
    const reason = `${name} cannot judge this release: its tasks run the revision of the tasks they replace (a network-only change), so no metric tells them apart; the analysis says ${plan.sameRevision}`;
    return {
      state: { ...started, done: true },
      action: plan.sameRevision === "fail" ? { type: "stop", reason } : { type: "carryOn", reason },
    };
  }
  if (greenWeight >= 100) {
    const done = { ...state, done: true };
    if (state.last === "pass")
      return {
        state: done,
        action: { type: "carryOn", reason: `${name} passed at look ${state.look} of ${of}` },
      };
    if (state.last === "error")
      return {
        state: done,
        action: {
          type: "stop",
          reason: `${name} could not be read at its last look (${state.look} of ${of}) before the canary ended; an error never passes`,
        },
      };
    const when =
      state.last === undefined ? "took no look" : `was inconclusive at look ${state.look} of ${of}`;
    const reason = `${name} ${when} when the canary ended, and the analysis says ${plan.inconclusive}`;
    return {
      state: done,
      action: plan.inconclusive === "fail" ? { type: "stop", reason } : { type: "carryOn", reason },
    };
  }
  // Green holds part of the traffic: the latest look due, if not taken yet. A look missed (a slow
  // poll) is skipped, never taken late: fewer looks only lower the false-rollback rate.
  const every = plan.looks.everyMinutes * 60;
  const due = Math.min(plan.looks.count, Math.floor((now - state.startedAt) / every));
  if (due <= state.look) return { state, action: { type: "wait" } };
  return {
    state: { ...state, look: due },
    action: { type: "look", look: due, at: state.startedAt + due * every, windowSeconds: due * every },
  };
}
