/**
 * The comments API service dashboard as a pure function: layout here, queries in queries.ts. Typed
 * with Grafana's own dashboard model (@grafana/schema), so `tsc --strict` checks it against Grafana's schema.
 * `pnpm dashboards` writes the JSON that is committed and deployed; a test fails when they drift.
 */
import {
  type Dashboard,
  type DataQuery,
  type Panel as GrafanaPanel,
  type RowPanel,
  ThresholdsMode,
} from "@grafana/schema";
import { AVAILABILITY_OBJECTIVE, LATENCY_OBJECTIVE, queries } from "./queries.js";

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

const budgetThresholds = [
  { color: "red", value: null },
  { color: "orange", value: 0.25 },
  { color: "green", value: 0.5 },
];
const burnThresholds = [
  { color: "green", value: null },
  { color: "orange", value: 1 },
  { color: "red", value: 6 },
];

/** The service dashboard (Grafana dashboard JSON, schemaVersion 39). */
export function commentsApiDashboard(): Dashboard {
  return {
    uid: "comments-api-service",
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
          query: { query: 'label_values(up{job="comments-api"}, stack)', refId: "stack" },
          refresh: 2,
          hide: 0,
          sort: 1,
        },
      ],
    },
    annotations: {
      list: [
        {
          name: "Task starts (releases)",
          enable: true,
          iconColor: "blue",
          datasource: DATASOURCE,
          target: {
            refId: "releases",
            expr: queries.taskStarts,
            step: "1m",
            titleFormat: "task started",
            textFormat: "{{instance}}",
          } as DataQuery,
        },
      ],
    },
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
            description:
              "Share of requests answered 5xx. The availability objective allows 0.1% over 30 days.",
            unit: "percentunit",
            targets: [[queries.errorRatio, "5xx ratio"]],
            width: 8,
            min: 0,
            thresholds: [
              { color: "green", value: null },
              { color: "red", value: 1 - AVAILABILITY_OBJECTIVE },
            ],
          },
        ],
      ],
      [
        "Latency",
        [
          {
            type: "timeseries",
            title: "Latency p50 / p90 / p99",
            description:
              "Request duration quantiles over all routes, from the histogram. The objective: 99% within 300 ms.",
            unit: "s",
            targets: [
              [queries.latencyQuantile(0.5), "p50"],
              [queries.latencyQuantile(0.9), "p90"],
              [queries.latencyQuantile(0.99), "p99"],
            ],
            width: 12,
            min: 0,
            thresholds: [
              { color: "green", value: null },
              { color: "red", value: 0.3 },
            ],
          },
          {
            type: "timeseries",
            title: "Latency p99 by route",
            description: "99th percentile request duration per route template.",
            unit: "s",
            targets: [[queries.latencyP99ByRoute, "{{route}}"]],
            width: 12,
            min: 0,
          },
        ],
      ],
      [
        "SLO status (30 days)",
        [
          {
            type: "stat",
            title: "Availability",
            description: `Requests not answered 5xx over 30 days; objective ${AVAILABILITY_OBJECTIVE * 100}%.`,
            unit: "percentunit",
            targets: [[queries.availability30d, "availability"]],
            width: 4,
            height: 5,
            thresholds: [
              { color: "red", value: null },
              { color: "green", value: AVAILABILITY_OBJECTIVE },
            ],
          },
          {
            type: "stat",
            title: "Availability budget left",
            description: "Share of the 30-day availability error budget (0.1% of requests) not yet spent.",
            unit: "percentunit",
            targets: [[queries.availabilityBudgetRemaining, "budget left"]],
            width: 4,
            height: 5,
            thresholds: budgetThresholds,
          },
          {
            type: "stat",
            title: "Availability burn rate (1h)",
            description:
              "How many times faster than sustainable the availability budget burned over the last hour: 1 spends it exactly in 30 days, 14.4 pages.",
            unit: "none",
            targets: [[queries.availabilityBurnRate1h, "burn rate"]],
            width: 4,
            height: 5,
            thresholds: burnThresholds,
          },
          {
            type: "stat",
            title: "Within 300 ms",
            description: `Requests answered within 300 ms over 30 days; objective ${LATENCY_OBJECTIVE * 100}%.`,
            unit: "percentunit",
            targets: [[queries.latency30d, "within 300 ms"]],
            width: 4,
            height: 5,
            thresholds: [
              { color: "red", value: null },
              { color: "green", value: LATENCY_OBJECTIVE },
            ],
          },
          {
            type: "stat",
            title: "Latency budget left",
            description:
              "Share of the 30-day latency error budget (1% of requests slower than 300 ms) not yet spent.",
            unit: "percentunit",
            targets: [[queries.latencyBudgetRemaining, "budget left"]],
            width: 4,
            height: 5,
            thresholds: budgetThresholds,
          },
          {
            type: "stat",
            title: "Latency burn rate (1h)",
            description:
              "How many times faster than sustainable the latency budget burned over the last hour.",
            unit: "none",
            targets: [[queries.latencyBurnRate1h, "burn rate"]],
            width: 4,
            height: 5,
            thresholds: burnThresholds,
          },
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
            targets: [[queries.cpuPerTask, "{{instance}}"]],
            width: 6,
            min: 0,
          },
          {
            type: "timeseries",
            title: "Memory per task",
            description: "Resident memory of each task's Node.js process.",
            unit: "bytes",
            targets: [
              [queries.memoryPerTask, "rss {{instance}}"],
              [queries.heapPerTask, "heap {{instance}}"],
            ],
            width: 6,
            min: 0,
          },
          {
            type: "timeseries",
            title: "Event loop lag p99",
            description: "99th percentile event loop delay: above 100 ms the process is saturated.",
            unit: "s",
            targets: [[queries.eventLoopLagP99, "{{instance}}"]],
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
