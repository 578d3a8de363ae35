/**
 * Docs as tests: README.md and every other tracked Markdown file name only scripts, `pnpm release`
 * commands, CLI flags, config keys, repository paths and links (with their anchors) that exist.
 * Each rule also runs on a small fixture repository with one bad name, so the checker cannot pass
 * by checking nothing.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { anchors, checkDocs, cliFlags, documents, KINDS, readFacts } from "../src/docs/check";
import { REPO_ROOT } from "../src/stack-file";

const tracked = execFileSync("git", ["ls-files"], { cwd: REPO_ROOT, encoding: "utf8" }).split("\n");
const docs = documents(REPO_ROOT, tracked);

describe("the repository's documents", () => {
  it("are README.md, docs/**/*.md and the runbooks, among others", () => {
    expect(docs).toContain("README.md");
    expect(docs).toContain("docs/deploy.md");
    expect(docs.filter((doc) => doc.startsWith("alerts/runbooks/")).length).toBeGreaterThan(0);
  });

  it("name only scripts, commands, flags, config keys, files and anchors that exist", () => {
    const report = checkDocs(readFacts(REPO_ROOT, tracked), docs);
    // The counts, in the test output: what the documents name, by kind.
    console.log(
      `docs checked: ${docs.length} documents; ${KINDS.map((kind) => `${report.checked[kind]} ${kind}`).join(", ")}`,
    );
    const problems = report.findings.map((f) => `${f.at}: ${f.kind} ${f.name}: ${f.problem}`);
    expect(problems, "fix the names in the documents (or what they name)").toEqual([]);
    // Every kind is found somewhere: a checker that stopped reading one would pass with 0.
    for (const kind of KINDS) expect([kind, report.checked[kind] > 0]).toEqual([kind, true]);
  });
});

/** A throw-away repository: the files given, relative to its root. */
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});
function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "docs-check-"));
  scratch.push(root);
  const base: Record<string, string> = {
    "package.json": JSON.stringify({
      name: "fixture",
      scripts: { start: "node server.js", release: "cd tool && tsx cli.ts", "docs:config": "true" },
    }),
    "pnpm-workspace.yaml": "packages:\n  - tool\n",
    "tool/package.json": JSON.stringify({ name: "fixture-tool", scripts: { build: "tsc" } }),
    "tool/cli.ts": `import { parseArgs } from "node:util";\nimport { OPTIONS } from "./args";\nparseArgs({ options: OPTIONS, strict: true });\nif (process.argv.includes("--help")) console.log("usage");\n`,
    "tool/args.ts": `export const OPTIONS = { stack: { type: "string" }, "all-at-once": { type: "boolean" } } as const;\n`,
    "infra/src/release/cli-args.ts": `export const USAGE = "usage: pnpm release status --stack <stack>\\n       pnpm release rollback --stack <stack>";\n`,
    "Pulumi.yaml":
      "name: fixture\nruntime: nodejs\nconfig:\n  minTasks:\n    type: integer\n  pageEmails:\n    type: array\n    items:\n      type: string\n",
    "tool/src/a.ts": "export {};\n",
    "docs/other.md": "# Other\n\n## Rolling back, fast\n\ntext\n",
  };
  for (const [path, text] of Object.entries({ ...base, ...files })) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}
/** The findings of one document of a fixture, as `line kind name`. */
function findings(doc: string): string[] {
  const root = fixture({ "docs/doc.md": doc });
  return checkDocs(readFacts(root), ["docs/doc.md"]).findings.map(
    (f) => `${f.at.replace("docs/doc.md:", "")} ${f.kind} ${f.name}`,
  );
}

describe("the checker", () => {
  it("reports a pnpm script no package.json defines, with --filter, -s and run", () => {
    expect(
      findings(
        [
          "Run `pnpm start`, `pnpm -s release status --stack x` and `pnpm docs:config`.", // 1: all defined
          "Then `pnpm strat` and `pnpm run relase`.", // 2: two typos
          "```sh",
          "pnpm --filter fixture-tool build && pnpm --filter fixture-tool test", // 4: no test in tool
          "pnpm --filter ./tool build; pnpm --filter nothing build", // 5: no such package
          "pnpm install && pnpm exec tsc && pnpm <script> && pnpm -r build", // 6: builtins, placeholder, -r
          "```",
        ].join("\n"),
      ),
    ).toEqual([
      "2 script pnpm strat",
      "2 script pnpm relase",
      "4 script pnpm test",
      "5 script --filter nothing",
    ]);
  });

  it("reports a pnpm release command its usage does not name", () => {
    expect(findings("`pnpm release status|rollback --stack x`, `pnpm release undo --stack x`\n")).toEqual([
      "1 command pnpm release undo",
    ]);
  });

  it("reports a flag the CLI's parser does not accept, in a command or beside it", () => {
    expect(cliFlags(join(fixture({}), "tool/cli.ts"))).toEqual(
      new Set(["--help", "--stack", "--all-at-once"]),
    );
    expect(
      findings(
        [
          "```sh",
          "pnpm release rollback --stack prod --all-at-once [--help]",
          "pnpm -s release rollback --stack prod \\",
          "  --all-at-onse",
          "```",
          "",
          "`pnpm release rollback --stack prod`, with `--al-at-once` or",
          "`--stack`.",
          "",
          "Alone: `--stak` is a near miss; `--policy-pack` is another tool's; beside `pulumi up`, `--stak` is pulumi's.",
          "",
          "With `pulumi preview`, `--stak` is not ours.",
        ].join("\n"),
      ),
    ).toEqual(["4 flag pnpm release --all-at-onse", "7 flag --al-at-once"]);
    expect(findings("Alone: `--stak` is a near miss; `--policy-pack` is another tool's.\n")).toEqual([
      "1 flag --stak",
    ]);
  });

  it("reports a config key Pulumi.yaml does not declare", () => {
    expect(
      findings(
        [
          "Set `comments-platform:minTasks` and comments-platform:maxTasks in the stack file.", // 1
          "`pulumi config set --stack prod minTask 3` and `pulumi config set --path 'pageEmails[0]' a@b`", // 2
          "`pulumi config set aws:region us-east-1`, `pulumi config set <key> <value>`", // 3: not ours, placeholder
          "In the stack config, `pageEmail: [a@b]` and `parseStackConfig` (not a key).", // 4: near miss, far name
        ].join("\n"),
      ),
    ).toEqual(["2 config key minTask", "4 config key pageEmail", "1 config key comments-platform:maxTasks"]);
  });

  it("reports a repository path that does not exist, and leaves other trees' paths alone", () => {
    expect(
      findings(
        [
          "See `tool/cli.ts`, `tool/args.ts:1`, `docs/`, `Pulumi.yaml`, `../tool/` and `./other.md`.",
          "Not `tool/cli.js`, `docs/missing.md` or `tool/README.md`.",
          "From inside a package: `src/a.ts`, not `src/b.ts`; not from this document: `./tool/cli.ts`.",
          "```sh",
          "node tool/cli.ts > out/x.json && bash tool/setup.sh   # tool/comment.sh",
          "```",
          "Left alone: `internal/service/iam/role.go`, `Pulumi.<stack>.yaml`, `tool/*.ts`, `https://x/tool/y`, `/health`.",
        ].join("\n"),
      ),
    ).toEqual([
      "2 path tool/cli.js",
      "2 path docs/missing.md",
      "2 path tool/README.md",
      "3 path src/b.ts",
      "3 path docs/tool/cli.ts",
      "5 path tool/setup.sh",
    ]);
  });

  it("reports a relative link to a missing file or a missing anchor", () => {
    expect(
      findings(
        [
          "# Doc",
          "",
          "[ok](other.md), [ok](other.md#rolling-back-fast), [ok](#doc), [ok](../tool/cli.ts),",
          "[web](https://example.com/x.md), [mail](mailto:a@example.com).",
          "[bad](othr.md), [bad](other.md#rolling-back), [bad](#nowhere).",
        ].join("\n"),
      ),
    ).toEqual(["5 link othr.md", "5 link other.md#rolling-back", "5 link #nowhere"]);
  });

  it("computes GitHub's anchors: punctuation dropped, spaces kept one for one, repeats numbered", () => {
    expect([
      ...anchors(
        '# A `code` title: (x) — y\n## Again\n## Again\n```\n# not a heading\n```\n<a id="here"></a>\n',
      ),
    ]).toEqual(["a-code-title-x--y", "again", "again-1", "here"]);
  });
});
