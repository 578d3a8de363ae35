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
    // Timeouts only catch hangs. CI shares its machine, and starting PGlite, Prometheus, moto or a
    // Pulumi runner takes what it takes on busy cores: no test or hook is timed tighter than this,
    // and none sets a shorter limit of its own.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Tests that boot embedded PostgreSQL are CPU-heavy; two workers match the machine.
    maxWorkers: 2,
  },
});
