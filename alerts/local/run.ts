/**
 * `pnpm dev:monitoring`: the comments API (embedded database), a local Prometheus evaluating the
 * rule files as they are, and a local Alertmanager with the same routing tree and inhibitions, its
 * receivers swapped for a webhook that prints every notification here. Uses the Debian binaries
 * (`apt-get install prometheus prometheus-alertmanager`). Ctrl-C stops everything.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localAlertmanagerFiles } from "./compose.js";

const REPO = join(import.meta.dirname, "..", "..");
const PORTS = { service: 3000, metrics: 9464, prometheus: 9090, alertmanager: 9093, webhook: 9099 };

for (const [tool, pkg] of [
  ["prometheus", "prometheus"],
  ["prometheus-alertmanager", "prometheus-alertmanager"],
]) {
  if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
    process.stderr.write(`dev:monitoring: ${tool} not found; install it with: apt-get install ${pkg}\n`);
    process.exit(1);
  }
}

const dir = mkdtempSync(join(tmpdir(), "comments-monitoring-"));
const children: ChildProcess[] = [];
const start = (command: string, args: string[], env: Record<string, string> = {}) => {
  const child = spawn(command, args, {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, ...env },
  });
  children.push(child);
  return child;
};

// Alertmanager: the definition pulumi up deploys, placeholder topics, receivers local.
const { config, templateFiles } = localAlertmanagerFiles(`http://127.0.0.1:${PORTS.webhook}/`);
for (const [name, text] of Object.entries(templateFiles)) writeFileSync(join(dir, name), text);
writeFileSync(join(dir, "alertmanager.yml"), config);

const rules = readdirSync(join(REPO, "alerts", "rules")).map((file) => join(REPO, "alerts", "rules", file));
writeFileSync(
  join(dir, "prometheus.yml"),
  [
    "global: { scrape_interval: 15s, evaluation_interval: 15s }",
    `rule_files: ${JSON.stringify(rules)}`,
    `alerting: { alertmanagers: [{ static_configs: [{ targets: ["127.0.0.1:${PORTS.alertmanager}"] }] }] }`,
    "scrape_configs:",
    "  - job_name: comments-api",
    // The metrics listener, as the collector sidecar scrapes it in ECS.
    `    static_configs: [{ targets: ["127.0.0.1:${PORTS.metrics}"], labels: { stack: local } }]`,
    "",
  ].join("\n"),
);

createServer((request, response) => {
  let body = "";
  request.on("data", (chunk: Buffer) => {
    body += chunk.toString();
  });
  request.on("end", () => {
    const payload = JSON.parse(body) as {
      receiver: string;
      status: string;
      alerts: Array<{ labels: Record<string, string> }>;
    };
    const names = payload.alerts.map(
      (a) => `${a.labels.alertname}${a.labels.stack === undefined ? "" : `/${a.labels.stack}`}`,
    );
    console.log(`[alert → ${payload.receiver}] ${payload.status}: ${names.join(", ")}`);
    response.end();
  });
}).listen(PORTS.webhook, "127.0.0.1");

const service = start(
  process.execPath,
  ["--import", "tsx", join(REPO, "services", "comments-api", "src", "server.ts")],
  {
    PORT: String(PORTS.service),
    METRICS_PORT: String(PORTS.metrics),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
  },
);
start("prometheus", [
  `--config.file=${join(dir, "prometheus.yml")}`,
  `--storage.tsdb.path=${join(dir, "prometheus")}`,
  `--web.listen-address=127.0.0.1:${PORTS.prometheus}`,
  "--log.level=warn",
]);
start("prometheus-alertmanager", [
  `--config.file=${join(dir, "alertmanager.yml")}`,
  `--storage.path=${join(dir, "alertmanager")}`,
  `--web.listen-address=127.0.0.1:${PORTS.alertmanager}`,
  "--cluster.listen-address=",
  "--log.level=warn",
]);

console.log(`comments API   http://127.0.0.1:${PORTS.service}   (pid ${service.pid})
Prometheus     http://127.0.0.1:${PORTS.prometheus}/alerts
Alertmanager   http://127.0.0.1:${PORTS.alertmanager}
Notifications are printed here as "[alert → receiver] ...". Watchdog reaches "heartbeat" within a minute.
To see CommentsApiTargetDown page: kill -STOP ${service.pid}   (about 3 minutes); resume with kill -CONT ${service.pid}.`);

const stop = () => {
  for (const child of children) child.kill("SIGTERM");
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
