/**
 * How often Watchdog reaches the heartbeat receiver, measured with a real Alertmanager running the
 * heartbeat route of alerts/alertmanager.yaml with its minutes read as seconds (the same ratio of
 * group_interval to repeat_interval, a test of seconds instead of minutes). Alertmanager resends a
 * group only when its last notification is older than repeat_interval, and looks at each
 * group_interval: with both equal, every other look, so one message per two intervals. Measured at
 * the real 1m/1m: messages at +0.7 s, +120.7 s, +240.7 s... (docs/operations.md).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  renderAlertmanagerDefinition,
  unwrapAlertmanagerDefinition,
  withLocalReceivers,
} from "../../infra/src/documents/alertmanager.js";
import {
  findTool,
  type RunningTool,
  startAlertmanager,
  startWebhookReceiver,
  type WebhookReceiver,
  waitUntil,
} from "../../services/testkit/src/index.js";

const DEFINITION = readFileSync(join(import.meta.dirname, "..", "alertmanager.yaml"), "utf8");
const alertmanager = findTool("prometheus-alertmanager", "prometheus-alertmanager");

interface Route {
  receiver: string;
  matchers?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: Route[];
}

const { config, templateFiles } = unwrapAlertmanagerDefinition(
  renderAlertmanagerDefinition(DEFINITION, {
    PAGE_TOPIC_ARN: "arn:aws:sns:sa-east-1:123456789012:page",
    TICKET_TOPIC_ARN: "arn:aws:sns:sa-east-1:123456789012:ticket",
    HEARTBEAT_TOPIC_ARN: "arn:aws:sns:sa-east-1:123456789012:heartbeat",
    AWS_REGION: "sa-east-1",
    DASHBOARD_URL: "https://grafana.example/d/comments-api-service",
  }),
);
const document = parse(config) as { route: Route };
const heartbeat = document.route.routes?.find((r) => r.receiver === "heartbeat");

describe("the heartbeat route", () => {
  it("resends Watchdog with group_interval and repeat_interval of 1m, and no group_wait", () => {
    expect(heartbeat).toEqual({
      receiver: "heartbeat",
      matchers: ['alertname="Watchdog"'],
      group_wait: "0s",
      group_interval: "1m",
      repeat_interval: "1m",
    });
  });
});

describe.skipIf(alertmanager.path === undefined)(
  `Watchdog through a real Alertmanager${alertmanager.reason}`,
  () => {
    let dir: string;
    let webhook: WebhookReceiver;
    let server: RunningTool;
    const arrivals: number[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "comments-heartbeat-"));
      webhook = await startWebhookReceiver(0, (notification) => {
        if (notification.receiver === "heartbeat") arrivals.push(performance.now());
      });
      // The production tree with the heartbeat route's minutes as seconds.
      const local = parse(withLocalReceivers(config, webhook.url)) as { route: Route };
      for (const route of local.route.routes ?? []) {
        if (route.receiver !== "heartbeat") continue;
        route.group_interval = (route.group_interval ?? "").replace(/m$/, "s");
        route.repeat_interval = (route.repeat_interval ?? "").replace(/m$/, "s");
      }
      server = await startAlertmanager(dir, stringify(local), templateFiles);
    });
    afterAll(async () => {
      await server?.stop();
      await webhook?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("delivers one message per two intervals: every 2 minutes in production, not every minute", async () => {
      const post = () =>
        fetch(`${server.base}/api/v2/alerts`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify([
            {
              labels: { alertname: "Watchdog", severity: "none" },
              annotations: {
                summary: "heartbeat",
                description: "heartbeat",
                runbook_url: "https://example.com",
              },
            },
          ]),
        });
      expect((await post()).status).toBe(200);
      // Prometheus resends a firing alert regularly; so does this test, for as long as it waits.
      const resend = setInterval(() => void post(), 500);
      try {
        await waitUntil("seven heartbeats", async () => arrivals.length >= 7);
      } finally {
        clearInterval(resend);
      }
      const gaps = arrivals.slice(1).map((at, i) => (at - (arrivals[i] ?? 0)) / 1000);
      const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0;
      // One interval is 1 s here: the median gap is two of them, give or take a busy machine.
      expect(median, `gaps in seconds: ${gaps.map((g) => g.toFixed(2)).join(", ")}`).toBeGreaterThan(1.5);
      expect(median, `gaps in seconds: ${gaps.map((g) => g.toFixed(2)).join(", ")}`).toBeLessThan(2.5);
    });
  },
);
