/**
 * The real service, scraped by a real Prometheus that evaluates the real rule file: every dashboard
 * query and every recording rule returns data, every selector of the alerts and annotations finds
 * series, and every metric they name is one the service exports or a rule records.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  findTool,
  localPrometheusConfig,
  type RunningTool,
  startPrometheus,
  waitUntil,
} from "@comments-platform/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type RunningServer, SERVICE_DIR, startServer } from "../../services/comments-api/test/process.js";

const REPO = join(import.meta.dirname, "..", "..");
const RULES = readFileSync(join(REPO, "alerts", "rules", "comments-api.yaml"), "utf8");
const DASHBOARD = JSON.parse(readFileSync(join(REPO, "dashboards", "comments-api.json"), "utf8")) as {
  panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
  annotations: { list: Array<{ name: string; target: { expr?: string } }> };
};
const prometheus = findTool("prometheus", "prometheus");

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
}
const rules = (parse(RULES) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const recorded = new Set(rules.flatMap((r) => (r.record === undefined ? [] : [r.record])));
const panelQueries = DASHBOARD.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => [p.title, t.expr] as const),
);

/** Grafana's variables, as the dashboard would set them for the local stack. */
const local = (expr: string) => expr.replaceAll("$stack", "local").replaceAll("$__rate_interval", "1m");
/** Vector selectors (`metric{...}`) in an expression. */
const selectors = (expr: string) =>
  [...expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{[^}]*\}/g)].map((m) => m[0]);
const metricNames = (expr: string) =>
  [...expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1] ?? "");

describe.skipIf(prometheus.path === undefined)(
  `dashboards and rules against a real Prometheus${prometheus.reason}`,
  () => {
    let dir: string;
    let service: RunningServer;
    let prometheusServer: RunningTool;
    let base: string;
    let exported: Set<string>;
    let traffic: ReturnType<typeof setInterval>;

    const query = async (expr: string) => {
      const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await response.json()) as { status: string; error?: string; data: { result: unknown[] } };
      if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
      return body.data.result;
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "comments-prom-"));
      service = await startServer(SERVICE_DIR);
      const send = async () => {
        const post = (body: string) =>
          fetch(`${service.base}/api/comment/new`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          });
        await post('{"email":"p@example.com","comment":"hello","content_id":1}');
        await post('{"email":"not-an-email"}');
        await fetch(`${service.base}/api/comment/list/1`);
        await fetch(`${service.base}/api/comment/list/999`);
        await fetch(`${service.base}/no/such/route`);
      };
      await send();
      traffic = setInterval(() => void send(), 200);

      // The rule file as it is, but evaluated every second instead of every minute.
      writeFileSync(join(dir, "rules.yaml"), RULES.replaceAll(/interval: [15]m/g, "interval: 1s"));
      // The collector scrapes the metrics listener, never the API port; the local configuration
      // pnpm dev:monitoring and compose use, evaluated every second.
      prometheusServer = await startPrometheus(
        dir,
        localPrometheusConfig({
          ruleFiles: [join(dir, "rules.yaml")],
          metricsTarget: new URL(service.metricsUrl).host,
          interval: "1s",
        }),
      );
      base = prometheusServer.base;
      // Ready once the 5m SLIs have two scrapes to compute a rate from.
      await waitUntil(
        "prometheus computing the 5m SLIs",
        async () => (await query("comments_api:request_slow:ratio_rate5m")).length > 0,
        prometheusServer.child,
      );
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const metrics = await (await fetch(service.metricsUrl)).text();
      exported = new Set(
        metrics
          .split("\n")
          .filter((line) => line.length > 0 && !line.startsWith("#"))
          .map((line) => line.split(/[{ ]/, 1)[0] ?? ""),
      );
    });

    afterAll(async () => {
      clearInterval(traffic);
      await prometheusServer?.stop();
      service?.child.kill("SIGTERM");
      await service?.exited;
      rmSync(dir, { recursive: true, force: true });
    });

    it("scrapes the service with the job, stack and revision labels the rules and the analysis select on", async () => {
      expect(await query('up{job="comments-api", stack="local"}')).toEqual([
        {
          metric: {
            __name__: "up",
            aws_ecs_task_revision: "1",
            instance: new URL(service.metricsUrl).host,
            job: "comments-api",
            stack: "local",
          },
          value: [expect.any(Number), "1"],
        },
      ]);
    });

    it.each(panelQueries)("panel %s: its query returns data", async (_title, expr) => {
      expect((await query(local(expr))).length).toBeGreaterThan(0);
    });

    it.each(rules.filter((r) => r.record !== undefined).map((r) => [r.record, r.expr]))(
      "recording rule %s returns data",
      async (_name, expr) => {
        expect((await query(expr as string)).length).toBeGreaterThan(0);
      },
    );

    it.each([
      ...rules.filter((r) => r.alert !== undefined).map((r) => [r.alert, r.expr] as const),
      ...DASHBOARD.annotations.list.flatMap((a) =>
        a.target.expr === undefined ? [] : [[a.name, a.target.expr] as const],
      ),
    ])("every series %s selects exists", async (_name, expr) => {
      for (const selector of selectors(local(expr))) {
        expect((await query(selector)).length, selector).toBeGreaterThan(0);
      }
    });

    it("uses only metrics the service exports or the rules record", () => {
      const used = new Set(
        [...rules.map((r) => r.expr), ...panelQueries.map(([, e]) => e)].flatMap(metricNames),
      );
      const unknown = [...used].filter((name) => !exported.has(name) && !recorded.has(name) && name !== "up");
      expect(unknown).toEqual([]);
    });
  },
);
