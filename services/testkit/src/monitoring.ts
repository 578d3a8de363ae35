/**
 * Prometheus and Alertmanager from Debian's binaries, started the same way by the tests and by
 * `pnpm dev:monitoring`, and the one local Prometheus configuration that dev:monitoring and
 * docker-compose.yml share.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, stop, track, waitUntil } from "./processes.js";

/** What the local Prometheus scrapes and where it sends alerts. */
export interface LocalPrometheusInput {
  /** Rule files, as paths Prometheus reads. */
  ruleFiles: string[];
  /** The service's metrics listener, `host:port`. */
  metricsTarget: string;
  /** Alertmanager, `host:port`; none: rules are evaluated, alerts go nowhere. */
  alertmanager?: string;
  /** @default "15s" (the collector's interval in ECS) */
  interval?: string;
  /** The `stack` label, as the collector adds it. @default "local" */
  stack?: string;
  /**
   * The `aws_ecs_task_revision` label, as the collector adds it in ECS, so that
   * `pnpm release analyze --stack local --revision 1` finds the local service's series. @default "1"
   */
  revision?: string;
}

/** The local Prometheus configuration: the comments-api job on the metrics listener, in a stack. */
export function localPrometheusConfig(input: LocalPrometheusInput): string {
  const interval = input.interval ?? "15s";
  return [
    `global: { scrape_interval: ${interval}, evaluation_interval: ${interval} }`,
    `rule_files: ${JSON.stringify(input.ruleFiles)}`,
    ...(input.alertmanager === undefined
      ? []
      : [
          `alerting: { alertmanagers: [{ static_configs: [{ targets: [${JSON.stringify(input.alertmanager)}] }] }] }`,
        ]),
    "scrape_configs:",
    "  - job_name: comments-api",
    `    static_configs: [{ targets: [${JSON.stringify(input.metricsTarget)}], labels: { stack: ${input.stack ?? "local"}, aws_ecs_task_revision: "${input.revision ?? "1"}" } }]`,
    "",
  ].join("\n");
}

/** A running server: its base URL and its process. */
export interface RunningTool {
  base: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

/** How a server is started: a fixed port (dev:monitoring) or a free one, and where its output goes. */
export interface StartOptions {
  /** @default a free port */
  port?: number;
  /** @default "ignore" */
  stdio?: "ignore" | "inherit";
  /** @default none */
  extraArgs?: string[];
}

/** Starts one of the Prometheus binaries on 127.0.0.1 and resolves once `/-/ready` answers. */
async function startReady(
  command: string,
  args: (listen: string) => string[],
  options: StartOptions,
): Promise<RunningTool> {
  const port = options.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const child = track(
    spawn(command, [...args(`127.0.0.1:${port}`), ...(options.extraArgs ?? [])], {
      stdio: options.stdio ?? "ignore",
    }),
  );
  await waitUntil(command, async () => (await fetch(`${base}/-/ready`)).status === 200, child);
  return { base, child, stop: () => stop(child) };
}

/** Starts Prometheus with `config` in `dir`, and resolves once it is ready. */
export async function startPrometheus(
  dir: string,
  config: string,
  options: StartOptions = {},
): Promise<RunningTool> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "prometheus.yml"), config);
  return startReady(
    "prometheus",
    (listen) => [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=${listen}`,
    ],
    options,
  );
}

/** Starts Alertmanager with `config` (and its templates) in `dir`, and resolves once it is ready. */
export async function startAlertmanager(
  dir: string,
  config: string,
  templateFiles: Record<string, string>,
  options: StartOptions = {},
): Promise<RunningTool> {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(templateFiles)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "alertmanager.yml"), config);
  return startReady(
    "prometheus-alertmanager",
    (listen) => [
      `--config.file=${join(dir, "alertmanager.yml")}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=${listen}`,
      "--cluster.listen-address=",
    ],
    options,
  );
}
