/**
 * A stack as `pnpm synth <stack>` shows it, with extra config as `key=value` arguments after the
 * stack (the simulation sets the keys the committed stack files leave unset: the Identity Center
 * groups and instance), JSON on stdout: its own process, as the Pulumi runtime holds one program
 * per process.
 */

import { readStackFile } from "../../src/stack-file";
import { synth } from "../../src/synth/run";

const [stack = "", ...pairs] = process.argv.slice(2);
const extra = Object.fromEntries(pairs.map((pair) => pair.split(/=(.*)/s, 2) as [string, string]));
async function main(): Promise<void> {
  process.env.SOURCE_DATE_EPOCH ??= "0";
  const result = await synth({ stack, preview: true, config: { ...readStackFile(stack), ...extra } });
  await new Promise<void>((done) => process.stdout.write(`${JSON.stringify(result)}\n`, () => done()));
}

main().then(() => process.exit(0));
