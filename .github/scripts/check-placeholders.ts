/**
 * `pnpm exec tsx .github/scripts/check-placeholders.ts --stack <stack> [--root <dir>]`: the Deploy
 * workflow's check before `pulumi up`. The committed stack files carry documentation placeholders
 * (account 123456789012, example.com) that previews and tests run on; a deploy must not. Each
 * placeholder becomes an error annotation on the stack file and the step fails (exit 1); none, exit 0.
 * The rules are the program's own (infra/src/placeholders.ts), which refuses them too outside a
 * dry run: this check says so before the job builds an image or touches the state.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { placeholderProblems } from "../../infra/src/placeholders.ts";
import { readStackFile } from "../../infra/src/stack-file.ts";

/** The repository root, where the stack files live. */
const REPO_ROOT = join(import.meta.dirname, "..", "..");
/** The stacks a deploy runs. */
const STACKS = ["stage", "prod"];

/** Checks `Pulumi.<stack>.yaml` under `root`; returns the exit code and what to print. */
export function checkPlaceholders(argv: readonly string[]): { code: number; lines: string[] } {
  let values: { stack?: string; root?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { stack: { type: "string" }, root: { type: "string" } },
      strict: true,
    }));
  } catch (error) {
    return { code: 2, lines: [`check-placeholders: ${(error as Error).message}`] };
  }
  const { stack, root } = values;
  if (stack === undefined || !STACKS.includes(stack))
    return { code: 2, lines: [`check-placeholders: --stack must be one of ${STACKS.join(", ")}`] };
  const file = `Pulumi.${stack}.yaml`;
  const problems = placeholderProblems(readStackFile(stack, root ?? REPO_ROOT));
  if (problems.length === 0) return { code: 0, lines: [`${file}: no documentation placeholder`] };
  // Workflow commands: each an error annotation on the file (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#setting-an-error-message).
  return {
    code: 1,
    lines: [
      ...problems.map((problem) => `::error file=${file}::${problem}`),
      `${file}: ${problems.length} documentation placeholder(s); set the stack's real values (docs/deploy.md) before a deploy`,
    ],
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { code, lines } = checkPlaceholders(process.argv.slice(2));
  for (const line of lines) console.log(line);
  process.exitCode = code;
}
