import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

/** What the release step needs: the revision and network to release, and what must exist first. */
export interface ReleaseOnChangeArgs {
  stack: string;
  taskDefinitionArn: pulumi.Input<string>;
  /**
   * The tasks' subnets and security groups. The service ignores changes to them (ECS refuses
   * them on a CODE_DEPLOY service), so they reach the tasks only through a deployment's AppSpec.
   */
  subnetIds: pulumi.Input<string>[];
  securityGroupIds: pulumi.Input<string>[];
  /**
   * What must exist before a release: the service, the deployment group, the smoke hook, and the
   * permissions and security group rules they use.
   */
  dependsOn: pulumi.Resource[];
  /**
   * The stack's Prometheus query endpoint: with it the release checks the error budget first, and
   * with `analysis` judges the canary by that file of alerts/analysis. @default neither
   */
  prometheusUrl?: pulumi.Input<string>;
  analysis?: string;
  /**
   * Who moves the traffic, so the release picks its adapter: `--strategy ecs` for the service's own
   * deployment; CodeDeploy's command has no flag (the release's default, and the command existing
   * stacks already run). @default codedeploy
   */
  strategy?: "codedeploy" | "ecs";
  /** Where the release annotates its start and end (GRAFANA_URL, GRAFANA_TOKEN). @default nowhere */
  grafana?: { url: pulumi.Input<string>; token: pulumi.Input<string> };
}

/** `pnpm release deploy ...` for a revision and network: what the step runs, and what synth reads. */
export function releaseCommand(
  stack: string,
  taskDefinitionArn: string,
  subnets: string[],
  securityGroups: string[],
  judged: { prometheusUrl?: string; analysis?: string } = {},
  strategy: "codedeploy" | "ecs" = "codedeploy",
): string {
  return [
    `pnpm --silent release deploy --stack ${stack} --task-definition ${taskDefinitionArn} --subnets ${subnets.join(",")} --security-groups ${securityGroups.join(",")}`,
    ...(strategy === "ecs" ? ["--strategy ecs"] : []),
    ...(judged.prometheusUrl === undefined ? [] : [`--prometheus-url ${judged.prometheusUrl}`]),
    ...(judged.analysis === undefined ? [] : [`--analysis ${judged.analysis}`]),
  ].join(" ");
}

/**
 * Runs `pnpm release deploy` whenever the task definition or the tasks' network changes. A `@pulumi/command` rather than a
 * dynamic provider: it runs the very CLI people use, its progress lines stream into the `pulumi up`
 * log, and no SDK client has to survive a provider's serialization. On the first `pulumi up` the
 * service already runs the revision, so the step does nothing; if the release fails or rolls back,
 * the command exits 1 and so does `pulumi up`.
 */
export class ReleaseOnChange extends pulumi.ComponentResource {
  constructor(name: string, args: ReleaseOnChangeArgs, opts?: pulumi.ComponentResourceOptions) {
    // Formerly "ReleaseStep": the alias keeps its URN and its command's.
    super(
      "comments-platform:release:ReleaseOnChange",
      name,
      {},
      {
        ...opts,
        aliases: [...(opts?.aliases ?? []), { type: "comments-platform:release:ReleaseStep" }],
      },
    );
    const subnets = pulumi.all(args.subnetIds);
    const securityGroups = pulumi.all(args.securityGroupIds);
    const deploy = pulumi
      .all([args.taskDefinitionArn, subnets, securityGroups, args.prometheusUrl])
      .apply(([arn, subnetIds, groupIds, prometheusUrl]) =>
        releaseCommand(
          args.stack,
          arn,
          subnetIds,
          groupIds,
          {
            ...(prometheusUrl === undefined ? {} : { prometheusUrl }),
            ...(args.analysis === undefined ? {} : { analysis: args.analysis }),
          },
          args.strategy,
        ),
      );
    new command.local.Command(
      `${name}-release`,
      {
        create: deploy,
        update: deploy,
        ...(args.grafana === undefined
          ? {}
          : {
              environment: {
                GRAFANA_URL: args.grafana.url,
                GRAFANA_TOKEN: pulumi.secret(args.grafana.token),
              },
            }),
        // No `dir`: the program's directory (infra/), whose package has the `release` script. An
        // absolute path would differ between machines and show as a change in every preview.
        // A new revision, or a network change, runs the release again.
        triggers: [args.taskDefinitionArn, subnets, securityGroups],
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({});
  }
}
