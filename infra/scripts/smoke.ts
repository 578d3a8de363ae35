/** `pnpm smoke <base-url> [--id <id>] [--ready-within <seconds>]`: see src/release/smoke-cli.ts. */
import { imageTagFor } from "../src/image-tag";
import { runSmokeCli } from "../src/release/smoke-cli";
import { userAgent } from "../src/release/user-agent";
import { REPO_ROOT } from "../src/stack-file";

// The checkout's image tag: the Deploy workflow runs this on the commit it just deployed.
runSmokeCli(
  process.argv.slice(2),
  (line) => console.log(line),
  userAgent("smoke-cli", imageTagFor(REPO_ROOT)),
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`smoke: ${(error as Error).message}`);
    process.exitCode = 1;
  },
);
