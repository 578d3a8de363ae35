/**
 * `pnpm synth <stack>`: what the stack declares, as JSON on stdout, without the Pulumi CLI or an
 * AWS account. Bad stack name or bad config: the problems on stderr, exit code 1.
 */
import { parseArgs } from "node:util";
import { STACKS, StackConfigError } from "../src/config";
import { readStackFile } from "../src/stack-file";
import { synth } from "../src/synth/run";

async function main(): Promise<number> {
  // What the clock says at creation (the final snapshot's name) is fixed, so the output is the same
  // bytes on every run: the epoch unless the caller sets one.
  process.env.SOURCE_DATE_EPOCH ??= "0";
  // `--root DIR` reads Pulumi.<stack>.yaml from DIR instead of the repository (for tests).
  let parsed: { values: { root?: string }; positionals: string[] };
  try {
    parsed = parseArgs({ options: { root: { type: "string" } }, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`usage: pnpm synth <stack> [--root <dir>]; ${(error as Error).message}\n`);
    return 2;
  }
  const root = parsed.values.root;
  const [stack] = parsed.positionals;
  if (stack === undefined || !(STACKS as readonly string[]).includes(stack)) {
    process.stderr.write(
      `usage: pnpm synth <stack>; stack must be one of ${STACKS.join(", ")}, got ${JSON.stringify(stack ?? "")}\n`,
    );
    return 2;
  }
  try {
    const result = await synth({
      stack,
      preview: true,
      ...(root === undefined ? {} : { config: readStackFile(stack, root) }),
    });
    // On a pipe, stdout is asynchronous: exiting before the write drains would cut the JSON at 64 KiB.
    await new Promise<void>((resolve) =>
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`, () => resolve()),
    );
    return 0;
  } catch (error) {
    const cause = error instanceof StackConfigError ? error : (error as { cause?: unknown }).cause;
    process.stderr.write(`synth: ${cause instanceof Error ? cause.message : String(error)}\n`);
    return 1;
  }
}

main().then((code) => process.exit(code));
