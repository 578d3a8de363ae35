/** The Deploy workflow's check before `pulumi up`: documentation placeholders fail it. */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { checkPlaceholders } from "../scripts/check-placeholders.ts";

const ROOT = join(import.meta.dirname, "..", "..");

describe("check-placeholders", () => {
  it("fails on the committed prod stack file, one annotation per placeholder", () => {
    expect(checkPlaceholders(["--stack", "prod"])).toEqual({
      code: 1,
      lines: [
        `::error file=Pulumi.prod.yaml::comments-platform:certificateArn="arn:aws:acm:sa-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000": account 123456789012 is AWS's documentation placeholder; set the real value before a deploy`,
        '::error file=Pulumi.prod.yaml::comments-platform:domainName="comments.example.com": a domain reserved for documentation (RFC 2606) is a placeholder; set the real value before a deploy',
        '::error file=Pulumi.prod.yaml::comments-platform:pageEmails="[\\"oncall-comments@example.com\\"]": a domain reserved for documentation (RFC 2606) is a placeholder; set the real value before a deploy',
        '::error file=Pulumi.prod.yaml::comments-platform:ticketEmails="[\\"comments-team@example.com\\"]": a domain reserved for documentation (RFC 2606) is a placeholder; set the real value before a deploy',
        "Pulumi.prod.yaml: 4 documentation placeholder(s); set the stack's real values (docs/deploy.md) before a deploy",
      ],
    });
  });

  it("passes a stack file with real values", () => {
    const root = mkdtempSync(join(tmpdir(), "placeholders-"));
    writeFileSync(
      join(root, "Pulumi.stage.yaml"),
      [
        "config:",
        "  aws:region: sa-east-1",
        "  comments-platform:owner: platform-team",
        "  comments-platform:ticketEmails: [comments-team@acme.io]",
        "  comments-platform:domainName: comments-stage.acme.io",
        "",
      ].join("\n"),
    );
    expect(checkPlaceholders(["--stack", "stage", "--root", root])).toEqual({
      code: 0,
      lines: ["Pulumi.stage.yaml: no documentation placeholder"],
    });
  });

  it("exits 2 on a stack it does not deploy", () => {
    expect(checkPlaceholders(["--stack", "dev"])).toEqual({
      code: 2,
      lines: ["check-placeholders: --stack must be one of stage, prod"],
    });
  });

  it("runs as the workflow runs it, and fails the step", async () => {
    const failure = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", ".github/scripts/check-placeholders.ts", "--stack", "stage"],
      { cwd: ROOT, encoding: "utf8" },
    ).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect([failure?.code, failure?.stdout]).toEqual([
      1,
      '::error file=Pulumi.stage.yaml::comments-platform:ticketEmails="[\\"comments-team@example.com\\"]": a domain reserved for documentation (RFC 2606) is a placeholder; set the real value before a deploy\n' +
        "Pulumi.stage.yaml: 1 documentation placeholder(s); set the stack's real values (docs/deploy.md) before a deploy\n",
    ]);
  });
});
