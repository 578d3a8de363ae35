import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findTool, run } from "@comments-platform/testkit";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { COMPOSE_DIR, composeFiles } from "../local/compose.js";

const REPO = join(import.meta.dirname, "..", "..");
const amtool = findTool("amtool", "prometheus-alertmanager");

describe("docker-compose.yml", () => {
  it.each(Object.entries(composeFiles()))(
    "alerts/local/compose/%s is what the generator writes (run `pnpm dev:compose-config`)",
    (file, text) => {
      expect(readFileSync(join(COMPOSE_DIR, file), "utf8")).toBe(text);
    },
  );

  it("mounts only files and folders that exist", () => {
    const compose = parse(readFileSync(join(REPO, "docker-compose.yml"), "utf8")) as {
      services: Record<string, { volumes?: string[] }>;
    };
    const mounts = Object.values(compose.services)
      .flatMap((service) => service.volumes ?? [])
      .map((volume) => volume.split(":")[0] ?? "");
    expect(mounts.length).toBe(6);
    expect(mounts.filter((path) => !existsSync(join(REPO, path)))).toEqual([]);
  });

  it("scrapes the service as the rules and release analyze --stack local expect: job comments-api, stack local, revision 1", () => {
    const prometheus = parse(readFileSync(join(COMPOSE_DIR, "prometheus.yml"), "utf8")) as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ labels: Record<string, string> }> }>;
    };
    expect(prometheus.scrape_configs.map((c) => [c.job_name, c.static_configs[0]?.labels])).toEqual([
      ["comments-api", { stack: "local", aws_ecs_task_revision: "1" }],
    ]);
  });

  it.skipIf(amtool.path === undefined)(`has an Alertmanager config amtool accepts${amtool.reason}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "compose-am-"));
    for (const [file, text] of Object.entries(composeFiles())) writeFileSync(join(dir, file), text);
    const result = run("amtool", ["check-config", join(dir, "alertmanager.yml")]);
    rmSync(dir, { recursive: true, force: true });
    expect(result.output).toContain(" - 3 receivers\n - 1 templates\n  SUCCESS\n");
    expect(result.status).toBe(0);
  });
});
