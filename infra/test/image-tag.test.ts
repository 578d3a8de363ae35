/**
 * The image tag is the hash of what the image is built from, so a commit that touches only docs,
 * alerts, dashboards, infra or the service's tests builds no image and previews as no release.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildInputFiles,
  DOCKERFILE,
  DOCKERIGNORE,
  dockerignoreFor,
  IMAGE_BUILD_INPUTS,
  imageTagFor,
} from "../src/image-tag";
import { REPO_ROOT } from "../src/stack-file";

let root: string;
beforeEach(() => {
  // The repository's build inputs and a few files that are not, in a tree of their own.
  root = mkdtempSync(join(tmpdir(), "image-tag-"));
  for (const input of [...IMAGE_BUILD_INPUTS, DOCKERFILE, "README.md", "alerts", "dashboards", "infra/src"]) {
    cpSync(join(REPO_ROOT, input), join(root, input), { recursive: true });
  }
  cpSync(
    join(REPO_ROOT, "services/comments-api/test/config.test.ts"),
    join(root, "services/comments-api/test/config.test.ts"),
  );
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const edit = (path: string) =>
  writeFileSync(join(root, path), `${readFileSync(join(root, path), "utf8")}\n// edited\n`);

describe("the image tag", () => {
  it("is the same for the same build inputs, on any machine (no commit, no clock, no absolute path)", () => {
    const tag = imageTagFor(root);
    expect(tag).toMatch(/^c-[0-9a-f]{20}$/);
    expect(imageTagFor(root)).toBe(tag);
    expect(imageTagFor(REPO_ROOT)).toBe(tag);
  });

  it.each([
    "README.md",
    "alerts/rules/comments-api.yaml",
    "infra/src/config/index.ts",
    "services/comments-api/test/config.test.ts",
  ])("does not change when %s changes", (path) => {
    const before = imageTagFor(root);
    edit(path);
    expect(imageTagFor(root)).toBe(before);
  });

  it.each([
    "services/comments-api/src/app.ts",
    "pnpm-lock.yaml",
    DOCKERFILE,
    "services/comments-api/package.json",
  ])("changes when %s changes", (path) => {
    const before = imageTagFor(root);
    edit(path);
    expect(imageTagFor(root)).not.toBe(before);
  });

  it("changes when a source file is added or renamed", () => {
    const before = imageTagFor(root);
    writeFileSync(join(root, "services/comments-api/src/extra.ts"), "export {};\n");
    const added = imageTagFor(root);
    expect(added).not.toBe(before);
    rmSync(join(root, "services/comments-api/src/extra.ts"));
    writeFileSync(join(root, "services/comments-api/src/other.ts"), "export {};\n");
    expect(imageTagFor(root)).not.toBe(added);
  });
});

describe("the build context", () => {
  // docker-build prefers <Dockerfile>.dockerignore and hashes the context it leaves
  // (pulumi/pulumi-docker-build provider/internal/context.go): the same files the tag hashes.
  it("is exactly the build inputs: the committed Dockerfile.dockerignore is generated from them", () => {
    expect(readFileSync(join(REPO_ROOT, DOCKERIGNORE), "utf8")).toBe(dockerignoreFor());
  });

  it("holds every file the Dockerfile copies", () => {
    const dockerfile = readFileSync(join(REPO_ROOT, DOCKERFILE), "utf8");
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] ?? "").split(" "),
    );
    expect(sources).toEqual([
      "package.json",
      "pnpm-lock.yaml",
      "pnpm-workspace.yaml",
      ".npmrc",
      "tsconfig.base.json",
      "services/comments-api/package.json",
      "services/comments-api/",
    ]);
    const files = buildInputFiles(REPO_ROOT);
    for (const source of sources) {
      expect([source, files.some((file) => file === source || file.startsWith(source))]).toEqual([
        source,
        true,
      ]);
    }
    expect(files).toContain("services/comments-api/src/server.ts");
    expect(files.filter((file) => /\/(test|bench|node_modules|dist)\//.test(file))).toEqual([]);
  });
});
