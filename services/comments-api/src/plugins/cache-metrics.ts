import { Counter, Gauge, type Registry } from "prom-client";
import type { ChangeAnnouncer } from "../store/announcer.js";
import type { ListCache } from "../store/list-cache.js";

/**
 * The list cache's and the change announcer's counts as Prometheus series, read from their stats
 * at each scrape (no work on the request path). Counters only ever grow: a counter's value is its
 * stat, set at collection.
 */
export function registerCacheMetrics(registry: Registry, cache: ListCache, announcer: ChangeAnnouncer): void {
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  const { stats } = cache;
  counter("comments_list_cache_hits_total", "Unpaged lists answered from the cache.", () => stats.hits);
  counter(
    "comments_list_cache_misses_total",
    "Unpaged lists looked up in the live cache and read from the database (absent or expired).",
    () => stats.misses,
  );
  counter(
    "comments_list_cache_invalidations_total",
    "Contents dropped from the cache because a change was announced or made here.",
    () => stats.invalidations,
  );
  counter(
    "comments_list_cache_expired_total",
    "Cached answers dropped because they reached the cache's max age (LIST_CACHE_MAX_AGE_MS).",
    () => stats.expired,
  );
  counter(
    "comments_list_cache_resets_total",
    "Times the whole cache was dropped (a TRUNCATE, or the listening connection going down or up).",
    () => stats.resets,
  );
  counter(
    "comments_list_cache_listener_losses_total",
    "Times the connection listening for changes was lost: the cache is off until it is back.",
    () => stats.listenerLosses,
  );
  gauge(
    "comments_list_cache_listener_up",
    "1 while changes are being received (the cache serves), 0 while not.",
    () => (cache.isLive ? 1 : 0),
  );
  gauge("comments_list_cache_entries", "Contents whose answer is cached.", () => cache.size);
  counter(
    "comments_change_announcements_total",
    "Transactions that announced this instance's changes to every instance.",
    () => announcer.stats.announcements,
  );
  counter(
    "comments_change_announcement_failures_total",
    "Announcements that failed: other instances stay stale up to the cache's max age.",
    () => announcer.stats.failures,
  );
}
