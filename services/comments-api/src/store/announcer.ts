/**
 * Tells every instance which contents changed, from the app instead of a per-insert trigger
 * (migration 5): changes are collected while one announcement is in flight and sent together in
 * the next, in a transaction of their own, so inserts never take the server-wide lock a NOTIFY
 * takes at commit. When idle, a change is sent at once (one round trip after the commit).
 */

/** What the announcer reports (metrics and logs). */
export interface AnnouncerHooks {
  /** An announcement of `count` contents failed: other instances stay stale up to the cache's max age. */
  failed(error: unknown, count: number): void;
}

/** `*` (every content), what an instance does on a TRUNCATE: sent instead of a set grown too big. */
export const EVERY_CONTENT = "*";

/** Batches changed content ids into announcements; `send` delivers one batch (one transaction). */
export class ChangeAnnouncer {
  private pending = new Set<string>();
  private flushing: Promise<void> | undefined;
  /** Counts for tests and metrics. */
  readonly stats = { announcements: 0, contents: 0, failures: 0 };

  constructor(
    private readonly send: (contentIds: readonly string[]) => Promise<void>,
    private readonly hooks: AnnouncerHooks,
    /** Pending contents beyond which one `*` is sent instead (a database slow to take them). @default 10000 */
    private readonly maxPending = 10_000,
  ) {}

  /** `contentId`'s comments changed (committed): announce it. */
  changed(contentId: string): void {
    if (!this.pending.has(EVERY_CONTENT)) {
      this.pending.add(contentId);
      if (this.pending.size > this.maxPending) this.pending = new Set([EVERY_CONTENT]);
    }
    this.flushing ??= this.flush();
  }

  /** Resolves once nothing is pending or in flight (closing waits for it). */
  async idle(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  private async flush(): Promise<void> {
    // Changes made in the same tick go in the same announcement.
    await Promise.resolve();
    while (this.pending.size > 0) {
      const batch = [...this.pending];
      this.pending = new Set();
      try {
        await this.send(batch);
        this.stats.announcements += 1;
        this.stats.contents += batch.length;
      } catch (error) {
        // Not retried: the database could not take it, and other instances' answers expire anyway.
        this.stats.failures += 1;
        this.hooks.failed(error, batch.length);
      }
    }
    this.flushing = undefined;
  }
}
