/**
 * `pnpm release <status|deploy|rollback|analyze> --stack <stack> ...` (`--help` says how). AWS endpoints
 * and credentials come from the SDK's standard environment (AWS_PROFILE, AWS_ENDPOINT_URL, ...).
 */
import { isStackName, loadStackConfig, rawConfigFrom, readConfigSpecs, STACKS } from "../src/config";
import {
  HELP,
  LOCAL_STACK,
  parseReleaseArgs,
  runLocalAnalyze,
  runReleaseCli,
  USAGE,
} from "../src/release/cli";
import { releaseClients } from "../src/release/clients";
import { readStackFile } from "../src/stack-file";

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const args = parseReleaseArgs(argv);
  if (!args.ok) {
    process.stderr.write(`${args.problem}\n${USAGE}\n`);
    return 2;
  }
  if (args.help === true) {
    console.log(HELP);
    return 0;
  }
  const { stack } = args;
  if (stack === LOCAL_STACK) return runLocalAnalyze(argv, { log: (line) => console.log(line) });
  if (stack === undefined || !isStackName(stack)) {
    process.stderr.write(
      `--stack must be one of ${STACKS.join(", ")}, sandbox-<name>, or ${LOCAL_STACK} (analyze only)\n${USAGE}\n`,
    );
    return 2;
  }
  const config = loadStackConfig(stack, rawConfigFrom(readStackFile(stack)), readConfigSpecs());
  const clients = releaseClients(config.region);
  return runReleaseCli(argv, config, clients, { log: (line) => console.log(line) });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`release: ${(error as Error).message}`);
    process.exitCode = 1;
  },
);
