import type { FastifyInstance } from "fastify";
import { errorBody } from "../plugins/errors.js";
import type { CommentStore } from "../store/comment-store.js";

/** What the health routes need: the store to ping, and whether shutdown began. */
export interface HealthRoutesOptions {
  store: CommentStore;
  /** True once shutdown began: readiness fails so load balancers stop sending new work. */
  isDraining: () => boolean;
}

/** Liveness (the process answers) and readiness (the database answers too). */
export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  // Probes come from the load balancer's and ECS's few addresses: never rate limited.
  const probe = { config: { rateLimit: false as const } };
  app.get("/healthz", probe, async () => ({ status: "OK", message: "alive" }));

  app.get("/readyz", probe, async (request, reply) => {
    if (options.isDraining()) return reply.code(503).send(errorBody(503, "shutting down"));
    try {
      await options.store.ping();
    } catch (error) {
      request.log.warn({ reason: error instanceof Error ? error.message : String(error) }, "not ready");
      return reply.code(503).send(errorBody(503, "database unavailable"));
    }
    return { status: "READY", message: "database answers" };
  });
}
