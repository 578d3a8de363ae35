/**
 * The commands a document shows that run offline (no AWS, no network), for the suite to run
 * (infra/test/docs-commands.test.ts). A document marks such a block with `offline` after the
 * language: ```` ```sh offline ````; Markdown renders it as sh (the info string's first word is
 * the language: https://spec.commonmark.org/0.31.2/#info-string).
 *
 * In a block, each command (lines joined at a trailing `\`) may be followed by its output, each line
 * written as a comment (`# ` then the line). A `...` line stands for any number of lines, and
 * `# exit N` says the command exits N (otherwise 0). A command without output lines is checked by
 * its exit code only.
 */

export interface OfflineCommand {
  /** `doc:line` of the command's first line. */
  at: string;
  command: string;
  /** The output lines it prints, `...` for any lines; undefined when the document shows none. */
  output: string[] | undefined;
  exit: number;
}

/** The `offline` blocks' commands of one document, in order. */
export function offlineCommands(doc: string, markdown: string): OfflineCommand[] {
  const out: OfflineCommand[] = [];
  let inBlock = false;
  let fence: string | undefined;
  let current: OfflineCommand | undefined;
  let continued: { line: number; text: string } | undefined;
  markdown.split("\n").forEach((text, index) => {
    const line = index + 1;
    const opening = /^(```+|~~~+)\s*(\S*)(.*)$/.exec(text);
    if (fence === undefined && opening !== null) {
      fence = opening[1];
      inBlock = /(^|\s)offline(\s|$)/.test(opening[3] as string);
      current = undefined;
      return;
    }
    if (fence !== undefined && text.trim() === fence) {
      fence = undefined;
      inBlock = false;
      return;
    }
    if (!inBlock) return;
    if (/^\s*#/.test(text) && continued === undefined) {
      if (current === undefined) return; // a comment before any command
      const body = text.replace(/^\s*# ?/, "");
      const exit = /^exit (\d+)$/.exec(body.trim());
      if (exit !== null) current.exit = Number(exit[1]);
      else current.output = [...(current.output ?? []), body.trim() === "..." ? "..." : body.trimEnd()];
      return;
    }
    if (text.trim() === "") return;
    if (/\\\s*$/.test(text)) {
      continued = {
        line: continued?.line ?? line,
        text: `${continued?.text ?? ""}${text.replace(/\\\s*$/, "").trim()} `,
      };
      return;
    }
    current = {
      at: `${doc}:${continued?.line ?? line}`,
      command: `${continued?.text ?? ""}${text.trim()}`,
      output: undefined,
      exit: 0,
    };
    continued = undefined;
    out.push(current);
  });
  return out;
}

/** Whether `actual` (lines) is `expected`, where a `...` line stands for any number of lines. */
export function matchesOutput(expected: readonly string[], actual: readonly string[]): boolean {
  const [head, ...rest] = expected;
  if (head === undefined) return actual.length === 0;
  if (head === "...") {
    for (let skip = 0; skip <= actual.length; skip++) {
      if (matchesOutput(rest, actual.slice(skip))) return true;
    }
    return false;
  }
  return actual[0] === head && matchesOutput(rest, actual.slice(1));
}
