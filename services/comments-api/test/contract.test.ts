import type { FastifyInstance } from "fastify";
import Fastify from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { healthRoutes } from "../src/routes/health.js";
import { BODY_LIMIT_BYTES, LONGEST_VALID_BODY_BYTES, MAX_COMMENT_LENGTH } from "../src/schemas/comment.js";
import { CommentStore } from "../src/store/comment-store.js";
import type { SqlExecutor } from "../src/store/executor.js";
import { buildTestApp, captureLogs, embeddedDatabase, truncate, unclosable } from "./helper.js";

let db: SqlExecutor;
let app: FastifyInstance;

beforeAll(async () => {
  db = await embeddedDatabase();
  app = await buildTestApp(db);
});
afterAll(async () => {
  await app.close();
  await db.close();
});
beforeEach(() => truncate(db));

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: "POST",
    url: "/api/comment/new",
    headers: { "content-type": "application/json", ...headers },
    payload: typeof payload === "string" ? payload : JSON.stringify(payload),
  });

describe("POST /api/comment/new", () => {
  it("answers the original success body and stores the comment", async () => {
    const response = await post({ email: "ana@example.com", comment: "first!", content_id: 42 });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(response.json()).toEqual({
      status: "SUCCESS",
      message: "comment created and associated with content_id 42",
    });
  });

  it('treats content_id 7 and "7" as the same content', async () => {
    await post({ email: "a@example.com", comment: "as integer", content_id: 7 });
    const second = await post({ email: "b@example.com", comment: "as string", content_id: "7" });
    expect(second.json()).toEqual({
      status: "SUCCESS",
      message: "comment created and associated with content_id 7",
    });
    const list = await app.inject({ method: "GET", url: "/api/comment/list/7" });
    expect(list.json()).toEqual([
      { email: "a@example.com", comment: "as integer" },
      { email: "b@example.com", comment: "as string" },
    ]);
  });

  it("ignores fields the contract does not know", async () => {
    const response = await post({ email: "a@example.com", comment: "x", content_id: "abc", extra: true });
    expect(response.statusCode).toBe(200);
  });

  const longComment = "x".repeat(MAX_COMMENT_LENGTH + 1);
  it.each([
    ["a missing email", { comment: "c", content_id: 1 }, "email: is required"],
    ["a missing comment", { email: "a@example.com", content_id: 1 }, "comment: is required"],
    ["a missing content_id", { email: "a@example.com", comment: "c" }, "content_id: is required"],
    ["a numeric email", { email: 5, comment: "c", content_id: 1 }, "email: must be a string, got a number"],
    [
      "an implausible email",
      { email: "not-an-email", comment: "c", content_id: 1 },
      "email: must be an email address like name@example.com",
    ],
    [
      "an email with a space",
      { email: "a b@example.com", comment: "c", content_id: 1 },
      "email: must be an email address like name@example.com",
    ],
    [
      "an overlong email",
      { email: `${"a".repeat(250)}@example.com`, comment: "c", content_id: 1 },
      "email: must be at most 254 characters",
    ],
    [
      "a null comment",
      { email: "a@example.com", comment: null, content_id: 1 },
      "comment: must be a string, got null",
    ],
    [
      "a blank comment",
      { email: "a@example.com", comment: "   ", content_id: 1 },
      "comment: must not be empty",
    ],
    [
      "an overlong comment",
      { email: "a@example.com", comment: longComment, content_id: 1 },
      `comment: must be at most ${MAX_COMMENT_LENGTH} characters, got ${MAX_COMMENT_LENGTH + 1}`,
    ],
    [
      "a fractional content_id",
      { email: "a@example.com", comment: "c", content_id: 1.5 },
      "content_id: must be a non-negative integer or a string of 1 to 128 letters, digits, '_', '.', ':' or '-'",
    ],
    [
      "a negative content_id",
      { email: "a@example.com", comment: "c", content_id: -1 },
      "content_id: must be a non-negative integer or a string of 1 to 128 letters, digits, '_', '.', ':' or '-'",
    ],
    [
      "an empty content_id",
      { email: "a@example.com", comment: "c", content_id: "" },
      "content_id: must be a non-negative integer or a string of 1 to 128 letters, digits, '_', '.', ':' or '-'",
    ],
    [
      "a content_id with a slash",
      { email: "a@example.com", comment: "c", content_id: "a/b" },
      "content_id: must be a non-negative integer or a string of 1 to 128 letters, digits, '_', '.', ':' or '-'",
    ],
    [
      "the content_id . (a URL dot-segment)",
      { email: "a@example.com", comment: "c", content_id: "." },
      'content_id: must not be ".": clients remove it from /api/comment/list/. before sending, so its comments could never be read',
    ],
    [
      "the content_id .. (a URL dot-segment)",
      { email: "a@example.com", comment: "c", content_id: ".." },
      'content_id: must not be "..": clients remove it from /api/comment/list/.. before sending, so its comments could never be read',
    ],
    [
      "an object content_id",
      { email: "a@example.com", comment: "c", content_id: { id: 1 } },
      "content_id: must be a non-negative integer or a string of 1 to 128 letters, digits, '_', '.', ':' or '-'",
    ],
    [
      "every field wrong",
      { email: [], comment: 1, content_id: true },
      "email: must be a string, got an array; comment: must be a string, got a number; content_id: must be a non-negative integer or a string of 1 to 128 letters, digits, '_', '.', ':' or '-'",
    ],
    [
      "a JSON array body",
      [1, 2],
      "body: must be a JSON object with email, comment and content_id, got an array",
    ],
    [
      "a JSON string body",
      '"hello"',
      "body: must be a JSON object with email, comment and content_id, got a string",
    ],
    ["a JSON null body", "null", "body: must be a JSON object with email, comment and content_id, got null"],
    ["malformed JSON", '{"email": "a@example.com",', "body: is not valid JSON"],
    ["an empty JSON body", "", "body: is empty, expected a JSON object"],
    [
      "only a __proto__ key",
      '{"__proto__": {"email": "a@example.com"}}',
      "email: is required; comment: is required; content_id: is required",
    ],
  ])("rejects %s with 400 naming the problem", async (_name, payload, message) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ status: "BAD-REQUEST", message });
  });

  it("rejects a form-encoded body with 400", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/api/comment/new",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "email=a%40example.com&comment=c&content_id=1",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      status: "BAD-REQUEST",
      message: "body: must be JSON, sent with Content-Type: application/json",
    });
  });

  it("rejects a body without a content type with 400", async () => {
    const response = await app.inject({ method: "POST", url: "/api/comment/new" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      status: "BAD-REQUEST",
      message: "body: must be a JSON object with email, comment and content_id, got a undefined",
    });
  });

  it(`rejects a body over ${BODY_LIMIT_BYTES} bytes with 413`, async () => {
    const response = await post({
      email: "a@example.com",
      comment: "x".repeat(BODY_LIMIT_BYTES),
      content_id: 1,
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      status: "PAYLOAD-TOO-LARGE",
      message: `body: must be at most ${BODY_LIMIT_BYTES} bytes`,
    });
  });

  it("stores nothing when it rejects", async () => {
    await post({ email: "bad", comment: "c", content_id: 9 });
    const list = await app.inject({ method: "GET", url: "/api/comment/list/9" });
    expect(list.statusCode).toBe(404);
  });
});

describe("GET /api/comment/list/:content_id", () => {
  it("answers 404 in the original shape for unknown content", async () => {
    const response = await app.inject({ method: "GET", url: "/api/comment/list/404404" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ status: "NOT-FOUND", message: "content_id 404404 not found" });
  });

  it("lists only that content's comments, oldest first, as email and comment only", async () => {
    for (const [contentId, comment] of [
      [1, "one"],
      [2, "other content"],
      [1, "two"],
      [1, "three"],
    ] as const) {
      await post({ email: "a@example.com", comment, content_id: contentId });
    }
    const response = await app.inject({ method: "GET", url: "/api/comment/list/1" });
    expect(response.statusCode).toBe(200);
    expect(response.headers.link).toBeUndefined();
    expect(response.body).toBe(
      '[{"email":"a@example.com","comment":"one"},{"email":"a@example.com","comment":"two"},{"email":"a@example.com","comment":"three"}]',
    );
  });

  it("pages with ?limit and a Link header, keeping the bare array body", async () => {
    for (const comment of ["c1", "c2", "c3"])
      await post({ email: "a@example.com", comment, content_id: "doc" });
    const first = await app.inject({ method: "GET", url: "/api/comment/list/doc?limit=2" });
    expect(first.json()).toEqual([
      { email: "a@example.com", comment: "c1" },
      { email: "a@example.com", comment: "c2" },
    ]);
    expect(first.headers.link).toBe('</api/comment/list/doc?limit=2&after=4>; rel="next"');
    const second = await app.inject({ method: "GET", url: "/api/comment/list/doc?limit=2&after=4" });
    expect(second.json()).toEqual([{ email: "a@example.com", comment: "c3" }]);
    expect(second.headers.link).toBeUndefined();
    const beyond = await app.inject({ method: "GET", url: "/api/comment/list/doc?after=99" });
    expect(beyond.statusCode).toBe(200);
    expect(beyond.json()).toEqual([]);
  });

  it.each([
    [
      "/api/comment/list/a%20b",
      "content_id: must be a non-negative integer or a string of 1 to 128 letters, digits, '_', '.', ':' or '-'",
    ],
    [
      `/api/comment/list/${"a".repeat(129)}`,
      "content_id: must be a non-negative integer or a string of 1 to 128 letters, digits, '_', '.', ':' or '-'",
    ],
    ["/api/comment/list/1?limit=0", "limit: must be an integer from 1 to 1000"],
    ["/api/comment/list/1?limit=1001", "limit: must be an integer from 1 to 1000"],
    ["/api/comment/list/1?after=x", "after: must be the cursor from a previous page's Link header"],
  ])("rejects %s with 400", async (url, message) => {
    const response = await app.inject({ method: "GET", url });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ status: "BAD-REQUEST", message });
  });
});

describe("boundaries a one-line change must not move", () => {
  it("accepts a comment of exactly the documented maximum and refuses one character more", async () => {
    const exact = await post({
      email: "a@example.com",
      comment: "x".repeat(MAX_COMMENT_LENGTH),
      content_id: 1,
    });
    expect([MAX_COMMENT_LENGTH, exact.statusCode]).toEqual([4000, 200]);
    const over = await post({
      email: "a@example.com",
      comment: "x".repeat(MAX_COMMENT_LENGTH + 1),
      content_id: 1,
    });
    expect([over.statusCode, over.json()]).toEqual([
      400,
      { status: "BAD-REQUEST", message: "comment: must be at most 4000 characters, got 4001" },
    ]);
  });

  it("refuses an address without a dot in its domain, like a@localhost", async () => {
    const response = await post({ email: "a@localhost", comment: "c", content_id: 1 });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^email: /);
  });

  it("answers 404 for an unknown content, whatever page is asked for", async () => {
    const response = await app.inject({ method: "GET", url: "/api/comment/list/nothing-here?after=5" });
    expect([response.statusCode, response.json()]).toEqual([
      404,
      { status: "NOT-FOUND", message: "content_id nothing-here not found" },
    ]);
  });

  // Fastify refuses inject() once close() began, so readiness is checked on the routes themselves,
  // with the draining flag the app's preClose hook raises.
  it("fails /readyz once shutdown began, while /healthz still answers", async () => {
    const draining = Fastify();
    await draining.register(healthRoutes, {
      store: new CommentStore(unclosable(db)),
      isDraining: () => true,
    });
    const ready = await draining.inject({ method: "GET", url: "/readyz" });
    expect([ready.statusCode, ready.json()]).toEqual([
      503,
      { status: "UNAVAILABLE", message: "shutting down" },
    ]);
    expect((await draining.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    await draining.close();
  });
});

describe("everything else", () => {
  it("answers unknown routes with a JSON 404", async () => {
    const response = await app.inject({ method: "GET", url: "/api/comment/delete/1?x=y" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ status: "NOT-FOUND", message: "no route for GET at this URL" });
  });

  it("answers liveness and readiness", async () => {
    const health = await app.inject({ method: "GET", url: "/healthz" });
    expect([health.statusCode, health.json()]).toEqual([200, { status: "OK", message: "alive" }]);
    const ready = await app.inject({ method: "GET", url: "/readyz" });
    expect([ready.statusCode, ready.json()]).toEqual([200, { status: "READY", message: "database answers" }]);
  });

  it("echoes a sane x-request-id and replaces an insane one", async () => {
    const kept = await app.inject({ method: "GET", url: "/healthz", headers: { "x-request-id": "abc-123" } });
    expect(kept.headers["x-request-id"]).toBe("abc-123");
    const replaced = await app.inject({
      method: "GET",
      url: "/healthz",
      headers: { "x-request-id": "a b\nc" },
    });
    expect(replaced.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("logs", () => {
  it("are JSON with the request id and never contain an email", async () => {
    const logs = captureLogs();
    const logged = await buildTestApp(db, { logger: logs.logger, metrics: false });
    const email = "private.person@example.com";
    await logged.inject({
      method: "POST",
      url: "/api/comment/new",
      headers: { "content-type": "application/json", "x-request-id": "req-1" },
      payload: JSON.stringify({ email, comment: "hello", content_id: 5 }),
    });
    await logged.inject({
      method: "POST",
      url: "/api/comment/new",
      headers: { "content-type": "application/json" },
      payload: `{"email":"${email}",`,
    });
    await logged.inject({ method: "GET", url: `/api/comment/list/5?email=${email}` });
    await logged.close();
    expect(logs.raw()).not.toContain("private.person");
    const completed = logs.lines().filter((line) => line.msg === "request completed");
    expect(completed.map((line) => [line.reqId, line.req, line.res])).toEqual([
      ["req-1", { method: "POST", path: "/api/comment/new", requestId: "req-1" }, { statusCode: 200 }],
      [
        expect.any(String),
        { method: "POST", path: "/api/comment/new", requestId: expect.any(String) },
        { statusCode: 400 },
      ],
      [
        expect.any(String),
        { method: "GET", path: "/api/comment/list/5", requestId: expect.any(String) },
        { statusCode: 200 },
      ],
    ]);
  });
});

describe("bad bytes are the client's error, never a database outage", () => {
  const listOf = async (contentId: number) =>
    (await app.inject({ method: "GET", url: `/api/comment/list/${contentId}` })).statusCode;

  it.each([
    [
      "a NUL in the comment",
      { email: "a@example.com", comment: "hi\u0000there", content_id: 5 },
      "comment: must not contain the NUL character (\\u0000)",
    ],
    [
      "a NUL in the email",
      { email: "a\u0000@example.com", comment: "hi", content_id: 5 },
      "email: must not contain the NUL character (\\u0000)",
    ],
    [
      "a lone surrogate in the comment",
      { email: "a@example.com", comment: "broken \ud800 text", content_id: 5 },
      "comment: must not contain an unpaired surrogate (like \\ud800 alone): it is not valid Unicode text",
    ],
    [
      "a lone low surrogate in the comment",
      { email: "a@example.com", comment: "broken \udc00 text", content_id: 5 },
      "comment: must not contain an unpaired surrogate (like \\ud800 alone): it is not valid Unicode text",
    ],
  ])("%s: 400 naming the field, nothing stored", async (_name, body, message) => {
    const response = await post(body);
    expect([response.statusCode, response.json()]).toEqual([400, { status: "BAD-REQUEST", message }]);
    expect(await listOf(5)).toBe(404);
  });

  it("invalid UTF-8 in the body: 400, never decoded to U+FFFD and stored", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"email":"a@example.com","comment":"caf'),
      Buffer.from([0xe9]), // Latin-1 é: not UTF-8
      Buffer.from('","content_id":6}'),
    ]);
    const response = await app.inject({
      method: "POST",
      url: "/api/comment/new",
      headers: { "content-type": "application/json" },
      payload: bytes,
    });
    expect([response.statusCode, response.json()]).toEqual([
      400,
      { status: "BAD-REQUEST", message: "body: is not valid UTF-8" },
    ]);
    expect(await listOf(6)).toBe(404);
  });

  it("a maximal comment with every character \\u-escaped fits the body limit and is stored as sent", async () => {
    expect(LONGEST_VALID_BODY_BYTES).toBeLessThanOrEqual(BODY_LIMIT_BYTES);
    const comment = "\u8a55".repeat(MAX_COMMENT_LENGTH);
    const escaped = `{"email":"a@example.com","comment":"${"\\u8a55".repeat(MAX_COMMENT_LENGTH)}","content_id":7}`;
    expect(Buffer.byteLength(escaped)).toBeGreaterThan(16 * 1024);
    const response = await post(escaped);
    expect(response.statusCode).toBe(200);
    const list = await app.inject({ method: "GET", url: "/api/comment/list/7" });
    expect(list.json()).toEqual([{ email: "a@example.com", comment }]);
  });
});

describe("headers", () => {
  it("sends X-Content-Type-Options: nosniff on every answer, and Cache-Control: no-store on lists", async () => {
    await post({ email: "a@example.com", comment: "x", content_id: 8 });
    const answers = await Promise.all([
      app.inject({ method: "GET", url: "/api/comment/list/8" }),
      post({ email: "nope" }),
      app.inject({ method: "GET", url: "/no/such/route" }),
      app.inject({ method: "GET", url: "/healthz" }),
    ]);
    expect(answers.map((a) => [a.statusCode, a.headers["x-content-type-options"]])).toEqual([
      [200, "nosniff"],
      [400, "nosniff"],
      [404, "nosniff"],
      [200, "nosniff"],
    ]);
    expect(answers[0]?.headers["cache-control"]).toBe("no-store");
  });
});
