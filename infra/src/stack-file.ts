import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

/** The repository root, where Pulumi.yaml and the stack files live. */
export const REPO_ROOT = join(__dirname, "..", "..");

/**
 * The config of `Pulumi.<stack>.yaml` as `pulumi.runtime.allConfig()` would give it: namespaced
 * keys, every value a string, lists and objects as JSON. For `pnpm synth` and the tests, which
 * run the program without the Pulumi CLI.
 */
export function readStackFile(stack: string, root: string = REPO_ROOT): Record<string, string> {
  const file = join(root, `Pulumi.${stack}.yaml`);
  const document = parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(document?.config ?? {})) {
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
}
