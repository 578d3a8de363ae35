/**
 * The canary state machine, pure and table-tested like `nextStep`: one state and one observation
 * in, the next state and the action out. Looks at fixed minute marks from the canary's start;
 * errors counted in a row; the end of the canary decided by the last look and the file.
 */
import { describe, expect, it } from "vitest";
import {
  CANARY_START,
  type CanaryAction,
  type CanaryObservation,
  type CanaryPlan,
  type CanaryState,
  nextCanaryStep,
} from "../src/release/canary";

const plan: CanaryPlan = {
  name: "canary",
  looks: { everyMinutes: 1, count: 10 },
  consecutiveErrorLimit: 2,
  inconclusive: "pass",
  sameRevision: "pass",
  unjudgeable: false,
};
const started: CanaryState = { ...CANARY_START, startedAt: 1000 };
const poll = (now: number, greenWeight: number | undefined): CanaryObservation => ({
  type: "poll",
  now,
  greenWeight,
});

const cases: [string, CanaryPlan, CanaryState, CanaryObservation, CanaryState, CanaryAction][] = [
  ["no weight known yet: wait", plan, CANARY_START, poll(990, undefined), CANARY_START, { type: "wait" }],
  ["green at 0%: not started, wait", plan, CANARY_START, poll(990, 0), CANARY_START, { type: "wait" }],
  [
    "all at once (100% first seen): no canary, wait",
    plan,
    CANARY_START,
    poll(990, 100),
    CANARY_START,
    { type: "wait" },
  ],
  [
    "green at 10%: the canary starts now, no look yet",
    plan,
    CANARY_START,
    poll(1000, 10),
    started,
    { type: "wait" },
  ],
  ["59 s in: wait for minute 1", plan, started, poll(1059, 10), started, { type: "wait" }],
  [
    "minute 1: look 1 over the canary's first 60 s",
    plan,
    started,
    poll(1060, 10),
    { ...started, look: 1 },
    { type: "look", look: 1, at: 1060, windowSeconds: 60 },
  ],
  [
    "look 1 taken, 75 s in: wait",
    plan,
    { ...started, look: 1 },
    poll(1075, 10),
    { ...started, look: 1 },
    { type: "wait" },
  ],
  [
    "a slow poll at 200 s: look 3, at its own mark; look 2 is skipped, never taken late",
    plan,
    { ...started, look: 1 },
    poll(1200, 10),
    { ...started, look: 3 },
    { type: "look", look: 3, at: 1180, windowSeconds: 180 },
  ],
  [
    "past the last look: no eleventh",
    plan,
    { ...started, look: 10, last: "inconclusive" },
    poll(1000 + 11 * 60, 10),
    { ...started, look: 10, last: "inconclusive" },
    { type: "wait" },
  ],
  [
    "a pass: logged, errors in a row reset",
    plan,
    { ...started, look: 2, consecutiveErrors: 1, last: "error" },
    { type: "judged", look: 2, verdict: "pass" },
    { ...started, look: 2, consecutiveErrors: 0, last: "pass" },
    { type: "log", line: "canary analysis canary look 2 of 10: pass" },
  ],
  [
    "a fail: stop with rollback",
    plan,
    { ...started, look: 4 },
    { type: "judged", look: 4, verdict: "fail" },
    { ...started, look: 4, last: "fail", done: true },
    { type: "stop", reason: "canary analysis canary failed at look 4 of 10" },
  ],
  [
    "a first error: logged with the count, not a pass",
    plan,
    { ...started, look: 3, last: "pass" },
    { type: "error", look: 3, reason: "HTTP 403: denied" },
    { ...started, look: 3, consecutiveErrors: 1, last: "error" },
    { type: "log", line: "canary analysis canary look 3 of 10: error (1 of 2 in a row): HTTP 403: denied" },
  ],
  [
    "consecutiveErrorLimit reached: stop with rollback and the reason",
    plan,
    { ...started, look: 4, consecutiveErrors: 1, last: "error" },
    { type: "error", look: 4, reason: "HTTP 403: denied" },
    { ...started, look: 4, consecutiveErrors: 2, last: "error", done: true },
    {
      type: "stop",
      reason:
        "canary analysis canary could not be read 2 looks in a row (consecutiveErrorLimit 2): HTTP 403: denied",
    },
  ],
  [
    "the canary ends after a pass: carry on",
    plan,
    { ...started, look: 9, last: "pass" },
    poll(1600, 100),
    { ...started, look: 9, last: "pass", done: true },
    { type: "carryOn", reason: "canary analysis canary passed at look 9 of 10" },
  ],
  [
    "the canary ends after an error: an error never passes",
    plan,
    { ...started, look: 9, consecutiveErrors: 1, last: "error" },
    poll(1600, 100),
    { ...started, look: 9, consecutiveErrors: 1, last: "error", done: true },
    {
      type: "stop",
      reason:
        "canary analysis canary could not be read at its last look (9 of 10) before the canary ended; an error never passes",
    },
  ],
  [
    "the canary ends inconclusive, the file says pass: carry on",
    plan,
    { ...started, look: 9, last: "inconclusive" },
    poll(1600, 100),
    { ...started, look: 9, last: "inconclusive", done: true },
    {
      type: "carryOn",
      reason:
        "canary analysis canary was inconclusive at look 9 of 10 when the canary ended, and the analysis says pass",
    },
  ],
  [
    "the canary ends inconclusive, the file says fail: stop",
    { ...plan, inconclusive: "fail" },
    { ...started, look: 9, last: "inconclusive" },
    poll(1600, 100),
    { ...started, look: 9, last: "inconclusive", done: true },
    {
      type: "stop",
      reason:
        "canary analysis canary was inconclusive at look 9 of 10 when the canary ended, and the analysis says fail",
    },
  ],
  [
    "the canary ends before any look",
    { ...plan, inconclusive: "fail" },
    started,
    poll(1030, 100),
    { ...started, done: true },
    {
      type: "stop",
      reason: "canary analysis canary took no look when the canary ended, and the analysis says fail",
    },
  ],
  [
    "the same revision as the replaced tasks: says it cannot judge, does what the file says (pass)",
    { ...plan, unjudgeable: true },
    CANARY_START,
    poll(1000, 10),
    { ...started, done: true },
    {
      type: "carryOn",
      reason:
        "canary analysis canary cannot judge this release: its tasks run the revision of the tasks they replace (a network-only change), so no metric tells them apart; the analysis says pass",
    },
  ],
  [
    "the same revision, the file says fail: stop",
    { ...plan, unjudgeable: true, sameRevision: "fail" },
    CANARY_START,
    poll(1000, 10),
    { ...started, done: true },
    {
      type: "stop",
      reason:
        "canary analysis canary cannot judge this release: its tasks run the revision of the tasks they replace (a network-only change), so no metric tells them apart; the analysis says fail",
    },
  ],
  [
    "done: nothing more",
    plan,
    { ...started, done: true },
    poll(1600, 10),
    { ...started, done: true },
    { type: "wait" },
  ],
];

describe("nextCanaryStep", () => {
  it.each(cases)("%s", (_, p, state, observation, nextState, action) => {
    expect(nextCanaryStep(p, state, observation)).toEqual({ state: nextState, action });
  });
});
