import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

/**
 * `pnpm test:unit`: the inner loop. Pure functions and the program under Pulumi's mocks, in this
 * process: no server, database, promtool, moto or Pulumi runner is started. `pnpm test` runs these
 * and every process-level test.
 */
export default defineConfig({
  test: {
    ...base.test,
    // Replaces the base list (mergeConfig would add to it).
    include: [
      "services/comments-api/test/config.test.ts",
      "dashboards/test/dashboards.test.ts",
      ".github/test/workflows.test.ts",
      "infra/test/{binomial,bootstrap,canary,canary-simulation,config,consumer-teams-config,contract-read,docs-config,contract-validate,grafana-existing,https,image-tag,judge,observability,policy,policy-stage,prod,pulumi-yaml,release,release-canary,release-cli,release-pure,release-stack,sigv4,slo,stage}.test.ts",
    ],
  },
});
