import { DatabaseUnavailableError } from "./executor.js";

/**
 * A FIFO gate: at most `concurrency` tasks run, at most `maxQueued` wait; past that, callers get
 * `DatabaseUnavailableError` at once (503) instead of an unbounded queue that grows until memory
 * runs out. PGlite runs one query at a time, so this is what stands between it and a burst.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
  ) {}

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued) {
        throw new DatabaseUnavailableError(
          `embedded database busy: ${this.maxQueued} requests already waiting`,
        );
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter, so `running` never dips and lets a newcomer jump the queue.
      if (next === undefined) this.running -= 1;
      else next();
    }
  }
}
