import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

export interface ReleaseStepArgs {
  stack: string;
  taskDefinitionArn: pulumi.Input<string>;
  /** The service, the deployment group and the smoke hook must exist before a release. */
  dependsOn: pulumi.Resource[];
}

/**
 * Runs `pnpm release deploy` whenever the task definition changes. A `@pulumi/command` rather than a
 * dynamic provider: it runs the very CLI people use, its progress lines stream into the `pulumi up`
 * log, and no SDK client has to survive a provider's serialization. On the first `pulumi up` the
 * service already runs the revision, so the step does nothing; if the release fails or rolls back,
 * the command exits 1 and so does `pulumi up`.
 */
export class ReleaseStep extends pulumi.ComponentResource {
  constructor(name: string, args: ReleaseStepArgs, opts?: pulumi.ComponentResourceOptions) {
    super("comments-platform:release:ReleaseStep", name, {}, opts);
    const deploy = pulumi.interpolate`pnpm --silent release deploy --stack ${args.stack} --task-definition ${args.taskDefinitionArn}`;
    new command.local.Command(
      `${name}-release`,
      {
        create: deploy,
        update: deploy,
        // No `dir`: the program's directory (infra/), whose package has the `release` script. An
        // absolute path would differ between machines and show as a change in every preview.
        triggers: [args.taskDefinitionArn],
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({});
  }
}
