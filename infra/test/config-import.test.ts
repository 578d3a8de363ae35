/**
 * The config module reads no file when it is imported: alerts/slo.yaml and alerts/analysis are read
 * by an explicit readConfigSpecs() at each entry and passed to the parser.
 */
import type * as fs from "node:fs";
import { relative } from "node:path";
import { expect, it, vi } from "vitest";
// Imported after the mock below: vi.mock is hoisted above every import.
import { readConfigSpecs } from "../src/config";
import { REPO_ROOT } from "../src/stack-file";

const reads = vi.hoisted((): string[] => []);

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  const readFileSync = ((path: fs.PathOrFileDescriptor, options?: unknown) => {
    reads.push(String(path));
    return real.readFileSync(path, options as BufferEncoding);
  }) as typeof real.readFileSync;
  const readdirSync = ((path: fs.PathLike) => {
    reads.push(String(path));
    return real.readdirSync(path);
  }) as typeof real.readdirSync;
  const mocked = { ...real, readFileSync, readdirSync };
  return { ...mocked, default: mocked };
});

it("reads nothing when imported, and alerts/slo.yaml and alerts/analysis when readConfigSpecs is called", () => {
  expect(reads).toEqual([]);

  const specs = readConfigSpecs();
  expect(reads.map((path) => relative(REPO_ROOT, path))).toEqual([
    "alerts/slo.yaml",
    "alerts/analysis",
    "alerts/analysis/canary.yaml",
  ]);
  expect(Object.keys(specs.analyses)).toEqual(["canary"]);
  expect(specs.slo.job).toBe("comments-api");
});
