/** What every test suite here needs, in one place (see each module). */
export { localPrometheusConfig, type RunningTool, startAlertmanager, startPrometheus } from "./monitoring.js";
export { MOTO_SKIP_REASON, type Moto, motoAvailable, motoClientConfig, skipMoto, startMoto } from "./moto.js";
export {
  NEEDS_POSTGRES,
  requirePostgresUnderCi,
  type ScratchDatabase,
  scratchDatabase,
  TEST_DATABASE_URL,
} from "./postgres.js";
export {
  CLUSTER_SKIP_REASON,
  clusterAvailable,
  type PasswordCluster,
  skipCluster,
  startPasswordCluster,
} from "./postgres-cluster.js";
export { freePort, stop, track, waitUntil } from "./processes.js";
export { findTool, run } from "./tools.js";
export { type Notification, startWebhookReceiver, type WebhookReceiver } from "./webhook.js";
