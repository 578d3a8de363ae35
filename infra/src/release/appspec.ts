/**
 * The AppSpec of an ECS blue/green deployment, as a pure value (CodeDeploy user guide, "AppSpec
 * 'resources' section for Amazon ECS deployments" and "'hooks' section").
 */

/** ECS lifecycle hooks in the order CodeDeploy runs them. */
export const ECS_HOOKS = [
  "BeforeInstall",
  "AfterInstall",
  "AfterAllowTestTraffic",
  "BeforeAllowTraffic",
  "AfterAllowTraffic",
] as const;
/** A lifecycle hook of an ECS blue/green deployment. */
export type EcsHook = (typeof ECS_HOOKS)[number];

/** What an AppSpec is built from. */
export interface AppSpecInput {
  taskDefinitionArn: string;
  containerName: string;
  containerPort: number;
  /** @default "LATEST" on CodeDeploy's side when omitted */
  platformVersion?: string;
  /** Lambda function name (or ARN) per hook. */
  hooks?: Partial<Record<EcsHook, string>>;
  /**
   * The tasks' subnets and security groups. A CODE_DEPLOY service ignores them in UpdateService and
   * takes them only from a deployment's AppSpec, so every deployment carries the desired ones.
   * @default none: the new task set keeps the service's current network configuration
   */
  network?: TaskNetwork;
}

/** Where the tasks run: private subnets, the service's security groups, never a public IP. */
export interface TaskNetwork {
  subnets: string[];
  securityGroups: string[];
}

/** The AppSpec of an ECS blue/green deployment, as CodeDeploy reads it. */
export interface AppSpec {
  version: "0.0";
  Resources: Array<{
    TargetService: {
      Type: "AWS::ECS::Service";
      Properties: {
        TaskDefinition: string;
        LoadBalancerInfo: { ContainerName: string; ContainerPort: number };
        PlatformVersion?: string;
        NetworkConfiguration?: {
          AwsvpcConfiguration: { Subnets: string[]; SecurityGroups: string[]; AssignPublicIp: "DISABLED" };
        };
      };
    };
  }>;
  Hooks?: Array<Partial<Record<EcsHook, string>>>;
}

/** The AppSpec for one revision; refuses, naming every problem, what CodeDeploy would refuse. */
export function buildAppSpec(input: AppSpecInput): AppSpec {
  const problems: string[] = [];
  if (
    !/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]+:\d+$/.test(
      input.taskDefinitionArn,
    )
  ) {
    problems.push(
      `taskDefinitionArn ${JSON.stringify(input.taskDefinitionArn)} is not a task definition revision ARN`,
    );
  }
  if (!Number.isInteger(input.containerPort) || input.containerPort < 1 || input.containerPort > 65535) {
    problems.push(`containerPort ${input.containerPort} must be an integer from 1 to 65535`);
  }
  if (input.containerName === "") problems.push("containerName must not be empty");
  // ECS's AwsVpcConfiguration: at most 16 subnets and 5 security groups
  // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html).
  const { network } = input;
  if (network !== undefined && (network.subnets.length < 1 || network.subnets.length > 16)) {
    problems.push(`network.subnets must hold 1 to 16 subnet ids, got ${network.subnets.length}`);
  }
  if (network !== undefined && (network.securityGroups.length < 1 || network.securityGroups.length > 5)) {
    problems.push(
      `network.securityGroups must hold 1 to 5 security group ids, got ${network.securityGroups.length}`,
    );
  }
  if (problems.length > 0) throw new Error(`buildAppSpec: ${problems.join("; ")}`);

  const hooks = ECS_HOOKS.flatMap((hook) => {
    const target = input.hooks?.[hook];
    return target === undefined ? [] : [{ [hook]: target }];
  });
  return {
    version: "0.0",
    Resources: [
      {
        TargetService: {
          Type: "AWS::ECS::Service",
          Properties: {
            TaskDefinition: input.taskDefinitionArn,
            LoadBalancerInfo: { ContainerName: input.containerName, ContainerPort: input.containerPort },
            ...(input.platformVersion === undefined ? {} : { PlatformVersion: input.platformVersion }),
            // The AppSpec's ECS resource takes NetworkConfiguration.AwsvpcConfiguration
            // (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html).
            ...(network === undefined
              ? {}
              : {
                  NetworkConfiguration: {
                    AwsvpcConfiguration: {
                      Subnets: network.subnets,
                      SecurityGroups: network.securityGroups,
                      AssignPublicIp: "DISABLED" as const,
                    },
                  },
                }),
          },
        },
      },
    ],
    ...(hooks.length === 0 ? {} : { Hooks: hooks }),
  };
}

/**
 * The hook's name. `CodeDeployHook_*` is the prefix the AWSCodeDeployRoleForECSLimited managed policy
 * lets CodeDeploy invoke (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForECSLimited.html);
 * our role has an inline policy naming this one function, and the prefix keeps it recognisable.
 */
export function smokeHookName(stack: string): string {
  return `CodeDeployHook_${stack}_smoke`;
}
