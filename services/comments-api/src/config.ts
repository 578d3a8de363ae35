/**
 * The service's configuration, read from the environment once at start-up.
 *
 * `parseConfig` is pure: it takes the raw environment and returns either a typed config or every
 * problem at once (variable, value, what is allowed), so a bad deploy says everything wrong with it
 * in one log line instead of one per restart.
 */

/** The metrics listener's port when METRICS_PORT is unset (the OpenTelemetry Prometheus exporter's). */
export const DEFAULT_METRICS_PORT = 9464;

/** The listen address when HOST is unset: loopback only, for a laptop. */
export const DEFAULT_HOST = "127.0.0.1";

/** Log levels pino accepts. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
/** A pino log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** TLS modes for a real PostgreSQL server; RDS wants `verify-full` with its CA bundle. */
export const DATABASE_SSL_MODES = ["disable", "require", "verify-full"] as const;
/** How the service checks the database's TLS. */
export type DatabaseSslMode = (typeof DATABASE_SSL_MODES)[number];

/** Where comments live. */
export type DatabaseConfig =
  | {
      /** Embedded PostgreSQL (PGlite) in this process: for a laptop or a demo, never for production. */
      kind: "embedded";
      /** Directory that keeps the data across restarts; `undefined` keeps it in memory. */
      dataDir: string | undefined;
    }
  | {
      /** A real PostgreSQL server through a connection pool. */
      kind: "server";
      /** `DATABASE_URL`, or `undefined` when the libpq variables (`PGHOST`, `PGUSER`, ...) name the server. */
      connectionString: string | undefined;
      sslMode: DatabaseSslMode;
      /** PEM bundle to verify the server's certificate with (RDS: its global bundle). */
      sslCaFile: string | undefined;
      /** Most connections one process opens. */
      poolMax: number;
      /**
       * DATABASE_SECRET_ARN: the Secrets Manager secret (RDS's `{"username","password"}`) the login
       * is read from at start-up and again whenever the server refuses it, so a rotated password
       * reaches a running task. `undefined`: the login in DATABASE_URL or PGUSER/PGPASSWORD.
       */
      secretArn: string | undefined;
    };

/** The service's configuration, typed and checked. */
export interface Config {
  /** @default 3000 */
  port: number;
  /** Where `/metrics` is served, apart from the API. @default 9464 */
  metricsPort: number;
  /**
   * HOST: the API's and the metrics' listen address. @default "127.0.0.1" (a laptop's `pnpm start` and
   * `pnpm dev` are not reachable from the network); the image sets HOST=0.0.0.0 (Dockerfile), which
   * compose and `docker run -p` need, and the task definition sets it too (documents/containers.ts).
   */
  host: string;
  /** @default "info" */
  logLevel: LogLevel;
  database: DatabaseConfig;
  /**
   * How long SIGTERM may take before the process gives up on in-flight requests and exits 1.
   * @default 25000 (ECS sends SIGKILL 30 s after SIGTERM: leave time to log)
   */
  shutdownTimeoutMs: number;
  /**
   * After SIGTERM, idle keep-alive connections stay open this long: a request a client writes to
   * one just after the signal is answered (with `Connection: close`) instead of reset. @default 2000
   */
  shutdownIdleGraceMs: number;
  /**
   * After SIGTERM, connections still open this long (a client that sent half a body and stalled)
   * are closed, so shutdown ends with exit 0 before SHUTDOWN_TIMEOUT_MS. @default 20000
   */
  shutdownDrainMs: number;
  /**
   * Most comments a list without paging parameters returns (LIST_UNPAGED_MAX); a cut list says so
   * in the `Comments-Truncated` header and links the rest. `undefined` (unset or 0): every comment,
   * streamed, as the original API did. @default undefined
   */
  unpagedListCap: number | undefined;
  /**
   * Requests per minute one client may make (RATE_LIMIT_PER_MINUTE), counted per task; more get 429
   * with Retry-After. `undefined` (unset or 0): no limit, as on a laptop or in the benchmark; the
   * stacks set it. @default undefined
   */
  rateLimitPerMinute: number | undefined;
  /**
   * Proxies in front of the service whose X-Forwarded-For entries are trusted (TRUSTED_PROXY_HOPS):
   * the client is the address that many hops back. 0 (no proxy): the socket's peer. The stacks set 1,
   * the ALB. @default 0
   */
  trustedProxyHops: number;
  /**
   * Contents whose whole list (up to 1000 comments) is kept serialized, fresh through the
   * database's notifications (LIST_CACHE_ENTRIES); 0 turns the cache off. @default 10000
   */
  listCacheEntries: number;
  /**
   * Longest a cached list is served, from the start of the read that made it
   * (LIST_CACHE_MAX_AGE_MS): the bound on staleness when a change notification is lost or never
   * sent (a write that fires no trigger). @default 2000
   */
  listCacheMaxAgeMs: number;
}

/** Thrown by `loadConfig` with every problem found; `message` lists them one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    problems.push(`${name}=${JSON.stringify(raw)}: must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

function oneOf<T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  fallback: T,
  problems: string[],
): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  problems.push(`${name}=${JSON.stringify(raw)}: must be one of ${allowed.join(", ")}`);
  return fallback;
}

// A secret ARN (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources);
// `!` too: secrets RDS manages are named like rds!db-<id>. No AWS page I found states that format,
// so the pattern accepts it rather than relies on it.
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+$/;

/** The region in a Secrets Manager ARN (the client must call that region's endpoint). */
export function secretRegion(arn: string): string | undefined {
  return arn.split(":")[3];
}

function parseDatabase(env: Env, problems: string[]): DatabaseConfig {
  const url = env.DATABASE_URL === "" ? undefined : env.DATABASE_URL;
  const pgHost = env.PGHOST === "" ? undefined : env.PGHOST;
  if (url === undefined && pgHost === undefined) {
    if (env.DATABASE_SECRET_ARN !== undefined && env.DATABASE_SECRET_ARN !== "") {
      // A login without a server would silently run on the embedded database instead.
      problems.push(
        "DATABASE_SECRET_ARN is set, but neither DATABASE_URL nor PGHOST names the server it logs in to",
      );
    }
    const dataDir = env.EMBEDDED_DATA_DIR === "" ? undefined : env.EMBEDDED_DATA_DIR;
    return { kind: "embedded", dataDir };
  }
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || !["postgres:", "postgresql:"].includes(parsed.protocol)) {
      // The value may hold a password: name the variable, never echo it.
      problems.push(
        "DATABASE_URL=<redacted>: must be a URL like postgres://user:password@host:5432/database",
      );
    }
  }
  const sslMode = oneOf(env, "DATABASE_SSL", DATABASE_SSL_MODES, "disable", problems);
  const sslCaFile = env.DATABASE_SSL_CA_FILE === "" ? undefined : env.DATABASE_SSL_CA_FILE;
  if (sslMode === "verify-full" && sslCaFile === undefined) {
    problems.push(
      'DATABASE_SSL="verify-full": needs DATABASE_SSL_CA_FILE, the PEM bundle that signs the server certificate',
    );
  }
  const secretArn = env.DATABASE_SECRET_ARN === "" ? undefined : env.DATABASE_SECRET_ARN;
  if (secretArn !== undefined && !SECRET_ARN.test(secretArn)) {
    problems.push(
      `DATABASE_SECRET_ARN=${JSON.stringify(secretArn)}: must be a Secrets Manager secret ARN like arn:aws:secretsmanager:eu-west-1:123456789012:secret:name-AbCdEf`,
    );
  }
  return {
    kind: "server",
    connectionString: url,
    sslMode,
    sslCaFile,
    poolMax: integer(env, "DATABASE_POOL_MAX", 10, 1, 100, problems),
    secretArn,
  };
}

/** Parses the environment; returns every problem rather than stopping at the first. */
export function parseConfig(env: Env): { ok: true; config: Config } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const config: Config = {
    port: integer(env, "PORT", 3000, 0, 65535, problems),
    metricsPort: integer(env, "METRICS_PORT", DEFAULT_METRICS_PORT, 0, 65535, problems),
    host: env.HOST === undefined || env.HOST === "" ? DEFAULT_HOST : env.HOST,
    logLevel: oneOf(env, "LOG_LEVEL", LOG_LEVELS, "info", problems),
    database: parseDatabase(env, problems),
    shutdownTimeoutMs: integer(env, "SHUTDOWN_TIMEOUT_MS", 25_000, 1_000, 120_000, problems),
    shutdownIdleGraceMs: integer(env, "SHUTDOWN_IDLE_GRACE_MS", 2_000, 0, 120_000, problems),
    shutdownDrainMs: integer(env, "SHUTDOWN_DRAIN_MS", 20_000, 0, 120_000, problems),
    unpagedListCap: integer(env, "LIST_UNPAGED_MAX", 0, 0, 100_000_000, problems) || undefined,
    rateLimitPerMinute: integer(env, "RATE_LIMIT_PER_MINUTE", 0, 0, 1_000_000, problems) || undefined,
    trustedProxyHops: integer(env, "TRUSTED_PROXY_HOPS", 0, 0, 5, problems),
    listCacheEntries: integer(env, "LIST_CACHE_ENTRIES", 10_000, 0, 1_000_000, problems),
    listCacheMaxAgeMs: integer(env, "LIST_CACHE_MAX_AGE_MS", 2_000, 1, 3_600_000, problems),
  };
  if (config.shutdownDrainMs >= config.shutdownTimeoutMs) {
    problems.push(
      `SHUTDOWN_DRAIN_MS="${config.shutdownDrainMs}": must be less than SHUTDOWN_TIMEOUT_MS (${config.shutdownTimeoutMs}): connections still open are closed before the process gives up`,
    );
  }
  // 0 asks the system for a free port, which never collides.
  if (config.metricsPort !== 0 && config.metricsPort === config.port) {
    problems.push(
      `METRICS_PORT="${config.metricsPort}": must differ from PORT (${config.port}): metrics are never served on the API port`,
    );
  }
  return problems.length === 0 ? { ok: true, config } : { ok: false, problems };
}

/** `parseConfig`, throwing a `ConfigError` that lists every problem. */
export function loadConfig(env: Env): Config {
  const result = parseConfig(env);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.config;
}
