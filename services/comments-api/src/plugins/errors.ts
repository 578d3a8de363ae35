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
  408: "REQUEST-TIMEOUT",
  409: "CONFLICT",
  413: "PAYLOAD-TOO-LARGE",
  414: "URI-TOO-LONG",
  417: "EXPECTATION-FAILED",
  422: "UNPROCESSABLE",
  429: "TOO-MANY-REQUESTS",
  431: "HEADERS-TOO-LARGE",
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
    case "COMMENTS_RATE_LIMITED":
      return { statusCode: 429, message: error.message };
    default:
      break;
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return { statusCode: error.statusCode, message: `request: ${error.message}` };
  }
  return undefined;
}

/**
 * Errors fastify's router raises before any route runs (a URL that is not valid percent-encoding, a
 * path parameter over maxParamLength): the API's format, short, without echoing the URL or naming
 * the framework (fastify's own bodies do both).
 */
export function frameworkError(error: { code?: string }): { statusCode: number; body: ErrorBody } {
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH") {
    return { statusCode: 414, body: errorBody(414, "request: the URL is too long") };
  }
  if (error.code === "FST_ERR_BAD_URL") {
    return { statusCode: 400, body: errorBody(400, "request: the URL is not valid percent-encoding") };
  }
  return { statusCode: 400, body: errorBody(400, "request: not understood") };
}

/**
 * What Node's HTTP parser refuses before fastify sees a request (headers over the size limit, a
 * method or request line that is not HTTP, a client too slow): the API's format on the socket
 * (https://nodejs.org/api/http.html#event-clienterror).
 */
export function clientErrorResponse(code: string | undefined): string {
  const [status, reason, message] =
    code === "HPE_HEADER_OVERFLOW"
      ? [431, "Request Header Fields Too Large", "request: the headers are too large"]
      : code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "request: not received in time"]
        : [400, "Bad Request", "request: not a valid HTTP request"];
  const body = JSON.stringify(errorBody(status, message));
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`;
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
}

/**
 * The 404 of a URL no route matches: the method (one of the few Node's parser accepts) but never the
 * path, which the client chose and which can be as long as the headers allow.
 */
export function notFoundBody(method: string): ErrorBody {
  return errorBody(404, `no route for ${method} at this URL`);
}

/**
 * HTTP/1.1 requires a Host header, and a server must answer 400 to a request without one
 * (https://www.rfc-editor.org/rfc/rfc9112#section-3.2). Node does that itself with an empty body
 * unless `requireHostHeader` is off (https://nodejs.org/api/http.html#httpcreateserveroptions-requestlistener);
 * with it off, this says it in the API's format.
 */
export function missingHostError(request: {
  httpVersion: string;
  headers: { host?: string };
}): ErrorBody | undefined {
  return request.httpVersion === "1.1" && request.headers.host === undefined
    ? errorBody(400, "request: the Host header is required")
    : undefined;
}

/**
 * The answer to an `Expect` other than `100-continue`, which Node leaves to a 'checkExpectation'
 * listener (https://nodejs.org/api/http.html#event-checkexpectation) and otherwise answers 417 with
 * an empty body.
 */
export function expectationFailedResponse(): {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
} {
  const body = JSON.stringify(errorBody(417, "request: the only Expect this service meets is 100-continue"));
  return {
    statusCode: 417,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-length": String(Buffer.byteLength(body)),
      "x-content-type-options": "nosniff",
      connection: "close",
    },
    body,
  };
}
