/**
 * Relative links between the repository's Markdown documents: each must name a file that exists
 * and, with a `#fragment`, a heading of that file. Anchors are made the way GitHub renders them
 * (github-slugger: lower case, punctuation dropped, spaces to hyphens, `-1`, `-2` for repeats:
 * https://github.com/Flet/github-slugger/blob/master/index.js).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** The anchor GitHub gives a heading's text. */
export function headingSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Markdown without its fenced code blocks, which hold no links or headings. */
function withoutFences(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, "");
}

/** Every anchor of a document, repeats numbered as GitHub numbers them. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = headingSlug(match[1] ?? "");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** `file: link (why)` for every relative link of `files` (repository paths) that leads nowhere. */
export function brokenLinks(root: string, files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const text = withoutFences(readFileSync(join(root, file), "utf8"));
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = match[1] ?? "";
      if (/^[a-z][a-z+.-]*:/i.test(link)) continue; // https:, mailto:
      const [path = "", fragment] = link.split("#", 2);
      const target = path === "" ? join(root, file) : join(root, dirname(file), path);
      if (!existsSync(target)) {
        problems.push(`${file}: ${link} (no file ${relative(root, target)})`);
        continue;
      }
      if (fragment !== undefined && target.endsWith(".md")) {
        if (!anchorsOf(readFileSync(target, "utf8")).has(fragment)) {
          problems.push(`${file}: ${link} (no heading with that anchor in ${relative(root, target)})`);
        }
      }
    }
  }
  return problems;
}
