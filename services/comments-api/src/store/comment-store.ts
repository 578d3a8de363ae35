import type { NewComment } from "../schemas/comment.js";
import type { SqlExecutor } from "./executor.js";

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

  /** Up to `limit` comments of `contentId` after `after`, oldest first. */
  async list(contentId: string, limit: number, after: bigint | undefined): Promise<CommentPage> {
    // One row more than asked tells whether another page follows, without a COUNT.
    // `ORDER BY comments.id`, not `id`: the bare name would sort by the text alias ("10" < "9").
    const rows = await this.db.query<{ id: string; email: string; comment: string }>(
      `SELECT id::text AS id, email, comment FROM comments
        WHERE content_id = $1 AND id > $2 ORDER BY comments.id LIMIT $3`,
      [contentId, (after ?? 0n).toString(), limit + 1],
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

  /** Throws unless the database answers. */
  async ping(): Promise<void> {
    await this.db.query("SELECT 1");
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
