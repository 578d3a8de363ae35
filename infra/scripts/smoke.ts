/** `pnpm smoke <base-url> [--id <id>] [--ready-within <seconds>]`: see src/release/smoke-cli.ts. */
import { runSmokeCli } from "../src/release/smoke-cli";

runSmokeCli(process.argv.slice(2), (line) => console.log(line)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`smoke: ${(error as Error).message}`);
    process.exitCode = 1;
  },
);
