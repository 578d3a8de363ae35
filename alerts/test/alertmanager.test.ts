import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  findTool,
  type RunningTool,
  run,
  startAlertmanager,
  startWebhookReceiver,
  type WebhookReceiver,
  waitUntil,
} from "@comments-platform/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  type AlertmanagerValues,
  renderAlertmanagerDefinition,
  unwrapAlertmanagerDefinition,
  withLocalReceivers,
} from "../../infra/src/documents/alertmanager.js";

const DEFINITION = readFileSync(join(import.meta.dirname, "..", "alertmanager.yaml"), "utf8");
const VALUES: AlertmanagerValues = {
  PAGE_TOPIC_ARN: "arn:aws:sns:sa-east-1:123456789012:comments-platform-stage-page",
  TICKET_TOPIC_ARN: "arn:aws:sns:sa-east-1:123456789012:comments-platform-stage-ticket",
  HEARTBEAT_TOPIC_ARN: "arn:aws:sns:sa-east-1:123456789012:comments-platform-stage-heartbeat",
  AWS_REGION: "sa-east-1",
  DASHBOARD_URL: "https://g-0123abcd.grafana-workspace.us-east-1.amazonaws.com/d/comments-api-service",
};
const amtool = findTool("amtool", "prometheus-alertmanager");
const alertmanager = findTool("prometheus-alertmanager", "prometheus-alertmanager");

/** The rendered, unwrapped config and its templates, written out as plain Alertmanager reads them. */
function writeOut(dir: string, config: string, templateFiles: Record<string, string>): string {
  for (const [name, text] of Object.entries(templateFiles)) writeFileSync(join(dir, name), text);
  const file = join(dir, "alertmanager.yml");
  writeFileSync(file, config);
  return file;
}

describe("the Alertmanager definition", () => {
  it("renders every placeholder and fails naming one it has no value for", () => {
    const rendered = renderAlertmanagerDefinition(DEFINITION, VALUES);
    expect(rendered).not.toContain("${");
    const config = parse(unwrapAlertmanagerDefinition(rendered).config) as {
      receivers: Array<{
        name: string;
        sns_configs: Array<{ topic_arn: string; sigv4: { region: string } }>;
      }>;
    };
    expect(
      config.receivers.map((r) => [r.name, r.sns_configs[0]?.topic_arn, r.sns_configs[0]?.sigv4.region]),
    ).toEqual([
      ["page", VALUES.PAGE_TOPIC_ARN, "sa-east-1"],
      ["ticket", VALUES.TICKET_TOPIC_ARN, "sa-east-1"],
      ["heartbeat", VALUES.HEARTBEAT_TOPIC_ARN, "sa-east-1"],
    ]);
    expect(() => renderAlertmanagerDefinition("x: ${NOPE} ${NOPE}", VALUES)).toThrow(
      "alertmanager definition: no value for NOPE; known: AWS_REGION, DASHBOARD_URL, HEARTBEAT_TOPIC_ARN, PAGE_TOPIC_ARN, TICKET_TOPIC_ARN",
    );
  });

  it("is in AMP's wrapped form, and unwrapping rejects anything else", () => {
    expect(Object.keys(parse(DEFINITION) as object)).toEqual(["template_files", "alertmanager_config"]);
    expect(() => unwrapAlertmanagerDefinition("alertmanager_config:\n  route: {}\n")).toThrow(
      "alertmanager definition: `alertmanager_config` must be a YAML string (use `|`)",
    );
    expect(() => unwrapAlertmanagerDefinition("alertmanager_config: x\nextra: 1\n")).toThrow(
      "alertmanager definition: unknown top-level keys extra; allowed: alertmanager_config, template_files",
    );
  });
});

describe.skipIf(amtool.path === undefined)(`amtool${amtool.reason}`, () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "comments-am-"));
    const { config, templateFiles } = unwrapAlertmanagerDefinition(
      renderAlertmanagerDefinition(DEFINITION, VALUES),
    );
    file = writeOut(dir, config, templateFiles);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("check-config accepts the unwrapped config and its template", () => {
    const result = run("amtool", ["check-config", file]);
    expect(result.output).toContain(" - 3 receivers\n - 1 templates\n  SUCCESS\n");
    expect(result.status).toBe(0);
  });

  /** The message and subject as Alertmanager renders them for SNS, through amtool's renderer. */
  const renderMessage = (
    status: "firing" | "resolved",
    endsAt: string,
    labels: Record<string, string> = {
      alertname: "CommentsApiAvailabilityBudgetBurnFast",
      severity: "page",
      slo: "availability",
      stack: "prod",
      window: "1h/5m",
    },
  ) => {
    const alert = {
      status,
      labels,
      annotations: {
        summary: "Comments API in prod is burning its availability budget fast",
        description: "1.667% of requests over the last 1h were answered 5xx in stack prod.",
        runbook_url:
          "https://github.com/comments-platform/comments-platform/blob/main/alerts/runbooks/CommentsApiAvailabilityBudgetBurnFast.md",
      },
      startsAt: "2026-12-01T03:13:00Z",
      endsAt,
      generatorURL: "",
      fingerprint: "1",
    };
    const data = join(dir, `${status}.json`);
    writeFileSync(
      data,
      JSON.stringify({
        receiver: "page",
        status,
        alerts: [alert],
        groupLabels: {
          alertname: alert.labels.alertname,
          ...(labels.stack === undefined ? {} : { stack: labels.stack }),
        },
        commonLabels: alert.labels,
        commonAnnotations: alert.annotations,
        externalURL: "http://alertmanager",
      }),
    );
    const render = (name: string) =>
      run("amtool", [
        "template",
        "render",
        `--template.glob=${join(dir, "comments.tmpl")}`,
        `--template.text={{ template "${name}" . }}`,
        `--template.data=${data}`,
      ]);
    return { subject: render("comments.subject"), message: render("comments.message") };
  };

  it("writes a firing message with since when, the value, the dashboard over the alert's time and the runbook", () => {
    const { subject, message } = renderMessage("firing", "0001-01-01T00:00:00Z");
    expect(subject.stdout.trim()).toBe("[FIRING] CommentsApiAvailabilityBudgetBurnFast (prod)");
    expect(message.stdout.trimEnd()).toBe(
      [
        "FIRING since 2026-12-01 03:13 UTC: CommentsApiAvailabilityBudgetBurnFast (1h/5m)",
        "Comments API in prod is burning its availability budget fast",
        "1.667% of requests over the last 1h were answered 5xx in stack prod.",
        // An hour before it started (02:13 UTC) to now.
        `Dashboard: ${VALUES.DASHBOARD_URL}?var-stack=prod&from=1796091180000&to=now`,
        "Runbook: https://github.com/comments-platform/comments-platform/blob/main/alerts/runbooks/CommentsApiAvailabilityBudgetBurnFast.md",
      ].join("\n"),
    );
    expect(message.status).toBe(0);
  });

  it("writes a resolved message with when it ended, and the dashboard to 15 minutes after", () => {
    const { subject, message } = renderMessage("resolved", "2026-12-01T03:20:00Z");
    expect(subject.stdout.trim()).toBe("[RESOLVED] CommentsApiAvailabilityBudgetBurnFast (prod)");
    expect(message.stdout.split("\n").slice(0, 1).concat(message.stdout.split("\n").slice(3, 4))).toEqual([
      "RESOLVED at 2026-12-01 03:20 UTC, fired since 2026-12-01 03:13 UTC: CommentsApiAvailabilityBudgetBurnFast (1h/5m)",
      `Dashboard: ${VALUES.DASHBOARD_URL}?var-stack=prod&from=1796091180000&to=1796096100000`,
    ]);
  });

  it("links an alert without a stack to the dashboard without var-stack (the variable has no All)", () => {
    const { message } = renderMessage("firing", "0001-01-01T00:00:00Z", {
      alertname: "CommentsApiUnreachable",
      job: "comments-api",
      reason: "never_heard",
      severity: "page",
    });
    expect(message.stdout.split("\n")[3]).toBe(
      `Dashboard: ${VALUES.DASHBOARD_URL}?from=1796091180000&to=now`,
    );
  });

  it.each([
    [["severity=page", "alertname=CommentsApiUnreachable", "stack=prod"], "page"],
    [["severity=ticket", "alertname=CommentsApiLatencyBudgetBurnSlow", "stack=prod"], "ticket"],
    [["severity=none", "alertname=Watchdog"], "heartbeat"],
    [["severity=surprise", "alertname=Unknown"], "ticket"],
  ])("routes %j to %s", (labels, receiver) => {
    const result = run("amtool", ["config", "routes", "test", `--config.file=${file}`, ...labels]);
    expect(result.stdout.trim()).toBe(receiver);
    expect(result.status).toBe(0);
  });
});

describe.skipIf(alertmanager.path === undefined)(
  `a real Alertmanager with the same routes${alertmanager.reason}`,
  () => {
    let dir: string;
    let webhook: WebhookReceiver;
    let server: RunningTool;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "comments-am-run-"));
      webhook = await startWebhookReceiver();
      const { config, templateFiles } = unwrapAlertmanagerDefinition(
        renderAlertmanagerDefinition(DEFINITION, VALUES),
      );
      // Same tree, inhibitions and receivers' names; only delivery (webhook) and the waits differ.
      const local = parse(withLocalReceivers(config, webhook.url)) as { route: Record<string, unknown> };
      local.route.group_wait = "1s";
      server = await startAlertmanager(dir, stringify(local), templateFiles);
    });
    afterAll(async () => {
      // Alertmanager writes its state on the way out: remove its directory only once it is gone.
      await server?.stop();
      await webhook?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("pages, holds back the ticket of the paging SLO in that stack, and tickets the rest", async () => {
      const alert = (alertname: string, severity: string, slo: string, stack: string) => ({
        labels: { alertname, severity, slo, stack },
        annotations: { summary: alertname, description: alertname, runbook_url: "https://example.com" },
      });
      const posted = await fetch(`${server.base}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([
          alert("CommentsApiAvailabilityBudgetBurnFast", "page", "availability", "prod"),
          alert("CommentsApiAvailabilityBudgetBurnSlow", "ticket", "availability", "prod"),
          alert("CommentsApiAvailabilityBudgetBurnSlow", "ticket", "availability", "stage"),
          alert("CommentsApiLatencyBudgetBurnSlow", "ticket", "latency", "prod"),
        ]),
      });
      expect(posted.status).toBe(200);
      // However long the machine takes to deliver three, then a grace for a fourth that must not come.
      await waitUntil("three notifications", async () => webhook.received.length >= 3);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const received = webhook.received.map(({ receiver, alerts }) => ({ receiver, alerts }));
      expect([...received].sort((a, b) => a.alerts[0]?.localeCompare(b.alerts[0] ?? "") ?? 0)).toEqual([
        { receiver: "page", alerts: ["CommentsApiAvailabilityBudgetBurnFast/prod"] },
        { receiver: "ticket", alerts: ["CommentsApiAvailabilityBudgetBurnSlow/stage"] },
        { receiver: "ticket", alerts: ["CommentsApiLatencyBudgetBurnSlow/prod"] },
      ]);
    });
  },
);
