import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "services/*/test/**/*.test.ts",
      "infra/test/**/*.test.ts",
      "alerts/test/**/*.test.ts",
      "dashboards/test/**/*.test.ts",
      ".github/test/**/*.test.ts",
    ],
    // Process-level tests start servers and PostgreSQL databases: give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests that boot embedded PostgreSQL are CPU-heavy; two workers match the machine.
    maxWorkers: 2,
  },
});
