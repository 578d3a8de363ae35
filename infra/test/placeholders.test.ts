/**
 * Documentation placeholders: accepted by previews, synth and the tests, refused where real resources
 * change (the program outside a dry run, and the Deploy workflow's check).
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadStackConfig, rawConfigFrom, readConfigSpecs } from "../src/config";
import { placeholderProblems } from "../src/placeholders";
import { readStackFile } from "../src/stack-file";
import { mockCalls } from "../src/synth/run";

const specs = readConfigSpecs();

const PROD_PLACEHOLDERS = [
  `certificateArn="arn:aws:acm:sa-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000": account 123456789012 is AWS's documentation placeholder; set the real value before a deploy`,
  'domainName="comments.example.com": a domain reserved for documentation (RFC 2606) is a placeholder; set the real value before a deploy',
  'pageEmails="[\\"oncall-comments@example.com\\"]": a domain reserved for documentation (RFC 2606) is a placeholder; set the real value before a deploy',
  'ticketEmails="[\\"comments-team@example.com\\"]": a domain reserved for documentation (RFC 2606) is a placeholder; set the real value before a deploy',
];

describe("placeholderProblems", () => {
  it("names every placeholder of the committed prod stack file", () => {
    expect(placeholderProblems(rawConfigFrom(readStackFile("prod")))).toEqual(PROD_PLACEHOLDERS);
  });

  it("accepts real values, and domains that only look like the reserved ones", () => {
    expect(
      placeholderProblems({
        certificateArn: "arn:aws:acm:sa-east-1:210987654321:certificate/5c1d2e3f-0000-4000-8000-000000000001",
        domainName: "comments.acme.com",
        pageEmails: '["oncall@acme.io"]',
        grafanaUrl: "https://myexample.com/",
        other: "comments.example.community",
      }),
    ).toEqual([]);
  });

  it("refuses the reserved names under .test, .example and .invalid, and example.net/.org", () => {
    expect(
      placeholderProblems({
        a: "api.comments.test",
        b: "https://grafana.example.org/",
        c: "x@y.invalid",
      }).map((problem) => problem.split(":")[0]),
    ).toEqual(['a="api.comments.test"', 'b="https', 'c="x@y.invalid"']);
  });
});

describe("loadStackConfig", () => {
  it("accepts the committed examples unless told that real resources change", () => {
    expect(() => loadStackConfig("prod", rawConfigFrom(readStackFile("prod")), specs)).not.toThrow();
    expect(() =>
      loadStackConfig("prod", rawConfigFrom(readStackFile("prod")), specs, { refusePlaceholders: true }),
    ).toThrow(`invalid configuration for stack prod:\n  - ${PROD_PLACEHOLDERS.join("\n  - ")}`);
  });
});

const INFRA = join(__dirname, "..");
const RUNNER = createRequire(join(INFRA, "package.json")).resolve("@pulumi/pulumi/cmd/run");

describe("the program as `pulumi up` runs it (no dry run, an engine's monitor)", () => {
  it("refuses prod's placeholders before it declares anything", async () => {
    const config = readStackFile("prod");
    const failure = await promisify(execFile)(
      process.execPath,
      [
        "-r",
        join(__dirname, "fixtures", "engine-monitor.cjs"),
        RUNNER,
        "--monitor",
        "127.0.0.1:1",
        "--engine",
        "127.0.0.1:1",
        "--project",
        "comments-platform",
        "--stack",
        "prod",
        ".",
      ],
      {
        cwd: INFRA,
        encoding: "utf8",
        env: {
          ...process.env,
          PULUMI_NODEJS_TYPESCRIPT: "true",
          PULUMI_NODEJS_PROJECT: "comments-platform",
          PULUMI_NODEJS_STACK: "prod",
          PULUMI_CONFIG: JSON.stringify(config),
          MOCK_CALLS: JSON.stringify(mockCalls("sa-east-1")),
        },
      },
    ).then(
      () => undefined,
      (error: { code: number; stderr: string; stdout: string }) => error,
    );
    // 32: the runner logged the error and exited (@pulumi/pulumi cmd/run/index.js,
    // nodeJSProcessExitedAfterLoggingUserActionableMessage).
    expect(failure?.code).toBe(32);
    const output = `${failure?.stdout}\n${failure?.stderr}`;
    for (const problem of PROD_PLACEHOLDERS) expect(output).toContain(problem);
    // Only the stack itself: not one AWS resource was declared.
    expect(output).toContain("engine-monitor: registered 1\n");
  }, 180_000);
});
