/**
 * The offline commands the documents show (```` ```sh offline ```` blocks: setup, start, the API
 * calls, synth, `release --help`, the smoke test against the local server) run here, as written,
 * and print what the documents say they print. A document that changes a command changes what
 * runs here.
 *
 * Each document's commands run in order, in a scratch copy of the working tree (its
 * node_modules linked), so that `pnpm start`'s build and synth's output files never touch the
 * checkout other suites read. `pnpm start`/`pnpm dev` run in the background on free ports (the
 * documents' :3000 and :9464 are rewritten to them, in commands and output alike) until the
 * document's last command has run, then get SIGTERM. `bash .ci/setup` is not run again: CI runs
 * it before the suite (.ci/run), and it installs into the checkout.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort, track, waitUntil } from "@comments-platform/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { matchesOutput, type OfflineCommand, offlineCommands } from "../src/docs/offline";
import { REPO_ROOT } from "../src/stack-file";

const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
  cwd: REPO_ROOT,
  encoding: "utf8",
})
  .split("\n")
  .filter((file) => file !== "" && existsSync(join(REPO_ROOT, file)));
const byDoc = new Map(
  files
    .filter((file) => file.endsWith(".md"))
    .map((doc) => [doc, offlineCommands(doc, readFileSync(join(REPO_ROOT, doc), "utf8"))] as const)
    .filter(([, commands]) => commands.length > 0),
);
const all = [...byDoc.values()].flat();

const SETUP = /^bash \.ci\/setup( && |$)/;
const SERVER = /^pnpm (start|dev)$/;

describe("the documents' offline commands", () => {
  // What the issue asks the documents to show and the suite to run: a document that drops one
  // (or stops marking it offline) fails here, naming it.
  it.each([
    ["the setup", SETUP],
    ["the service's start", /(^|&& )pnpm (start|dev)$/],
    ["a call to the local API", /^curl .*localhost:3000\/api\//],
    ["synth of stage", /^pnpm (-s )?synth stage\b/],
    ["synth of prod", /^pnpm (-s )?synth prod\b/],
    ["the release CLI's help", /^pnpm (-s )?release --help$/],
    ["the smoke test against the local server", /^pnpm (-s )?smoke http:\/\/(localhost|127\.0\.0\.1):3000\b/],
  ])("include %s", (_what, pattern) => {
    expect(
      all
        .map((command) => `${command.at} ${command.command}`)
        .filter((c) => pattern.test(c.split(" ").slice(1).join(" "))).length,
    ).toBeGreaterThan(0);
  });

  it("leave the setup to CI, which runs it before the suite", () => {
    expect(readFileSync(join(REPO_ROOT, ".ci/run"), "utf8")).toContain("\nbash .ci/setup\n");
  });
});

describe("an offline block", () => {
  it("is read command by command, with the output and exit code shown after each", () => {
    const doc = [
      "```sh",
      "pnpm not-offline",
      "```",
      "```sh offline",
      "# a comment before any command",
      "pnpm -s release status \\",
      "  --stack prod",
      "# line one",
      "#   ...",
      "pnpm -s release --bad   # a comment",
      "# exit 2",
      "```",
    ].join("\n");
    expect(offlineCommands("d.md", doc)).toEqual([
      { at: "d.md:6", command: "pnpm -s release status --stack prod", output: ["line one", "..."], exit: 0 },
      { at: "d.md:10", command: "pnpm -s release --bad   # a comment", output: undefined, exit: 2 },
    ]);
  });

  it("matches output exactly, `...` standing for any lines", () => {
    expect(matchesOutput(["a", "...", "d"], ["a", "b", "c", "d"])).toBe(true);
    expect(matchesOutput(["a", "..."], ["a"])).toBe(true);
    expect(matchesOutput(["a"], ["a", "b"])).toBe(false);
    expect(matchesOutput(["a", "...", "d"], ["a", "b", "c"])).toBe(false);
    expect(matchesOutput(["a "], ["a"])).toBe(false);
  });
});

/** A copy of the working tree with the checkout's installed dependencies linked in. */
function scratchCopy(): string {
  const root = mkdtempSync(join(tmpdir(), "docs-commands-"));
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(root, file));
  }
  // pnpm's links are relative to the real directory they sit in, so links to this checkout's
  // node_modules resolve as they do here (as services/comments-api/test/previous-release.ts does).
  for (const file of files.filter((f) => f === "package.json" || f.endsWith("/package.json"))) {
    const dir = dirname(file);
    const modules = join(REPO_ROOT, dir, "node_modules");
    if (existsSync(modules)) symlinkSync(modules, join(root, dir, "node_modules"));
  }
  return root;
}

for (const [doc, commands] of byDoc) {
  describe(`${doc}'s offline commands`, () => {
    const root = scratchCopy();
    let server: ChildProcess | undefined;
    const ports = { api: 0, metrics: 0 };
    const local = (text: string) =>
      ports.api === 0
        ? text
        : text
            .replace(/(localhost|127\.0\.0\.1):3000\b/g, `$1:${ports.api}`)
            .replace(
              /(localhost|127\.0\.0\.1)?:9464\b/g,
              (_m, host: string | undefined) => `${host ?? ""}:${ports.metrics}`,
            );
    afterAll(async () => {
      if (server !== undefined && server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server?.once("exit", resolve));
        process.kill(-(server.pid as number), "SIGTERM");
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
    });

    it.each(commands.map((command) => [command.at, command] as [string, OfflineCommand]))(
      "%s",
      async (_at, command) => {
        const text = command.command.replace(SETUP, "");
        if (text === "") return; // `bash .ci/setup` alone: CI ran it
        if (SERVER.test(text)) {
          ports.api = await freePort();
          ports.metrics = await freePort();
          server = track(
            spawn("bash", ["-c", text], {
              cwd: root,
              detached: true,
              stdio: "ignore",
              env: { ...process.env, PORT: String(ports.api), METRICS_PORT: String(ports.metrics) },
            }),
          );
          await waitUntil(
            `${command.at}: ${text}`,
            async () => (await fetch(`http://127.0.0.1:${ports.api}/healthz`)).status === 200,
            server,
          );
          return;
        }
        const run = spawn("bash", ["-o", "pipefail", "-c", local(text)], {
          cwd: root,
          stdio: ["ignore", "pipe", "pipe"],
          env: { ...process.env, FORCE_COLOR: "0" },
        });
        let stdout = "";
        let stderr = "";
        run.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        run.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        const code = await new Promise<number | null>((resolve) => run.once("close", resolve));
        const lines = stdout.replace(/\n$/, "").split("\n");
        const expected = command.output?.map(local);
        const shown = { at: command.at, command: text, exit: code, stdout, stderr };
        expect({ ...shown, exit: code }, "the exit code the document implies").toMatchObject({
          exit: command.exit,
        });
        if (expected !== undefined && !matchesOutput(expected, stdout === "" ? [] : lines)) {
          expect(lines, `${command.at}: the output the document shows`).toEqual(expected);
        }
      },
    );
  });
}
