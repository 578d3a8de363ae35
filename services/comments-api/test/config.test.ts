import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfig, secretRegion } from "../src/config.js";

describe("parseConfig", () => {
  it("defaults to port 3000 on 127.0.0.1 (a laptop's pnpm start and dev) with an in-memory embedded database", () => {
    expect(parseConfig({})).toEqual({
      ok: true,
      config: {
        port: 3000,
        metricsPort: 9464,
        host: "127.0.0.1",
        logLevel: "info",
        database: { kind: "embedded", dataDir: undefined },
        shutdownTimeoutMs: 25_000,
        shutdownIdleGraceMs: 2_000,
        shutdownDrainMs: 20_000,
        unpagedListCap: undefined,
        rateLimitPerMinute: undefined,
        trustedProxyHops: 0,
        listCacheEntries: 10_000,
        listCacheMaxAgeMs: 2_000,
      },
    });
  });

  it("reads the login from DATABASE_SECRET_ARN when set, refusing what is not a secret ARN", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf";
    expect(parseConfig({ PGHOST: "db.internal", DATABASE_SECRET_ARN: arn })).toMatchObject({
      ok: true,
      // RDS names the secret it manages rds!db-<id>.
      config: { database: { kind: "server", secretArn: arn } },
    });
    expect(parseConfig({ PGHOST: "db.internal", DATABASE_SECRET_ARN: "comments/db" })).toEqual({
      ok: false,
      problems: [
        'DATABASE_SECRET_ARN="comments/db": must be a Secrets Manager secret ARN like arn:aws:secretsmanager:eu-west-1:123456789012:secret:name-AbCdEf',
      ],
    });
    expect(secretRegion("arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf")).toBe("eu-west-1");
    expect(parseConfig({ DATABASE_SECRET_ARN: arn })).toEqual({
      ok: false,
      problems: [
        "DATABASE_SECRET_ARN is set, but neither DATABASE_URL nor PGHOST names the server it logs in to",
      ],
    });
  });

  it("limits requests per client only when RATE_LIMIT_PER_MINUTE is set, trusting TRUSTED_PROXY_HOPS proxies", () => {
    expect(parseConfig({ RATE_LIMIT_PER_MINUTE: "600", TRUSTED_PROXY_HOPS: "1" })).toMatchObject({
      ok: true,
      config: { rateLimitPerMinute: 600, trustedProxyHops: 1 },
    });
    expect(parseConfig({ RATE_LIMIT_PER_MINUTE: "0" })).toMatchObject({
      ok: true,
      config: { rateLimitPerMinute: undefined },
    });
    expect(parseConfig({ RATE_LIMIT_PER_MINUTE: "-5", TRUSTED_PROXY_HOPS: "all" })).toEqual({
      ok: false,
      problems: [
        'RATE_LIMIT_PER_MINUTE="-5": must be an integer from 0 to 1000000',
        'TRUSTED_PROXY_HOPS="all": must be an integer from 0 to 5',
      ],
    });
  });

  it("turns the list cache off with LIST_CACHE_ENTRIES=0", () => {
    expect(parseConfig({ LIST_CACHE_ENTRIES: "0" })).toMatchObject({
      ok: true,
      config: { listCacheEntries: 0 },
    });
    expect(parseConfig({ LIST_CACHE_ENTRIES: "lots" })).toEqual({
      ok: false,
      problems: ['LIST_CACHE_ENTRIES="lots": must be an integer from 0 to 1000000'],
    });
  });

  it("bounds a cached list's age with LIST_CACHE_MAX_AGE_MS, at least 1 ms", () => {
    expect(parseConfig({ LIST_CACHE_MAX_AGE_MS: "500" })).toMatchObject({
      ok: true,
      config: { listCacheMaxAgeMs: 500 },
    });
    expect(parseConfig({ LIST_CACHE_MAX_AGE_MS: "0" })).toEqual({
      ok: false,
      problems: ['LIST_CACHE_MAX_AGE_MS="0": must be an integer from 1 to 3600000'],
    });
  });

  it("caps unpaged lists only when LIST_UNPAGED_MAX is a positive integer", () => {
    expect(parseConfig({ LIST_UNPAGED_MAX: "5000" })).toMatchObject({
      ok: true,
      config: { unpagedListCap: 5000 },
    });
    expect(parseConfig({ LIST_UNPAGED_MAX: "0" })).toMatchObject({
      ok: true,
      config: { unpagedListCap: undefined },
    });
    expect(parseConfig({ LIST_UNPAGED_MAX: "all" })).toEqual({
      ok: false,
      problems: ['LIST_UNPAGED_MAX="all": must be an integer from 0 to 100000000'],
    });
  });

  it("uses a real server with DATABASE_URL, and the libpq variables with PGHOST alone", () => {
    expect(
      parseConfig({ DATABASE_URL: "postgres://u:p@db:5432/comments", DATABASE_SSL: "require" }),
    ).toMatchObject({
      ok: true,
      config: {
        database: {
          kind: "server",
          connectionString: "postgres://u:p@db:5432/comments",
          sslMode: "require",
          sslCaFile: undefined,
          poolMax: 10,
        },
      },
    });
    expect(parseConfig({ PGHOST: "db.internal", DATABASE_POOL_MAX: "4" })).toMatchObject({
      ok: true,
      config: { database: { kind: "server", connectionString: undefined, poolMax: 4 } },
    });
  });

  it("keeps embedded data in EMBEDDED_DATA_DIR when set", () => {
    expect(parseConfig({ EMBEDDED_DATA_DIR: "/tmp/x" })).toMatchObject({
      ok: true,
      config: { database: { kind: "embedded", dataDir: "/tmp/x" } },
    });
  });

  it.each([
    [{ PORT: "http" }, ['PORT="http": must be an integer from 0 to 65535']],
    [{ PORT: "70000" }, ['PORT="70000": must be an integer from 0 to 65535']],
    [{ PORT: "-1" }, ['PORT="-1": must be an integer from 0 to 65535']],
    [{ METRICS_PORT: "99999" }, ['METRICS_PORT="99999": must be an integer from 0 to 65535']],
    [
      { PORT: "9464" },
      ['METRICS_PORT="9464": must differ from PORT (9464): metrics are never served on the API port'],
    ],
    [
      { LOG_LEVEL: "verbose" },
      ['LOG_LEVEL="verbose": must be one of fatal, error, warn, info, debug, trace, silent'],
    ],
    [
      { DATABASE_URL: "mysql://u:secret@h/db" },
      ["DATABASE_URL=<redacted>: must be a URL like postgres://user:password@host:5432/database"],
    ],
    [
      { PGHOST: "h", DATABASE_SSL: "verify-full" },
      [
        'DATABASE_SSL="verify-full": needs DATABASE_SSL_CA_FILE, the PEM bundle that signs the server certificate',
      ],
    ],
    [
      { PGHOST: "h", DATABASE_SSL: "on" },
      ['DATABASE_SSL="on": must be one of disable, require, verify-full'],
    ],
    [{ PGHOST: "h", DATABASE_POOL_MAX: "0" }, ['DATABASE_POOL_MAX="0": must be an integer from 1 to 100']],
    [{ SHUTDOWN_TIMEOUT_MS: "5" }, ['SHUTDOWN_TIMEOUT_MS="5": must be an integer from 1000 to 120000']],
    [
      { SHUTDOWN_DRAIN_MS: "30000" },
      [
        'SHUTDOWN_DRAIN_MS="30000": must be less than SHUTDOWN_TIMEOUT_MS (25000): connections still open are closed before the process gives up',
      ],
    ],
  ])("rejects %j with exactly %j", (env, problems) => {
    expect(parseConfig(env)).toEqual({ ok: false, problems });
  });

  it("reports every problem at once, never echoing a database URL", () => {
    const env = { PORT: "x", LOG_LEVEL: "loud", DATABASE_URL: "nonsense-with-password" };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(
      [
        "invalid configuration:",
        '  - PORT="x": must be an integer from 0 to 65535',
        '  - LOG_LEVEL="loud": must be one of fatal, error, warn, info, debug, trace, silent',
        "  - DATABASE_URL=<redacted>: must be a URL like postgres://user:password@host:5432/database",
      ].join("\n"),
    );
  });
});
