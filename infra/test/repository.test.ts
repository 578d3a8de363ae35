/** What the repository as a whole promises: it points to no notes it does not contain. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/stack-file";

describe("the repository", () => {
  it("cites public pages, never a design document or notes folder it does not contain", () => {
    const files = execFileSync("git", ["ls-files"], { cwd: REPO_ROOT, encoding: "utf8" })
      .split("\n")
      .filter((file) => file !== "" && file !== "pnpm-lock.yaml");
    // Built from parts, so this file does not match itself.
    const pointers = [["DESIGN", "md"].join("."), ["..", "shared", ""].join("/")];
    const found = files.flatMap((file) => {
      const text = readFileSync(join(REPO_ROOT, file), "utf8");
      return pointers.filter((pointer) => text.includes(pointer)).map((pointer) => `${file}: ${pointer}`);
    });
    expect(found).toEqual([]);
  });

  // Every export says what it is for: the reader of a component or builder starts at its JSDoc.
  it("documents every export of the program, the service, the scripts and the generators with JSDoc", () => {
    const sources = execFileSync(
      "git",
      [
        "ls-files",
        "infra/index.ts",
        "infra/src",
        "infra/slo/src",
        "infra/policy",
        "infra/bootstrap",
        "infra/scripts",
        "services/comments-api/src",
        "dashboards/src",
        ".github/scripts",
        "alerts/local",
      ],
      { cwd: REPO_ROOT, encoding: "utf8" },
    )
      .split("\n")
      .filter((file) => file.endsWith(".ts"));
    const undocumented = sources.flatMap((file) => {
      let previous = "";
      return readFileSync(join(REPO_ROOT, file), "utf8")
        .split("\n")
        .flatMap((line, index) => {
          const found =
            /^export (async )?(function|const|class|interface|type|enum) /.test(line) &&
            !/\*\/\s*$/.test(previous)
              ? [`${file}:${index + 1}: ${line.slice(0, 60)}`]
              : [];
          if (line.trim() !== "") previous = line;
          return found;
        });
    });
    expect(undocumented).toEqual([]);
  });
});
