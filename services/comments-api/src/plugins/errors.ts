import type { FastifyError, FastifyInstance } from "fastify";
import { BODY_LIMIT_BYTES } from "../schemas/comment.js";
import { DatabaseUnavailableError } from "../store/executor.js";

/** Every error body has the original API's shape: a status word and a sentence. */
export interface ErrorBody {
  status: string;
  message: string;
}

/** Status words, one per HTTP status the API answers with. */
export const STATUS_WORDS: Readonly<Record<number, string>> = {
  400: "BAD-REQUEST",
  404: "NOT-FOUND",
  405: "METHOD-NOT-ALLOWED",
  413: "PAYLOAD-TOO-LARGE",
  500: "ERROR",
  503: "UNAVAILABLE",
};

/** The API's error body: the status word for the code, and a message. */
export function errorBody(statusCode: number, message: string): ErrorBody {
  return { status: STATUS_WORDS[statusCode] ?? (statusCode >= 500 ? "ERROR" : "BAD-REQUEST"), message };
}

/** Maps fastify's body-parsing errors to what the client did wrong, in the API's words. */
function clientErrorFor(error: FastifyError): { statusCode: number; message: string } | undefined {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { statusCode: 413, message: `body: must be at most ${BODY_LIMIT_BYTES} bytes` };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { statusCode: 400, message: "body: must be JSON, sent with Content-Type: application/json" };
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { statusCode: 400, message: "body: is empty, expected a JSON object" };
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return { statusCode: 400, message: "body: is not valid JSON" };
    case "COMMENTS_INVALID_UTF8":
      return { statusCode: 400, message: "body: is not valid UTF-8" };
    default:
      break;
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return { statusCode: error.statusCode, message: `request: ${error.message}` };
  }
  return undefined;
}

/** JSON error bodies for every failure: no stack trace, no HTML, no 500 for bad input. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DatabaseUnavailableError) {
      request.log.warn({ reason: error.message }, "database unavailable");
      return reply
        .code(503)
        .header("retry-after", "1")
        .send(errorBody(503, "database unavailable, retry later"));
    }
    const clientError = clientErrorFor(error);
    if (clientError !== undefined) {
      return reply.code(clientError.statusCode).send(errorBody(clientError.statusCode, clientError.message));
    }
    request.log.error({ err: error }, "unhandled error");
    return reply.code(500).send(errorBody(500, `internal error, request id ${request.id}`));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?", 1)[0];
    return reply.code(404).send(errorBody(404, `no route ${request.method} ${path}`));
  });
}
