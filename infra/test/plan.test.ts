/**
 * The documents `pnpm synth` shows a reviewer, for both committed stacks, compared whole: what AWS
 * computes appears as `${module:Type/name.output}`, so each document is exact.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { imageTagFor } from "../src/image-tag";
import { REPO_ROOT } from "../src/stack-file";
import { type RecordedResource, type SynthResult, urnsOf } from "../src/synth/run";
import { one } from "./helpers";

const plans: Record<string, SynthResult> = {};
beforeAll(() => {
  for (const stack of ["stage", "prod"]) {
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/synth.ts", stack], {
      cwd: join(REPO_ROOT, "infra"),
      encoding: "utf8",
      env: process.env,
    });
    if (run.status !== 0) throw new Error(`synth ${stack} failed: ${run.stderr}`);
    plans[stack] = JSON.parse(run.stdout) as SynthResult;
  }
});

const ACCOUNT = "${aws:getCallerIdentity.accountId}";
const json = (resource: RecordedResource, key: string) => JSON.parse(String(resource.inputs[key]));

describe.each(["stage", "prod"])("the %s plan", (stack) => {
  const name = `comments-api-${stack}`;
  const plan = () => plans[stack] as SynthResult;

  it("raises no warning while declaring (no deprecated resource or property)", () => {
    expect(plan().warnings).toEqual([]);
  });

  // Amazon Managed Grafana is not offered in sa-east-1 (https://docs.aws.amazon.com/general/latest/gr/grafana.html).
  it("creates the Grafana workspace through a provider in a region that offers it", () => {
    const workspace = one(plan(), "aws:grafana/workspace:Workspace");
    expect(workspace.options.provider).toBe(`${name}-grafana-region`);
    expect(one(plan(), "pulumi:providers:aws", `${name}-grafana-region`).inputs.region).toBe("us-east-1");
    for (const type of [
      "aws:grafana/workspaceServiceAccount:WorkspaceServiceAccount",
      "aws:grafana/workspaceServiceAccountToken:WorkspaceServiceAccountToken",
    ]) {
      expect([type, one(plan(), type).options.provider]).toEqual([type, `${name}-grafana-region`]);
    }
  });

  // grafana/grafana-aws-sdk pkg/awsauth: "ec2_iam_role" is the workspace IAM role; "ec2" is no auth type.
  it("signs Prometheus queries with the workspace's IAM role, for the Prometheus region", () => {
    expect(json(one(plan(), "grafana:oss/dataSource:DataSource"), "jsonDataEncoded")).toEqual({
      httpMethod: "POST",
      sigV4Auth: true,
      sigV4AuthType: "ec2_iam_role",
      sigV4Region: "sa-east-1",
    });
  });

  const costCentre = stack === "prod" ? "cc-comments-prod" : "cc-comments-nonprod";
  const tags = (tagName: string) => ({
    Name: tagName,
    "cost-centre": costCentre,
    owner: "platform-team",
    project: "comments-platform",
    stack,
  });
  const topic = (severity: string) => `\${sns:Topic/${name}-${severity}.arn}`;
  const fromPrometheus = (severity: string) => ({
    Sid: "AllowPrometheusAlertmanager",
    Effect: "Allow",
    Principal: { Service: "aps.amazonaws.com" },
    Action: ["sns:Publish", "sns:GetTopicAttributes"],
    Resource: topic(severity),
    Condition: {
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnEquals: { "aws:SourceArn": `\${amp:Workspace/${name}-prometheus.arn}` },
    },
  });
  // A TopicPolicy replaces the topic's default policy: CloudWatch alarms may publish only when a
  // statement lets cloudwatch.amazonaws.com, for this account's alarms of this stack.
  const fromAlarms = (severity: string) => ({
    Sid: "AllowCloudWatchAlarms",
    Effect: "Allow",
    Principal: { Service: "cloudwatch.amazonaws.com" },
    Action: "sns:Publish",
    Resource: topic(severity),
    Condition: {
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:sa-east-1:${ACCOUNT}:alarm:${name}-*` },
    },
  });

  it("lets Prometheus publish to every topic, and CloudWatch alarms to the topics alarms notify", () => {
    const policy = (severity: string) =>
      json(one(plan(), "aws:sns/topicPolicy:TopicPolicy", `${name}-${severity}`), "policy");
    expect(policy("page")).toEqual({
      Version: "2012-10-17",
      Statement: [fromPrometheus("page"), fromAlarms("page")],
    });
    expect(policy("ticket")).toEqual({
      Version: "2012-10-17",
      Statement: [fromPrometheus("ticket"), fromAlarms("ticket")],
    });
    expect(policy("heartbeat")).toEqual({ Version: "2012-10-17", Statement: [fromPrometheus("heartbeat")] });
    const alarmTopics = plan()
      .resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")
      .flatMap((alarm) => [
        ...(alarm.inputs.alarmActions as string[]),
        ...((alarm.inputs.okActions as string[]) ?? []),
      ]);
    expect([...new Set(alarmTopics)].sort()).toEqual([topic("page"), topic("ticket")]);
  });

  // SNS sends its topic metrics to CloudWatch every five minutes
  // (https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html); Watchdog
  // repeats every minute, so a healthy pipeline publishes about five per period.
  it("pages when the Watchdog heartbeat stops arriving, outside the path it watches", () => {
    expect(one(plan(), "aws:cloudwatch/metricAlarm:MetricAlarm", `${name}-heartbeat-missing`).inputs).toEqual(
      {
        alarmDescription:
          "No Watchdog heartbeat reached the heartbeat topic for 15 minutes: the path from Prometheus rules through Alertmanager to SNS is broken, and no alert would reach anyone",
        namespace: "AWS/SNS",
        metricName: "NumberOfMessagesPublished",
        dimensions: { TopicName: `${name}-heartbeat` },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        treatMissingData: "breaching",
        alarmActions: [topic("page")],
        okActions: [topic("page")],
        tags: tags(`${name}-heartbeat-missing`),
      },
    );
  });

  // AWSCodeDeployRoleForECS may invoke every Lambda and publish to every topic; the Limited one only
  // passes roles named ecsTaskExecutionRole or ECSTaskExecution*
  // (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForECSLimited.html).
  it("gives CodeDeploy exactly what a blue/green deployment of this service needs, inline", () => {
    const role = one(plan(), "aws:iam/role:Role", `${name}-codedeploy`);
    expect(role.inputs.managedPolicyArns).toBeUndefined();
    const listener = (which: string) => `\${lb:Listener/${name}-${which}.arn}`;
    expect(json(one(plan(), "aws:iam/rolePolicy:RolePolicy", `${name}-codedeploy`), "policy")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "EcsTaskSets",
          Effect: "Allow",
          Action: [
            "ecs:CreateTaskSet",
            "ecs:DeleteTaskSet",
            "ecs:DescribeServices",
            "ecs:UpdateServicePrimaryTaskSet",
          ],
          Resource: "*",
        },
        {
          Sid: "ShiftTraffic",
          Effect: "Allow",
          Action: ["elasticloadbalancing:ModifyListener"],
          Resource: [listener("production"), listener("test")],
        },
        {
          Sid: "ReadLoadBalancingAndAlarms",
          Effect: "Allow",
          Action: [
            "cloudwatch:DescribeAlarms",
            "elasticloadbalancing:DescribeListeners",
            "elasticloadbalancing:DescribeRules",
            "elasticloadbalancing:DescribeTargetGroups",
          ],
          Resource: "*",
        },
        {
          Sid: "InvokeSmokeHook",
          Effect: "Allow",
          Action: ["lambda:InvokeFunction"],
          Resource: `\${lambda:Function/${name}-smoke.arn}`,
        },
        {
          Sid: "PassTaskRoles",
          Effect: "Allow",
          Action: ["iam:PassRole"],
          Resource: [`\${iam:Role/${name}-execution.arn}`, `\${iam:Role/${name}-task.arn}`],
          Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        },
      ],
    });
  });

  const rulesOf = (group: string) =>
    plan()
      .resources.filter(
        (r) => r.type.startsWith("aws:vpc/securityGroup") && r.name.startsWith(`${name}-${group}-`),
      )
      .map((r) => `vpc:${r.type.split(":")[2]}/${r.name}`)
      .sort();

  // A target group must belong to a load balancer before a service can use it, and a release must
  // not start before the permissions and rules it uses exist.
  it("creates the service after its listeners, role policies and security group rules", () => {
    expect([...one(plan(), "aws:ecs/service:Service").options.dependsOn].sort()).toEqual(
      [
        `lb:Listener/${name}-production`,
        `lb:Listener/${name}-test`,
        `iam:RolePolicy/${name}-execution`,
        `iam:RolePolicy/${name}-task-app`,
        `iam:RolePolicy/${name}-task-remote-write`,
        ...rulesOf("service"),
        ...rulesOf("alb"),
      ].sort(),
    );
  });

  it("runs the release step after the service, CodeDeploy and its permissions, the hook and its rules", () => {
    expect([...one(plan(), "command:local:Command").options.dependsOn].sort()).toEqual(
      [
        `ecs:Service/${name}-service`,
        `codedeploy:DeploymentGroup/${name}-group`,
        `iam:RolePolicy/${name}-codedeploy`,
        `lambda:Function/${name}-smoke`,
        `iam:RolePolicy/${name}-smoke`,
        ...rulesOf("smoke"),
        ...rulesOf("alb"),
      ].sort(),
    );
  });

  // Prod's test listener serves the certificate of comments.example.com: the hook must call that
  // name, or TLS verification fails and every release rolls back.
  it("points the smoke hook at the test listener by the name its certificate covers", () => {
    expect(one(plan(), "aws:lambda/function:Function").inputs.environment).toEqual({
      variables: {
        TEST_LISTENER_URL:
          stack === "prod"
            ? "https://comments.example.com:8443"
            : `http://\${lb:LoadBalancer/${name}-alb.dnsName}:8443`,
        // Prod's web ACL blocks requests without one (NoUserAgent_HEADER): the image tag it tests.
        USER_AGENT: `comments-platform/${imageTagFor(REPO_ROOT)} (smoke-hook)`,
      },
    });
    expect((plan().outputs.contractV1 as { url: string }).url).toBe(
      stack === "prod" ? "https://comments.example.com" : `http://\${lb:LoadBalancer/${name}-alb.dnsName}`,
    );
  });

  it("runs the app and the collector with exactly these container definitions", () => {
    const containers = json(one(plan(), "aws:ecs/taskDefinition:TaskDefinition"), "containerDefinitions");
    const db = `\${rds:Instance/${name}-db`;
    const logs = (prefix: string) => ({
      logDriver: "awslogs",
      options: {
        "awslogs-group": `/ecs/${name}`,
        "awslogs-region": "sa-east-1",
        "awslogs-stream-prefix": prefix,
      },
    });
    expect(containers).toEqual([
      {
        name: "comments-api",
        image: `\${docker-build:Image/${name}-image.ref}`,
        essential: true,
        user: "1000:1000",
        readonlyRootFilesystem: true,
        // Only the API port: the metrics port is reached on localhost by the collector.
        portMappings: [{ containerPort: 3000, protocol: "tcp", name: "http" }],
        environment: [
          // The app reads the login itself, at start and after a refused one (rotation).
          { name: "DATABASE_SECRET_ARN", value: `${db}.masterUserSecrets[0].secretArn}` },
          { name: "DATABASE_SSL", value: "verify-full" },
          { name: "DATABASE_SSL_CA_FILE", value: "/app/certs/rds-global-bundle.pem" },
          // The ALB reaches the task on its interface's address, not on loopback.
          { name: "HOST", value: "0.0.0.0" },
          { name: "LOG_LEVEL", value: "info" },
          { name: "METRICS_PORT", value: "9464" },
          { name: "NODE_ENV", value: "production" },
          { name: "PGDATABASE", value: "comments" },
          { name: "PGHOST", value: `${db}.address}` },
          { name: "PGPORT", value: `${db}.port}` },
          { name: "PORT", value: "3000" },
          { name: "RATE_LIMIT_PER_MINUTE", value: "600" },
          { name: "TRUSTED_PROXY_HOPS", value: "1" },
        ],
        healthCheck: {
          command: [
            "CMD",
            "node",
            "-e",
            "fetch('http://127.0.0.1:3000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))",
          ],
          interval: 15,
          timeout: 5,
          retries: 3,
          startPeriod: 20,
        },
        stopTimeout: 30,
        logConfiguration: logs("app"),
      },
      {
        name: "metrics-collector",
        image: "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3",
        essential: false,
        user: "10001:10001",
        readonlyRootFilesystem: true,
        environment: [{ name: "AOT_CONFIG_CONTENT", value: expect.any(String) }],
        logConfiguration: logs("collector"),
      },
    ]);
    const collector = parse(containers[1].environment[0].value);
    expect(collector.receivers.prometheus.config.scrape_configs).toEqual([
      {
        job_name: "comments-api",
        metrics_path: "/metrics",
        static_configs: [{ labels: { stack }, targets: ["127.0.0.1:9464"] }],
      },
    ]);
    expect(collector.exporters.prometheusremotewrite.endpoint).toBe(
      `\${amp:Workspace/${name}-prometheus.prometheusEndpoint}/api/v1/remote_write`,
    );
  });

  // A deep check that fails while the database is down turns every target unhealthy, and ECS
  // replaces every task (https://aws.amazon.com/builders-library/implementing-health-checks/).
  it("health-checks both target groups on the shallow liveness path", () => {
    for (const colour of ["blue", "green"]) {
      expect([
        colour,
        one(plan(), "aws:lb/targetGroup:TargetGroup", `${name}-${colour}`).inputs.healthCheck,
      ]).toEqual([
        colour,
        {
          path: "/healthz",
          matcher: "200",
          interval: 10,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
      ]);
    }
  });

  // The tag is the hash of the build inputs: a commit that changes none of them leaves these inputs,
  // so the image, its digest, the task definition and the release step, as they are.
  it("builds the image under the tag of its build inputs, from the workspace root", () => {
    expect(one(plan(), "docker-build:index:Image").inputs).toEqual({
      buildOnPreview: true,
      context: { location: ".." },
      dockerfile: { location: "../services/comments-api/Dockerfile" },
      network: "default",
      platforms: ["linux/arm64"],
      push: true,
      registries: [
        {
          address: `\${ecr:Repository/${name}-repo.repositoryUrl}`,
          password: "${aws:getAuthorizationToken.password}",
          username: "AWS",
        },
      ],
      tags: [`\${ecr:Repository/${name}-repo.repositoryUrl}:${imageTagFor(REPO_ROOT)}`],
    });
  });

  // A fixed physical name makes a create-before-delete replacement collide with itself. Each one is
  // either safe (only a rename replaces the resource), or deleted first (deleteBeforeReplace).
  it("names resources by hand only where it is safe, deleting first where a replacement would collide", () => {
    const fixed = plan()
      .resources.filter(
        (r) =>
          r.type.startsWith("aws:") && typeof (r.inputs.name ?? r.inputs.deploymentGroupName) === "string",
      )
      .map(
        (r) => `${r.type} ${r.name}${r.options.deleteBeforeReplace === true ? " deleteBeforeReplace" : ""}`,
      );
    const alarms = [
      "blue-5xx",
      "blue-p99",
      "blue-unhealthy",
      "elb-5xx",
      "green-5xx",
      "green-p99",
      "green-unhealthy",
    ];
    expect(fixed).toEqual(
      [
        "aws:amp/ruleGroupNamespace:RuleGroupNamespace comments-api-STACK-rules-comments-api",
        "aws:cloudwatch/logGroup:LogGroup comments-api-STACK-logs",
        "aws:cloudwatch/logGroup:LogGroup comments-api-STACK-smoke",
        ...alarms.map((alarm) => `aws:cloudwatch/metricAlarm:MetricAlarm comments-api-STACK-${alarm}`),
        "aws:codedeploy/application:Application comments-api-STACK-app deleteBeforeReplace",
        "aws:codedeploy/deploymentGroup:DeploymentGroup comments-api-STACK-group deleteBeforeReplace",
        "aws:ecr/repository:Repository comments-api-STACK-repo",
        "aws:ecs/cluster:Cluster comments-api-STACK-cluster",
        "aws:ecs/service:Service comments-api-STACK-service deleteBeforeReplace",
        "aws:grafana/workspace:Workspace comments-api-STACK-grafana",
        "aws:grafana/workspaceServiceAccount:WorkspaceServiceAccount comments-api-STACK-pulumi",
        "aws:grafana/workspaceServiceAccountToken:WorkspaceServiceAccountToken comments-api-STACK-pulumi-token",
        "aws:lambda/function:Function comments-api-STACK-smoke",
        "aws:sns/topic:Topic comments-api-STACK-heartbeat",
        "aws:sns/topic:Topic comments-api-STACK-page",
        "aws:sns/topic:Topic comments-api-STACK-ticket",
        "aws:ssm/parameter:Parameter comments-api-STACK-contract-v1",
        "aws:ssm/parameter:Parameter comments-api-STACK-contract-v2",
      ].map((line) => line.replace("STACK", stack)),
    );
  });

  it("shows the release the release step would create: the AppSpec with the tasks' network", () => {
    const subnets = (stack === "prod" ? [0, 1, 2] : [0, 1]).map(
      (i) => `\${ec2:Subnet/${name}-private-${i}.id}`,
    );
    expect(plan().release).toEqual({
      application: name,
      deploymentGroup: name,
      deploymentConfigName:
        stack === "prod" ? `${name}-canary-10pct-10min` : "CodeDeployDefault.ECSAllAtOnce",
      // Task start 600 + hook 120 + traffic shift + termination wait + margin 300.
      deadlineSeconds: stack === "prod" ? 600 + 120 + 600 + 900 + 300 : 600 + 120 + 0 + 300 + 300,
      appSpec: {
        version: "0.0",
        Resources: [
          {
            TargetService: {
              Type: "AWS::ECS::Service",
              Properties: {
                TaskDefinition: `\${ecs:TaskDefinition/${name}-task.arn}`,
                LoadBalancerInfo: { ContainerName: "comments-api", ContainerPort: 3000 },
                PlatformVersion: "1.4.0",
                NetworkConfiguration: {
                  AwsvpcConfiguration: {
                    Subnets: subnets,
                    SecurityGroups: [`\${ec2:SecurityGroup/${name}-service.id}`],
                    AssignPublicIp: "DISABLED",
                  },
                },
              },
            },
          },
        ],
        Hooks: [{ AfterAllowTestTraffic: `CodeDeployHook_${stack}_smoke` }],
      },
    });
  });

  // Keys alone passed when a value pointed at the wrong resource: the whole contract, for both stacks.
  it("exports the contract other teams read, each value the resource it names", () => {
    const ref = (module: string, type: string, resource: string, output: string) =>
      `\${${module}:${type}/${resource}.${output}}`;
    const alb = ref("lb", "LoadBalancer", `${name}-alb`, "dnsName");
    expect(plan().outputs.contractV1).toEqual({
      version: 1,
      stack,
      region: "sa-east-1",
      url: stack === "prod" ? "https://comments.example.com" : `http://${alb}`,
      albDnsName: alb,
      albZoneId: ref("lb", "LoadBalancer", `${name}-alb`, "zoneId"),
      ecrRepositoryUrl: ref("ecr", "Repository", `${name}-repo`, "repositoryUrl"),
      imageRef: ref("docker-build", "Image", `${name}-image`, "ref"),
      clusterName: name,
      serviceName: name,
      vpcId: ref("ec2", "Vpc", `${name}-vpc`, "id"),
      privateSubnetIds: (stack === "prod" ? [0, 1, 2] : [0, 1]).map((i) =>
        ref("ec2", "Subnet", `${name}-private-${i}`, "id"),
      ),
      serviceSecurityGroupId: ref("ec2", "SecurityGroup", `${name}-service`, "id"),
      logGroupName: `/ecs/${name}`,
      prometheusWorkspaceId: ref("amp", "Workspace", `${name}-prometheus`, "id"),
      prometheusQueryUrl: ref("amp", "Workspace", `${name}-prometheus`, "prometheusEndpoint"),
      grafanaUrl: `https://${ref("grafana", "Workspace", `${name}-grafana`, "endpoint")}`,
      codedeployApplication: name,
      codedeployDeploymentGroup: name,
      alarmTopicArn: ref("sns", "Topic", `${name}-ticket`, "arn"),
      pageTopicArn: ref("sns", "Topic", `${name}-page`, "arn"),
    });
  });

  // infra/test/fixtures/urns-<stack>.json: every URN the stack had before the components were
  // renamed (Release -> CodeDeployBlueGreen, ReleaseStep -> ReleaseOnChange). A rename must keep
  // each (aliases), or `pulumi up` would replace the resource; remove a line only with its resource.
  it("keeps every resource's URN across renames, through aliases", () => {
    const kept = JSON.parse(
      readFileSync(join(REPO_ROOT, `infra/test/fixtures/urns-${stack}.json`), "utf8"),
    ) as string[];
    const answered = new Set(plan().resources.flatMap((resource) => urnsOf(plan(), resource)));
    expect(kept.filter((urn) => !answered.has(urn))).toEqual([]);
    expect(kept).toHaveLength(stack === "prod" ? 120 : 103);
  });
});
