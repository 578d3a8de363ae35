import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScratchDatabase, scratchDatabase, TEST_DATABASE_URL } from "./helper.js";
import { runServer, SERVICE_DIR, startServer } from "./process.js";

describe("start-up", () => {
  it("exits 1 naming every bad variable, its value and what is allowed", async () => {
    const result = await runServer({
      PORT: "eighty",
      LOG_LEVEL: "chatty",
      DATABASE_URL: "mysql://u:hunter2@h/d",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      [
        "comments-api: invalid configuration:",
        '  - PORT="eighty": must be an integer from 0 to 65535',
        '  - LOG_LEVEL="chatty": must be one of fatal, error, warn, info, debug, trace, silent',
        "  - DATABASE_URL=<redacted>: must be a URL like postgres://user:password@host:5432/database",
        "",
      ].join("\n"),
    );
  });
});

describe("SIGTERM under load", () => {
  // A real server when there is one (what ECS runs), the embedded database otherwise.
  let scratch: ScratchDatabase | undefined;
  beforeAll(async () => {
    scratch = TEST_DATABASE_URL === undefined ? undefined : await scratchDatabase();
  });
  afterAll(() => scratch?.drop());

  it("finishes every request already sent, then exits 0 within its shutdown bound", async () => {
    const server = await startServer(SERVICE_DIR, scratch === undefined ? {} : { DATABASE_URL: scratch.url });
    let stopped = false;
    const results: Array<number | string> = [];
    // 40 clients on keep-alive connections, like a load balancer's pool. Once SIGTERM is sent they
    // send nothing new (the load balancer deregistered the task); what they sent must succeed.
    const clients = Array.from({ length: 40 }, async (_, client) => {
      for (let n = 0; !stopped; n += 1) {
        const request = fetch(`${server.base}/api/comment/new`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: `s${client}@example.com`, comment: `n${n}`, content_id: "shutdown" }),
        });
        try {
          const response = await request;
          await response.arrayBuffer();
          results.push(response.status);
        } catch (error) {
          results.push(String((error as Error & { cause?: Error }).cause ?? error));
        }
      }
    });
    // Load by count, not by time: however slow the machine, 200 answers have come back and 40
    // requests are on the wire when the signal arrives.
    while (results.length < 200) await new Promise((resolve) => setTimeout(resolve, 10));
    stopped = true;
    server.child.kill("SIGTERM");
    await Promise.all(clients);
    const code = await server.exited;

    // Each of the 40 clients had one request in flight at the signal. Two races can reset one: its
    // connection was still being opened when the listener closed (connect ECONNRESET/ECONNREFUSED),
    // or it was written to a keep-alive connection the server had just closed as idle (read
    // ECONNRESET): "a connection can be closed at any time" (RFC 9112 §9.3.1,
    // https://www.rfc-editor.org/rfc/rfc9112#section-9.3.1). Neither reached a handler. In ECS none is
    // sent then: ECS waits for the load balancer to drain the target (UNUSED) before the stop signal
    // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-connection-draining.html).
    // Anything else (a 5xx, a response cut short) fails the test.
    const failed = results.filter((status) => status !== 200);
    expect(
      failed.filter((error) => !/^Error: (connect|read) (ECONNRESET|ECONNREFUSED)\b/.test(String(error))),
    ).toEqual([]);
    expect(failed.length).toBeLessThanOrEqual(40);
    expect(results.length).toBeGreaterThanOrEqual(200 + 40);
    expect(results.length - failed.length).toBeGreaterThanOrEqual(200);
    if (code !== 0) console.log(server.stdout().slice(-3000), server.stderr());
    // 0 means it finished before SHUTDOWN_TIMEOUT_MS (25 s, under ECS's 30 s): past it, exit 1.
    expect(code).toBe(0);
    expect(server.stdout()).toContain('"msg":"shut down cleanly"');
  });
});
