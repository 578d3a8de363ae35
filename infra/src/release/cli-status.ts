/** `pnpm release status`: the service's revision and the deployments in progress. */
import type { Command } from "./cli-context";

/** Prints the running revision and each active deployment's status. */
export const status: Command = async ({ io, target, deployer, currentTaskDefinition }) => {
  io.log(`service ${target.service} runs ${await currentTaskDefinition()}`);
  const deployments = await deployer.active();
  if (deployments.length === 0) io.log("no deployment in progress");
  for (const { id } of deployments) io.log(`deployment ${id} ${(await deployer.describe(id)).statusText}`);
  return 0;
};
