/** `pnpm release status`: the service's revision and the deployments in progress. */
import { GetDeploymentCommand } from "@aws-sdk/client-codedeploy";
import type { Command } from "./cli-context";

/** Prints the running revision and each active deployment's status. */
export const status: Command = async ({ io, target, clients, currentTaskDefinition, active }) => {
  io.log(`service ${target.service} runs ${await currentTaskDefinition()}`);
  const deployments = await active();
  if (deployments.length === 0) io.log("no deployment in progress");
  for (const deploymentId of deployments) {
    const { deploymentInfo } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    io.log(`deployment ${deploymentId} ${deploymentInfo?.status ?? "unknown"}`);
  }
  return 0;
};
