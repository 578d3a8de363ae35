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
export type EcsHook = (typeof ECS_HOOKS)[number];

export interface AppSpecInput {
  taskDefinitionArn: string;
  containerName: string;
  containerPort: number;
  /** @default "LATEST" on CodeDeploy's side when omitted */
  platformVersion?: string;
  /** Lambda function name (or ARN) per hook. */
  hooks?: Partial<Record<EcsHook, string>>;
}

export interface AppSpec {
  version: "0.0";
  Resources: Array<{
    TargetService: {
      Type: "AWS::ECS::Service";
      Properties: {
        TaskDefinition: string;
        LoadBalancerInfo: { ContainerName: string; ContainerPort: number };
        PlatformVersion?: string;
      };
    };
  }>;
  Hooks?: Array<Partial<Record<EcsHook, string>>>;
}

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
          },
        },
      },
    ],
    ...(hooks.length === 0 ? {} : { Hooks: hooks }),
  };
}

/** The name CodeDeploy's managed policies let it invoke: `CodeDeployHook_*` (DESIGN.md). */
export function smokeHookName(stack: string): string {
  return `CodeDeployHook_${stack}_smoke`;
}
