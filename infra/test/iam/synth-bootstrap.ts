/**
 * The bootstrap as `pnpm synth` shows a stack (a first preview: whatever AWS computes is a named
 * reference), JSON on stdout: its own process, as the Pulumi runtime holds one program per process.
 * Extra config as `key=value` arguments.
 */
import { synth } from "../../src/synth/run";

const extra = Object.fromEntries(process.argv.slice(2).map((pair) => pair.split("=", 2) as [string, string]));
async function main(): Promise<void> {
  const result = await synth({
    stack: "bootstrap",
    preview: true,
    config: {
      "aws:region": "sa-east-1",
      "comments-platform-bootstrap:githubRepository": "acme/comments-platform",
      "comments-platform-bootstrap:owner": "platform-team",
      "comments-platform-bootstrap:costCentre": "cc-platform",
      ...extra,
    },
    program: () => import("../../bootstrap/index.js") as Promise<Record<string, unknown>>,
  });
  await new Promise<void>((done) => process.stdout.write(`${JSON.stringify(result)}\n`, () => done()));
}

main().then(() => process.exit(0));
