/** `pnpm smoke`: its arguments, and the real script against a real local service. */
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, SERVICE_DIR, startServer } from "../../services/comments-api/test/process";
import { parseSmokeArgs, SMOKE_USAGE } from "../src/release/smoke-cli";

describe("parseSmokeArgs", () => {
  it("takes the URL without its trailing slash, the id and the readiness window", () => {
    expect(
      parseSmokeArgs(["https://stage.example.com/", "--id", "deploy-abc.1", "--ready-within", "30"]),
    ).toEqual({
      baseUrl: "https://stage.example.com",
      id: "deploy-abc.1",
      readyWithinMs: 30_000,
    });
  });

  it("defaults the id to the time and the window to 120 s", () => {
    expect(parseSmokeArgs(["http://127.0.0.1:3000"], () => 1700000000000)).toEqual({
      baseUrl: "http://127.0.0.1:3000",
      id: "manual-1700000000000",
      readyWithinMs: 120_000,
    });
  });

  it.each([
    [[], "expected one base URL, got none"],
    [["a", "b"], "expected one base URL, got a b"],
    [["stage.example.com"], 'base URL "stage.example.com" is not a URL'],
    [["ftp://x"], 'base URL "ftp://x" must be http or https'],
    [["http://x", "--id"], "--id needs a value"],
    [["http://x", "--id", "a b"], '--id "a b" may hold only letters, digits and _ . : - (1-100 characters)'],
    [["http://x", "--ready-within", "0"], '--ready-within "0" must be a whole number of seconds, 1-900'],
    [["http://x", "--ready-within", "1.5"], '--ready-within "1.5" must be a whole number of seconds, 1-900'],
    [["http://x", "--verbose"], "unknown option --verbose"],
  ])("refuses %j: %s", (argv, message) => {
    expect(() => parseSmokeArgs(argv)).toThrow(message);
  });

  it("names every problem at once", () => {
    expect(() => parseSmokeArgs(["--ready-within", "x", "--nope"])).toThrow(
      "unknown option --nope\nexpected one base URL, got none\n" +
        '--ready-within "x" must be a whole number of seconds, 1-900',
    );
  });
});

describe("pnpm smoke (the script)", () => {
  let service: RunningServer;
  let closedPort: number;
  beforeAll(async () => {
    service = await startServer(SERVICE_DIR);
    // A port nothing listens on: taken, then released.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
  });
  afterAll(async () => {
    service?.child.kill("SIGTERM");
    await service?.exited;
  });

  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "scripts/smoke.ts", ...args], {
      cwd: join(__dirname, ".."),
      encoding: "utf8",
    });

  it("passes against a healthy service and leaves its comment under smoke-<id>", async () => {
    const result = run(service.base, "--id", "ci-1");
    expect([result.status, result.stdout]).toEqual([
      0,
      `smoke: ${service.base} passed: ready, wrote and read back a comment under smoke-ci-1\n`,
    ]);
    const stored = await fetch(`${service.base}/api/comment/list/smoke-ci-1`);
    expect(await stored.json()).toEqual([
      { email: "smoke-test@comments-platform.invalid", comment: "smoke test of ci-1" },
    ]);
  });

  it("fails, saying why, when nothing answers", () => {
    const result = run(`http://127.0.0.1:${closedPort}`, "--id", "ci-2", "--ready-within", "1");
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(
      `smoke: http://127.0.0.1:${closedPort} FAILED: GET /readyz failed: connect ECONNREFUSED 127.0.0.1:${closedPort}\n`,
    );
  });

  it("exits 2 with the usage on bad arguments", () => {
    const result = run("not-a-url");
    expect([result.status, result.stdout]).toEqual([
      2,
      `smoke: base URL "not-a-url" is not a URL\n${SMOKE_USAGE}\n`,
    ]);
  });
});
