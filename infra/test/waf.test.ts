/** Prod's web ACL decisions: one per rule of AWS's core rule set, and the docs list them exactly. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMON_RULE_DECISIONS, commonRuleOverrides } from "../src/documents/waf";
import { REPO_ROOT } from "../src/stack-file";

describe("the core rule set's decisions", () => {
  it("name each rule once", () => {
    const rules = COMMON_RULE_DECISIONS.map((decision) => decision.rule);
    expect(new Set(rules).size).toBe(rules.length);
    expect(rules).toHaveLength(22);
  });

  it("count every rule that reads the comment text (the body), and the ones a valid path or client trips", () => {
    expect(commonRuleOverrides()).toEqual(
      [
        "NoUserAgent_HEADER",
        "SizeRestrictions_BODY",
        "EC2MetaDataSSRF_BODY",
        "EC2MetaDataSSRF_URIPATH",
        "GenericLFI_BODY",
        "RestrictedExtensions_URIPATH",
        "GenericRFI_BODY",
        "CrossSiteScripting_BODY",
      ].map((name) => ({ name, actionToUse: { count: {} } })),
    );
    const bodyRules = COMMON_RULE_DECISIONS.filter((decision) => decision.rule.endsWith("_BODY"));
    expect(bodyRules.map((decision) => decision.action)).toEqual(bodyRules.map(() => "count"));
  });

  it("are listed in docs/operations.md exactly", () => {
    const docs = readFileSync(join(REPO_ROOT, "docs", "operations.md"), "utf8");
    // Markdown renders a bare < as HTML: the docs escape it.
    const text = (value: string) => value.replaceAll("<", "&lt;");
    const table = COMMON_RULE_DECISIONS.map(
      (d) => `| \`${d.rule}\` | ${text(d.inspects)} | ${d.action} | ${text(d.why)} |`,
    ).join("\n");
    expect(docs).toContain(`| Rule | Inspects (AWS) | Prod | Why |\n| --- | --- | --- | --- |\n${table}\n`);
  });
});
