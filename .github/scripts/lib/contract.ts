/**
 * The breaking-change check of `contractV1` (infra/contract/src/contract.ts): other teams read it through
 * StackReference and SSM, and its promise is that fields are added, never removed or retyped. A PR
 * that removes or retypes a field fails; added fields are listed in the PR comment.
 */

/** The fields of `export interface ContractV1 { ... }`: name → type, as written. */
export function contractFields(source: string, name = "ContractV1"): Map<string, string> {
  const start = source.indexOf(`export interface ${name} {`);
  if (start === -1) throw new Error(`no "export interface ${name} {" in the contract`);
  const body = source.slice(source.indexOf("{", start) + 1);
  const fields = new Map<string, string>();
  let depth = 0;
  let text = "";
  for (const char of body) {
    if (char === "}" && depth === 0) break;
    if (char === "{") depth += 1;
    if (char === "}") depth -= 1;
    text += char;
  }
  // Comments out, then one `name?: type;` per field at the top level.
  const plain = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  for (const match of plain.matchAll(/^\s*(readonly\s+)?([A-Za-z_$][\w$]*)(\?)?\s*:\s*([^;]+);/gm)) {
    fields.set(`${match[2]}${match[3] ?? ""}`, (match[4] ?? "").replace(/\s+/g, " ").trim());
  }
  return fields;
}

/** What changed between the base branch's contract and the PR's. */
export interface ContractChange {
  removed: string[];
  retyped: Array<{ field: string; from: string; to: string }>;
  added: Array<{ field: string; type: string }>;
}

/** Compares two versions of the contract's source. */
export function compareContracts(base: string, head: string): ContractChange {
  const before = contractFields(base);
  const after = contractFields(head);
  const bare = (field: string) => field.replace(/\?$/, "");
  const find = (fields: Map<string, string>, field: string) =>
    [...fields.entries()].find(([name]) => bare(name) === bare(field));
  const removed: string[] = [];
  const retyped: ContractChange["retyped"] = [];
  for (const [field, type] of before) {
    const now = find(after, field);
    if (now === undefined) removed.push(bare(field));
    // A required field turned optional breaks readers too: they may no longer rely on it.
    else if (now[1] !== type || (now[0].endsWith("?") && !field.endsWith("?"))) {
      retyped.push({
        field: bare(field),
        from: `${field.endsWith("?") ? "?" : ""}${type}`,
        to: `${now[0].endsWith("?") ? "?" : ""}${now[1]}`,
      });
    }
  }
  const added = [...after.entries()]
    .filter(([field]) => find(before, field) === undefined)
    .map(([field, type]) => ({ field: bare(field), type: `${field.endsWith("?") ? "?" : ""}${type}` }));
  return { removed, retyped, added };
}

/** The marker of the contract comment, so the check edits its own comment only. */
export const CONTRACT_MARKER = "<!-- comments-platform:contract-v1 -->";

/** The PR comment: breaking changes first, then the fields added; undefined when nothing changed. */
export function contractComment(change: ContractChange): string | undefined {
  const breaking = change.removed.length + change.retyped.length > 0;
  if (!breaking && change.added.length === 0) return undefined;
  const lines = [
    CONTRACT_MARKER,
    breaking ? "### contractV1: breaking change for consumers" : "### contractV1: fields added",
  ];
  if (breaking) {
    lines.push(
      "",
      "Other teams read `contractV1` through StackReference and SSM; its promise is that fields are added, never removed or retyped. Put the change in a `contractV2` beside it instead.",
      "",
      ...change.removed.map((field) => `- removed \`${field}\``),
      ...change.retyped.map((r) => `- retyped \`${r.field}\`: \`${r.from}\` → \`${r.to}\``),
    );
  }
  if (change.added.length > 0) {
    lines.push("", "Added (compatible):", "", ...change.added.map((a) => `- \`${a.field}: ${a.type}\``));
  }
  return lines.join("\n");
}
