/**
 * The little of a PostgreSQL driver the store needs, so one store and one set of migrations run on
 * both a real server (`pg`) and the embedded PGlite.
 */

export type Row = Record<string, unknown>;

/** Runs parameterized SQL: a pool, a client or PGlite. */
export interface Queryable {
  /** One statement with `$n` parameters. */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** What a subscription reports: each notification's payload, and whether delivery is live. */
export interface ChangeListener {
  notify(payload: string): void;
  /**
   * `true` once LISTEN is in place; `false` when the connection is lost (notifications sent
   * meanwhile are lost too), then `true` again after it is back.
   */
  state(live: boolean): void;
}

/** A database the store runs on: queries, transactions, notifications and closing. */
export interface SqlExecutor extends Queryable {
  /** Runs `work` in one transaction on one connection: committed if it resolves, rolled back if not. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** LISTENs on `channel` until the returned function is called. */
  subscribe(channel: string, listener: ChangeListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * The database could not serve a request: down, unreachable, timed out, or (embedded) too busy.
 * The API answers 503 for it; the cause stays in the logs.
 */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseUnavailableError";
  }
}

/** Wraps any driver failure: input is validated before it reaches SQL, so a failure is the database's. */
export async function unavailableOnError<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseUnavailableError(`${what} failed: ${reason}`, { cause: error });
  }
}
