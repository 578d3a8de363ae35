/**
 * Docs as tests: every `pnpm` script, `pnpm release` command, flag of our CLIs, config key,
 * repository path and relative link (with its #anchor) that a document names must exist.
 * infra/test/docs.test.ts runs it over README.md and every other tracked Markdown file.
 *
 * What counts as a name, to stay clear of false positives:
 * - commands (`pnpm ...`, `node <file>.ts`, `tsx <file>.ts`, `pulumi config set/get/rm`) are read
 *   from code spans and code-block lines only, never from prose;
 * - a token with `<`, `>`, `$`, `…` or `...` is a placeholder and is not checked;
 * - a path is a code span or link of one token whose first segment is an entry of the repository's
 *   top level (`infra/...`, `docs/x.md`, `Pulumi.yaml`); other trees' paths (a provider's
 *   `internal/service/...`) start elsewhere and are left alone; URLs are never paths;
 * - a lone `--flag` span in prose is checked against the CLIs its paragraph invokes, unless the
 *   paragraph also invokes another tool (`pulumi`, `aws`, `docker`, ...), whose flags are not ours.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import ts from "typescript";
import { parse } from "yaml";
import { editDistance } from "../config/reader";

/** What a document names that the checker looks up. */
export type Kind = "script" | "command" | "flag" | "config key" | "path" | "link";
/** Every kind, in the order the counts are printed. */
export const KINDS: readonly Kind[] = ["script", "command", "flag", "config key", "path", "link"];

/** A name that does not exist, where the document names it. */
export interface Finding {
  /** `doc:line`. */
  at: string;
  kind: Kind;
  name: string;
  problem: string;
}

/** What the repository defines, read from its files. */
export interface Facts {
  root: string;
  /** package name -> its package.json's scripts. */
  scripts: Map<string, Set<string>>;
  /** package directory (relative, "" for the root) -> package name. */
  packageDirs: Map<string, string>;
  rootPackage: string;
  /** `pnpm release`'s commands, from its usage text. */
  releaseCommands: Set<string>;
  /** The files git tracks (relative), when known: the top level is theirs. */
  tracked?: readonly string[];
  /** The config keys each Pulumi.yaml declares: "" for the project's, else the project's directory. */
  configKeys: Map<string, Set<string>>;
}

/**
 * pnpm's own commands and their aliases, which `pnpm <name>` runs instead of a script (`pnpm help`;
 * https://pnpm.io/cli/add and the pages beside it). `test` and `start` are left out: pnpm runs the
 * package's script of that name.
 */
const PNPM_BUILTINS = new Set([
  "add",
  "c",
  "ln",
  "approve-builds",
  "audit",
  "bin",
  "config",
  "create",
  "dedupe",
  "deploy",
  "dlx",
  "env",
  "exec",
  "fetch",
  "i",
  "import",
  "init",
  "install",
  "install-test",
  "it",
  "licenses",
  "link",
  "list",
  "ll",
  "ls",
  "outdated",
  "pack",
  "patch",
  "patch-commit",
  "prune",
  "publish",
  "rebuild",
  "remove",
  "rm",
  "root",
  "self-update",
  "setup",
  "store",
  "uninstall",
  "unlink",
  "up",
  "update",
  "upgrade",
  "why",
]);
/** pnpm options before the script that take a value (https://pnpm.io/filtering, https://pnpm.io/pnpm-cli#options). */
const PNPM_VALUE_OPTIONS = new Set([
  "--filter",
  "-F",
  "--dir",
  "-C",
  "--reporter",
  "--workspace-concurrency",
]);
/** Other tools whose flags a paragraph may name: a lone flag next to them is theirs, not ours. */
const OTHER_TOOLS =
  /(^|[\s`(])(pulumi|aws|docker|git|gh|curl|psql|kubectl|npm|npx|apt-get|pip|promtool|amtool)\s/;

const PLACEHOLDER = /[<>$…]|\.\.\./;

/** What the repository at `root` defines; `tracked`: the files git tracks there. */
export function readFacts(root: string, tracked?: readonly string[]): Facts {
  const scripts = new Map<string, Set<string>>();
  const packageDirs = new Map<string, string>();
  const workspace = parse(readFileSync(join(root, "pnpm-workspace.yaml"), "utf8")) as { packages: string[] };
  const dirs = [""];
  for (const pattern of workspace.packages) {
    if (pattern.endsWith("/*")) {
      const base = pattern.slice(0, -2);
      for (const entry of readdirSync(join(root, base))) dirs.push(`${base}/${entry}`);
    } else dirs.push(pattern);
  }
  let rootPackage = "";
  for (const dir of dirs) {
    const file = join(root, dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8")) as { name: string; scripts?: Record<string, string> };
    scripts.set(pkg.name, new Set(Object.keys(pkg.scripts ?? {})));
    packageDirs.set(dir, pkg.name);
    if (dir === "") rootPackage = pkg.name;
  }
  const configKeys = new Map<string, Set<string>>();
  for (const dir of [
    "",
    ...listFiles(root, "infra")
      .filter((f) => f.endsWith("/Pulumi.yaml"))
      .map(dirname),
  ]) {
    const project = parse(readFileSync(join(root, dir, "Pulumi.yaml"), "utf8")) as { config?: object };
    const keys = new Set(Object.keys(project.config ?? {}));
    // Another project (the bootstrap) may read keys its Pulumi.yaml cannot declare: an object list
    // has no type in the project schema (https://www.pulumi.com/docs/iac/concepts/projects/project-file/#config-options).
    if (dir !== "") {
      for (const file of listFiles(root, dir).filter((f) => f.endsWith(".ts"))) {
        const source = readFileSync(join(root, file), "utf8");
        for (const m of source.matchAll(/config\.(?:get|require)\w*\(\s*"([^"]+)"/g))
          keys.add(m[1] as string);
      }
    }
    configKeys.set(dir, keys);
  }
  const usageFile = join(root, "infra/src/release/cli-args.ts");
  const usage = existsSync(usageFile) ? readFileSync(usageFile, "utf8") : "";
  const releaseCommands = new Set(
    [...usage.matchAll(/pnpm release ([a-z][a-z-]*)/g)].map((m) => m[1] as string),
  );
  return {
    root,
    scripts,
    packageDirs,
    rootPackage,
    releaseCommands,
    configKeys,
    ...(tracked === undefined ? {} : { tracked: tracked.filter((file) => file !== "") }),
  };
}

/** Files under `dir` (relative to root), without node_modules. */
function listFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".tmp")) continue;
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listFiles(root, path));
    else out.push(path);
  }
  return out;
}

/**
 * The `--flags` a TypeScript CLI accepts, from its own parser: the option names of every
 * `parseArgs({ options })` (node:util) in the entry file and the relative imports it reaches, and
 * the flag-shaped string literals of those files (`argv.includes("--help")`, a table of allowed
 * options). Files without a `parseArgs` call add nothing.
 */
export function cliFlags(entry: string): Set<string> {
  const flags = new Set<string>();
  const seen = new Set<string>();
  /** Object literals bound to a name in any file reached: `options: OPTIONS` may import it. */
  const objects = new Map<string, ts.ObjectLiteralExpression>();
  const optionObjects: { source: ts.SourceFile; options: ts.Expression }[] = [];
  const visit = (file: string, depth: number) => {
    if (seen.has(file) || depth > 4 || !existsSync(file)) return;
    seen.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const literals: string[] = [];
    let parses = false;
    const unwrap = (node: ts.Expression): ts.Expression =>
      ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isParenthesizedExpression(node)
        ? unwrap(node.expression)
        : node;
    const walk = (node: ts.Node) => {
      if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
        const from = node.moduleSpecifier;
        if (from !== undefined && ts.isStringLiteral(from) && from.text.startsWith(".")) {
          const base = join(dirname(file), from.text);
          for (const candidate of [
            base,
            `${base}.ts`,
            base.replace(/\.js$/, ".ts"),
            join(base, "index.ts"),
          ]) {
            if (existsSync(candidate) && statSync(candidate).isFile()) {
              visit(candidate, depth + 1);
              break;
            }
          }
        }
      }
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer !== undefined) {
        const value = unwrap(node.initializer);
        if (ts.isObjectLiteralExpression(value)) objects.set(node.name.text, value);
      }
      if (ts.isStringLiteralLike(node) && /^--[a-z][a-z0-9-]*$/.test(node.text)) literals.push(node.text);
      if (
        ts.isCallExpression(node) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === "parseArgs"
      ) {
        parses = true;
        const config = node.arguments[0];
        if (config !== undefined && ts.isObjectLiteralExpression(config)) {
          for (const property of config.properties) {
            if (ts.isPropertyAssignment(property) && property.name.getText(source) === "options") {
              optionObjects.push({ source, options: unwrap(property.initializer) });
            }
          }
        }
      }
      ts.forEachChild(node, walk);
    };
    walk(source);
    if (!parses) return;
    for (const literal of literals) flags.add(literal);
  };
  visit(entry, 0);
  for (const { source, options } of optionObjects) {
    const object = ts.isIdentifier(options) ? objects.get(options.text) : options;
    if (object === undefined || !ts.isObjectLiteralExpression(object)) continue;
    for (const property of object.properties) {
      const name = property.name;
      if (name === undefined) continue;
      flags.add(`--${ts.isStringLiteral(name) || ts.isIdentifier(name) ? name.text : name.getText(source)}`);
    }
  }
  return flags;
}

/** The TypeScript file a package.json script runs (`cd infra && tsx scripts/x.ts`), if any. */
export function scriptEntry(root: string, packageDir: string, command: string): string | undefined {
  const cd = /^cd (\S+) && /.exec(command)?.[1];
  const file = command.split(/\s+/).find((token) => token.endsWith(".ts"));
  if (file === undefined) return undefined;
  return join(root, packageDir, cd ?? "", file);
}

/** Splits a shell line into words, quotes kept whole (and stripped). */
function words(text: string): string[] {
  return [...text.replace(/;(\s|$)/g, " ; ").matchAll(/"[^"]*"|'[^']*'|\S+/g)].map((m) => m[0]);
}
const unquote = (word: string) => word.replace(/^(["'])(.*)\1$/, "$2");
/** Words that end a command: what follows belongs to another one. */
const ENDS = new Set(["&&", "||", ";", "|", ">", ">>", "2>", "2>&1", "#", "&"]);

/** GitHub's heading anchors (https://github.com/Flet/github-slugger, which mirrors github.com). */
export function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const counts = new Map<string, number>();
  let fence = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    if (fence) continue;
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1] as string);
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    const text = (heading[1] as string).replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/<[^>]+>/g, "");
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replace(/ /g, "-");
    const n = counts.get(slug) ?? 0;
    counts.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** What `checkDocs` found, and how much it looked at. */
export interface Report {
  findings: Finding[];
  /** How many names of each kind were checked (found to exist, or reported). */
  checked: Record<Kind, number>;
  /** Every name checked, where. */
  names: { at: string; kind: Kind; name: string }[];
}

/** Checks `docs` (paths relative to root). */
export function checkDocs(facts: Facts, docs: readonly string[]): Report {
  const { root } = facts;
  const findings: Finding[] = [];
  const checked = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>;
  const names: Report["names"] = [];
  // The repository's top level: what git tracks (not a local .tmp/ or an ignored build output).
  const topLevel = new Set(
    (facts.tracked ?? readdirSync(root).filter((name) => name !== "node_modules")).map(
      (file) => file.split("/")[0] as string,
    ),
  );
  /** The first segments inside workspace packages (`test/`, `src/`): paths written from a package. */
  const packageTops = new Map<string, string[]>();
  for (const dir of facts.packageDirs.keys()) {
    if (dir === "") continue;
    for (const entry of readdirSync(join(root, dir))) {
      if (entry !== "node_modules") packageTops.set(entry, [...(packageTops.get(entry) ?? []), dir]);
    }
  }
  const projectKeys = facts.configKeys.get("") ?? new Set<string>();
  const anyKey = (key: string) => [...facts.configKeys.values()].some((keys) => keys.has(key));
  const flagCache = new Map<string, Set<string>>();
  const flagsOf = (entry: string) => {
    let flags = flagCache.get(entry);
    if (flags === undefined) {
      flags = cliFlags(entry);
      flagCache.set(entry, flags);
    }
    return flags;
  };
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOf = (doc: string) => {
    let set = anchorCache.get(doc);
    if (set === undefined) {
      set = anchors(readFileSync(join(root, doc), "utf8"));
      anchorCache.set(doc, set);
    }
    return set;
  };

  /** Every flag of the root package's TypeScript scripts and .github/scripts: a lone flag's candidates. */
  const rootScripts = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const entries = [
    ...Object.values(rootScripts.scripts).map((command) => scriptEntry(root, "", command)),
    ...(existsSync(join(root, ".github/scripts"))
      ? readdirSync(join(root, ".github/scripts"))
          .filter((f) => f.endsWith(".ts"))
          .map((f) => join(root, ".github/scripts", f))
      : []),
  ].filter((entry): entry is string => entry !== undefined);
  const ourFlags = new Set(entries.flatMap((entry) => [...flagsOf(entry)]));

  for (const doc of docs) {
    const lines = readFileSync(join(root, doc), "utf8").split("\n");
    const report = (line: number, kind: Kind, name: string, problem: string) =>
      findings.push({ at: `${doc}:${line}`, kind, name, problem });
    const note = (line: number, kind: Kind, name: string) => {
      checked[kind]++;
      names.push({ at: `${doc}:${line}`, kind, name });
    };

    /** A CLI named in a command: its label and entry file. */
    interface Cli {
      label: string;
      entry: string | undefined;
    }

    /** Checks one command (words from `start`); returns the CLI it invokes, if ours. */
    const command = (line: number, all: string[], start: number): Cli | undefined => {
      const tokens: string[] = [];
      for (let i = start; i < all.length; i++) {
        const word = all[i] as string;
        if (ENDS.has(word) || word.startsWith("#") || word.startsWith(">")) break;
        tokens.push(word);
      }
      const head = tokens[0];
      let cli: Cli | undefined;
      let rest: string[] = [];
      if (head === "pnpm") {
        let filter: string | undefined;
        let dir: string | undefined;
        let recursive = false;
        let i = 1;
        for (; i < tokens.length; i++) {
          const token = tokens[i] as string;
          if (PNPM_VALUE_OPTIONS.has(token)) {
            const value = unquote(tokens[++i] ?? "");
            if (token === "--filter" || token === "-F") filter = value;
            else if (token === "--dir" || token === "-C") dir = value;
          } else if (/^--filter=/.test(token)) filter = unquote(token.slice(9));
          else if (token === "-r" || token === "--recursive") recursive = true;
          else if (token.startsWith("-")) continue;
          else break;
        }
        let name = tokens[i];
        if (name === "run" || name === "run-script") name = tokens[++i];
        if (name === undefined || PLACEHOLDER.test(name) || /[`"'(),]/.test(name)) return undefined;
        if (PNPM_BUILTINS.has(name)) return undefined;
        if (
          (filter !== undefined && PLACEHOLDER.test(filter)) ||
          (dir !== undefined && PLACEHOLDER.test(dir))
        ) {
          return undefined;
        }
        let pkg: string | undefined = facts.rootPackage;
        if (filter !== undefined) {
          const asDir = normalize(filter.replace(/^\{(.*)\}$/, "$1"))
            .replace(/^\.\//, "")
            .replace(/\/$/, "");
          pkg = facts.scripts.has(filter) ? filter : facts.packageDirs.get(asDir);
          if (pkg === undefined) {
            report(line, "script", `--filter ${filter}`, "no workspace package of that name or directory");
            return undefined;
          }
        } else if (dir !== undefined) pkg = facts.packageDirs.get(normalize(dir).replace(/\/$/, ""));
        note(line, "script", `${pkg}:${name}`);
        const defined = recursive
          ? [...facts.scripts.values()].some((scripts) => scripts.has(name as string))
          : (facts.scripts.get(pkg ?? "")?.has(name) ?? false);
        if (!defined) {
          report(
            line,
            "script",
            `pnpm ${name}`,
            `no script "${name}" in ${recursive ? "any package.json" : `${pkg}'s package.json`}`,
          );
          return undefined;
        }
        const packageDir = [...facts.packageDirs].find(([, n]) => n === pkg)?.[0] ?? "";
        const pkgJson = JSON.parse(readFileSync(join(root, packageDir, "package.json"), "utf8")) as {
          scripts: Record<string, string>;
        };
        const script = recursive ? undefined : pkgJson.scripts[name];
        cli = {
          label: `pnpm ${name}`,
          entry: script === undefined ? undefined : scriptEntry(root, packageDir, script),
        };
        rest = tokens.slice(i + 1);
        if (name === "release" && pkg === facts.rootPackage) {
          const sub = rest.find((token) => !token.startsWith("-"));
          // `status|rollback`: alternatives, each a command.
          for (const alternative of sub === undefined || PLACEHOLDER.test(sub) || !/^[a-z]/.test(sub)
            ? []
            : sub.split("|")) {
            note(line, "command", `release ${alternative}`);
            if (!facts.releaseCommands.has(alternative)) {
              report(
                line,
                "command",
                `pnpm release ${alternative}`,
                `pnpm release has no command "${alternative}" (its usage: ${[...facts.releaseCommands].join(", ")})`,
              );
            }
          }
        }
      } else if (head === "node" || head === "tsx" || head === "npx") {
        const file = tokens.find((token) => token.endsWith(".ts"));
        if (file === undefined || PLACEHOLDER.test(file)) return undefined;
        const path = join(root, file);
        if (!existsSync(path)) return undefined; // a path check reports it when it is one of ours
        cli = { label: file, entry: path };
        rest = tokens.slice(tokens.indexOf(file) + 1);
      } else if (
        head === "pulumi" &&
        ["set", "get", "rm"].includes(tokens[2] ?? "") &&
        tokens[1] === "config"
      ) {
        const positional: string[] = [];
        for (let i = 3; i < tokens.length; i++) {
          const token = tokens[i] as string;
          if (["--stack", "-s", "--cwd", "-C", "--config-file"].includes(token)) i++;
          else if (!token.startsWith("-")) positional.push(unquote(token));
        }
        const key = positional[0];
        if (key === undefined || PLACEHOLDER.test(key)) return undefined;
        const bare = key.replace(/^comments-platform:/, "").replace(/[[.].*$/, "");
        if (bare.includes(":")) return undefined; // another namespace: aws:region
        note(line, "config key", bare);
        const known = key.startsWith("comments-platform:") ? projectKeys.has(bare) : anyKey(bare);
        if (!known) report(line, "config key", bare, "no Pulumi.yaml declares it");
        return undefined;
      } else return undefined;
      if (cli.entry !== undefined) {
        const flags = flagsOf(cli.entry);
        for (const token of rest) {
          // `[--flag <value>]`: an optional flag in a usage line.
          const flag = /^\[?(--[a-z][a-z0-9-]*)(=.*)?\]?$/.exec(token)?.[1];
          if (flag === undefined) continue;
          note(line, "flag", `${cli.label} ${flag}`);
          if (!flags.has(flag))
            report(line, "flag", `${cli.label} ${flag}`, `${cli.label} does not accept ${flag}`);
        }
      }
      return cli;
    };

    /** Every command in a stretch of shell. */
    const commands = (line: number, text: string): Cli[] => {
      const all = words(text.replace(/\$\(/g, "$( "));
      const clis: Cli[] = [];
      for (let i = 0; i < all.length; i++) {
        const word = all[i] as string;
        if (
          ["pnpm", "node", "tsx", "npx", "pulumi"].includes(word) &&
          (i === 0 || !/^--?[a-z]/.test(all[i - 1] as string))
        ) {
          const cli = command(line, all, i);
          if (cli !== undefined) clis.push(cli);
        }
      }
      return clis;
    };

    const path = (line: number, raw: string, fromDoc: boolean) => {
      const [target = "", anchor] = raw.split("#", 2) as [string, string | undefined];
      const file = fromDoc
        ? target === ""
          ? doc
          : normalize(join(dirname(doc), decodeURIComponent(target)))
        : target.replace(/:\d+(-\d+)?$/, "").replace(/\/$/, "");
      const kind: Kind = fromDoc ? "link" : "path";
      note(line, kind, raw);
      if (file.startsWith("..") || !existsSync(join(root, file))) {
        report(
          line,
          kind,
          raw,
          fromDoc ? `links to ${file}, which does not exist` : "no such file or directory",
        );
        return;
      }
      if (anchor !== undefined && anchor !== "" && fromDoc) {
        if (!file.endsWith(".md")) return;
        if (!anchorsOf(file).has(anchor))
          report(line, "link", raw, `${file} has no heading with the anchor #${anchor}`);
      }
    };

    /** Prose is read a block at a time: a code span may wrap onto the next line. */
    let block: { line: number; text: string[] } = { line: 0, text: [] };
    const endParagraph = () => {
      const text = block.text.join("\n");
      const lineAt = (offset: number) => block.line + (text.slice(0, offset).match(/\n/g)?.length ?? 0);
      const clis: Cli[] = [];
      let other = false;
      const flags: [number, string][] = [];
      for (const m of text.matchAll(/(`+)([^`]+?)\1/g)) {
        const line = lineAt(m.index);
        const span = (m[2] as string).replace(/\s+/g, " ").trim();
        clis.push(...commands(line, span));
        if (OTHER_TOOLS.test(` ${span} `)) other = true;
        if (/^\[?--[a-z]/.test(span)) {
          for (const f of span.matchAll(/(?:^|[\s[])(--[a-z][a-z0-9-]*)/g))
            flags.push([line, f[1] as string]);
        }
        const single = span;
        if (
          !/\s/.test(single) &&
          !PLACEHOLDER.test(single) &&
          !/[*{}?]|:\/\//.test(single) &&
          (single.includes("/") || /\.[a-z]+$/.test(single))
        ) {
          const first = single.split("/")[0] as string;
          if (first === "." || first === "..") {
            // Relative to the document, as a link would be.
            path(line, normalize(join(dirname(doc), single)), false);
          } else if (topLevel.has(first)) path(line, single, false);
          else if (packageTops.has(first) && single.includes("/")) {
            // `test/list-walk.test.ts`, written from inside a package: it exists in one of them.
            const file = single.replace(/:\d+(-\d+)?$/, "").replace(/\/$/, "");
            note(line, "path", single);
            const dirs = packageTops.get(first) as string[];
            if (!dirs.some((dir) => existsSync(join(root, dir, file)))) {
              report(line, "path", single, `no such file or directory in ${dirs.join(" or ")}`);
            }
          }
        }
        const keyValue = /^([a-z][a-zA-Z0-9]*[A-Z][a-zA-Z0-9]*)(?:\s*[:=].*)?$/.exec(span)?.[1];
        const sentence = block.text[line - block.line] ?? "";
        if (keyValue !== undefined && /config|Pulumi\.|stack file/i.test(sentence)) typoKey(line, keyValue);
      }
      const prose = text.replace(/(`+)([^`]+?)\1/g, (span) => span.replace(/[^\n]/g, " "));
      for (const m of prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1] as string;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("/") || PLACEHOLDER.test(target))
          continue;
        path(lineAt(m.index), target, true);
      }
      for (const m of text.matchAll(/comments-platform:([A-Za-z][A-Za-z0-9]*)/g))
        configKey(lineAt(m.index), m[1] as string);
      if (!other) {
        const owners = clis.filter((cli) => cli.entry !== undefined);
        for (const [line, flag] of flags) {
          if (owners.length > 0) {
            note(line, "flag", flag);
            if (!owners.some((cli) => flagsOf(cli.entry as string).has(flag))) {
              const whose = owners.map((cli) => cli.label).join(" or ");
              report(line, "flag", flag, `not a flag of ${whose}, the command this paragraph names`);
            }
            continue;
          }
          // No command around it: ours when it is one of our flags or a near miss of one (not
          // another tool's, like pulumi's --policy-pack).
          const near = [...ourFlags].find((known) => editDistance(flag, known) <= 2);
          if (near === undefined) continue;
          note(line, "flag", flag);
          if (near !== flag && !ourFlags.has(flag))
            report(line, "flag", flag, `not a flag of any of our CLIs (did you mean ${near}?)`);
        }
      }
      block = { line: 0, text: [] };
    };
    let fence: string | undefined;
    let shellBlock = false;
    let continued = "";
    lines.forEach((text, index) => {
      const line = index + 1;
      const opening = /^\s*(```|~~~)(.*)$/.exec(text);
      if (opening !== null) {
        if (fence === undefined) {
          endParagraph();
          fence = opening[1];
          shellBlock = /^(sh|bash|shell|console)?(\s|$)/.test((opening[2] as string).trim());
        } else if (text.trim() === fence) fence = undefined;
        return;
      }
      if (fence !== undefined) {
        const shell = `${continued} ${text}`;
        if (/\\\s*$/.test(text)) {
          continued = shell.replace(/\\\s*$/, "");
          return;
        }
        continued = "";
        commands(line, shell.trim());
        if (shellBlock) {
          // Repository paths a command names (`bash .ci/setup`, `-f services/comments-api/Dockerfile`).
          const tokens = words(shell.replace(/\s#.*$/, ""));
          tokens.forEach((token, i) => {
            const word = unquote(token);
            if (/^[>]/.test(tokens[i - 1] ?? "") || !word.includes("/") || /[=:<>$*{}?…]|\.\.\./.test(word))
              return;
            if (topLevel.has(word.split("/")[0] as string)) path(line, word, false);
          });
        }
        for (const m of shell.matchAll(/comments-platform:([A-Za-z][A-Za-z0-9]*)/g))
          configKey(line, m[1] as string);
        return;
      }
      // A blank line ends a block; a heading or a table row is a block of its own.
      const alone = /^\s*(#|\|)/.test(text);
      if (text.trim() === "" || alone) endParagraph();
      if (text.trim() === "") return;
      if (block.text.length === 0) block.line = line;
      block.text.push(text);
      if (alone) endParagraph();
    });
    endParagraph();

    function configKey(line: number, key: string) {
      note(line, "config key", key);
      if (!projectKeys.has(key))
        report(line, "config key", `comments-platform:${key}`, "Pulumi.yaml does not declare it");
    }
    /** A camelCase name in a config sentence: reported when it is a near miss of a declared key. */
    function typoKey(line: number, key: string) {
      if (anyKey(key)) {
        note(line, "config key", key);
        return;
      }
      const near = [...projectKeys].find(
        (known) => editDistance(key.toLowerCase(), known.toLowerCase()) <= 2,
      );
      if (near === undefined) return;
      note(line, "config key", key);
      report(line, "config key", key, `Pulumi.yaml does not declare it (did you mean ${near}?)`);
    }
  }
  return { findings, checked, names };
}

/** The documents: every tracked Markdown file (the list from git), or every one on disk. */
export function documents(root: string, tracked: readonly string[]): string[] {
  return tracked
    .filter((file) => file.endsWith(".md") && !file.includes("node_modules/") && existsSync(join(root, file)))
    .map((file) => relative(root, join(root, file)))
    .sort();
}
