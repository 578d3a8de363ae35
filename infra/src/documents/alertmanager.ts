/**
 * The Alertmanager definition in alerts/alertmanager.yaml, as Amazon Managed Prometheus takes it:
 * the configuration as a string under `alertmanager_config:`, templates under `template_files:`.
 * `renderAlertmanagerDefinition` puts in what differs per stack; `unwrapAlertmanagerDefinition`
 * gives back what plain `amtool check-config` accepts (it rejects the wrapped form).
 */
import { parse, stringify } from "yaml";

/** What `pulumi up` puts into the definition for one stack. */
export interface AlertmanagerValues {
  /** SNS topic for `severity: page`. */
  PAGE_TOPIC_ARN: string;
  /** SNS topic for `severity: ticket` and anything without a known severity. */
  TICKET_TOPIC_ARN: string;
  /** SNS topic that receives Watchdog every 2 minutes (alerts/alertmanager.yaml). */
  HEARTBEAT_TOPIC_ARN: string;
  /** Region of the topics, for SigV4. */
  AWS_REGION: string;
  /** The service dashboard in the stack's Grafana: `https://<grafana>/d/<uid>`. */
  DASHBOARD_URL: string;
}

const PLACEHOLDER = /\$\{([A-Z_]+)\}/g;

/** Replaces every `${NAME}`; fails on a placeholder it has no value for, naming it. */
export function renderAlertmanagerDefinition(template: string, values: AlertmanagerValues): string {
  const known = values as unknown as Record<string, string>;
  const missing = [...template.matchAll(PLACEHOLDER)]
    .map((match) => match[1] ?? "")
    .filter((name) => !(name in known));
  if (missing.length > 0) {
    throw new Error(
      `alertmanager definition: no value for ${[...new Set(missing)].join(", ")}; known: ${Object.keys(known).sort().join(", ")}`,
    );
  }
  return template.replace(PLACEHOLDER, (_match, name: string) => known[name] ?? "");
}

/** The plain Alertmanager configuration and its template files, from AMP's wrapped form. */
export function unwrapAlertmanagerDefinition(definition: string): {
  config: string;
  templateFiles: Record<string, string>;
} {
  const document = parse(definition) as Record<string, unknown> | null;
  const config = document?.alertmanager_config;
  if (typeof config !== "string") {
    throw new Error("alertmanager definition: `alertmanager_config` must be a YAML string (use `|`)");
  }
  const templates = document?.template_files ?? {};
  if (typeof templates !== "object" || templates === null) {
    throw new Error("alertmanager definition: `template_files` must map file names to their text");
  }
  const unknownKeys = Object.keys(document ?? {}).filter(
    (key) => !["alertmanager_config", "template_files"].includes(key),
  );
  if (unknownKeys.length > 0) {
    throw new Error(
      `alertmanager definition: unknown top-level keys ${unknownKeys.join(", ")}; allowed: alertmanager_config, template_files`,
    );
  }
  return { config, templateFiles: templates as Record<string, string> };
}

/**
 * The same routing tree and inhibitions with every receiver delivering to one local webhook
 * instead of SNS: for a local Alertmanager (`pnpm dev:monitoring`) and its tests.
 */
export function withLocalReceivers(config: string, webhookUrl: string): string {
  const document = parse(config) as { receivers?: Array<Record<string, unknown>> };
  if (!Array.isArray(document.receivers)) throw new Error("alertmanager config: no receivers");
  document.receivers = document.receivers.map((receiver) => ({
    name: receiver.name,
    webhook_configs: [{ url: webhookUrl, send_resolved: true }],
  }));
  return stringify(document);
}
