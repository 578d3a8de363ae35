/** `pnpm release deploy`: one release, gated and judged as the flags and the stack say. */
import { USAGE } from "./cli-args";
import type { Command } from "./cli-context";
import { release } from "./release";

/** Releases `--task-definition` (and `--subnets`/`--security-groups`). */
export const deploy: Command = async ({ args, io, deployer, options, judged }) => {
  if (args.taskDefinition === undefined) {
    io.log(`deploy needs --task-definition <arn>\n${USAGE}`);
    return 2;
  }
  const result = await release(deployer, {
    ...options(args.taskDefinition, args.network),
    ...judged(args.taskDefinition),
  });
  io.log(
    result.action === "none" ? "nothing to release" : `released by ${result.deploymentId} (${result.action})`,
  );
  return 0;
};
