/** The database's limit: fastify + pg, the same queries as the store, no validation, metrics or logs. */
import Fastify from "fastify";
import pg from "pg";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = Fastify({ logger: false });
app.get<{ Params: { content_id: string } }>("/api/comment/list/:content_id", async (request) => {
  const result = await pool.query(
    "SELECT email, comment FROM comments WHERE content_id = $1 ORDER BY comments.id LIMIT 1001",
    [request.params.content_id],
  );
  return result.rows;
});
app.post("/api/comment/new", async (request) => {
  const body = request.body as { email: string; comment: string; content_id: string | number };
  await pool.query("INSERT INTO comments (content_id, email, comment) VALUES ($1, $2, $3)", [
    String(body.content_id),
    body.email,
    body.comment,
  ]);
  return { status: "SUCCESS", message: `comment created and associated with content_id ${body.content_id}` };
});
const address = await app.listen({ port: 0, host: "127.0.0.1" });
process.stderr.write(`listening at ${address}\n`);
process.on(
  "SIGTERM",
  () =>
    void app
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0)),
);
