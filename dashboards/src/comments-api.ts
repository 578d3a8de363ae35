/**
 * The comments API service dashboard as a pure function: layout here, queries in queries.ts. Typed
 * with Grafana's own dashboard model (@grafana/schema), so `tsc --strict` checks it against Grafana's schema.
 * `pnpm dashboards` writes the JSON that is committed and deployed; a test fails when they drift.
 */

import { availabilityOf, latencyOf, type SloSpec } from "@comments-platform/slo";
import {
  type AnnotationQuery,
  type Dashboard,
  type DataQuery,
  type Panel as GrafanaPanel,
  type RowPanel,
  ThresholdsMode,
} from "@grafana/schema";
import { queriesFor } from "./queries.js";

const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;

/** A dashboard panel as the generator writes it: Grafana's own panel type, narrowed. */
export interface Panel {
  id: number;
  type: "row" | "timeseries" | "stat";
  title: string;
  description?: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: typeof DATASOURCE;
  targets?: Array<{ refId: string; expr: string; legendFormat: string; datasource: typeof DATASOURCE }>;
  fieldConfig?: { defaults: Record<string, unknown>; overrides: unknown[] };
  options?: Record<string, unknown>;
  collapsed?: boolean;
  panels?: Panel[];
}

/**
 * A Prometheus query as Grafana stores it (PromQuery, grafana/grafana
 * packages/grafana-prometheus/src/types.ts): the expression, and `interval`, the minimum step.
 */
interface PrometheusQuery extends DataQuery {
  expr: string;
  interval?: string;
}

/** A query of Grafana's own annotations by tag (the "-- Grafana --" data source). */
interface GrafanaTagsQuery extends DataQuery {
  type: "tags";
  tags: string[];
  matchAny: boolean;
  limit: number;
}

/**
 * A Prometheus annotation: Grafana reads `useValueForTime`, `titleFormat`, `textFormat` and
 * `tagKeys` from the annotation itself, not from its query (PrometheusAnnotationSupport's
 * processEvents, grafana/grafana packages/grafana-prometheus/src/annotations.ts).
 */
export interface PrometheusAnnotation extends AnnotationQuery<PrometheusQuery> {
  /** The series' value is the event's time, in milliseconds. */
  useValueForTime: boolean;
  /** Legend-format templates over the series' labels. */
  titleFormat: string;
  textFormat: string;
  /** Comma-separated label names whose values become the event's tags. */
  tagKeys: string;
}

/** Releases, posted by the release step through Grafana's annotations API, tagged with the stack. */
const releases: AnnotationQuery<GrafanaTagsQuery> = {
  name: "Releases",
  enable: true,
  iconColor: "purple",
  datasource: { type: "grafana", uid: "-- Grafana --" },
  target: { refId: "releases", type: "tags", tags: ["release", "$stack"], matchAny: false, limit: 100 },
};

/**
 * Each task's process start time as the event's time: works on ECS, where every task is a new
 * series and changes() never fires. Grafana reads the value as milliseconds ("Series value as
 * timestamp", packages/grafana-prometheus/src/components/AnnotationQueryEditor.tsx).
 */
const taskStarts = (expr: string): PrometheusAnnotation => ({
  name: "Task starts",
  enable: true,
  iconColor: "blue",
  datasource: DATASOURCE,
  target: { refId: "task-starts", expr, interval: "1m" },
  useValueForTime: true,
  titleFormat: "task started",
  textFormat: "{{task}}",
  tagKeys: "task",
});

interface PanelSpec {
  type: "timeseries" | "stat";
  title: string;
  description: string;
  unit: string;
  targets: Array<[expr: string, legend: string]>;
  width: number;
  height?: number;
  thresholds?: Array<{ color: string; value: number | null }>;
  min?: number;
  max?: number;
  /** Draw the thresholds on the graph as lines (timeseries). */
  thresholdLines?: boolean;
}

/** Lays out rows of panels left to right, numbering ids in order: ids are stable and unique. */
function layout(rows: Array<[title: string, panels: PanelSpec[]]>): Array<GrafanaPanel | RowPanel> {
  const panels: Array<GrafanaPanel | RowPanel> = [];
  let id = 1;
  let y = 0;
  for (const [rowTitle, specs] of rows) {
    panels.push({
      id: id++,
      type: "row",
      title: rowTitle,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const spec of specs) {
      const height = spec.height ?? 8;
      if (x + spec.width > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      panels.push({
        id: id++,
        type: spec.type,
        title: spec.title,
        description: spec.description,
        gridPos: { h: height, w: spec.width, x, y },
        datasource: DATASOURCE,
        targets: spec.targets.map(([expr, legendFormat], index) => ({
          refId: String.fromCharCode(65 + index),
          expr,
          legendFormat,
          datasource: DATASOURCE,
        })),
        fieldConfig: {
          defaults: {
            unit: spec.unit,
            ...(spec.min === undefined ? {} : { min: spec.min }),
            ...(spec.max === undefined ? {} : { max: spec.max }),
            ...(spec.thresholds === undefined
              ? {}
              : { thresholds: { mode: ThresholdsMode.Absolute, steps: spec.thresholds } }),
            ...(spec.thresholdLines === true ? { custom: { thresholdsStyle: { mode: "line" } } } : {}),
          },
          overrides: [],
        },
        options:
          spec.type === "stat"
            ? {
                reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
                colorMode: "value",
                graphMode: "none",
              }
            : {
                legend: { displayMode: "list", placement: "bottom", showLegend: true },
                tooltip: { mode: "multi", sort: "desc" },
              },
      });
      x += spec.width;
      rowHeight = Math.max(rowHeight, height);
    }
    y += rowHeight;
  }
  return panels;
}

/** The service dashboard's uid: its links (runbooks, annotations) need no spec to name it. */
export const DASHBOARD_UID = "comments-api-service";

/**
 * The service dashboard (Grafana dashboard JSON, schemaVersion 39), drawn from the SLO spec the
 * caller read (alerts/slo.yaml).
 */
export function commentsApiDashboard(SLO: SloSpec): Dashboard {
  const queries = queriesFor(SLO);
  const availability = availabilityOf(SLO);
  const latency = latencyOf(SLO);
  const pct = (value: number) => `${Number((value * 100).toPrecision(6))}%`;
  const ms = `${Number((latency.thresholdSeconds * 1000).toPrecision(6))} ms`;
  /** The burn rate that pages through a long window, and the lowest that opens a ticket. */
  const pageRate = (window: string) => {
    const pair = SLO.burnRates.find((p) => p.severity === "page" && p.long === window);
    if (pair === undefined) throw new Error(`alerts/slo.yaml has no page pair with long window ${window}`);
    return pair.burnRate;
  };
  const ticketRate = Math.min(...SLO.burnRates.filter((p) => p.severity === "ticket").map((p) => p.burnRate));
  const pageWindows = SLO.burnRates.filter((p) => p.severity === "page").map((p) => p.long);
  const fastestPage = Math.max(...SLO.burnRates.filter((p) => p.severity === "page").map((p) => p.burnRate));

  const budgetThresholds = [
    { color: "red", value: null },
    { color: "orange", value: 0.25 },
    { color: "green", value: 0.5 },
  ];
  /** Burn-rate colours: orange from the ticket rate, red from the rate that pages through this window. */
  const burnThresholds = (window: string) => [
    { color: "green", value: null },
    { color: "orange", value: ticketRate },
    { color: "red", value: pageRate(window) },
  ];
  /** A bad-request ratio's lines: the budget (sustainable), and the fastest paging burn. */
  const ratioThresholds = (budget: number) => [
    { color: "green", value: null },
    { color: "orange", value: budget },
    { color: "red", value: Number((budget * fastestPage).toPrecision(12)) },
  ];

  return {
    uid: DASHBOARD_UID,
    title: "Comments API",
    description: "Traffic, errors, latency, SLOs and saturation of the comments API, per stack.",
    tags: ["comments-api", "slo"],
    timezone: "utc",
    editable: false,
    graphTooltip: 1,
    refresh: "1m",
    schemaVersion: 39,
    time: { from: "now-6h", to: "now" },
    templating: {
      list: [
        {
          name: "datasource",
          label: "Prometheus",
          type: "datasource",
          query: "prometheus",
          hide: 0,
        },
        {
          name: "stack",
          label: "Stack",
          type: "query",
          datasource: DATASOURCE,
          query: { query: `label_values(up{job="${SLO.job}"}, stack)`, refId: "stack" },
          refresh: 2,
          hide: 0,
          sort: 1,
          // One stack at a time: every query selects stack="$stack". Alert messages link with
          // var-stack only when the alert has a stack (alerts/alertmanager.yaml).
          includeAll: false,
          multi: false,
        },
      ],
    },
    annotations: { list: [releases, taskStarts(queries.taskStarts)] },
    panels: layout([
      [
        "Traffic and errors",
        [
          {
            type: "timeseries",
            title: "Requests by route",
            description: "Requests per second by route template (health checks and scrapes excluded).",
            unit: "reqps",
            targets: [[queries.requestsByRoute, "{{route}}"]],
            width: 8,
            min: 0,
          },
          {
            type: "timeseries",
            title: "Responses by status code",
            description: "Responses per second by HTTP status code.",
            unit: "reqps",
            targets: [[queries.responsesByStatus, "{{status_code}}"]],
            width: 8,
            min: 0,
          },
          {
            type: "timeseries",
            title: "5xx ratio",
            description: `Share of requests answered 5xx. Lines: the budget (${pct(availability.budget)}, spent exactly in ${SLO.period}) and ${fastestPage} times it, the fastest page.`,
            unit: "percentunit",
            targets: [[queries.errorRatio, "5xx ratio"]],
            width: 8,
            min: 0,
            thresholds: ratioThresholds(availability.budget),
            thresholdLines: true,
          },
          {
            type: "timeseries",
            title: "5xx ratio by task",
            description: "Share of each task's requests answered 5xx: one bad task, or all of them?",
            unit: "percentunit",
            targets: [[queries.errorRatioByTask, "{{task}}"]],
            width: 24,
            height: 6,
            min: 0,
            thresholds: ratioThresholds(availability.budget),
            thresholdLines: true,
          },
        ],
      ],
      [
        "Latency",
        [
          {
            type: "timeseries",
            title: "Latency p50 / p90 / p99",
            description: `Request duration quantiles over all routes, from the histogram. The objective: ${pct(latency.objective)} within ${ms}.`,
            unit: "s",
            targets: [
              [queries.latencyQuantile(0.5), "p50"],
              [queries.latencyQuantile(0.9), "p90"],
              [queries.latencyQuantile(0.99), "p99"],
            ],
            width: 8,
            min: 0,
            thresholds: [
              { color: "green", value: null },
              { color: "red", value: latency.thresholdSeconds },
            ],
            thresholdLines: true,
          },
          {
            type: "timeseries",
            title: `Share slower than ${ms}`,
            description: `The latency SLI: share of requests slower than ${ms}. Lines: the budget (${pct(latency.budget)}) and ${fastestPage} times it, the fastest page.`,
            unit: "percentunit",
            targets: [[queries.slowRatio, "slower"]],
            width: 8,
            min: 0,
            thresholds: ratioThresholds(latency.budget),
            thresholdLines: true,
          },
          {
            type: "timeseries",
            title: "Latency p99 by route",
            description: "99th percentile request duration per route template.",
            unit: "s",
            targets: [[queries.latencyP99ByRoute, "{{route}}"]],
            width: 8,
            min: 0,
          },
        ],
      ],
      [
        `SLO status (${SLO.period})`,
        [
          {
            type: "stat",
            title: "Availability",
            description: `Requests not answered 5xx over ${SLO.period}; objective ${pct(availability.objective)}.`,
            unit: "percentunit",
            targets: [[queries.availabilityPeriod, "availability"]],
            width: 3,
            height: 5,
            thresholds: [
              { color: "red", value: null },
              { color: "green", value: availability.objective },
            ],
          },
          {
            type: "stat",
            title: "Availability budget left",
            description: `Share of the ${SLO.period} availability budget (${pct(availability.budget)} of requests) not yet spent.`,
            unit: "percentunit",
            targets: [[queries.availabilityBudgetRemaining, "budget left"]],
            width: 3,
            height: 5,
            thresholds: budgetThresholds,
          },
          ...pageWindows.map(
            (window): PanelSpec => ({
              type: "stat",
              title: `Availability burn rate (${window})`,
              description: `How many times faster than sustainable the availability budget burned over ${window}: 1 spends it exactly in ${SLO.period}; ${pageRate(window)} pages (with the short window), ${ticketRate} opens a ticket.`,
              unit: "none",
              targets: [[queries.availabilityBurnRate(window), "burn rate"]],
              width: 3,
              height: 5,
              thresholds: burnThresholds(window),
            }),
          ),
          {
            type: "stat",
            title: `Within ${ms}`,
            description: `Requests answered within ${ms} over ${SLO.period}; objective ${pct(latency.objective)}.`,
            unit: "percentunit",
            targets: [[queries.latencyPeriod, "within"]],
            width: 3,
            height: 5,
            thresholds: [
              { color: "red", value: null },
              { color: "green", value: latency.objective },
            ],
          },
          {
            type: "stat",
            title: "Latency budget left",
            description: `Share of the ${SLO.period} latency budget (${pct(latency.budget)} of requests slower than ${ms}) not yet spent.`,
            unit: "percentunit",
            targets: [[queries.latencyBudgetRemaining, "budget left"]],
            width: 3,
            height: 5,
            thresholds: budgetThresholds,
          },
          ...pageWindows.map(
            (window): PanelSpec => ({
              type: "stat",
              title: `Latency burn rate (${window})`,
              description: `How many times faster than sustainable the latency budget burned over ${window}; ${pageRate(window)} pages (with the short window), ${ticketRate} opens a ticket.`,
              unit: "none",
              targets: [[queries.latencyBurnRate(window), "burn rate"]],
              width: 3,
              height: 5,
              thresholds: burnThresholds(window),
            }),
          ),
        ],
      ],
      [
        "Saturation",
        [
          {
            type: "timeseries",
            title: "Tasks up",
            description: "Tasks whose metrics were scraped successfully.",
            unit: "none",
            targets: [[queries.tasksUp, "tasks"]],
            width: 6,
            min: 0,
          },
          {
            type: "timeseries",
            title: "CPU per task",
            description: "CPU seconds per second used by each task's Node.js process (1 = one vCPU).",
            unit: "percentunit",
            targets: [[queries.cpuPerTask, "{{task}}"]],
            width: 6,
            min: 0,
          },
          {
            type: "timeseries",
            title: "Memory per task",
            description: "Resident memory of each task's Node.js process.",
            unit: "bytes",
            targets: [
              [queries.memoryPerTask, "rss {{task}}"],
              [queries.heapPerTask, "heap {{task}}"],
            ],
            width: 6,
            min: 0,
          },
          {
            type: "timeseries",
            title: "Event loop lag p99",
            description: "99th percentile event loop delay: above 100 ms the process is saturated.",
            unit: "s",
            targets: [[queries.eventLoopLagP99, "{{task}}"]],
            width: 6,
            min: 0,
          },
          {
            type: "timeseries",
            title: "Comments created",
            description: "Comments stored and acknowledged per second.",
            unit: "ops",
            targets: [[queries.commentsCreated, "comments/s"]],
            width: 24,
            min: 0,
            height: 6,
          },
        ],
      ],
    ]),
  };
}
