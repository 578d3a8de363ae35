/**
 * What the router and Node's HTTP parser refuse, against the real server over a raw socket (inject
 * bypasses the parser): the API's error format, under 1 KiB, never echoing the URL or naming the
 * framework.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_TIMEOUT_MS } from "../src/app.js";
import { type RunningServer, SERVICE_DIR, startServer } from "./process.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(SERVICE_DIR);
});
afterAll(async () => {
  server.child.kill("SIGTERM");
  await server.exited;
});

/** Writes `request` as is and reads until the server closes: status line, headers, body. */
function raw(
  request: string,
): Promise<{ status: string; headers: Record<string, string>; body: string; size: number }> {
  return new Promise((resolve, reject) => {
    const url = new URL(server.base);
    const socket = connect(Number(url.port), url.hostname);
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk;
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      const [head = "", body = ""] = text.split("\r\n\r\n");
      const [status = "", ...lines] = head.split("\r\n");
      const headers = Object.fromEntries(
        lines.map((line) => [
          line.slice(0, line.indexOf(":")).toLowerCase(),
          line.slice(line.indexOf(":") + 1).trim(),
        ]),
      );
      if (text === "") reject(new Error("no answer"));
      else resolve({ status, headers, body, size: Buffer.byteLength(text) });
    });
    socket.end(request);
  });
}

describe("router-level errors", () => {
  it.each([
    [
      "a path parameter over 512 characters",
      `GET /api/comment/list/${"a".repeat(600)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      "HTTP/1.1 414 URI Too Long",
      { status: "URI-TOO-LONG", message: "request: the URL is too long" },
    ],
    [
      "bad percent-encoding",
      "GET /api/comment/list/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
      "HTTP/1.1 400 Bad Request",
      { status: "BAD-REQUEST", message: "request: the URL is not valid percent-encoding" },
    ],
    [
      "headers over Node's 16 KiB",
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`,
      "HTTP/1.1 431 Request Header Fields Too Large",
      { status: "HEADERS-TOO-LARGE", message: "request: the headers are too large" },
    ],
    [
      "a URL longer than the headers allow",
      `GET /${"c".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      "HTTP/1.1 431 Request Header Fields Too Large",
      { status: "HEADERS-TOO-LARGE", message: "request: the headers are too large" },
    ],
    [
      "an unknown path of 16,000 characters",
      `GET /${"c".repeat(16_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      "HTTP/1.1 404 Not Found",
      { status: "NOT-FOUND", message: "no route for GET at this URL" },
    ],
    [
      // What a client that does not resolve dot-segments (this raw socket) can send: refused, so no
      // comment is ever stored under a content_id the others cannot list.
      "the content_id .. as %2E%2E",
      "GET /api/comment/list/%2E%2E HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      "HTTP/1.1 400 Bad Request",
      {
        status: "BAD-REQUEST",
        message:
          'content_id: must not be "..": clients remove it from /api/comment/list/.. before sending, so its comments could never be read',
      },
    ],
    [
      "the content_id .",
      "GET /api/comment/list/. HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      "HTTP/1.1 400 Bad Request",
      {
        status: "BAD-REQUEST",
        message:
          'content_id: must not be ".": clients remove it from /api/comment/list/. before sending, so its comments could never be read',
      },
    ],
    [
      "an HTTP/1.1 request without Host",
      "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
      "HTTP/1.1 400 Bad Request",
      { status: "BAD-REQUEST", message: "request: the Host header is required" },
    ],
    [
      "an Expect other than 100-continue",
      "POST /api/comment/new HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
      "HTTP/1.1 417 Expectation Failed",
      {
        status: "EXPECTATION-FAILED",
        message: "request: the only Expect this service meets is 100-continue",
      },
    ],
    [
      "a method that is not HTTP",
      "FOO@ / HTTP/1.1\r\nHost: x\r\n\r\n",
      "HTTP/1.1 400 Bad Request",
      { status: "BAD-REQUEST", message: "request: not a valid HTTP request" },
    ],
  ])("%s: the API's format, short, no echo", async (_name, request, status, body) => {
    const answer = await raw(request);
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body)).toEqual(body);
    expect(answer.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    expect(answer.size).toBeLessThan(1024);
    expect(answer.body).not.toMatch(/aaaa|%zz|cccc|fastify|FST_/i);
  });

  it("an HTTP/1.0 request needs no Host", async () => {
    const answer = await raw("GET /healthz HTTP/1.0\r\n\r\n");
    expect([answer.status, JSON.parse(answer.body)]).toEqual([
      "HTTP/1.1 200 OK",
      { status: "OK", message: "alive" },
    ]);
  });

  it("headers still incomplete after 30 s: 408 in the API's format, not before", async () => {
    const started = Date.now();
    const url = new URL(server.base);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(url.port), url.hostname);
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk;
      });
      socket.on("error", () => {});
      socket.on("close", () => resolve(text));
      // The request line and one header, then nothing: a client that stalled.
      socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS);
    expect(answer.split("\r\n", 1)[0]).toBe("HTTP/1.1 408 Request Timeout");
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toEqual({
      status: "REQUEST-TIMEOUT",
      message: "request: not received in time",
    });
  });

  it("an unknown but valid method gets the API's 404", async () => {
    const answer = await raw("PROPFIND /api/comment/list/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect([answer.status, JSON.parse(answer.body)]).toEqual([
      "HTTP/1.1 404 Not Found",
      { status: "NOT-FOUND", message: "no route for PROPFIND at this URL" },
    ]);
  });
});
