/**
 * Serialized answers of hot lists, per content, kept correct across instances by the database's
 * notifications (every change to a content's comments is announced with its content_id: by the
 * app, `ChangeAnnouncer`, or by migration 3's trigger for other writers).
 *
 * An answer is never older than `maxAgeMs` (counted from the start of the read that made it):
 * that bounds staleness when a notification is lost or never sent (a failed announcement, a write
 * with `session_replication_role = replica`, which fires no trigger). Besides, three rules keep a
 * cached answer from ever being staler than the notification path:
 * - nothing is served or stored while the subscription is not live, and going live (again) drops
 *   everything, since notifications sent while it was down are lost;
 * - an answer is stored only if no change to its content was announced between the read's start
 *   and its end (a per-content generation, counted only while reads are in flight);
 * - a change announced after an answer was stored removes it.
 */

/**
 * A list answer as sent: the JSON body as bytes (one Buffer every reader's socket sends, never a
 * copy per connection), how many comments it holds, and for a capped list, the URL of the rest.
 */
export interface CachedList {
  body: Buffer;
  count: number;
  /** A list cut at LIST_UNPAGED_MAX: where the rest starts (its `Link`). */
  rest?: string | undefined;
}

/** A read in progress: what the cache must see unchanged to store its answer. */
export interface ReadToken {
  readonly contentId: string;
  readonly generation: number;
  readonly epoch: number;
  /** When the read began (`now()`): the answer's age counts from here. */
  readonly startedAt: number;
}

/** How large the cache may grow. */
export interface ListCacheLimits {
  /** Contents kept. @default 10000 */
  maxEntries: number;
  /** Sum of the bodies' sizes, in bytes. @default 64 MiB */
  maxBytes: number;
  /** Longest an answer is served, from the start of its read (LIST_CACHE_MAX_AGE_MS). @default 2000 */
  maxAgeMs: number;
}

/** `ListCacheLimits` defaults. */
export const DEFAULT_LIST_CACHE_LIMITS: ListCacheLimits = {
  maxEntries: 10_000,
  maxBytes: 64 * 2 ** 20,
  maxAgeMs: 2_000,
};

/** Counts for tests and the benchmark. */
export interface ListCacheStats {
  hits: number;
  misses: number;
  stored: number;
  invalidations: number;
  resets: number;
  /** Answers dropped because they reached `maxAgeMs`. */
  expired: number;
  /** Times the subscription went down after being live (notifications lost). */
  listenerLosses: number;
}

/** Lists cached per content; least recently used first out. */
export class ListCache {
  private readonly entries = new Map<string, CachedList & { readAt: number }>();
  private readonly inFlight = new Map<string, { readers: number; generation: number }>();
  private bytes = 0;
  private epoch = 0;
  private live = false;
  readonly stats: ListCacheStats = {
    hits: 0,
    misses: 0,
    stored: 0,
    invalidations: 0,
    resets: 0,
    expired: 0,
    listenerLosses: 0,
  };
  private readonly limits: ListCacheLimits;

  constructor(
    limits: Partial<ListCacheLimits> = {},
    /** The clock, in ms (tests pass their own). @default performance.now */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.limits = { ...DEFAULT_LIST_CACHE_LIMITS, ...limits };
  }

  /** Contents held now. */
  get size(): number {
    return this.entries.size;
  }

  /** Sum of the held bodies' sizes, in bytes. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Whether changes are being delivered (only then is anything served or stored). */
  get isLive(): boolean {
    return this.live;
  }

  /** The cached answer for `contentId`, if live and present. */
  get(contentId: string): CachedList | undefined {
    if (!this.live) return undefined;
    const entry = this.entries.get(contentId);
    if (entry === undefined) {
      this.stats.misses += 1;
      return undefined;
    }
    if (this.now() - entry.readAt >= this.limits.maxAgeMs) {
      this.remove(contentId);
      this.stats.expired += 1;
      this.stats.misses += 1;
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.entries.delete(contentId);
    this.entries.set(contentId, entry);
    this.stats.hits += 1;
    return entry;
  }

  /** Call before reading `contentId` from the database; pass the token to `finish`, always. */
  begin(contentId: string): ReadToken {
    const flight = this.inFlight.get(contentId) ?? { readers: 0, generation: 0 };
    flight.readers += 1;
    this.inFlight.set(contentId, flight);
    return { contentId, generation: flight.generation, epoch: this.epoch, startedAt: this.now() };
  }

  /** Ends a read; stores `answer` only if nothing changed for its content since `begin`. */
  finish(token: ReadToken, answer: CachedList | undefined): void {
    const flight = this.inFlight.get(token.contentId);
    const unchanged =
      flight !== undefined && flight.generation === token.generation && token.epoch === this.epoch;
    if (flight !== undefined) {
      flight.readers -= 1;
      if (flight.readers === 0) this.inFlight.delete(token.contentId);
    }
    if (answer === undefined || !unchanged || !this.live) return;
    if (answer.body.length > this.limits.maxBytes) return;
    this.remove(token.contentId);
    this.entries.set(token.contentId, { ...answer, readAt: token.startedAt });
    this.bytes += answer.body.length;
    this.stats.stored += 1;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.bytes <= this.limits.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.body.length;
    }
  }

  /** A change to `contentId` was announced (or made here): its answer is stale. */
  invalidate(contentId: string): void {
    const flight = this.inFlight.get(contentId);
    if (flight !== undefined) flight.generation += 1;
    this.remove(contentId);
    this.stats.invalidations += 1;
  }

  /** Everything may be stale (a TRUNCATE, or notifications lost). */
  reset(): void {
    this.epoch += 1;
    this.entries.clear();
    this.bytes = 0;
    this.stats.resets += 1;
  }

  /** A notification's payload: a content_id, or '*' for every content. */
  notified(payload: string): void {
    if (payload === "*") this.reset();
    else this.invalidate(payload);
  }

  /** The subscription went live or down: either way, what was cached cannot be trusted. */
  setLive(live: boolean): void {
    if (this.live && !live) this.stats.listenerLosses += 1;
    this.reset();
    this.live = live;
  }

  private remove(contentId: string): void {
    const entry = this.entries.get(contentId);
    if (entry === undefined) return;
    this.entries.delete(contentId);
    this.bytes -= entry.body.length;
  }
}
