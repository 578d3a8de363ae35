import { spawn } from "node:child_process";
import { connect } from "node:net";
import { waitUntil } from "@comments-platform/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScratchDatabase, scratchDatabase, TEST_DATABASE_URL } from "./helper.js";
import { requireBuild, runServer, SERVICE_DIR, startServer } from "./process.js";

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

describe("listen address", () => {
  it("without HOST (pnpm start, pnpm dev), the API and the metrics listen on 127.0.0.1 only", async () => {
    // `pnpm start` runs exactly this: node dist/server.js, HOST unset.
    const child = spawn(process.execPath, [requireBuild()], {
      cwd: SERVICE_DIR,
      env: { PATH: process.env.PATH ?? "", PORT: "0", METRICS_PORT: "0", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const listening = await new Promise<string[]>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const lines = [...out.matchAll(/"msg":"((?:Server|metrics) listening at http:\/\/[^:]+):\d+/g)].map(
          (match) => match[1] as string,
        );
        if (lines.length === 2) resolve(lines);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code} before listening:\n${out}`)));
    });
    child.kill("SIGTERM");
    expect(listening).toEqual([
      "Server listening at http://127.0.0.1",
      "metrics listening at http://127.0.0.1",
    ]);
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
    // ECONNRESET, or write ECONNRESET when the reset arrives before the write ends): "a connection can be closed at any time" (RFC 9112 §9.3.1,
    // https://www.rfc-editor.org/rfc/rfc9112#section-9.3.1). Neither reached a handler. In ECS none is
    // sent then: ECS waits for the load balancer to drain the target (UNUSED) before the stop signal
    // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-connection-draining.html).
    // Anything else (a 5xx, a response cut short) fails the test.
    const failed = results.filter((status) => status !== 200);
    expect(
      failed.filter(
        (error) => !/^Error: (connect|read|write) (ECONNRESET|ECONNREFUSED)\b/.test(String(error)),
      ),
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

/** One socket, requests written by hand, each answer read whole (status line, headers, Content-Length body). */
function socketTo(base: string) {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  let buffer = "";
  let closed = false;
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  socket.on("data", (chunk) => {
    buffer += chunk;
    wake();
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    closed = true;
    wake();
  });
  const next = () => new Promise<void>((resolve) => waiters.push(resolve));
  return {
    write: (text: string) => socket.write(text),
    /** The next whole answer, or what came before the server closed the socket. */
    async answer(): Promise<string> {
      for (;;) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end !== -1) {
          const length = Number(/content-length: (\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
          if (buffer.length >= end + 4 + length) {
            const whole = buffer.slice(0, end + 4 + length);
            buffer = buffer.slice(end + 4 + length);
            return whole;
          }
        }
        if (closed) return buffer;
        await next();
      }
    },
    closed: async () => {
      while (!closed) await next();
    },
  };
}

describe("SIGTERM and the connections still open", () => {
  const HEALTH = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

  it("closes a client that sent half a body and stalled once the drain ends, and exits 0", async () => {
    const server = await startServer(SERVICE_DIR, {
      SHUTDOWN_DRAIN_MS: "1000",
      SHUTDOWN_TIMEOUT_MS: "60000",
    });
    const client = socketTo(server.base);
    // A whole request first: the server holds this connection before the signal.
    client.write(HEALTH);
    expect((await client.answer()).split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    client.write(
      'POST /api/comment/new HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":',
    );
    server.child.kill("SIGTERM");
    await client.closed();
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toContain('"msg":"closing connections still open after the drain"');
    expect(server.stdout()).toContain('"msg":"shut down cleanly"');
  });

  it("answers a request written to an idle keep-alive connection just after SIGTERM, then closes it", async () => {
    const server = await startServer(SERVICE_DIR, {
      SHUTDOWN_IDLE_GRACE_MS: "60000",
      SHUTDOWN_DRAIN_MS: "90000",
      SHUTDOWN_TIMEOUT_MS: "120000",
    });
    const client = socketTo(server.base);
    client.write(HEALTH);
    expect((await client.answer()).split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    // The connection is idle now, as a load balancer's pooled one is between requests.
    server.child.kill("SIGTERM");
    await waitUntil("the server to begin its shutdown", async () =>
      server.stdout().includes("shutting down"),
    );
    client.write(HEALTH);
    const answer = await client.answer();
    expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    expect(answer.toLowerCase()).toContain("connection: close");
    await client.closed();
    expect(await server.exited).toBe(0);
  });
});
