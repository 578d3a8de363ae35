/**
 * The provider's calls for the service resource types the stacks declare (terraform-provider-aws
 * `internal/service/<service>/<resource>.go`), with the roles they pass and the dependent actions
 * and service-linked roles AWS documents for them.
 */
import {
  arn,
  arnOfType,
  awsName,
  passRole,
  roleInput,
  serviceLinkedRole,
  type TypeCalls,
} from "./provider-calls";

const GRAFANA_SSO_APPLICATION =
  "https://docs.aws.amazon.com/grafana/latest/userguide/authentication-in-AMG-SSO.html (the Identity Center application a workspace creates; its delete is not listed as a dependent action)";
const SAR_GRAFANA =
  "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonmanagedgrafana.html (CreateWorkspace: dependent actions)";

/** The service resource types: resource type → the provider's calls. */
export const SERVICE_CALLS: Record<string, TypeCalls> = {
  "aws:amp/workspace:Workspace": {
    file: "internal/service/amp/workspace.go",
    fn: "Workspace",
    rows: (scope) => {
      const ws = arnOfType(scope, "aws:amp/workspace:Workspace", scope.resource.name);
      return [
        ["create", "aps:CreateWorkspace", "*"],
        ["read", "aps:DescribeWorkspace", ws],
        ["read", "aps:DescribeLoggingConfiguration", ws],
        ["read", "aps:ListTagsForResource", ws],
        ["update", "aps:UpdateWorkspaceAlias", ws],
        ["update", "aps:TagResource", ws],
        ["delete", "aps:DeleteWorkspace", ws],
      ];
    },
  },
  "aws:amp/alertManagerDefinition:AlertManagerDefinition": {
    file: "internal/service/amp/alert_manager_definition.go",
    fn: "AlertManagerDefinition",
    rows: (scope) => {
      const ws = arnOfType(scope, "aws:amp/workspace:Workspace");
      return [
        ["create", "aps:CreateAlertManagerDefinition", ws],
        ["read", "aps:DescribeAlertManagerDefinition", ws],
        ["update", "aps:PutAlertManagerDefinition", ws],
        ["delete", "aps:DeleteAlertManagerDefinition", ws],
      ];
    },
  },
  "aws:amp/ruleGroupNamespace:RuleGroupNamespace": {
    file: "internal/service/amp/rule_group_namespace.go",
    fn: "RuleGroupNamespace",
    rows: (scope) => {
      const ws = arnOfType(scope, "aws:amp/workspace:Workspace").replace(
        ":workspace/",
        ":rulegroupsnamespace/",
      );
      const ns = `${ws}/${awsName(scope.resource)}`;
      return [
        ["create", "aps:CreateRuleGroupsNamespace", ns],
        ["read", "aps:DescribeRuleGroupsNamespace", ns],
        ["update", "aps:PutRuleGroupsNamespace", ns],
        ["delete", "aps:DeleteRuleGroupsNamespace", ns],
      ];
    },
  },
  "aws:appautoscaling/target:Target": {
    file: "internal/service/appautoscaling/target.go",
    fn: "Target",
    rows: () => {
      const target = arn("application-autoscaling", "scalable-target/0123456789abcdef0123456789abcdef");
      return [
        ["create", "application-autoscaling:RegisterScalableTarget", target],
        serviceLinkedRole(
          "ecs.application-autoscaling.amazonaws.com",
          "AWSServiceRoleForApplicationAutoScaling_ECSService",
          "https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-service-linked-roles.html",
        ),
        ["read", "application-autoscaling:DescribeScalableTargets", "*"],
        ["read", "application-autoscaling:ListTagsForResource", target],
        ["update", "application-autoscaling:TagResource", target],
        ["delete", "application-autoscaling:DeregisterScalableTarget", target],
      ];
    },
  },
  "aws:appautoscaling/policy:Policy": {
    file: "internal/service/appautoscaling/policy.go",
    fn: "Policy",
    rows: () => {
      const target = arn("application-autoscaling", "scalable-target/0123456789abcdef0123456789abcdef");
      return [
        ["create", "application-autoscaling:PutScalingPolicy", target],
        ["read", "application-autoscaling:DescribeScalingPolicies", "*"],
        ["delete", "application-autoscaling:DeleteScalingPolicy", target],
      ];
    },
  },
  "aws:cloudwatch/logGroup:LogGroup": {
    file: "internal/service/logs/group.go",
    fn: "Group",
    rows: (scope) => {
      const group = arnOfType(scope, "aws:cloudwatch/logGroup:LogGroup", scope.resource.name);
      return [
        ["create", "logs:CreateLogGroup", group],
        ["create", "logs:PutRetentionPolicy", group],
        ["read", "logs:DescribeLogGroups", "*"],
        ["read", "logs:ListTagsForResource", group],
        ["update", "logs:TagResource", group],
        ["delete", "logs:DeleteLogGroup", group],
      ];
    },
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    file: "internal/service/cloudwatch/metric_alarm.go",
    fn: "MetricAlarm",
    rows: ({ resource }) => {
      const alarm = arn("cloudwatch", `alarm:${awsName(resource)}`);
      return [
        ["create", "cloudwatch:PutMetricAlarm", alarm],
        ["read", "cloudwatch:DescribeAlarms", "*"],
        ["read", "cloudwatch:ListTagsForResource", alarm],
        ["update", "cloudwatch:TagResource", alarm],
        ["delete", "cloudwatch:DeleteAlarms", alarm],
      ];
    },
  },
  "aws:codedeploy/application:Application": {
    file: "internal/service/deploy/app.go",
    fn: "App",
    rows: ({ resource }) => {
      const app = arn("codedeploy", `application:${awsName(resource)}`);
      return [
        ["create", "codedeploy:CreateApplication", app],
        ["read", "codedeploy:GetApplication", app],
        ["read", "codedeploy:ListTagsForResource", app],
        ["update", "codedeploy:UpdateApplication", app],
        ["delete", "codedeploy:DeleteApplication", app],
      ];
    },
  },
  "aws:codedeploy/deploymentConfig:DeploymentConfig": {
    file: "internal/service/deploy/deployment_config.go",
    fn: "DeploymentConfig",
    rows: ({ resource }) => {
      const config = arn("codedeploy", `deploymentconfig:${resource.inputs.deploymentConfigName}`);
      return [
        ["create", "codedeploy:CreateDeploymentConfig", config],
        ["read", "codedeploy:GetDeploymentConfig", config],
        ["delete", "codedeploy:DeleteDeploymentConfig", config],
      ];
    },
  },
  "aws:codedeploy/deploymentGroup:DeploymentGroup": {
    file: "internal/service/deploy/deployment_group.go",
    fn: "DeploymentGroup",
    rows: (scope) => {
      const { inputs } = scope.resource;
      const group = arn("codedeploy", `deploymentgroup:${inputs.appName}/${inputs.deploymentGroupName}`);
      const role = roleInput(scope, "serviceRoleArn");
      return [
        ["create", "codedeploy:CreateDeploymentGroup", group],
        passRole(role, "codedeploy.amazonaws.com"),
        ["read", "codedeploy:GetDeploymentGroup", group],
        ["read", "codedeploy:ListTagsForResource", group],
        ["update", "codedeploy:UpdateDeploymentGroup", group],
        ["update", "iam:PassRole", role, { "iam:PassedToService": "codedeploy.amazonaws.com" }],
        ["delete", "codedeploy:DeleteDeploymentGroup", group],
      ];
    },
  },
  "aws:ecr/repository:Repository": {
    file: "internal/service/ecr/repository.go",
    fn: "Repository",
    rows: (scope) => {
      const repo = arnOfType(scope, "aws:ecr/repository:Repository", scope.resource.name);
      return [
        ["create", "ecr:CreateRepository", repo],
        ["read", "ecr:DescribeRepositories", repo],
        ["read", "ecr:ListTagsForResource", repo],
        ["update", "ecr:PutImageScanningConfiguration", repo],
        ["update", "ecr:PutImageTagMutability", repo],
        ["update", "ecr:TagResource", repo],
        ["delete", "ecr:DeleteRepository", repo],
      ];
    },
  },
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": {
    file: "internal/service/ecr/lifecycle_policy.go",
    fn: "LifecyclePolicy",
    rows: (scope) => {
      const repo = arnOfType(scope, "aws:ecr/repository:Repository");
      return [
        ["create", "ecr:PutLifecyclePolicy", repo],
        ["read", "ecr:GetLifecyclePolicy", repo],
        ["delete", "ecr:DeleteLifecyclePolicy", repo],
      ];
    },
  },
  "aws:ecs/cluster:Cluster": {
    file: "internal/service/ecs/cluster.go",
    fn: "Cluster",
    rows: ({ resource }) => {
      const cluster = arn("ecs", `cluster/${awsName(resource)}`);
      return [
        ["create", "ecs:CreateCluster", cluster],
        serviceLinkedRole(
          "ecs.amazonaws.com",
          "AWSServiceRoleForECS",
          "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html",
        ),
        ["read", "ecs:DescribeClusters", cluster],
        ["update", "ecs:UpdateCluster", cluster],
        ["update", "ecs:TagResource", cluster],
        ["delete", "ecs:DeleteCluster", cluster],
      ];
    },
  },
  "aws:ecs/service:Service": {
    file: "internal/service/ecs/service.go",
    fn: "Service",
    rows: ({ resource, all }) => {
      const clusterResource = all.find((r) => r.type === "aws:ecs/cluster:Cluster");
      const cluster = clusterResource === undefined ? "none" : awsName(clusterResource);
      const service = arn("ecs", `service/${cluster}/${awsName(resource)}`);
      // An ECS-controlled service names the role ECS shifts traffic with and the role it invokes
      // the hooks with: CreateService and UpdateService pass both to ECS
      // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-permissions.html).
      const lb = (
        resource.inputs.loadBalancers as Array<{ advancedConfiguration?: { roleArn: string } }> | undefined
      )?.flatMap((l) => (l.advancedConfiguration === undefined ? [] : [l.advancedConfiguration.roleArn]));
      const hooks = (
        (
          resource.inputs.deploymentConfiguration as
            | { lifecycleHooks?: Array<{ roleArn: string }> }
            | undefined
        )?.lifecycleHooks ?? []
      ).map((hook) => hook.roleArn);
      const passed = [...new Set([...(lb ?? []), ...hooks])];
      return [
        ["create", "ecs:CreateService", service],
        ...passed.map((role) => passRole(role, "ecs.amazonaws.com")),
        ["read", "ecs:DescribeServices", service],
        ["update", "ecs:UpdateService", service],
        ...passed.map(
          (role) =>
            ["update", "iam:PassRole", role, { "iam:PassedToService": "ecs.amazonaws.com" }] as [
              "update",
              string,
              string,
              Record<string, string>,
            ],
        ),
        ["update", "ecs:TagResource", service],
        ["delete", "ecs:DeleteService", service],
      ];
    },
  },
  "aws:ecs/taskDefinition:TaskDefinition": {
    file: "internal/service/ecs/task_definition.go",
    fn: "TaskDefinition",
    rows: (scope) => {
      const definition = arn("ecs", `task-definition/${scope.resource.inputs.family}:1`);
      return [
        ["create", "ecs:RegisterTaskDefinition", definition],
        passRole(roleInput(scope, "executionRoleArn"), "ecs-tasks.amazonaws.com"),
        passRole(roleInput(scope, "taskRoleArn"), "ecs-tasks.amazonaws.com"),
        ["create", "ecs:TagResource", definition],
        ["read", "ecs:DescribeTaskDefinition", "*"],
        // skipDestroy keeps old revisions; a deregistration is still what delete would call.
        ["delete", "ecs:DeregisterTaskDefinition", "*"],
      ];
    },
  },
  "aws:grafana/workspace:Workspace": {
    file: "internal/service/grafana/workspace.go",
    fn: "Workspace",
    rows: (scope) => {
      const ws = arnOfType(scope, "aws:grafana/workspace:Workspace", scope.resource.name);
      return [
        ["create", "grafana:CreateWorkspace", "*"],
        passRole(roleInput(scope, "roleArn"), "grafana.amazonaws.com"),
        ["create", "organizations:DescribeOrganization", "*", {}, SAR_GRAFANA],
        ["create", "sso:CreateManagedApplicationInstance", "*", {}, SAR_GRAFANA],
        ["create", "sso:DescribeRegisteredRegions", "*", {}, SAR_GRAFANA],
        ["create", "sso:GetSharedSsoConfiguration", "*", {}, SAR_GRAFANA],
        ["read", "grafana:DescribeWorkspace", ws],
        ["read", "grafana:DescribeWorkspaceConfiguration", ws],
        ["update", "grafana:UpdateWorkspace", ws],
        ["update", "grafana:UpdateWorkspaceConfiguration", ws],
        ["update", "grafana:TagResource", ws],
        ["delete", "grafana:DeleteWorkspace", ws],
        // The workspace's Identity Center application goes with it.
        ["delete", "sso:DeleteManagedApplicationInstance", "*", {}, GRAFANA_SSO_APPLICATION],
      ];
    },
  },
  "aws:grafana/workspaceServiceAccount:WorkspaceServiceAccount": {
    file: "internal/service/grafana/workspace_service_account.go",
    fn: "WorkspaceServiceAccount",
    rows: (scope) => {
      const ws = arnOfType(scope, "aws:grafana/workspace:Workspace");
      return [
        ["create", "grafana:CreateWorkspaceServiceAccount", ws],
        ["read", "grafana:ListWorkspaceServiceAccounts", ws],
        ["delete", "grafana:DeleteWorkspaceServiceAccount", ws],
      ];
    },
  },
  "aws:grafana/workspaceServiceAccountToken:WorkspaceServiceAccountToken": {
    file: "internal/service/grafana/workspace_service_account_token.go",
    fn: "WorkspaceServiceAccountToken",
    rows: (scope) => {
      const ws = arnOfType(scope, "aws:grafana/workspace:Workspace");
      return [
        ["create", "grafana:CreateWorkspaceServiceAccountToken", ws],
        ["read", "grafana:ListWorkspaceServiceAccountTokens", ws],
        ["delete", "grafana:DeleteWorkspaceServiceAccountToken", ws],
      ];
    },
  },
};
