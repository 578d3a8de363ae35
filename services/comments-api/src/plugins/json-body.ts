import type { FastifyInstance } from "fastify";

/**
 * The JSON body parser: bodies are UTF-8 JSON, and a byte sequence that is not UTF-8 is the client's
 * error, never silently replaced by U+FFFD (what a plain decode does). "__proto__" and "constructor"
 * keys are dropped while parsing. Errors carry the codes errors.ts maps to 400s.
 */
export function registerJsonBody(app: FastifyInstance): void {
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body: Buffer, done) => {
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      done(
        Object.assign(new Error("body: is not valid UTF-8"), {
          statusCode: 400,
          code: "COMMENTS_INVALID_UTF8",
        }),
        undefined,
      );
      return;
    }
    if (text.trim() === "") {
      done(
        Object.assign(new Error("body: is empty, expected a JSON object"), {
          statusCode: 400,
          code: "FST_ERR_CTP_EMPTY_JSON_BODY",
        }),
        undefined,
      );
      return;
    }
    try {
      done(
        null,
        JSON.parse(text, (key, value) => (key === "__proto__" || key === "constructor" ? undefined : value)),
      );
    } catch {
      done(
        Object.assign(new Error("body: is not valid JSON"), {
          statusCode: 400,
          code: "FST_ERR_CTP_INVALID_JSON_BODY",
        }),
        undefined,
      );
    }
  });
}
