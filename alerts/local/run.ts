/**
 * `pnpm dev:monitoring`: the comments API (embedded database), a local Prometheus evaluating the
 * rule files as they are, and a local Alertmanager with the same routing tree and inhibitions, its
 * receivers swapped for a webhook that prints every notification here. Uses the Debian binaries
 * (`apt-get install prometheus prometheus-alertmanager`). Ctrl-C stops everything.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  localPrometheusConfig,
  startAlertmanager,
  startPrometheus,
  startWebhookReceiver,
  track,
} from "@comments-platform/testkit";
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

// The webhook every receiver delivers to: each notification printed here.
await startWebhookReceiver(PORTS.webhook, (n) =>
  console.log(`[alert → ${n.receiver}] ${n.status}: ${n.alerts.join(", ")}`),
);
const service = track(
  spawn(process.execPath, ["--import", "tsx", join(REPO, "services", "comments-api", "src", "server.ts")], {
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      PORT: String(PORTS.service),
      METRICS_PORT: String(PORTS.metrics),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
    },
  }),
);
// Alertmanager: the definition pulumi up deploys, placeholder topics, receivers local.
const { config, templateFiles } = localAlertmanagerFiles(`http://127.0.0.1:${PORTS.webhook}/`);
const alertmanager = await startAlertmanager(join(dir, "alertmanager"), config, templateFiles, {
  port: PORTS.alertmanager,
  stdio: "inherit",
  extraArgs: ["--log.level=warn"],
});
// Prometheus: the configuration docker-compose.yml uses too (alerts/local/compose.ts), on localhost.
const rules = readdirSync(join(REPO, "alerts", "rules")).map((file) => join(REPO, "alerts", "rules", file));
const prometheus = await startPrometheus(
  join(dir, "prometheus"),
  localPrometheusConfig({
    ruleFiles: rules,
    metricsTarget: `127.0.0.1:${PORTS.metrics}`,
    alertmanager: `127.0.0.1:${PORTS.alertmanager}`,
  }),
  { port: PORTS.prometheus, stdio: "inherit", extraArgs: ["--log.level=warn"] },
);

console.log(`comments API   http://127.0.0.1:${PORTS.service}   (pid ${service.pid})
Prometheus     ${prometheus.base}/alerts
Alertmanager   ${alertmanager.base}
Notifications are printed here as "[alert → receiver] ...". Watchdog reaches "heartbeat" within a minute.
To see CommentsApiUnreachable page: kill -STOP ${service.pid}   (about 6 minutes); resume with kill -CONT ${service.pid}.`);

const stop = () => {
  // Every child is tracked: exiting kills them all (services/testkit/src/processes.ts).
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
