import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
import { errorBody } from "../plugins/errors.js";
import {
  describeProblems,
  parseContentId,
  parseListQuery,
  parseNewComment,
  requestFingerprint,
} from "../schemas/comment.js";
import type { CommentPage, CommentStore, StoredComment } from "../store/comment-store.js";
import type { CachedList, ListCache } from "../store/list-cache.js";
import { reportingCut } from "./cut-stream.js";

/** What the comment routes need: the store, and what to do when a comment is stored. */
export interface CommentRoutesOptions {
  store: CommentStore;
  /** Called once per comment acknowledged with 200. */
  onCreated: () => void;
  /** Tells the other instances a content changed (committed). @default nothing is announced */
  announce?: ((contentId: string) => void) | undefined;
  /** Longest an unpaged list's answer may take to reach the socket. @default LIST_SEND_TIMEOUT_MS */
  sendTimeoutMs?: number | undefined;
  /** Most comments an unpaged list returns; `undefined`: every one (the original contract). */
  unpagedListCap?: number | undefined;
  /** Where whole lists of up to one batch are kept serialized. @default none */
  cache?: ListCache | undefined;
}

/** Comments per query when a whole list streams: one batch is all a request holds in memory. */
export const LIST_BATCH_SIZE = 1000;
/**
 * Longest a list answered in one piece (up to one batch, what the cache holds) may take to reach
 * the socket: a client that reads slowly, or not at all, cannot hold the answer's memory or its
 * connection longer. Streamed lists are not bounded: they hold a batch or two, and a long one may
 * rightly take minutes on a slow network. @default 60000
 */
export const LIST_SEND_TIMEOUT_MS = 60_000;

/** Closes the connection if the answer has not been handed to the socket within `ms`. */
function limitSendTime(reply: FastifyReply, ms: number): void {
  const response = reply.raw;
  const timer = setTimeout(() => {
    reply.log.warn({ sendTimeoutMs: ms }, "list answer not sent in time: connection closed");
    response.destroy();
  }, ms);
  timer.unref();
  const clear = () => clearTimeout(timer);
  response.once("finish", clear);
  response.once("close", clear);
}

/** The header a capped unpaged list carries, with the cap as its value. */
export const TRUNCATED_HEADER = "comments-truncated";

const serializeComment = (c: StoredComment) => JSON.stringify({ email: c.email, comment: c.comment });
const serializeList = (comments: readonly StoredComment[]) => `[${comments.map(serializeComment).join(",")}]`;

/**
 * The body of a whole list, a batch at a time: `Readable.from` pulls the next batch only when the
 * socket has taken the last one, so memory stays a batch or two per request whatever the list's
 * length. Later batches come as JSON text from PostgreSQL (`listJson`).
 */
async function* wholeList(
  first: CommentPage,
  nextBatch: (after: bigint) => Promise<{ count: number; last: bigint | undefined; json: string }>,
): AsyncGenerator<string> {
  yield `[${first.comments.map(serializeComment).join(",")}`;
  for (let after = first.next; after !== undefined; ) {
    const batch = await nextBatch(after);
    if (batch.count > 0) yield `,${batch.json}`;
    after = batch.count < LIST_BATCH_SIZE ? undefined : batch.last;
  }
  yield "]";
}

// Response schemas let fastify serialize with fast-json-stringify and guarantee nothing but these
// fields leaves the service.
const commentList = {
  type: "array",
  items: {
    type: "object",
    properties: { email: { type: "string" }, comment: { type: "string" } },
    required: ["email", "comment"],
  },
} as const;
const statusBody = {
  type: "object",
  properties: { status: { type: "string" }, message: { type: "string" } },
  required: ["status", "message"],
} as const;

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The original API's two routes, same paths, same bodies. */
export async function commentRoutes(app: FastifyInstance, options: CommentRoutesOptions): Promise<void> {
  const { store, onCreated, unpagedListCap, cache, announce } = options;
  const sendTimeoutMs = options.sendTimeoutMs ?? LIST_SEND_TIMEOUT_MS;
  // A comment stored here is visible in this instance's next answer, before its notification is back.
  const created = (contentId: string) => {
    cache?.invalidate(contentId);
    announce?.(contentId);
    onCreated();
  };

  app.post(
    "/api/comment/new",
    { schema: { response: { 200: statusBody, 400: statusBody, 409: statusBody, 422: statusBody } } },
    async (request, reply) => {
      const parsed = parseNewComment(request.body);
      if (!parsed.ok) return reply.code(400).send(errorBody(400, describeProblems(parsed.problems)));
      const success = {
        status: "SUCCESS",
        message: `comment created and associated with content_id ${parsed.value.contentId}`,
      };
      const header = request.headers["idempotency-key"];
      if (header === undefined) {
        await store.add(parsed.value);
        created(parsed.value.contentId);
        return success;
      }
      // draft-ietf-httpapi-idempotency-key-header: a Structured Field string, "…"; a bare token is taken too.
      const key = typeof header === "string" ? header.trim().replace(/^"(.*)"$/, "$1") : "";
      if (!IDEMPOTENCY_KEY.test(key)) {
        return reply
          .code(400)
          .send(errorBody(400, "Idempotency-Key: must be 1 to 255 visible ASCII characters, like a UUID"));
      }
      // The previous release stored a hash of the body's text: its keys (24 hours) still match.
      // Remove once no key it stored can be live (a release after this one).
      const previousReleaseHash = createHash("sha256").update(JSON.stringify(request.body)).digest("hex");
      const outcome = await store.addOnce(
        parsed.value,
        key,
        requestFingerprint(parsed.value),
        { status: 200, body: JSON.stringify(success) },
        [previousReleaseHash],
      );
      if (outcome.kind === "stored") {
        created(parsed.value.contentId);
        return success;
      }
      if (outcome.kind === "replay") {
        // Only successes are stored (a 400 never claims a key): the replay is the first 200.
        return reply.code(200).header("idempotent-replayed", "true").send(JSON.parse(outcome.body));
      }
      if (outcome.kind === "mismatch") {
        return reply
          .code(422)
          .send(
            errorBody(
              422,
              "Idempotency-Key: already used with a different body; send a new key for a new comment",
            ),
          );
      }
      return reply
        .code(409)
        .header("retry-after", "1")
        .send(
          errorBody(409, "Idempotency-Key: a request with this key is still being processed; retry shortly"),
        );
    },
  );

  app.get<{ Params: { content_id: string }; Querystring: Record<string, unknown> }>(
    "/api/comment/list/:content_id",
    { schema: { response: { 200: commentList, 400: statusBody, 404: statusBody } } },
    async (request, reply) => {
      const contentId = parseContentId(request.params.content_id);
      const query = parseListQuery(request.query);
      const problems = [...(contentId.ok ? [] : contentId.problems), ...(query.ok ? [] : query.problems)];
      if (!contentId.ok || !query.ok) return reply.code(400).send(errorBody(400, describeProblems(problems)));

      const id = contentId.value;
      const listUrl = (after: bigint, limit?: number) =>
        `/api/comment/list/${encodeURIComponent(id)}?${limit === undefined ? "" : `limit=${limit}&`}after=${after}`;
      if (!query.value.paged) {
        // A hot list: its serialized answer, sent as is (no query, no serialization).
        const hit = cache?.get(id);
        if (hit !== undefined && (unpagedListCap === undefined || hit.count <= unpagedListCap)) {
          reply.header("cache-control", "no-store");
          if (hit.rest !== undefined) {
            reply.header(TRUNCATED_HEADER, String(unpagedListCap));
            reply.header("link", `<${hit.rest}>; rel="next"`);
          }
          // The cached bytes themselves: every reader's socket holds the same Buffer.
          limitSendTime(reply, sendTimeoutMs);
          return reply.type("application/json; charset=utf-8").send(hit.body);
        }
        const token = cache?.begin(id);
        let answer: CachedList | undefined;
        try {
          // Where a capped list stops is known before the first byte, so the answer can say so.
          const until = unpagedListCap === undefined ? undefined : await store.cutAfter(id, unpagedListCap);
          // The first batch before any header: unknown content is still a 404, an outage still a 503.
          const first = await store.list(id, LIST_BATCH_SIZE, undefined, until);
          if (!first.contentExists) return reply.code(404).send(errorBody(404, `content_id ${id} not found`));
          reply.header("cache-control", "no-store");
          const rest = until === undefined ? undefined : listUrl(until);
          if (rest !== undefined) {
            reply.header(TRUNCATED_HEADER, String(unpagedListCap));
            reply.header("link", `<${rest}>; rel="next"`);
          }
          if (first.next === undefined) {
            limitSendTime(reply, sendTimeoutMs);
            const body = Buffer.from(serializeList(first.comments));
            answer = { body, count: first.comments.length, rest };
            return reply.type("application/json; charset=utf-8").send(body);
          }
          // Longer than a batch: streamed. A failure after the headers aborts the response (no final
          // chunk), so a client never takes a cut list for a whole one.
          return reply.type("application/json; charset=utf-8").send(
            // One batch buffered ahead, not the default 16: memory per request stays about two batches.
            Readable.from(
              reportingCut(
                wholeList(first, (after) => store.listJson(id, LIST_BATCH_SIZE, after, until)),
                request,
                reply,
              ),
              { highWaterMark: 1 },
            ),
          );
        } finally {
          if (token !== undefined) cache?.finish(token, answer);
        }
      }

      const page = await store.list(id, query.value.limit, query.value.after);
      if (!page.contentExists) {
        return reply.code(404).send(errorBody(404, `content_id ${id} not found`));
      }
      // Lists hold email addresses: no shared cache keeps them.
      reply.header("cache-control", "no-store");
      if (page.next !== undefined) {
        // The body stays the original bare array; the next page is announced in a header (RFC 8288).
        reply.header("link", `<${listUrl(page.next, query.value.limit)}>; rel="next"`);
      }
      return page.comments;
    },
  );
}
