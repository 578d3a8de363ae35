/**
 * `pnpm smoke <base-url> [--id <id>] [--ready-within <seconds>]`: the release's smoke test (readiness,
 * a write, its read-back) against a deployed stack from anywhere. The Deploy workflow runs it against
 * stage's URL after `pulumi up`; the smoke hook Lambda runs the same test through the test listener.
 */
import { parseArgs } from "node:util";
import { smokeTest } from "./smoke-handler";

/** How to call `pnpm smoke`. */
export const SMOKE_USAGE =
  "usage: pnpm smoke <base-url> [--id <id>] [--ready-within <seconds>]\n" +
  "       pnpm smoke --help\n" +
  "  base-url       http(s) URL of the service, e.g. the stack's contractV1.url\n" +
  "  --id           names the test's content (smoke-<id>); default: manual-<epoch ms>\n" +
  "  --ready-within seconds /readyz may take to answer 200 (1-900, default 120)";

/** `pnpm smoke`'s arguments, checked. */
export interface SmokeArgs {
  baseUrl: string;
  id: string;
  readyWithinMs: number;
}

/** Parses the arguments; throws one message naming every problem. */
export function parseSmokeArgs(argv: readonly string[], now: () => number = Date.now): SmokeArgs {
  const problems: string[] = [];
  // node:util's parser, not strict, so that every problem is reported at once rather than the first.
  const {
    values,
    positionals: positional,
    tokens,
  } = parseArgs({
    args: [...argv],
    options: { id: { type: "string" }, "ready-within": { type: "string" } },
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    if (token.name !== "id" && token.name !== "ready-within")
      problems.push(`unknown option ${token.rawName}`);
    else if (token.value === undefined || token.value.startsWith("--"))
      problems.push(`${token.rawName} needs a value`);
  }
  const text = (value: unknown) => (typeof value === "string" && !value.startsWith("--") ? value : undefined);
  const id = text(values.id);
  const readyWithin = text(values["ready-within"]) ?? "120";
  let baseUrl = "";
  if (positional.length !== 1) {
    problems.push(`expected one base URL, got ${positional.length === 0 ? "none" : positional.join(" ")}`);
  } else {
    const raw = positional[0] as string;
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      problems.push(`base URL ${JSON.stringify(raw)} is not a URL`);
    }
    if (url !== undefined) {
      if (url.protocol !== "http:" && url.protocol !== "https:")
        problems.push(`base URL ${JSON.stringify(raw)} must be http or https`);
      else baseUrl = raw.replace(/\/+$/, "");
    }
  }
  if (id !== undefined && !/^[A-Za-z0-9_.:-]{1,100}$/.test(id))
    problems.push(`--id ${JSON.stringify(id)} may hold only letters, digits and _ . : - (1-100 characters)`);
  const seconds = Number(readyWithin);
  if (!/^\d+$/.test(readyWithin) || seconds < 1 || seconds > 900)
    problems.push(`--ready-within ${JSON.stringify(readyWithin)} must be a whole number of seconds, 1-900`);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return { baseUrl, id: id ?? `manual-${now()}`, readyWithinMs: seconds * 1000 };
}

/**
 * Runs the smoke test; returns the exit code (0 passed or `--help`/`-h`, 1 failed, 2 bad arguments). `userAgent`:
 * what its requests send (release/user-agent.ts; scripts/smoke.ts names the checkout's image tag).
 */
export async function runSmokeCli(
  argv: readonly string[],
  log: (line: string) => void,
  userAgent: string,
): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    log(SMOKE_USAGE);
    return 0;
  }
  let args: SmokeArgs;
  try {
    args = parseSmokeArgs(argv);
  } catch (error) {
    log(`smoke: ${(error as Error).message}\n${SMOKE_USAGE}`);
    return 2;
  }
  const failure = await smokeTest(args.id, {
    baseUrl: args.baseUrl,
    readyWithinMs: args.readyWithinMs,
    userAgent,
  });
  if (failure !== undefined) {
    log(`smoke: ${args.baseUrl} FAILED: ${failure}`);
    return 1;
  }
  log(`smoke: ${args.baseUrl} passed: ready, wrote and read back a comment under smoke-${args.id}`);
  return 0;
}
