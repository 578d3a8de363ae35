import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";

/**
 * The image tag of a build: the commit, plus a hash of uncommitted changes when the tree is dirty.
 * ECR tags are immutable, so a tag must name one content; and the same tree must give the same tag,
 * or every preview would show a new image.
 */
export function imageTagFor(commit: string, uncommittedDiff: string): string {
  const short = commit.slice(0, 12);
  if (uncommittedDiff === "") return short;
  return `${short}-dirty-${createHash("sha256").update(uncommittedDiff).digest("hex").slice(0, 12)}`;
}

/** `IMAGE_TAG` when set (CI passes the commit), else from git in `cwd`. */
export function currentImageTag(cwd: string): string {
  const fromEnv = process.env.IMAGE_TAG;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const git = (...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" });
  return imageTagFor(git("rev-parse", "HEAD").trim(), git("diff", "HEAD"));
}
