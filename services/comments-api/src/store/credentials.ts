/**
 * The database login, read from AWS Secrets Manager when a connection opens and again when the
 * server refuses it, so a rotated password reaches a running task without a restart.
 *
 * ECS injects a secret only when a container starts: "If the secret is subsequently updated or
 * rotated, the container will not receive the updated value automatically"
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html),
 * and RDS rotates a managed master password every 7 days by default
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html).
 */
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";

/** A user name and its password. */
export interface Login {
  username: string;
  password: string;
}

/** Where the pool gets its login: the one to use now, and a fresh one after a refusal. */
export interface LoginSource {
  /** The login new connections use. */
  current(): Login;
  /**
   * Called after the server refused `refused` (28P01): reads the secret again and resolves with the
   * login to try next, or the same one when the secret has nothing newer. One read at a time: the
   * connections refused together share it.
   */
  refresh(refused: string): Promise<Login>;
}

/**
 * The secret cannot give a login and waiting will not change that: it does not exist, or its value
 * is not the `{"username","password"}` JSON RDS writes. Says what is wrong, never the value.
 */
export class SecretUnusableError extends Error {
  constructor(secretId: string, problem: string) {
    super(
      `secret ${secretId}: ${problem}; expected a secret holding JSON like {"username":"...","password":"..."} (the shape RDS writes)`,
    );
    this.name = "SecretUnusableError";
  }
}

function parseLogin(secretId: string, text: string | undefined): Login {
  if (text === undefined) throw new SecretUnusableError(secretId, "has no SecretString");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SecretUnusableError(secretId, "is not JSON");
  }
  const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const missing = ["username", "password"].filter(
    (key) => typeof record[key] !== "string" || record[key] === "",
  );
  if (missing.length > 0) throw new SecretUnusableError(secretId, `has no string ${missing.join(" or ")}`);
  return { username: record.username as string, password: record.password as string };
}

/**
 * What a re-read after a refused login found, for the operator watching a rotation: the version
 * stage the new login came from, or `unchanged` when no version holds another password.
 */
export type RereadOutcome = "AWSCURRENT" | "AWSPENDING" | "unchanged";

/**
 * The login in a Secrets Manager secret. Rotation moves through staging labels: the new password is
 * written as AWSPENDING, set on the database, tested, and only then labelled AWSCURRENT
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_how.html). Between the
 * database change and the relabelling, AWSCURRENT holds the password the database no longer takes:
 * after a refusal the pending version is tried too.
 */
export class SecretsManagerLogin implements LoginSource {
  private login: Login | undefined;
  private reading: Promise<Login> | undefined;

  /** `onReread`: called once per re-read after a refusal (server.ts logs it). @default nothing */
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly onReread: (outcome: RereadOutcome) => void = () => {},
  ) {}

  /**
   * A client for the secret's region and the task's role: the SDK's default chain takes the ECS
   * task role's credentials from the container endpoint
   * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html).
   */
  static forTask(
    secretId: string,
    region: string | undefined,
    onReread?: (outcome: RereadOutcome) => void,
  ): SecretsManagerLogin {
    return new SecretsManagerLogin(
      new SecretsManagerClient(region === undefined ? {} : { region }),
      secretId,
      onReread,
    );
  }

  /** Reads AWSCURRENT; call once before the pool opens. */
  async load(): Promise<Login> {
    this.login = await this.read("AWSCURRENT").catch((error: unknown) => {
      if (error instanceof ResourceNotFoundException) {
        throw new SecretUnusableError(this.secretId, "does not exist (ResourceNotFoundException)");
      }
      throw error;
    });
    return this.login;
  }

  current(): Login {
    if (this.login === undefined) throw new Error(`secret ${this.secretId}: load() it before connecting`);
    return this.login;
  }

  refresh(refused: string): Promise<Login> {
    this.reading ??= this.reread(refused).finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async reread(refused: string): Promise<Login> {
    const known = this.current();
    // Another refusal already moved on: use what it found.
    if (known.password !== refused) return known;
    const current = await this.read("AWSCURRENT");
    if (current.password !== refused) {
      this.login = current;
      this.onReread("AWSCURRENT");
      return current;
    }
    const pending = await this.read("AWSPENDING").catch((error: unknown) => {
      // No rotation in progress: there is no AWSPENDING version.
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    });
    const moved = pending !== undefined && pending.password !== refused;
    if (moved) this.login = pending;
    this.onReread(moved ? "AWSPENDING" : "unchanged");
    return this.current();
  }

  private async read(stage: "AWSCURRENT" | "AWSPENDING"): Promise<Login> {
    const answer = await this.client.send(
      new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: stage }),
    );
    return parseLogin(this.secretId, answer.SecretString);
  }
}
