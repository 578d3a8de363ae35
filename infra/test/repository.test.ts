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
});
