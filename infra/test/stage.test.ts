/** The stage stack under Pulumi mocks, with deterministic fake values for what AWS computes. */
import { beforeAll, describe, expect, it } from "vitest";
import { parseContractV1, parseContractV2 } from "../contract/src/index";
import { imageTagFor } from "../src/image-tag";
import { REPO_ROOT } from "../src/stack-file";
import { type SynthResult, synth } from "../src/synth/run";
import { BASE_TAG_KEYS, countByType, firewallTable, ofType, one, UNTAGGABLE } from "./helpers";

let result: SynthResult;
beforeAll(async () => {
  result = await synth({ stack: "stage", preview: false });
});

describe("stage", () => {
  it("declares exactly these resources", () => {
    expect(countByType(result)).toEqual({
      "pulumi:pulumi:Stack": 1,
      "comments-platform:network:Network": 1,
      "comments-platform:network:Firewall": 1,
      "comments-platform:registry:Registry": 1,
      "comments-platform:database:Database": 1,
      "comments-platform:service:LoadBalancer": 1,
      "comments-platform:service:Service": 1,
      "aws:ec2/vpc:Vpc": 1,
      "aws:ec2/internetGateway:InternetGateway": 1,
      "aws:ec2/subnet:Subnet": 6,
      "aws:ec2/routeTable:RouteTable": 4,
      "aws:ec2/routeTableAssociation:RouteTableAssociation": 6,
      "aws:ec2/eip:Eip": 1,
      "aws:ec2/natGateway:NatGateway": 1,
      "aws:ec2/vpcEndpoint:VpcEndpoint": 1,
      "aws:ec2/securityGroup:SecurityGroup": 4,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 4,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 5,
      "aws:ecr/repository:Repository": 1,
      "aws:ecr/lifecyclePolicy:LifecyclePolicy": 1,
      "docker-build:index:Image": 1,
      "aws:rds/subnetGroup:SubnetGroup": 1,
      "aws:rds/parameterGroup:ParameterGroup": 1,
      "aws:rds/instance:Instance": 1,
      "aws:lb/loadBalancer:LoadBalancer": 1,
      "aws:lb/targetGroup:TargetGroup": 2,
      "aws:lb/listener:Listener": 2,
      "aws:ecs/cluster:Cluster": 1,
      "aws:cloudwatch/logGroup:LogGroup": 2,
      "aws:iam/role:Role": 5,
      "aws:iam/rolePolicy:RolePolicy": 6,
      "aws:ecs/taskDefinition:TaskDefinition": 1,
      "aws:ecs/service:Service": 1,
      "aws:appautoscaling/target:Target": 1,
      "aws:appautoscaling/policy:Policy": 2,
      // contractV1 and contractV2.
      "aws:ssm/parameter:Parameter": 2,
      "comments-platform:observability:Observability": 1,
      "aws:amp/workspace:Workspace": 1,
      "aws:amp/ruleGroupNamespace:RuleGroupNamespace": 1,
      "aws:amp/alertManagerDefinition:AlertManagerDefinition": 1,
      "aws:sns/topic:Topic": 3,
      "aws:sns/topicPolicy:TopicPolicy": 3,
      "aws:sns/topicSubscription:TopicSubscription": 1,
      "pulumi:providers:aws": 1,
      "aws:grafana/workspace:Workspace": 1,
      "aws:grafana/workspaceServiceAccount:WorkspaceServiceAccount": 1,
      "aws:grafana/workspaceServiceAccountToken:WorkspaceServiceAccountToken": 1,
      "pulumi:providers:grafana": 1,
      "grafana:oss/folder:Folder": 1,
      "grafana:oss/dataSource:DataSource": 1,
      "grafana:oss/dashboard:Dashboard": 1,
      "comments-platform:release:CodeDeployBlueGreen": 1,
      "aws:codedeploy/application:Application": 1,
      "aws:codedeploy/deploymentGroup:DeploymentGroup": 1,
      "aws:cloudwatch/metricAlarm:MetricAlarm": 8,
      "comments-platform:release:SmokeHook": 1,
      "aws:lambda/function:Function": 1,
      "comments-platform:release:ReleaseOnChange": 1,
      "command:local:Command": 1,
    });
  });

  it("opens exactly these ports between exactly these peers", () => {
    const table = firewallTable(result);
    expect(table.filter((rule) => !rule.includes("8443"))).toEqual([
      "alb in tcp/80-80 0.0.0.0/0",
      "alb out tcp/3000-3000 sg:service",
      "database in tcp/5432-5432 sg:service",
      "service in tcp/3000-3000 sg:alb",
      "service out tcp/443-443 0.0.0.0/0",
      "service out tcp/5432-5432 sg:database",
      "smoke out tcp/443-443 0.0.0.0/0",
    ]);
    // The test listener: the single NAT gateway's address only (stage configures no other CIDR).
    expect(table.filter((rule) => rule.includes("8443"))).toEqual([
      expect.stringMatching(/^alb in tcp\/8443-8443 198\.51\.100\.\d+\/32$/),
      "smoke out tcp/8443-8443 0.0.0.0/0",
    ]);
  });

  it("runs the service under CODE_DEPLOY in private subnets, blue target group only, with what ECS refuses to update ignored", () => {
    const service = one(result, "aws:ecs/service:Service");
    const privateSubnets = ofType(result, "aws:ec2/subnet:Subnet")
      .filter((s) => s.name.includes("-private-"))
      .map((s) => `${s.name}-id`);
    const sg = ofType(result, "aws:ec2/securityGroup:SecurityGroup").find((g) => g.name.endsWith("-service"));
    expect(service.inputs.deploymentController).toEqual({ type: "CODE_DEPLOY" });
    expect(service.inputs.networkConfiguration).toEqual({
      assignPublicIp: false,
      securityGroups: [`${sg?.name}-id`],
      subnets: privateSubnets,
    });
    expect(service.inputs.loadBalancers).toEqual([
      {
        containerName: "comments-api",
        containerPort: 3000,
        targetGroupArn: "arn:aws:lb:sa-east-1:123456789012:comments-api-stage-blue",
      },
    ]);
    expect(service.inputs.launchType).toBe("FARGATE");
    expect(service.inputs).not.toHaveProperty("capacityProviderStrategies");
    expect(service.options.ignoreChanges).toEqual([
      "taskDefinition",
      "loadBalancers",
      "networkConfiguration",
      "platformVersion",
      "desiredCount",
      "capacityProviderStrategies",
    ]);
    expect(service.parent).toBe("comments-api-stage");
  });

  it("keeps old task definition revisions and runs the app read-only, as non-root, with the database secret from Secrets Manager", () => {
    const task = one(result, "aws:ecs/taskDefinition:TaskDefinition");
    expect(task.inputs.skipDestroy).toBe(true);
    expect(task.options.skipDestroy).toBe(true);
    expect([task.inputs.cpu, task.inputs.memory, task.inputs.runtimePlatform]).toEqual([
      "256",
      "512",
      { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
    ]);
    const [app, ...others] = JSON.parse(String(task.inputs.containerDefinitions)) as Array<
      Record<string, unknown>
    >;
    expect(others.map((c) => c.name)).toEqual(["metrics-collector"]);
    expect(app).toMatchObject({
      name: "comments-api",
      essential: true,
      user: "1000:1000",
      readonlyRootFilesystem: true,
    });
    expect(app?.image).toMatch(
      new RegExp(
        `^123456789012\\.dkr\\.ecr\\.sa-east-1\\.amazonaws\\.com/comments-api-stage:${imageTagFor(REPO_ROOT)}@sha256:[0-9a-f]{64}$`,
      ),
    );
    // No ECS-injected secret: it would never change in a running task. The app reads the login.
    expect(app?.secrets).toBeUndefined();
    const environment = ((app?.environment ?? []) as Array<{ name: string; value: string }>).map(
      (e) => e.name,
    );
    expect(environment).toEqual([
      "DATABASE_SECRET_ARN",
      "DATABASE_SSL",
      "DATABASE_SSL_CA_FILE",
      "HOST",
      "LOG_LEVEL",
      "METRICS_PORT",
      "NODE_ENV",
      "PGDATABASE",
      "PGHOST",
      "PGPORT",
      "PORT",
      "RATE_LIMIT_PER_MINUTE",
      "TRUSTED_PROXY_HOPS",
    ]);
  });

  it("grants the execution role only the named repository and log group, the task role only the secret", () => {
    const policy = JSON.parse(
      String(one(result, "aws:iam/rolePolicy:RolePolicy", "comments-api-stage-execution").inputs.policy),
    ) as {
      Statement: unknown[];
    };
    const secret = (
      JSON.parse(String(one(result, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions))[0]
        .environment as Array<{ name: string; value: string }>
    ).find((e) => e.name === "DATABASE_SECRET_ARN")?.value;
    expect(secret).toMatch(/^arn:aws:secretsmanager:sa-east-1:123456789012:secret:rds!db-[0-9a-f]{8}$/);
    expect(policy).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "EcrAuth", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
        {
          Sid: "EcrPull",
          Effect: "Allow",
          Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
          Resource: "arn:aws:ecr:sa-east-1:123456789012:comments-api-stage-repo",
        },
        {
          Sid: "Logs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: "arn:aws:logs:sa-east-1:123456789012:log-group:/ecs/comments-api-stage:*",
        },
      ],
    });
    expect(
      JSON.parse(
        String(one(result, "aws:iam/rolePolicy:RolePolicy", "comments-api-stage-task-app").inputs.policy),
      ),
    ).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DatabaseSecret",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: secret,
        },
      ],
    });
    for (const role of ofType(result, "aws:iam/role:Role").filter((r) => /-(execution|task)$/.test(r.name))) {
      expect(JSON.parse(String(role.inputs.assumeRolePolicy))).toEqual({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      });
    }
    expect(ofType(result, "aws:iam/rolePolicy:RolePolicy").map((p) => p.name)).toEqual([
      "comments-api-stage-codedeploy",
      "comments-api-stage-execution",
      "comments-api-stage-grafana",
      "comments-api-stage-smoke",
      "comments-api-stage-task-app",
      "comments-api-stage-task-remote-write",
    ]);
  });

  it("keeps the database private, encrypted and its password with RDS, cheap in stage", () => {
    const db = one(result, "aws:rds/instance:Instance");
    expect(db.inputs).toMatchObject({
      engine: "postgres",
      engineVersion: "16",
      instanceClass: "db.t4g.micro",
      storageEncrypted: true,
      publiclyAccessible: false,
      manageMasterUserPassword: true,
      multiAz: false,
      deletionProtection: false,
      backupRetentionPeriod: 1,
      skipFinalSnapshot: true,
      vpcSecurityGroupIds: ["comments-api-stage-database-id"],
      // Stage takes changes at once; prod waits for its maintenance window.
      applyImmediately: true,
      allowMajorVersionUpgrade: true,
    });
    expect(db.inputs).not.toHaveProperty("password");
    expect(db.options.protect).toBe(false);
    // Named at creation although stage skips it: ignoreChanges keeps this first value, so turning
    // deletionProtection on later still leaves a name for the final snapshot.
    expect(db.inputs.finalSnapshotIdentifier).toMatch(/^comments-api-stage-final-\d{8}t\d{6}$/);
    expect(db.options.ignoreChanges).toEqual(["finalSnapshotIdentifier"]);
    expect(one(result, "aws:rds/parameterGroup:ParameterGroup").inputs.parameters).toEqual([
      { name: "rds.force_ssl", value: "1" },
    ]);
    const isolated = ofType(result, "aws:ec2/subnet:Subnet")
      .filter((s) => s.name.includes("-isolated-"))
      .map((s) => `${s.name}-id`);
    expect(one(result, "aws:rds/subnetGroup:SubnetGroup").inputs.subnetIds).toEqual(isolated);
  });

  it("lays out subnets per tier and zone, with one NAT gateway for stage", () => {
    expect(
      ofType(result, "aws:ec2/subnet:Subnet").map((s) => [
        s.name,
        s.inputs.cidrBlock,
        s.inputs.availabilityZone,
      ]),
    ).toEqual([
      ["comments-api-stage-isolated-0", "10.20.128.0/20", "sa-east-1a"],
      ["comments-api-stage-isolated-1", "10.20.144.0/20", "sa-east-1b"],
      ["comments-api-stage-private-0", "10.20.64.0/20", "sa-east-1a"],
      ["comments-api-stage-private-1", "10.20.80.0/20", "sa-east-1b"],
      ["comments-api-stage-public-0", "10.20.0.0/20", "sa-east-1a"],
      ["comments-api-stage-public-1", "10.20.16.0/20", "sa-east-1b"],
    ]);
    const privateRoutes = ofType(result, "aws:ec2/routeTable:RouteTable").filter((t) =>
      t.name.includes("-private-"),
    );
    expect(privateRoutes.map((t) => t.inputs.routes)).toEqual([
      [{ cidrBlock: "0.0.0.0/0", natGatewayId: "comments-api-stage-nat-0-id" }],
      [{ cidrBlock: "0.0.0.0/0", natGatewayId: "comments-api-stage-nat-0-id" }],
    ]);
    // Isolated subnets: no route out at all.
    const isolated = ofType(result, "aws:ec2/routeTable:RouteTable").find((t) =>
      t.name.endsWith("-isolated"),
    );
    expect(isolated?.inputs).not.toHaveProperty("routes");
  });

  it("keeps CodeDeploy's listener rewrites, and health-checks /healthz on both colours", () => {
    for (const listener of ofType(result, "aws:lb/listener:Listener")) {
      expect(listener.options.ignoreChanges, listener.name).toEqual(["defaultActions"]);
      expect(listener.inputs.protocol).toBe("HTTP");
    }
    expect(ofType(result, "aws:lb/listener:Listener").map((l) => [l.name, l.inputs.port])).toEqual([
      ["comments-api-stage-production", 80],
      ["comments-api-stage-test", 8443],
    ]);
    for (const group of ofType(result, "aws:lb/targetGroup:TargetGroup")) {
      expect(group.inputs).toMatchObject({
        targetType: "ip",
        port: 3000,
        deregistrationDelay: 15,
        healthCheck: { path: "/healthz" },
      });
    }
  });

  it("makes ECR tags immutable, scanned, and expiring by policy", () => {
    expect(one(result, "aws:ecr/repository:Repository").inputs).toMatchObject({
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
    });
    expect(
      JSON.parse(String(one(result, "aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy)).rules[1]
        .selection,
    ).toEqual({
      tagStatus: "any",
      countType: "imageCountMoreThan",
      countNumber: 10,
    });
  });

  it("tags every taggable resource with project, stack, owner and cost centre", () => {
    const untagged = result.resources
      .filter((r) => r.type.startsWith("aws:") && !UNTAGGABLE.has(r.type))
      .filter((r) => {
        const tags = r.inputs.tags as Record<string, string> | undefined;
        return (
          tags === undefined ||
          !BASE_TAG_KEYS.every((key) => typeof tags[key] === "string" && tags[key] !== "")
        );
      })
      .map((r) => `${r.type} ${r.name}`);
    expect(untagged).toEqual([]);
    expect(one(result, "aws:ecs/cluster:Cluster").inputs.tags).toEqual({
      Name: "comments-api-stage",
      "cost-centre": "cc-comments-nonprod",
      owner: "platform-team",
      project: "comments-platform",
      stack: "stage",
    });
  });

  it("exports the database secret's ARN for operators who rotate it", () => {
    // The mocks' RDS-managed secret: the one the task reads as DATABASE_SECRET_ARN.
    expect(result.outputs.databaseSecretArn).toBe(
      "arn:aws:secretsmanager:sa-east-1:123456789012:secret:rds!db-022ba0a2",
    );
  });

  it("exports contractV1 and writes the same JSON to SSM", () => {
    const contract = result.outputs.contractV1 as Record<string, unknown>;
    expect(Object.keys(contract).sort()).toEqual([
      "alarmTopicArn",
      "albDnsName",
      "albZoneId",
      "clusterName",
      "codedeployApplication",
      "codedeployDeploymentGroup",
      "ecrRepositoryUrl",
      "grafanaUrl",
      "imageRef",
      "logGroupName",
      "pageTopicArn",
      "privateSubnetIds",
      "prometheusQueryUrl",
      "prometheusWorkspaceId",
      "region",
      "serviceName",
      "serviceSecurityGroupId",
      "stack",
      "url",
      "version",
      "vpcId",
    ]);
    expect(contract).toMatchObject({
      version: 1,
      stack: "stage",
      region: "sa-east-1",
      clusterName: "comments-api-stage",
      serviceName: "comments-api-stage",
      logGroupName: "/ecs/comments-api-stage",
      ecrRepositoryUrl: "123456789012.dkr.ecr.sa-east-1.amazonaws.com/comments-api-stage",
      url: expect.stringMatching(
        /^http:\/\/comments-api-stage-alb-[0-9a-f]{8}\.sa-east-1\.elb\.amazonaws\.com$/,
      ),
    });
    const parameter = one(result, "aws:ssm/parameter:Parameter", "comments-api-stage-contract-v1");
    expect(parameter.inputs.name).toBe("/comments-platform/stage/contract/v1");
    expect(parameter.inputs.type).toBe("String");
    expect(parameter.inputs).not.toHaveProperty("value");
    expect(JSON.parse(String(parameter.inputs.insecureValue))).toEqual(contract);
    // What readers' `readContract("stage")` accepts: the package's validator, on the parameter's text.
    expect(parseContractV1(String(parameter.inputs.insecureValue), "the stage parameter", "stage")).toEqual(
      contract,
    );
  });

  it("exports contractV2 beside it: the same fields, the strategy, the CodeDeploy names of a codedeploy stack", () => {
    const v1 = result.outputs.contractV1 as Record<string, unknown>;
    const v2 = result.outputs.contractV2 as Record<string, unknown>;
    expect(v2).toEqual({ ...v1, version: 2, releaseStrategy: "codedeploy" });
    const parameter = one(result, "aws:ssm/parameter:Parameter", "comments-api-stage-contract-v2");
    expect(parameter.inputs.name).toBe("/comments-platform/stage/contract/v2");
    expect(parameter.inputs).not.toHaveProperty("value");
    expect(parseContractV2(String(parameter.inputs.insecureValue), "the stage parameter", "stage")).toEqual(
      v2,
    );
  });

  it("releases through CodeDeploy by default: no listener rule, no ECS hook role, the release command without --strategy", () => {
    expect(ofType(result, "aws:lb/listenerRule:ListenerRule")).toEqual([]);
    expect(ofType(result, "comments-platform:release:EcsBlueGreen")).toEqual([]);
    expect(String(one(result, "command:local:Command").inputs.create)).not.toContain("--strategy");
    expect(one(result, "aws:ecs/service:Service").inputs).not.toHaveProperty("deploymentConfiguration");
  });
});
