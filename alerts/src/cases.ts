/**
 * The promtool cases of the rule file, generated with it from alerts/slo.yaml: `pnpm alerts` writes
 * alerts/tests/comments-api.test.yaml. Each case is a production-shaped scenario (series.ts) and
 * checks at given minutes: the last quiet minute and the first firing one of the alerts it is
 * about, measured with promtool and pinned here (`pnpm alerts:measure <case>` prints them).
 */

import type { SloSpec } from "@comments-platform/slo";
import { stringify } from "yaml";
import { type Case, Expect } from "./expect.js";
import { watchdogAnnotations } from "./rules.js";
import { inputSeries, type Scenario } from "./series.js";

export { type Case, type Check, Expect, type Firing, render } from "./expect.js";

const MIN = 60;
const HOUR = 3600;

/** A stack of `n` tasks running the whole case, named a, b, c... */
const tasks = (n: number, start = 0) =>
  Array.from({ length: n }, (_, i) => ({ id: String.fromCharCode(97 + i), start }));

/** The minute the one-minute outage starts: after seven healthy hours, ten minutes after a deploy. */
const OUTAGE = 7 * 60 + 10;

/** Stage's one task replaced at 7h, then every request answered 5xx for one minute at OUTAGE. */
const outage = (zeroErrorSeries: boolean): Scenario => ({
  stack: "stage",
  interval: 15,
  duration: 8 * HOUR,
  zeroErrorSeries,
  tasks: [
    { id: "a", start: 0, end: 7 * HOUR + 5 * MIN },
    { id: "b", start: 7 * HOUR },
  ],
  traffic: [
    { from: 0, to: OUTAGE * MIN, rps: 10 },
    { from: OUTAGE * MIN, to: (OUTAGE + 1) * MIN, rps: 10, errorRatio: 1 },
    { from: (OUTAGE + 1) * MIN, to: 8 * HOUR, rps: 10 },
  ],
});

/** The minute prod scales out from 2 tasks to 10, after half an hour at 2. */
const SCALE_OUT = 30;
/** With the new tasks never answering: the last quiet minute, the first paging one, the share then. */
const SCALE_OUT_QUIET = 35;
const SCALE_OUT_FIRES = 36;
const SCALE_OUT_VALUE = "20%";

/**
 * Prod's 2 tasks joined at SCALE_OUT by 8 whose scrapes fail for `failingFor` seconds from their
 * start: 10 scrapes at 15 s while the app reads its secret, migrates and starts listening (the
 * collector, started with the task, scrapes from its first seconds), or for good.
 */
const scaleOut = (failingFor = 150): Scenario => {
  const added = Array.from({ length: 8 }, (_, i) => String.fromCharCode(99 + i));
  return {
    stack: "prod",
    interval: 15,
    duration: HOUR,
    tasks: [...tasks(2), ...added.map((id) => ({ id, start: SCALE_OUT * MIN }))],
    traffic: [{ from: 0, to: HOUR, rps: 40 }],
    scrapeFaults: added.map((task) => ({
      task,
      from: SCALE_OUT * MIN,
      to: SCALE_OUT * MIN + failingFor,
      pattern: "all",
    })),
  };
};

/** The scanner case's last quiet minute, first paging minute and the 6h ratio then (measured). */
const SCANNER_QUIET = 70;
const SCANNER_FIRES = 71;
const SCANNER_VALUE = "0.7746%";

/** Every case, in the order the file lists them. */
export function cases(spec: SloSpec): Case[] {
  const e = new Expect(spec);
  const [availabilityFast, availabilitySlow, latencyFast, latencySlow, unreachable, taskUnreachable] =
    e.all as [string, string, string, string, string, string];
  return [
    {
      name: "Healthy traffic through a deploy (two new tasks, their series starting late) raises nothing but Watchdog",
      scenario: {
        stack: "prod",
        interval: 15,
        duration: 4 * HOUR,
        tasks: [
          { id: "a", start: 0, end: 2 * HOUR + 5 * MIN },
          { id: "b", start: 0, end: 2 * HOUR + 5 * MIN },
          { id: "c", start: 2 * HOUR },
          { id: "d", start: 2 * HOUR },
        ],
        traffic: [{ from: 0, to: 4 * HOUR, rps: 20, slowRatio: 0.001 }],
      },
      checks: e.quiet(e.all, 60, 121, 126, 240),
    },
    {
      name: "A one-minute total outage on a task started ten minutes before pages through 1h/5m alone",
      scenario: outage(true),
      checks: [
        ...e.firstFires(OUTAGE + 2, OUTAGE + 3, e.burn("availability", "1h", "stage", "1.667%")),
        ...e.quiet([availabilitySlow, unreachable, taskUnreachable, latencyFast], OUTAGE + 3, OUTAGE + 14),
        ...e.quiet([availabilityFast], OUTAGE + 15),
      ],
    },
    {
      name: "The same outage without 5xx series created at start-up: rate() misses the first sample, and nothing pages",
      scenario: outage(false),
      checks: e.quiet([availabilityFast], ...Array.from({ length: 15 }, (_, i) => OUTAGE + i)),
    },
    {
      name: "A steady 0.8% error ratio after seven healthy hours pages through 6h/30m alone",
      scenario: {
        stack: "prod",
        interval: 60,
        duration: 12 * HOUR,
        tasks: tasks(2),
        traffic: [
          { from: 0, to: 7 * HOUR, rps: 20 },
          { from: 7 * HOUR, to: 12 * HOUR, rps: 20, errorRatio: 0.008 },
        ],
      },
      checks: [...e.firstFires(692, 693, e.burn("availability", "6h", "prod", "0.6067%"))],
    },
    {
      name: "0.2% errors after six healthy hours open a ticket through 3d/6h, and never page",
      scenario: {
        stack: "prod",
        interval: 300,
        duration: 13 * HOUR,
        tasks: tasks(2),
        traffic: [
          { from: 0, to: 6 * HOUR, rps: 20 },
          { from: 6 * HOUR, to: 13 * HOUR, rps: 20, errorRatio: 0.002 },
        ],
      },
      checks: [
        ...e.firstFires(739, 740, e.burn("availability", "3d", "prod", "0.1027%")),
        ...e.quiet([availabilityFast], 400, 600, 780),
      ],
    },
    {
      name: "A steady 0.05% error ratio, within the budget, neither pages nor opens a ticket",
      scenario: {
        stack: "prod",
        interval: 60,
        duration: 7 * HOUR,
        tasks: tasks(2),
        traffic: [{ from: 0, to: 7 * HOUR, rps: 20, errorRatio: 0.0005 }],
      },
      checks: e.quiet([availabilityFast, availabilitySlow, latencyFast, latencySlow], 30, 120, 420),
    },
    {
      name: "Half of the requests slower than 300 ms page through 1h/5m",
      scenario: {
        stack: "prod",
        interval: 15,
        duration: 8 * HOUR,
        tasks: tasks(2),
        traffic: [
          { from: 0, to: 7 * HOUR, rps: 20, slowRatio: 0.001 },
          { from: 7 * HOUR, to: 8 * HOUR, rps: 20, slowRatio: 0.5 },
        ],
      },
      checks: [...e.firstFires(439, 440, e.burn("latency", "1h", "prod", "16.73%"))],
    },
    {
      name: "A steady 8% of requests slower than 300 ms after seven healthy hours pages through 6h/30m alone",
      scenario: {
        stack: "prod",
        interval: 60,
        duration: 12 * HOUR,
        tasks: tasks(2),
        traffic: [
          { from: 0, to: 7 * HOUR, rps: 20 },
          { from: 7 * HOUR, to: 12 * HOUR, rps: 20, slowRatio: 0.08 },
        ],
      },
      checks: [...e.firstFires(692, 693, e.burn("latency", "6h", "prod", "6.067%"))],
    },
    {
      name: "2% of requests slower than 300 ms after six healthy hours open a latency ticket through 3d/6h",
      scenario: {
        stack: "prod",
        interval: 300,
        duration: 13 * HOUR,
        tasks: tasks(2),
        traffic: [
          { from: 0, to: 6 * HOUR, rps: 20 },
          { from: 6 * HOUR, to: 13 * HOUR, rps: 20, slowRatio: 0.02 },
        ],
      },
      checks: [
        ...e.firstFires(736, 737, e.burn("latency", "3d", "prod", "1.02%")),
        ...e.quiet([latencyFast], 400, 600, 780),
      ],
    },
    {
      // Router 404s are not in the SLIs (alerts/slo.yaml): with them, 0.25 errors/s among 505 requests/s
      // is a 0.05% ratio, under the budget, and nothing would ever page. Without them 5% of requests
      // fail; the 6h/30m pair pages first, its 6h window holding an hour of them in two.
      name: "A scanner's burst of router 404s (route unmatched) does not hide 5% of the API's requests answered 5xx",
      scenario: {
        stack: "prod",
        interval: 15,
        duration: 2 * HOUR,
        tasks: tasks(2),
        traffic: [
          { from: 0, to: HOUR, rps: 5 },
          { from: HOUR, to: 2 * HOUR, rps: 5, errorRatio: 0.05, unmatchedRps: 500 },
        ],
      },
      checks: [
        ...e.firstFires(SCANNER_QUIET, SCANNER_FIRES, e.burn("availability", "6h", "prod", SCANNER_VALUE)),
      ],
    },
    {
      name: "A flapping stack (scrapes failing 7 times in 8) pages within 15 minutes",
      scenario: {
        stack: "stage",
        interval: 15,
        duration: HOUR,
        tasks: tasks(1),
        traffic: [{ from: 0, to: HOUR, rps: 10 }],
        scrapeFaults: [{ task: "a", from: 20 * MIN, to: HOUR, pattern: "7of8" }],
      },
      checks: [...e.firstFires(25, 26, e.unreachable("stage", "14.29%"))],
    },
    {
      name: "A scale-out from 2 to 10 tasks whose new tasks answer no scrape for their first 10 (reading the secret, migrating, listening) raises nothing",
      scenario: scaleOut(),
      checks: e.quiet(e.all, ...Array.from({ length: 20 }, (_, i) => SCALE_OUT + i)),
    },
    {
      name: "The same 8 new tasks answering no scrape for good page once they are grown up, and not before",
      scenario: scaleOut(HOUR),
      checks: [...e.firstFires(SCALE_OUT_QUIET, SCALE_OUT_FIRES, e.unreachable("prod", SCALE_OUT_VALUE))],
    },
    {
      name: "One of three tasks answering no scrape, replaced by ECS within minutes, raises nothing",
      scenario: {
        stack: "prod",
        interval: 15,
        duration: HOUR,
        tasks: [...tasks(2), { id: "c", start: 0, end: 36 * MIN }, { id: "d", start: 36 * MIN }],
        traffic: [{ from: 0, to: HOUR, rps: 30 }],
        scrapeFaults: [{ task: "c", from: 30 * MIN, to: 36 * MIN, pattern: "all" }],
      },
      checks: e.quiet(e.all, 31, 33, 35, 37, 40, 45, 50, 60),
    },
    {
      name: "One of three tasks answering no scrape for good opens a ticket naming it, and never pages",
      scenario: {
        stack: "prod",
        interval: 15,
        duration: HOUR,
        tasks: tasks(3),
        traffic: [{ from: 0, to: HOUR, rps: 30 }],
        scrapeFaults: [{ task: "c", from: 20 * MIN, to: HOUR, pattern: "all" }],
      },
      checks: [
        ...e.firstFires(32, 33, e.taskUnreachable("prod", "c", "0%")),
        ...e.quiet([unreachable], 25, 35, 60),
      ],
    },
    {
      name: "A stack whose tasks all stop (collectors with them) pages, keeping its stack label",
      scenario: {
        stack: "stage",
        interval: 15,
        duration: HOUR,
        tasks: [{ id: "a", start: 0, end: 20 * MIN }],
        traffic: [{ from: 0, to: 20 * MIN, rps: 10 }],
      },
      checks: [...e.firstFires(23, 24, e.unreachable("stage"))],
    },
    {
      name: "A workspace that never heard from the service pages, without a stack to name",
      scenario: { stack: "stage", interval: 60, duration: HOUR, tasks: [], traffic: [] },
      checks: [...e.firstFires(29, 30, e.unreachable(undefined))],
    },
  ];
}

/** Minutes as promtool reads them. */
const minutes = (at: number) => `${at}m`;

/** The promtool test file of every case. */
export function casesFile(spec: SloSpec): string {
  const tests = cases(spec).map((c) => ({
    name: c.name,
    interval: `${c.scenario.interval}s`,
    input_series: inputSeries(c.scenario),
    alert_rule_test: [
      ...c.checks.map((check) => ({
        eval_time: minutes(check.at),
        alertname: check.alert,
        exp_alerts: check.firing.map((f) => ({ exp_labels: f.labels, exp_annotations: f.annotations })),
      })),
      {
        eval_time: minutes(Math.floor(c.scenario.duration / 60)),
        alertname: "Watchdog",
        exp_alerts: [
          {
            exp_labels: { severity: "none" },
            exp_annotations: watchdogAnnotations(spec),
          },
        ],
      },
    ],
  }));
  const header = [
    "# GENERATED by `pnpm alerts` from alerts/src/cases.ts and alerts/slo.yaml: edit those, not this.",
    "# promtool cases for rules/comments-api.yaml, with series shaped as production makes them (see",
    "# alerts/src/series.ts). Each case pins the last quiet and the first firing minute it is about.",
    "",
  ].join("\n");
  return `${header}${stringify(
    { rule_files: ["../rules/comments-api.yaml"], evaluation_interval: "1m", tests },
    { lineWidth: 0 },
  )}`;
}
