import type { SqlExecutor } from "./executor.js";

/**
 * The schema, as an append-only list. Blue and green run side by side on one database and a
 * rollback puts the previous release back on the newer schema, so each migration must keep the
 * previous release working: add, never rename or drop in the same release (expand, then contract).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The first key of the per-content locks migration 4's trigger takes (the second is the content_id's
 * hash). Arbitrary, fixed: another use of advisory locks in this database must pick another.
 */
export const COMMENT_ORDER_LOCK_CLASS = 7_201_455;

/**
 * The setting a session of this release carries (`-c comments.changes_announced_by=app` at
 * connect): migration 5's trigger leaves announcing its changes to the app (`ChangeAnnouncer`).
 */
export const ANNOUNCED_BY_SETTING = "comments.changes_announced_by";

/** The schema's migrations, in order; each runs once, in a transaction. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "create comments",
    sql: `
      CREATE TABLE comments (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        content_id  text        NOT NULL,
        email       text        NOT NULL,
        comment     text        NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      -- Serves "comments of one content in creation order" from the index alone.
      CREATE INDEX comments_content_id_id ON comments (content_id, id);
    `,
  },
  {
    version: 2,
    name: "create idempotency keys",
    sql: `
      -- One row per Idempotency-Key: claimed (no response yet) while its request runs, then the
      -- response, committed with the comment it created. Kept 24 hours.
      CREATE TABLE idempotency_keys (
        key              text        PRIMARY KEY,
        request_hash     text        NOT NULL,
        response_status  integer,
        response_body    text,
        created_at       timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
    `,
  },
  {
    version: 3,
    name: "notify comment changes",
    sql: `
      -- Every change to a content's comments is announced on the comments_changed channel with
      -- the content_id, a TRUNCATE with '*': each instance drops what it cached for that content.
      -- PostgreSQL delivers a notification when its transaction commits, and once per payload per
      -- transaction (https://www.postgresql.org/docs/current/sql-notify.html).
      CREATE FUNCTION comments_notify_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('comments_changed', OLD.content_id); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('comments_changed', NEW.content_id); END IF;
        RETURN NULL;
      END $$;
      CREATE FUNCTION comments_notify_all() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('comments_changed', '*');
        RETURN NULL;
      END $$;
      CREATE TRIGGER comments_notify_row AFTER INSERT OR UPDATE OR DELETE ON comments
        FOR EACH ROW EXECUTE FUNCTION comments_notify_row();
      CREATE TRIGGER comments_notify_all AFTER TRUNCATE ON comments
        FOR EACH STATEMENT EXECUTE FUNCTION comments_notify_all();
    `,
  },
  {
    version: 4,
    name: "order comments by commit",
    sql: `
      -- An id from the identity column is taken at insert and becomes visible at commit: a writer
      -- that commits after a later id (a slow transaction) would appear behind a cursor that already
      -- passed it. This trigger makes ids of one content follow commit order: it takes a
      -- per-content lock held until the transaction ends, then takes the id. A later writer of the
      -- same content waits for the lock, so it gets a larger id and commits after; a reader that
      -- sees an id sees every smaller one of that content (PostgreSQL makes a commit visible before
      -- it releases the transaction's locks: CommitTransaction in src/backend/access/transam/xact.c,
      -- and https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS).
      -- Writers of different contents never wait for each other.
      -- Expand only: the previous release inserts the same way and its "ORDER BY id" paging becomes
      -- correct too. The identity default still runs first (GENERATED ALWAYS); its value is dropped.
      -- The two-key form keeps these locks apart from the migration lock (the one-key space).
      CREATE FUNCTION comments_order_by_commit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(${COMMENT_ORDER_LOCK_CLASS}, hashtext(NEW.content_id));
        NEW.id := nextval(pg_get_serial_sequence(format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME), 'id'));
        RETURN NEW;
      END $$;
      CREATE TRIGGER comments_order_by_commit BEFORE INSERT ON comments
        FOR EACH ROW EXECUTE FUNCTION comments_order_by_commit();
    `,
  },
  {
    version: 5,
    name: "announce comment changes from the app",
    sql: `
      -- A transaction that sent NOTIFY takes a heavyweight lock on "database 0", shared by every
      -- database of the server, and holds it until after its commit (PreCommit_Notify in
      -- src/backend/commands/async.c: "Serialize writers by acquiring a special lock that we hold
      -- till after commit"): a NOTIFY per insert serializes the server's commits.
      -- Sessions of this release set comments.changes_announced_by = 'app' when they connect and
      -- announce the contents they changed themselves, in batches, in transactions of their own;
      -- the trigger then stays silent for them. Every other session (the previous release, psql, a
      -- job) is announced by the trigger as before: expand only. Dropping the row trigger is the
      -- contract step, in a later release, once no release without the app announcer can run.
      CREATE OR REPLACE FUNCTION comments_notify_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('${ANNOUNCED_BY_SETTING}', true) = 'app' THEN RETURN NULL; END IF;
        IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('comments_changed', OLD.content_id); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('comments_changed', NEW.content_id); END IF;
        RETURN NULL;
      END $$;
    `,
  },
];

/** The channel migration 3's triggers notify: a content_id, or '*' for every content. */
export const CHANGES_CHANNEL = "comments_changed";

/** Arbitrary, fixed: every instance of this service takes the same advisory lock to migrate. */
export const MIGRATION_LOCK_KEY = 7_201_455_190_001n;

/**
 * Applies the migrations not yet applied, in one transaction under a transaction-scoped advisory
 * lock: when two tasks start at once, the second waits, then finds nothing left to do.
 * Returns the versions this call applied.
 */
export async function migrate(
  db: SqlExecutor,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY.toString()]);
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version     integer     PRIMARY KEY,
        name        text        NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`);
    const rows = await tx.query<{ version: number }>("SELECT version FROM schema_migrations");
    const applied = new Set(rows.map((row) => Number(row.version)));
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    return done;
  });
}
