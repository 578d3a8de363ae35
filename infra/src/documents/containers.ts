/**
 * The task's container definitions as pure values. The app finds its database with the libpq
 * variables (host, port and name in the environment) and reads the login itself from the
 * RDS-managed secret named by DATABASE_SECRET_ARN, at start-up and again whenever the server refuses
 * it: ECS-injected secrets are fixed at container start and RDS rotates the password every 7 days
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html). The password is
 * never in the task definition or the environment.
 */
export const APP_CONTAINER = "comments-api";
/** The image's `node` user: non-root, and it owns nothing in the image. */
export const APP_USER = "1000:1000";
/**
 * The app's metrics listener (METRICS_PORT). Not in portMappings, any target group or security
 * group: the collector sidecar scrapes it over the task's localhost (containers of an awsvpc task
 * share its network namespace: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-networking-awsvpc.html).
 */
export const METRICS_PORT = 9464;

/** An ECS container definition, as the task definition's JSON holds it. */
export interface ContainerDefinition {
  name: string;
  image: string;
  essential: boolean;
  [key: string]: unknown;
}

/** What the app's container definition is built from. */
export interface AppContainerInput {
  image: string;
  containerPort: number;
  logGroup: string;
  region: string;
  database: { host: string; port: number; name: string; secretArn: string };
  /** Requests per minute per client (RATE_LIMIT_PER_MINUTE); 0: no limit. @default 0 */
  rateLimitPerMinute?: number;
}

/** The app's container: non-root, read-only, its database login read from Secrets Manager by the app, logs to CloudWatch. */
export function appContainer(input: AppContainerInput): ContainerDefinition {
  return {
    name: APP_CONTAINER,
    image: input.image,
    essential: true,
    user: APP_USER,
    readonlyRootFilesystem: true,
    portMappings: [{ containerPort: input.containerPort, protocol: "tcp", name: "http" }],
    environment: [
      { name: "DATABASE_SECRET_ARN", value: input.database.secretArn },
      { name: "DATABASE_SSL", value: "verify-full" },
      { name: "DATABASE_SSL_CA_FILE", value: "/app/certs/rds-global-bundle.pem" },
      // All interfaces: the ALB reaches the task on its ENI's address, and the collector sidecar
      // scrapes the metrics port on localhost (awsvpc: containers of a task share one network namespace,
      // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-networking-awsvpc.html).
      { name: "HOST", value: "0.0.0.0" },
      { name: "LOG_LEVEL", value: "info" },
      { name: "METRICS_PORT", value: String(METRICS_PORT) },
      { name: "NODE_ENV", value: "production" },
      { name: "PGDATABASE", value: input.database.name },
      { name: "PGHOST", value: input.database.host },
      { name: "PGPORT", value: String(input.database.port) },
      { name: "PORT", value: String(input.containerPort) },
      ...((input.rateLimitPerMinute ?? 0) > 0
        ? [{ name: "RATE_LIMIT_PER_MINUTE", value: String(input.rateLimitPerMinute) }]
        : []),
      // The ALB is the one proxy: the client is the address it appends to X-Forwarded-For
      // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html).
      { name: "TRUSTED_PROXY_HOPS", value: "1" },
    ],
    healthCheck: {
      command: [
        "CMD",
        "node",
        "-e",
        `fetch('http://127.0.0.1:${input.containerPort}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
      ],
      interval: 15,
      timeout: 5,
      retries: 3,
      startPeriod: 20,
    },
    // SIGTERM, then 30 s before SIGKILL: the service drains within SHUTDOWN_TIMEOUT_MS (25 s).
    stopTimeout: 30,
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": input.logGroup,
        "awslogs-region": input.region,
        "awslogs-stream-prefix": "app",
      },
    },
  };
}
