/**
 * The first real run in a sandbox account, step by step, each timed: a throw-away stack
 * `sandbox-<name>` (stage's defaults, infra/src/config/stack.ts), `pulumi up`, a release of a changed image
 * through the real release path (the program's release step inside `pulumi up`), a forced canary
 * failure and CodeDeploy's rollback, `pnpm release rollback`, then `pulumi destroy`. Commands run
 * through `exec`, so the whole sequence is tested without AWS; the CLI (acceptance.ts) passes a
 * real one.
 *
 * The forced failure sets the deployment group's rollback alarms to ALARM while the deployment runs
 * (`aws cloudwatch set-alarm-state`, meant for testing alarm actions:
 * https://docs.aws.amazon.com/cli/latest/reference/cloudwatch/set-alarm-state.html); CodeDeploy
 * stops a deployment whose alarm fires and rolls it back
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-groups-configure-advanced-options.html).
 * The alarm goes back to its real state at its next evaluation, so it is set again every poll.
 */

/** What a command printed and how it ended. */
export interface ExecResult {
  code: number;
  stdout: string;
}

/** Runs one command (no shell): the real one streams its output to the log as well. */
export type Exec = (command: string, args: readonly string[]) => Promise<ExecResult>;

/** What the run needs from its surroundings; injected in tests. */
export interface AcceptanceIo {
  exec: Exec;
  writeFile: (path: string, text: string) => void;
  removeFile: (path: string) => void;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
}

/** The run's choices. */
export interface AcceptanceOptions {
  /** `sandbox-<name>`: 1-6 lowercase letters or digits. */
  name: string;
  region: string;
  /** Where Managed Grafana lives when `region` has none. @default region */
  grafanaRegion?: string;
  /** Leave the stack up (no destroy). @default false */
  keep?: boolean;
  /** Distinguishes the image changes of this run. */
  runId: string;
  /** How long the forced failure may take before it is called failed. @default 30 minutes */
  failureDeadlineMs?: number;
}

/** One step's outcome. */
export interface StepReport {
  step: string;
  ok: boolean;
  seconds: number;
  detail: string;
}

/** The file a changed image is made from: inside the image's build inputs (infra/src/image-tag.ts). */
export const MARKER_FILE = "services/comments-api/src/acceptance-marker.ts";

/** The stack file the run writes (and removes): stage's defaults, the keys every stack needs. */
export function sandboxStackFile(options: AcceptanceOptions): string {
  return [
    "# Written by the Acceptance run; never committed. Everything else takes stage's defaults.",
    "config:",
    `  aws:region: ${options.region}`,
    "  comments-platform:owner: acceptance",
    "  comments-platform:costCentre: sandbox",
    ...(options.grafanaRegion === undefined
      ? []
      : [`  comments-platform:grafanaRegion: ${options.grafanaRegion}`]),
    "",
  ].join("\n");
}

/** `service <name> runs <arn>`, the first line of `pnpm release status`. */
export function parseStatus(
  stdout: string,
): { service: string; revision: string; deploying: boolean } | undefined {
  const match = /^service (\S+) runs (\S+)$/m.exec(stdout);
  if (match === null) return undefined;
  return {
    service: match[1] ?? "",
    revision: match[2] ?? "",
    deploying: /^deployment \S+ InProgress$/m.test(stdout),
  };
}

/** The run summary: one row per step, with its seconds. */
export function reportTable(reports: readonly StepReport[]): string[] {
  return [
    "| step | result | seconds | detail |",
    "| --- | --- | ---: | --- |",
    ...reports.map(
      (r) =>
        `| ${r.step} | ${r.ok ? "passed" : "**failed**"} | ${r.seconds} | ${r.detail.replaceAll("|", "\\|")} |`,
    ),
  ];
}

/** Runs every step in order (destroy always, unless `keep`); returns the reports. */
export async function runAcceptance(options: AcceptanceOptions, io: AcceptanceIo): Promise<StepReport[]> {
  const stack = `sandbox-${options.name}`;
  const stackFile = `Pulumi.${stack}.yaml`;
  const reports: StepReport[] = [];
  const pulumi = (...args: string[]) => io.exec("pulumi", [...args, "--stack", stack, "--non-interactive"]);
  const up = () => pulumi("up", "--yes", "--skip-preview", "--suppress-progress");
  const status = async () =>
    parseStatus((await io.exec("pnpm", ["--silent", "release", "status", "--stack", stack])).stdout);
  const changeImage = (n: number) =>
    io.writeFile(
      MARKER_FILE,
      `/** Written by the Acceptance run: a changed image. */\nexport const ACCEPTANCE_MARKER = "${options.runId}-${n}";\n`,
    );
  const step = async (name: string, body: () => Promise<string>) => {
    const started = io.now();
    let ok = true;
    let detail: string;
    try {
      detail = await body();
    } catch (error) {
      ok = false;
      detail = (error as Error).message;
    }
    const report = { step: name, ok, seconds: Math.round((io.now() - started) / 1000), detail };
    io.log(`acceptance: ${name}: ${ok ? "passed" : "FAILED"} in ${report.seconds} s: ${detail}`);
    reports.push(report);
    return ok;
  };
  const must = (result: ExecResult, what: string) => {
    if (result.code !== 0) throw new Error(`${what} exited ${result.code}`);
  };
  let released = "";

  const steps: Array<[string, () => Promise<string>]> = [
    [
      `create stack ${stack}`,
      async () => {
        io.writeFile(stackFile, sandboxStackFile(options));
        // A throw-away stack: the passphrase provider with PULUMI_CONFIG_PASSPHRASE (the workflow
        // sets an empty one), not the stage and prod stacks' KMS keys.
        must(
          await io.exec("pulumi", [
            "stack",
            "select",
            "--create",
            stack,
            "--secrets-provider",
            "passphrase",
            "--non-interactive",
          ]),
          "pulumi stack select --create",
        );
        return `${stackFile} written; stack selected`;
      },
    ],
    [
      "pulumi up",
      async () => {
        must(await up(), "pulumi up");
        return `${(await status())?.revision ?? "?"} running`;
      },
    ],
    [
      "release a changed image",
      async () => {
        const before = (await status())?.revision;
        changeImage(1);
        must(await up(), "pulumi up of a changed image");
        released = (await status())?.revision ?? "";
        if (released === "" || released === before)
          throw new Error(`the service still runs ${before ?? "nothing"}`);
        return `${before} -> ${released} through CodeDeploy`;
      },
    ],
    [
      "forced canary failure rolls back",
      async () => {
        changeImage(2);
        const service = (await status())?.service ?? "";
        const upDone = up();
        const deadline = io.now() + (options.failureDeadlineMs ?? 30 * 60_000);
        let forced = 0;
        let result: ExecResult | undefined;
        while (result === undefined && io.now() < deadline) {
          if ((await status())?.deploying === true) {
            const alarms = await io.exec("aws", [
              "deploy",
              "get-deployment-group",
              "--application-name",
              service,
              "--deployment-group-name",
              service,
              "--query",
              "deploymentGroupInfo.alarmConfiguration.alarms[].name",
              "--output",
              "text",
              "--region",
              options.region,
            ]);
            for (const alarm of alarms.stdout.split(/\s+/).filter((a) => a !== "")) {
              await io.exec("aws", [
                "cloudwatch",
                "set-alarm-state",
                "--alarm-name",
                alarm,
                "--state-value",
                "ALARM",
                "--state-reason",
                "Acceptance: forced canary failure",
                "--region",
                options.region,
              ]);
              forced += 1;
            }
          }
          result = await Promise.race([upDone, io.sleep(10_000).then(() => undefined)]);
        }
        // Past the deadline the release step's own deadline ends the up: wait for it.
        result ??= await upDone;
        if (result.code === 0) throw new Error("pulumi up succeeded: the forced failure did not roll back");
        const now = (await status())?.revision;
        if (now !== released) throw new Error(`after the rollback the service runs ${now}, not ${released}`);
        return `${forced} alarm state change(s); pulumi up failed as it must; ${now} still running`;
      },
    ],
    [
      "pnpm release rollback",
      async () => {
        must(
          await io.exec("pnpm", ["--silent", "release", "rollback", "--stack", stack]),
          "pnpm release rollback",
        );
        const now = (await status())?.revision;
        if (now === released) throw new Error(`the service still runs ${now}`);
        return `${released} -> ${now}`;
      },
    ],
  ];
  for (const [name, body] of steps) if (!(await step(name, body))) break;
  io.removeFile(MARKER_FILE);
  if (options.keep !== true) {
    await step("pulumi destroy", async () => {
      must(await pulumi("destroy", "--yes", "--skip-preview", "--suppress-progress"), "pulumi destroy");
      must(await io.exec("pulumi", ["stack", "rm", stack, "--yes", "--non-interactive"]), "pulumi stack rm");
      return `${stack} destroyed and removed`;
    });
    io.removeFile(stackFile);
  }
  return reports;
}
