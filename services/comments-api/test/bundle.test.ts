/**
 * There is no Docker engine on our machines, so this proves what the image runs another way: it
 * builds the production bundle with the very commands the Dockerfile runs, checks what is in it,
 * and starts it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_DIR, startServer } from "./process.js";

const WORKSPACE = join(SERVICE_DIR, "..", "..");
const DEPLOY_COMMAND = ["--filter", "comments-api", "deploy", "--prod"];
const dockerfile = readFileSync(join(SERVICE_DIR, "Dockerfile"), "utf8");

describe("the production bundle the Dockerfile ships", () => {
  let tmp: string;
  let bundle: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "comments-bundle-"));
    bundle = join(tmp, "app");
    execFileSync("pnpm", [...DEPLOY_COMMAND, bundle], { cwd: WORKSPACE, stdio: "pipe" });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("is built by the same commands the Dockerfile runs", () => {
    expect(dockerfile).toContain("RUN pnpm --filter comments-api run build\n");
    expect(dockerfile).toContain(`RUN pnpm ${DEPLOY_COMMAND.join(" ")} /out\n`);
    expect(dockerfile).toContain("COPY --from=build /out/ /app/\n");
    expect(dockerfile).toMatch(/\nUSER node\nEXPOSE 3000\nCMD \["node", "dist\/server.js"\]\n$/);
  });

  it("listens on all interfaces in the image (the service alone defaults to 127.0.0.1)", () => {
    // The runtime stage's environment: what `docker run -p` and compose reach the API and metrics through.
    const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    expect(runtime.split("\n").filter((line) => line.startsWith("ENV "))).toEqual([
      "ENV NODE_ENV=production",
      "ENV HOST=0.0.0.0",
    ]);
  });

  it("holds the compiled service and production dependencies only", () => {
    expect(existsSync(join(bundle, "dist", "server.js"))).toBe(true);
    expect(existsSync(join(bundle, "src"))).toBe(false);
    expect(existsSync(join(bundle, "test"))).toBe(false);
    for (const runtime of ["fastify", "pg", "prom-client", "pino", "@electric-sql/pglite"]) {
      expect(existsSync(join(bundle, "node_modules", runtime, "package.json")), runtime).toBe(true);
    }
    for (const devOnly of ["typescript", "vitest", "tsx", "autocannon", "@types/pg"]) {
      expect(existsSync(join(bundle, "node_modules", devOnly)), devOnly).toBe(false);
    }
  });

  it("starts from the bundle alone and serves the API", async () => {
    const server = await startServer(bundle, { NODE_ENV: "production" });
    const created = await fetch(`${server.base}/api/comment/new`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "b@example.com", comment: "from the bundle", content_id: 1 }),
    });
    expect(await created.json()).toEqual({
      status: "SUCCESS",
      message: "comment created and associated with content_id 1",
    });
    const listed = await fetch(`${server.base}/api/comment/list/1`);
    expect(await listed.json()).toEqual([{ email: "b@example.com", comment: "from the bundle" }]);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  });
});
