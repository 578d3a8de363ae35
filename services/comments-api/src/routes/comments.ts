import type { FastifyInstance } from "fastify";
import { errorBody } from "../plugins/errors.js";
import { describeProblems, parseContentId, parseListQuery, parseNewComment } from "../schemas/comment.js";
import type { CommentStore } from "../store/comment-store.js";

/** What the comment routes need: the store, and what to do when a comment is stored. */
export interface CommentRoutesOptions {
  store: CommentStore;
  /** Called once per comment acknowledged with 200. */
  onCreated: () => void;
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

/** The original API's two routes, same paths, same bodies. */
export async function commentRoutes(app: FastifyInstance, options: CommentRoutesOptions): Promise<void> {
  const { store, onCreated } = options;

  app.post(
    "/api/comment/new",
    { schema: { response: { 200: statusBody, 400: statusBody } } },
    async (request, reply) => {
      const parsed = parseNewComment(request.body);
      if (!parsed.ok) return reply.code(400).send(errorBody(400, describeProblems(parsed.problems)));
      await store.add(parsed.value);
      onCreated();
      return {
        status: "SUCCESS",
        message: `comment created and associated with content_id ${parsed.value.contentId}`,
      };
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

      const page = await store.list(contentId.value, query.value.limit, query.value.after);
      if (!page.contentExists) {
        return reply.code(404).send(errorBody(404, `content_id ${contentId.value} not found`));
      }
      // Lists hold email addresses: no shared cache keeps them.
      reply.header("cache-control", "no-store");
      if (page.next !== undefined) {
        // The body stays the original bare array; the next page is announced in a header (RFC 8288).
        const next = `/api/comment/list/${encodeURIComponent(contentId.value)}?limit=${query.value.limit}&after=${page.next}`;
        reply.header("link", `<${next}>; rel="next"`);
      }
      return page.comments;
    },
  );
}
