import type { NewComment } from "../schemas/comment.js";
import type { ChangeListener, SqlExecutor } from "./executor.js";
import { CHANGES_CHANNEL } from "./migrations.js";

/** A comment as the API returns it. */
export interface StoredComment {
  email: string;
  comment: string;
}

/** One page of a content's comments, and the cursor of the next one. */
export interface CommentPage {
  comments: StoredComment[];
  /** Cursor for the next page, `undefined` on the last page. */
  next: bigint | undefined;
  /** Whether the content has any comment at all (an empty later page still belongs to known content). */
  contentExists: boolean;
}

/** What a request with an Idempotency-Key found. */
export type IdempotentOutcome =
  | { kind: "stored" }
  | { kind: "replay"; status: number; body: string }
  | { kind: "mismatch" }
  | { kind: "in-flight" };

/** How long an Idempotency-Key is remembered (a PostgreSQL interval). */
export const IDEMPOTENCY_TTL = "24 hours";
/** How long a claim without a response counts as in flight before another instance takes it over. */
export const IDEMPOTENCY_CLAIM_TTL = "60 seconds";

/** One batch of the sweep: `$1` expired keys, oldest first. */
export const SWEEP_IDEMPOTENCY_KEYS_SQL = `DELETE FROM idempotency_keys WHERE key IN (
    SELECT key FROM idempotency_keys WHERE created_at < now() - interval '${IDEMPOTENCY_TTL}'
     ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING key`;

/** The largest bigint: the open upper bound of a list. */
const MAX_ID = 9_223_372_036_854_775_807n;

/** Comments in PostgreSQL; every method throws `DatabaseUnavailableError` when the database cannot serve. */
export class CommentStore {
  constructor(private readonly db: SqlExecutor) {}

  /** Resolves once the comment is committed: a 200 means it is durable. */
  async add(comment: NewComment): Promise<void> {
    await this.db.query("INSERT INTO comments (content_id, email, comment) VALUES ($1, $2, $3)", [
      comment.contentId,
      comment.email,
      comment.comment,
    ]);
  }

  /**
   * Stores the comment once per key, from any instance: the key is claimed in its own statement
   * (so another instance sees it in flight), then the comment and the response are committed
   * together, so a client that lost the answer (a 503 after the commit) replays it instead of
   * storing twice. A key older than 24 hours is forgotten; a claim left without a response for a
   * minute (its instance died) is taken over.
   */
  async addOnce(
    comment: NewComment,
    key: string,
    requestHash: string,
    response: { status: number; body: string },
    /** Stored hashes that also count as this request (the previous release's). @default none */
    alsoMatches: readonly string[] = [],
  ): Promise<IdempotentOutcome> {
    await this.db.query(
      `DELETE FROM idempotency_keys WHERE key = $1
        AND (created_at < now() - interval '${IDEMPOTENCY_TTL}'
             OR (response_status IS NULL AND created_at < now() - interval '${IDEMPOTENCY_CLAIM_TTL}'))`,
      [key],
    );
    const claimed = await this.db.query(
      "INSERT INTO idempotency_keys (key, request_hash) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key",
      [key, requestHash],
    );
    if (claimed.length === 0) {
      const [row] = await this.db.query<{
        request_hash: string;
        response_status: number | null;
        response_body: string | null;
      }>("SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE key = $1", [key]);
      if (row === undefined) return this.addOnce(comment, key, requestHash, response, alsoMatches);
      // In flight first: until the first request ends there is nothing to compare with or replay.
      if (row.response_status === null || row.response_body === null) return { kind: "in-flight" };
      if (row.request_hash !== requestHash && !alsoMatches.includes(row.request_hash)) {
        return { kind: "mismatch" };
      }
      return { kind: "replay", status: Number(row.response_status), body: row.response_body };
    }
    try {
      await this.db.transaction(async (tx) => {
        await tx.query("INSERT INTO comments (content_id, email, comment) VALUES ($1, $2, $3)", [
          comment.contentId,
          comment.email,
          comment.comment,
        ]);
        await tx.query(
          "UPDATE idempotency_keys SET response_status = $2, response_body = $3 WHERE key = $1",
          [key, response.status, response.body],
        );
      });
    } catch (error) {
      // Not stored: free the key for the client's retry (best effort; a minute frees it anyway).
      await this.db
        .query("DELETE FROM idempotency_keys WHERE key = $1 AND response_status IS NULL", [key])
        .catch(() => {});
      throw error;
    }
    return { kind: "stored" };
  }

  /**
   * Up to `limit` comments of `contentId` after `after` (and up to `until`, inclusive, when given),
   * oldest first. Keyset paging: each call is one short indexed query, so a list streamed in batches
   * never holds a connection (or a snapshot) while a slow client reads.
   */
  async list(
    contentId: string,
    limit: number,
    after: bigint | undefined,
    until?: bigint,
  ): Promise<CommentPage> {
    // One row more than asked tells whether another page follows, without a COUNT.
    // `ORDER BY comments.id`, not `id`: the bare name would sort by the text alias ("10" < "9").
    const rows = await this.db.query<{ id: string; email: string; comment: string }>(
      `SELECT id::text AS id, email, comment FROM comments
        WHERE content_id = $1 AND id > $2 AND id <= $3 ORDER BY comments.id LIMIT $4`,
      [contentId, (after ?? 0n).toString(), (until ?? MAX_ID).toString(), limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const next = rows.length > limit && last !== undefined ? BigInt(last.id) : undefined;
    let contentExists = rows.length > 0;
    if (!contentExists && after !== undefined) {
      const any = await this.db.query("SELECT 1 FROM comments WHERE content_id = $1 LIMIT 1", [contentId]);
      contentExists = any.length > 0;
    }
    return {
      comments: page.map((row) => ({ email: row.email, comment: row.comment })),
      next,
      contentExists,
    };
  }

  /**
   * Like `list`, but the batch arrives as the JSON text of its comments, joined with commas and
   * built by PostgreSQL: a streamed list of 100,000 comments then makes a hundred strings in this
   * process instead of a million objects, so its memory does not grow with the list.
   * `to_json(text)` escapes as `JSON.stringify` does (quote, backslash, control characters as
   * `\b \f \n \r \t` or lower-case `\u00XX`), so a streamed list reads byte for byte like a short one.
   */
  async listJson(
    contentId: string,
    limit: number,
    after: bigint,
    until: bigint | undefined,
  ): Promise<{ count: number; last: bigint | undefined; json: string }> {
    const [row] = await this.db.query<{ count: number; last: string | null; json: string | null }>(
      `SELECT count(*)::int AS count, max(id)::text AS last,
              string_agg('{"email":' || to_json(email)::text || ',"comment":' || to_json(comment)::text || '}',
                         ',' ORDER BY id) AS json
         FROM (SELECT id, email, comment FROM comments
                WHERE content_id = $1 AND id > $2 AND id <= $3 ORDER BY comments.id LIMIT $4) AS batch`,
      [contentId, after.toString(), (until ?? MAX_ID).toString(), limit],
    );
    return {
      count: Number(row?.count ?? 0),
      last: row?.last == null ? undefined : BigInt(row.last),
      json: row?.json ?? "",
    };
  }

  /**
   * The id of `contentId`'s `n`-th comment when it has more than `n`, else `undefined`: where a
   * capped list stops, decided before the first byte is sent so the answer can say it is cut.
   */
  async cutAfter(contentId: string, n: number): Promise<bigint | undefined> {
    const rows = await this.db.query<{ id: string }>(
      `SELECT id::text AS id FROM comments WHERE content_id = $1 ORDER BY comments.id OFFSET $2 LIMIT 2`,
      [contentId, n - 1],
    );
    const [nth] = rows;
    return rows.length === 2 && nth !== undefined ? BigInt(nth.id) : undefined;
  }

  /**
   * Deletes Idempotency-Keys older than IDEMPOTENCY_TTL, oldest first, `batch` rows per statement so
   * no statement holds many row locks; returns how many. The range on created_at is served by the
   * `idempotency_keys_created_at` index (migration 2); SKIP LOCKED lets two instances sweep at once.
   */
  async sweepIdempotencyKeys(batch = 5_000): Promise<number> {
    let deleted = 0;
    for (;;) {
      const rows = await this.db.query(SWEEP_IDEMPOTENCY_KEYS_SQL, [batch]);
      deleted += rows.length;
      if (rows.length < batch) return deleted;
    }
  }

  /**
   * Announces changes to `contentIds` on the changes channel, in one transaction: every instance
   * (this release's and the previous one's) drops what it cached for them. PostgreSQL sends one
   * notification per distinct payload of a transaction
   * (https://www.postgresql.org/docs/current/sql-notify.html).
   */
  async announce(contentIds: readonly string[]): Promise<void> {
    await this.db.query("SELECT pg_notify($1, content_id) FROM unnest($2::text[]) AS content_id", [
      CHANGES_CHANNEL,
      contentIds,
    ]);
  }

  /** Listens to the changes announced (a content_id, or '*'), by the app or migration 3's triggers. */
  subscribe(listener: ChangeListener): Promise<() => Promise<void>> {
    return this.db.subscribe(CHANGES_CHANNEL, listener);
  }

  /** Throws unless the database answers. */
  async ping(): Promise<void> {
    await this.db.query("SELECT 1");
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
