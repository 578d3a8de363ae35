import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * Passes a streamed body through. When it fails after the headers went out (the database went away
 * between two batches), the response is aborted without its last chunk, so the client cannot take a
 * cut list for a whole one; this also logs why and ends the request as a 503 for the request log
 * and `http_request_duration_seconds`, which would otherwise never hear of it: fastify runs its
 * onResponse hooks on the response's 'finish' or 'error' event
 * (https://github.com/fastify/fastify/blob/main/lib/reply.js, `setupResponseListeners`), and an
 * aborted response emits neither.
 */
export async function* reportingCut<T>(
  body: AsyncIterable<T>,
  request: FastifyRequest,
  reply: FastifyReply,
): AsyncGenerator<T> {
  try {
    yield* body;
  } catch (error) {
    request.log.warn(
      { reason: error instanceof Error ? error.message : String(error) },
      "streamed list cut by a failure after its headers: response aborted",
    );
    // What the request is counted and logged as; the client already has 200 in its headers.
    reply.code(503);
    // Once fastify has aborted the response (the throw below), its onResponse hooks are run by the
    // event they listen to; emitted earlier, it would cut the connection before the headers left.
    reply.raw.once("close", () => {
      if (reply.raw.listenerCount("error") > 0) reply.raw.emit("error", error);
    });
    throw error;
  }
}
