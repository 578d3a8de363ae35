/**
 * Every relative link of the README and docs/ leads to a file that exists and, with a fragment, to
 * one of its headings: moving a section or renaming a heading fails here, naming the link.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { anchorsOf, brokenLinks, headingSlug } from "../src/docs/links";
import { REPO_ROOT } from "../src/stack-file";

const DOCUMENTS = [
  "README.md",
  "infra/README.md",
  ...readdirSync(join(REPO_ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

describe("links between the documents", () => {
  it("anchors are GitHub's", () => {
    expect(headingSlug("Releases: blue/green through CodeDeploy, inside `pulumi up`")).toBe(
      "releases-bluegreen-through-codedeploy-inside-pulumi-up",
    );
    expect(headingSlug("1. The release runs as a command resource, not a dynamic provider")).toBe(
      "1-the-release-runs-as-a-command-resource-not-a-dynamic-provider",
    );
    expect([...anchorsOf("# A\n```sh\n# not a heading\n```\n## A\n### Who? (IAM)\n")]).toEqual([
      "a",
      "a-1",
      "who-iam",
    ]);
  });

  it("every relative link and anchor resolves", () => {
    expect(DOCUMENTS).toContain("docs/deploy.md");
    expect(brokenLinks(REPO_ROOT, DOCUMENTS)).toEqual([]);
  });

  it("a link to a missing heading or file is found", () => {
    const found = brokenLinks(REPO_ROOT, ["infra/test/fixtures/docs-links/broken.md"]);
    expect(found).toEqual([
      "infra/test/fixtures/docs-links/broken.md: ../../../../docs/deploy.md#no-such-step (no heading with that anchor in docs/deploy.md)",
      "infra/test/fixtures/docs-links/broken.md: missing.md (no file infra/test/fixtures/docs-links/missing.md)",
      "infra/test/fixtures/docs-links/broken.md: #nowhere (no heading with that anchor in infra/test/fixtures/docs-links/broken.md)",
    ]);
  });
});
