/**
 * A password rotated under load, for real: the test's own PostgreSQL cluster (it checks passwords;
 * the machine's server trusts every local login) and moto's Secrets Manager, with the secret moved
 * through its staging labels as a rotation does it. Each step waits on what happened (requests
 * answered, logins refused and recovered), never on a clock.
 */
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import {
  MOTO_SKIP_REASON,
  type Moto,
  motoClientConfig,
  skipMoto,
  startMoto,
} from "@comments-platform/testkit/moto";
import {
  CLUSTER_SKIP_REASON,
  type PasswordCluster,
  skipCluster,
  startPasswordCluster,
} from "@comments-platform/testkit/postgres-cluster";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Login,
  type LoginSource,
  SecretsManagerLogin,
  SecretUnusableError,
} from "../src/store/credentials.js";
import type { SqlExecutor } from "../src/store/executor.js";
import { migrate } from "../src/store/migrations.js";
import { LOGIN_ATTEMPTS } from "../src/store/pg-executor.js";
import { buildTestApp, serverExecutor } from "./helper.js";
import { runServer, SERVICE_DIR, startServer } from "./process.js";

/** A login source that counts what the pool asked of it. */
function counted(source: LoginSource): LoginSource & { refreshes: () => number } {
  let refreshes = 0;
  return {
    current: () => source.current(),
    refresh: (refused: string) => {
      refreshes += 1;
      return source.refresh(refused);
    },
    refreshes: () => refreshes,
  };
}

/** Requests from `loops` clients at once until stopped: POSTs and GETs, every status counted. */
function load(app: FastifyInstance, loops: number) {
  const statuses = new Map<number, number>();
  let answered = 0;
  let stored = 0;
  let stopping = false;
  const waiters: Array<{ at: number; resolve: () => void }> = [];
  const running = Array.from({ length: loops }, async (_, loop) => {
    for (let n = 0; !stopping; n += 1) {
      const response =
        n % 2 === 0
          ? await app.inject({
              method: "POST",
              url: "/api/comment/new",
              headers: { "content-type": "application/json" },
              payload: JSON.stringify({
                email: "r@example.com",
                comment: `loop ${loop} #${n}`,
                content_id: "rot",
              }),
            })
          : await app.inject({ method: "GET", url: "/api/comment/list/rot?limit=5" });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      if (n % 2 === 0 && response.statusCode === 200) stored += 1;
      answered += 1;
      for (const waiter of waiters.filter((w) => answered >= w.at)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  return {
    /** Resolves once `count` more requests have been answered. */
    more: (count: number) => new Promise<void>((resolve) => waiters.push({ at: answered + count, resolve })),
    stop: async () => {
      stopping = true;
      await Promise.all(running);
      return { statuses: Object.fromEntries(statuses), stored };
    },
  };
}

describe.skipIf(skipMoto || skipCluster)(
  `a database password rotated under load${MOTO_SKIP_REASON}${CLUSTER_SKIP_REASON}`,
  () => {
    let cluster: PasswordCluster;
    let moto: Moto;
    let secrets: SecretsManagerClient;
    let secretArn: string;
    let appUrl: string;
    let admin: pg.Client;
    const opened: Array<{ close: () => Promise<void> }> = [];

    const setPassword = (password: string) => admin.query(`ALTER ROLE comments PASSWORD '${password}'`);
    const putSecret = async (password: string, stages: string[]) =>
      (
        await secrets.send(
          new PutSecretValueCommand({
            SecretId: secretArn,
            SecretString: JSON.stringify({ username: "comments", password, engine: "postgres" }),
            VersionStages: stages,
          }),
        )
      ).VersionId ?? "";

    beforeAll(async () => {
      [cluster, moto] = await Promise.all([startPasswordCluster(), startMoto()]);
      admin = new pg.Client({ connectionString: cluster.adminUrl });
      await admin.connect();
      await admin.query("CREATE ROLE comments LOGIN PASSWORD 'first-password'");
      await admin.query("CREATE DATABASE comments OWNER comments");
      // No password in the URL: the login comes from the secret.
      appUrl = `postgres://127.0.0.1:${cluster.port}/comments`;
      secrets = new SecretsManagerClient(motoClientConfig(moto.endpoint));
      const created = await secrets.send(
        new CreateSecretCommand({
          Name: "comments/db",
          SecretString: JSON.stringify({
            username: "comments",
            password: "first-password",
            engine: "postgres",
          }),
        }),
      );
      secretArn = created.ARN ?? "";
    });
    afterAll(async () => {
      for (const item of opened.reverse()) await item.close();
      await admin?.end();
      moto?.stop();
      await cluster?.stop();
    });

    async function open(source: LoginSource, tuning: { maxUses?: number } = {}) {
      const db: SqlExecutor = serverExecutor(appUrl, 4, source, tuning);
      await migrate(db);
      const app = await buildTestApp(db);
      opened.push({ close: () => app.close() }, { close: () => db.close() });
      return { db, app };
    }

    it("serves every request through two rotations, reading the new password when the old one is refused", async () => {
      const source = new SecretsManagerLogin(secrets, secretArn);
      await source.load();
      const login = counted(source);
      // Connections are replaced every 20 queries, so new logins keep happening under load.
      const { db, app } = await open(login, { maxUses: 20 });
      const traffic = load(app, 6);
      // A failed expectation still stops the clients before the app closes.
      opened.push({ close: async () => void (await traffic.stop()) });
      await traffic.more(200);

      // Rotation 1, as Secrets Manager's steps do it: the new password as AWSPENDING (createSecret),
      // set on the database (setSecret), and only later labelled AWSCURRENT (finishSecret).
      const firstVersion =
        (
          await secrets.send(
            new PutSecretValueCommand({
              SecretId: secretArn,
              SecretString: JSON.stringify({
                username: "comments",
                password: "first-password",
                engine: "postgres",
              }),
              VersionStages: ["AWSCURRENT"],
            }),
          )
        ).VersionId ?? "";
      const pending = await putSecret("second-password", ["AWSPENDING"]);
      await setPassword("second-password");
      await traffic.more(300);
      expect(login.current().password).toBe("second-password");
      await secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretArn,
          VersionStage: "AWSCURRENT",
          MoveToVersionId: pending,
          RemoveFromVersionId: firstVersion,
        }),
      );
      await traffic.more(200);
      const refreshesAfterFirst = login.refreshes();
      expect(refreshesAfterFirst).toBeGreaterThan(0);

      // Rotation 2, the steps back to back: the database and both labels change between two
      // requests, and the pool finds the new password in AWSCURRENT.
      const secondVersion = pending;
      const third = await putSecret("third-password", ["AWSPENDING"]);
      await setPassword("third-password");
      await secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretArn,
          VersionStage: "AWSCURRENT",
          MoveToVersionId: third,
          RemoveFromVersionId: secondVersion,
        }),
      );
      await traffic.more(300);
      expect(login.current().password).toBe("third-password");
      expect(login.refreshes()).toBeGreaterThan(refreshesAfterFirst);

      const { statuses, stored } = await traffic.stop();
      // Not one request failed: a refused login is retried before any statement runs.
      expect(Object.keys(statuses).sort()).toEqual(["200"]);
      const [row] = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM comments WHERE content_id = 'rot'",
      );
      expect(row?.n).toBe(stored);
    });

    it("a task that starts mid-rotation (database changed, AWSCURRENT not yet) logs in with AWSPENDING", async () => {
      const version = await putSecret("fourth-password", ["AWSPENDING"]);
      await setPassword("fourth-password");
      const rereads: string[] = [];
      const source = new SecretsManagerLogin(secrets, secretArn, (outcome) => rereads.push(outcome));
      expect((await source.load()).password).toBe("third-password");
      const { app } = await open(source);
      const response = await app.inject({ method: "GET", url: "/api/comment/list/rot?limit=1" });
      expect(response.statusCode).toBe(200);
      expect([source.current().password, rereads]).toEqual(["fourth-password", ["AWSPENDING"]]);
      expect(version).not.toBe("");
    });

    it(`answers 503 after ${LOGIN_ATTEMPTS} refused logins when no version of the secret works`, async () => {
      const stale: Login = { username: "comments", password: "nobody-knows-this" };
      const login = counted({ current: () => stale, refresh: async () => stale });
      const db = serverExecutor(appUrl, 2, login);
      // No listening connection: only the request's own logins count.
      const app = await buildTestApp(db, { listCache: false });
      opened.push({ close: () => app.close() }, { close: () => db.close() });
      const response = await app.inject({ method: "GET", url: "/api/comment/list/rot?limit=1" });
      expect(response.statusCode).toBe(503);
      expect(login.refreshes()).toBe(LOGIN_ATTEMPTS - 1);
    });

    it("the built server reads its login from DATABASE_SECRET_ARN (region from the ARN) and serves", async () => {
      const aws = {
        // The SDK's service-specific endpoint variable points it at moto
        // (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
        AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
      };
      const server = await startServer(SERVICE_DIR, {
        ...aws,
        PGHOST: "127.0.0.1",
        PGPORT: String(cluster.port),
        PGDATABASE: "comments",
        DATABASE_SECRET_ARN: secretArn,
      });
      opened.push({
        close: async () => {
          server.child.kill("SIGTERM");
          await server.exited;
        },
      });
      const response = await fetch(`${server.base}/api/comment/list/rot?limit=1`);
      expect(response.status).toBe(200);
      const read = server
        .stdout()
        .split("\n")
        .filter((line) => line.includes("database login read from Secrets Manager"))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(read.map(({ secretArn: arn, username }) => ({ arn, username }))).toEqual([
        { arn: secretArn, username: "comments" },
      ]);
      expect(server.stdout()).not.toContain("password");

      const bad = await runServer({
        ...aws,
        PGHOST: "127.0.0.1",
        DATABASE_SECRET_ARN: `${secretArn}-missing`,
      });
      expect(bad.code).toBe(1);
      // Node 20 adds the SDK's own warning about its Node.js support on stderr; the service's line is one.
      expect(bad.stderr.split("\n").filter((line) => line.startsWith("comments-api:"))).toEqual([
        `comments-api: start-up failed: secret ${secretArn}-missing: does not exist (ResourceNotFoundException); expected a secret holding JSON like {"username":"...","password":"..."} (the shape RDS writes)`,
      ]);
    });

    it("refuses a secret that is not RDS's JSON, naming what is missing and never echoing the value", async () => {
      const bad = await secrets.send(
        new CreateSecretCommand({
          Name: "comments/bad",
          SecretString: JSON.stringify({ user: "x", pass: "hunter2" }),
        }),
      );
      const source = new SecretsManagerLogin(secrets, bad.ARN ?? "");
      const error = await source.load().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SecretUnusableError);
      expect((error as Error).message).toBe(
        `secret ${bad.ARN}: has no string username or password; expected a secret holding JSON like {"username":"...","password":"..."} (the shape RDS writes)`,
      );
    });

    it("without a login source (the password injected at start-up), a rotation fails new connections: the old behaviour", async () => {
      const db = serverExecutor(
        `postgres://comments:fourth-password@127.0.0.1:${cluster.port}/comments`,
        2,
        undefined,
        {
          maxUses: 5,
        },
      );
      const app = await buildTestApp(db);
      opened.push({ close: () => app.close() }, { close: () => db.close() });
      const traffic = load(app, 2);
      opened.push({ close: async () => void (await traffic.stop()) });
      await traffic.more(20);
      await setPassword("fifth-password");
      await traffic.more(40);
      const { statuses } = await traffic.stop();
      expect(statuses[503]).toBeGreaterThan(0);
    });

    it("a rotation with AWSPENDING stale, then missing, still finds the new AWSCURRENT at the first refusal", async () => {
      const stages = async () =>
        (await secrets.send(new DescribeSecretCommand({ SecretId: secretArn }))).VersionIdsToStages ?? {};
      const labelled = async (label: string) =>
        Object.entries(await stages())
          .filter(([, labels]) => labels.includes(label))
          .map(([version]) => version);
      // A rotation that goes straight to AWSCURRENT: the new version, then the label moved to it.
      const rotateTo = async (password: string) => {
        const version = await putSecret(password, ["NEXT"]);
        const [current] = await labelled("AWSCURRENT");
        await secrets.send(
          new UpdateSecretVersionStageCommand({
            SecretId: secretArn,
            VersionStage: "AWSCURRENT",
            MoveToVersionId: version,
            RemoveFromVersionId: current,
          }),
        );
        await setPassword(password);
      };
      await rotateTo("sixth-password");
      // AWSPENDING left on a version the database refuses (a rotation that failed after
      // createSecret, or one made by hand).
      const stale = await putSecret("stale-password", ["AWSPENDING"]);
      // What server.ts logs for the operator: one line per re-read, naming the stage it used.
      const rereads: string[] = [];
      const source = new SecretsManagerLogin(secrets, secretArn, (outcome) => rereads.push(outcome));
      expect((await source.load()).password).toBe("sixth-password");
      const login = counted(source);
      // Every query opens a new connection (a new login); no listening connection.
      const db = serverExecutor(appUrl, 1, login, { maxUses: 1 });
      const app = await buildTestApp(db, { listCache: false });
      opened.push({ close: () => app.close() }, { close: () => db.close() });
      const ready = async () => (await app.inject({ method: "GET", url: "/readyz" })).statusCode;
      expect([await ready(), login.refreshes()]).toEqual([200, 0]);

      await rotateTo("seventh-password");
      expect(await labelled("AWSPENDING")).toEqual([stale]);
      expect([await ready(), login.current().password, login.refreshes()]).toEqual([
        200,
        "seventh-password",
        1,
      ]);

      // AWSPENDING gone altogether, as after a completed rotation.
      await secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretArn,
          VersionStage: "AWSPENDING",
          RemoveFromVersionId: stale,
        }),
      );
      await rotateTo("eighth-password");
      expect(await labelled("AWSPENDING")).toEqual([]);
      expect([await ready(), login.current().password, login.refreshes()]).toEqual([
        200,
        "eighth-password",
        2,
      ]);
      expect(rereads).toEqual(["AWSCURRENT", "AWSCURRENT"]);
    });
  },
);
