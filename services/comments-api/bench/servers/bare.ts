/** The machine's limit: fastify answering the same JSON from memory, no database, no metrics, no logs. */
import Fastify from "fastify";

const comments = Array.from({ length: 10 }, (_, n) => ({
  email: `bench${n}@example.com`,
  comment: `comment ${n}`,
}));
const app = Fastify({ logger: false });
app.get("/api/comment/list/:content_id", async () => comments);
app.post("/api/comment/new", async (request) => ({
  status: "SUCCESS",
  message: `comment created and associated with content_id ${(request.body as { content_id: unknown }).content_id}`,
}));
const address = await app.listen({ port: 0, host: "127.0.0.1" });
process.stderr.write(`listening at ${address}\n`);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
