import type { CommentStore } from "./comment-store.js";

/**
 * Between two sweeps of expired Idempotency-Keys: a key lives 24 hours, so it is gone within 25.
 * @default 3600000 (1 hour)
 */
export const IDEMPOTENCY_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** Where a sweep's outcome goes (the process's logger). */
export interface SweepLog {
  info(fields: { deleted: number }, message: string): void;
  warn(fields: { reason: string }, message: string): void;
}

/**
 * Sweeps expired Idempotency-Keys now (start-up) and every `intervalMs`, in the background: a sweep
 * that fails (the database is down) is logged and tried again at the next interval, never thrown,
 * and never runs twice at once. Returns the function that stops it.
 */
export function startIdempotencySweeper(
  store: Pick<CommentStore, "sweepIdempotencyKeys">,
  log: SweepLog,
  intervalMs: number = IDEMPOTENCY_SWEEP_INTERVAL_MS,
): () => void {
  let running = false;
  const sweep = () => {
    if (running) return;
    running = true;
    store
      .sweepIdempotencyKeys()
      .then(
        (deleted) => log.info({ deleted }, "expired idempotency keys swept"),
        (error: unknown) =>
          log.warn(
            { reason: error instanceof Error ? error.message : String(error) },
            "idempotency key sweep failed, retrying at the next interval",
          ),
      )
      .finally(() => {
        running = false;
      });
  };
  sweep();
  const timer = setInterval(sweep, intervalMs);
  // The sweep never keeps a process alive that has nothing else to do.
  timer.unref();
  return () => clearInterval(timer);
}
