import { describe, expect, it } from "vitest";
import { fargateMemoryOptions, parseStackConfig, rawConfigFrom, readConfigSpecs } from "../src/config";
import { readStackFile } from "../src/stack-file";

const specs = readConfigSpecs();

const base = {
  "aws:region": "sa-east-1",
  owner: "platform-team",
  costCentre: "cc-1",
  grafanaRegion: "us-east-1",
};
const prodOk = {
  ...base,
  domainName: "comments.example.com",
  dbMultiAz: "true",
  dbDeletionProtection: "true",
  certificateArn: "arn:aws:acm:sa-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000",
};

describe("the committed stack files", () => {
  it.each(["stage", "prod"])("Pulumi.%s.yaml parses without a problem", (stack) => {
    const result = parseStackConfig(stack, rawConfigFrom(readStackFile(stack)), specs);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it("differ where stage saves and prod survives", () => {
    const stage = parseStackConfig("stage", rawConfigFrom(readStackFile("stage")), specs);
    const prod = parseStackConfig("prod", rawConfigFrom(readStackFile("prod")), specs);
    if (!stage.ok || !prod.ok) throw new Error("stack files do not parse");
    expect([stage.config.network, prod.config.network]).toEqual([
      { vpcCidr: "10.20.0.0/16", availabilityZoneCount: 2, natStrategy: "single" },
      { vpcCidr: "10.30.0.0/16", availabilityZoneCount: 3, natStrategy: "onePerAz" },
    ]);
    expect([stage.config.database, prod.config.database]).toEqual([
      {
        instanceClass: "db.t4g.micro",
        allocatedStorageGiB: 20,
        engineVersion: "16",
        multiAz: false,
        deletionProtection: false,
        backupRetentionDays: 1,
        applyImmediately: true,
      },
      {
        instanceClass: "db.t4g.medium",
        allocatedStorageGiB: 50,
        engineVersion: "16",
        multiAz: true,
        deletionProtection: true,
        backupRetentionDays: 14,
        applyImmediately: false,
      },
    ]);
    expect([stage.config.service.minTasks, prod.config.service.minTasks]).toEqual([1, 2]);
  });
});

describe("parseStackConfig: config refused before anything is built", () => {
  it("refuses a certificate of another region than the stack's", () => {
    const arn = "arn:aws:acm:us-east-1:210987654321:certificate/5c1d2e3f-0000-4000-8000-000000000001";
    expect(parseStackConfig("prod", { ...prodOk, certificateArn: arn }, specs)).toEqual({
      ok: false,
      problems: [
        `certificateArn="${arn}": is in us-east-1; the load balancer takes a certificate of its own region, sa-east-1 (request or import it there)`,
      ],
    });
  });

  it("refuses a key it does not know, naming the nearest one it does", () => {
    expect(
      parseStackConfig("stage", { ...base, pageEmail: '["a@b.io"]', dbMultiAZ: "true", zzz: "1" }, specs),
    ).toEqual({
      ok: false,
      problems: [
        "dbMultiAZ: not a setting of comments-platform (did you mean dbMultiAz?); Pulumi.yaml lists every key",
        "pageEmail: not a setting of comments-platform (did you mean pageEmails?); Pulumi.yaml lists every key",
        "zzz: not a setting of comments-platform (did you mean owner?); Pulumi.yaml lists every key",
      ],
    });
  });

  it("refuses a region AWS does not have, and one outside the aws partition", () => {
    const problems = (region: string) => {
      const result = parseStackConfig("stage", { ...base, "aws:region": region }, specs);
      return result.ok ? [] : result.problems.map((problem) => problem.split(";")[0]);
    };
    expect(problems("sa-east1")).toEqual([
      'aws:region="sa-east1": is not an AWS region (did you mean sa-east-1?)',
    ]);
    expect(problems("us-gov-west-1")).toEqual([
      'aws:region="us-gov-west-1": is not an AWS region (did you mean us-west-1?)',
    ]);
    expect(problems("mx-central-1")).toEqual([]);
  });
});

describe("parseStackConfig", () => {
  it("reads dbApplyImmediately, refusing what is not a boolean", () => {
    const on = parseStackConfig("prod", { ...prodOk, dbApplyImmediately: "true" }, specs);
    expect(on.ok && on.config.database.applyImmediately).toBe(true);
    expect(parseStackConfig("stage", { ...base, dbApplyImmediately: "yes" }, specs)).toEqual({
      ok: false,
      problems: ['dbApplyImmediately="yes": must be true or false'],
    });
  });

  it("fills prod's defaults with what prod needs", () => {
    const result = parseStackConfig(
      "prod",
      {
        ...base,
        certificateArn: prodOk.certificateArn,
        domainName: prodOk.domainName,
      },
      specs,
    );
    if (!result.ok) throw new Error(result.problems.join("\n"));
    expect(result.config.network).toEqual({
      vpcCidr: "10.0.0.0/16",
      availabilityZoneCount: 3,
      natStrategy: "onePerAz",
    });
    expect(result.config.tags).toEqual({
      project: "comments-platform",
      stack: "prod",
      owner: "platform-team",
      costCentre: "cc-1",
    });
    expect(result.config.service).toMatchObject({
      cpu: 256,
      memory: 512,
      minTasks: 2,
      maxTasks: 10,
      fargateSpot: false,
    });
  });

  it.each([
    [
      "an unknown stack",
      "dev",
      base,
      ['stack="dev": must be one of stage, prod, or sandbox-<1-6 lowercase letters or digits>'],
    ],
    [
      "missing tags and region",
      "stage",
      {},
      ["aws:region: is required", "owner: is required", "costCentre: is required"],
    ],
    [
      "a NAT strategy that does not exist",
      "stage",
      { ...base, natStrategy: "perSubnet" },
      ['natStrategy="perSubnet": must be one of single, onePerAz'],
    ],
    [
      "a Fargate pair AWS rejects",
      "stage",
      { ...base, taskCpu: "256", taskMemory: "4096" },
      ['taskMemory="4096": is not a Fargate size for taskCpu 256; allowed: 512, 1024, 2048'],
    ],
    [
      "a CPU size Fargate lacks",
      "stage",
      { ...base, taskCpu: "300" },
      ['taskCpu="300": must be one of 256, 512, 1024, 2048, 4096, 8192, 16384'],
    ],
    [
      "a retention CloudWatch lacks",
      "stage",
      { ...base, logRetentionDays: "10" },
      [
        'logRetentionDays="10": must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
      ],
    ],
    [
      "a single AZ in stage",
      "stage",
      { ...base, availabilityZoneCount: "1" },
      ['availabilityZoneCount="1": an application load balancer needs at least 2 availability zones'],
    ],
    [
      "an open test listener",
      "stage",
      { ...base, testListenerCidrs: '["0.0.0.0/0"]' },
      ['testListenerCidrs="0.0.0.0/0": must not open the test listener to the internet'],
    ],
    [
      "a test listener CIDR that is not one",
      "stage",
      { ...base, testListenerCidrs: '["office"]' },
      ['testListenerCidrs="office": must be an IPv4 CIDR block like 203.0.113.0/24'],
    ],
    [
      "a small VPC",
      "stage",
      { ...base, vpcCidr: "10.0.0.0/24" },
      ['vpcCidr="10.0.0.0/24": must be an IPv4 CIDR block of /20 or larger, like 10.0.0.0/16'],
    ],
    [
      "fewer maximum than minimum tasks",
      "stage",
      { ...base, minTasks: "3", maxTasks: "2" },
      ['maxTasks="2": must be at least minTasks (3)'],
    ],
    [
      "a malformed boolean",
      "stage",
      { ...base, fargateSpot: "yes" },
      ['fargateSpot="yes": must be true or false'],
    ],
    [
      "prod without deletion protection",
      "prod",
      { ...prodOk, dbDeletionProtection: "false" },
      ['dbDeletionProtection="false": prod needs deletion protection on its database'],
    ],
    [
      "prod in a single AZ, on one NAT, Spot, one task, single-AZ database, 3 days of backups",
      "prod",
      {
        ...prodOk,
        availabilityZoneCount: "1",
        natStrategy: "single",
        fargateSpot: "true",
        cpuArchitecture: "X86_64",
        minTasks: "1",
        dbMultiAz: "false",
        dbBackupRetentionDays: "3",
      },
      [
        'availabilityZoneCount="1": prod needs at least 2 availability zones',
        'natStrategy="single": prod needs onePerAz: one NAT gateway per availability zone',
        'dbMultiAz="false": prod needs a Multi-AZ database',
        'dbBackupRetentionDays="3": prod keeps at least 7 days of backups',
        'fargateSpot="true": prod runs on regular Fargate: Spot tasks can be reclaimed at two minutes\' notice',
        'minTasks="1": prod runs at least 2 tasks, one per availability zone',
      ],
    ],
    // ECS API reference, CapacityProviderStrategyItem: FARGATE_SPOT runs X86_64 tasks only.
    [
      "Spot on ARM64 in stage",
      "stage",
      { ...base, fargateSpot: "true", cpuArchitecture: "ARM64" },
      ['fargateSpot="true": Fargate Spot runs X86_64 tasks only; cpuArchitecture is ARM64'],
    ],
    [
      "a test listener open to every address under another prefix",
      "stage",
      { ...base, testListenerCidrs: '["10.0.0.0/0"]' },
      ['testListenerCidrs="10.0.0.0/0": must not open the test listener to the internet'],
    ],
    // https://docs.aws.amazon.com/general/latest/gr/grafana.html lists no sa-east-1.
    [
      "managed Grafana in a region without the service, and no grafanaRegion",
      "stage",
      { "aws:region": "sa-east-1", owner: "o", costCentre: "c" },
      [
        "grafanaRegion: Amazon Managed Grafana is not offered in sa-east-1 (https://docs.aws.amazon.com/general/latest/gr/grafana.html); set grafanaRegion to one of us-east-1, us-east-2, us-west-2, ap-northeast-1, ap-northeast-2, ap-southeast-1, ap-southeast-2, eu-central-1, eu-west-1, eu-west-2, or use grafanaMode existing",
      ],
    ],
    [
      "a grafanaRegion without the service",
      "stage",
      { ...base, grafanaRegion: "sa-east-1" },
      [
        'grafanaRegion="sa-east-1": Amazon Managed Grafana is not offered there (https://docs.aws.amazon.com/general/latest/gr/grafana.html); must be one of us-east-1, us-east-2, us-west-2, ap-northeast-1, ap-northeast-2, ap-southeast-1, ap-southeast-2, eu-central-1, eu-west-1, eu-west-2',
      ],
    ],
    [
      "HTTPS without the domain name its certificate covers",
      "stage",
      { ...base, certificateArn: prodOk.certificateArn },
      [
        "domainName: certificateArn is set, so clients and the smoke test reach the service by the name its certificate covers; set domainName to that name",
      ],
    ],
    [
      "prod without a web ACL",
      "prod",
      { ...prodOk, wafRateLimit: "0" },
      [
        'wafRateLimit="0": prod runs behind the WAF web ACL: set requests per client address per 5 minutes (10 or more)',
      ],
    ],
    // https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html: Limit 10 to 2,000,000,000.
    [
      "a WAF rate limit under AWS's minimum",
      "stage",
      { ...base, wafRateLimit: "5" },
      ['wafRateLimit="5": must be 0 (no web ACL) or at least 10, AWS WAF\'s minimum'],
    ],
    [
      "a domain name that is not one, and a hosted zone id that is not one",
      "stage",
      { ...base, domainName: "https://comments.example.com", hostedZoneId: "zone-1" },
      [
        'domainName="https://comments.example.com": must be a DNS name like comments.example.com',
        'hostedZoneId="zone-1": must be a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ',
      ],
    ],
  ])("rejects %s with exactly those messages", (_name, stack, raw, problems) => {
    expect(parseStackConfig(stack, raw as Record<string, string>, specs)).toEqual({ ok: false, problems });
  });
});

describe("grafanaRegion", () => {
  it("defaults to the stack's region where Managed Grafana is offered", () => {
    const result = parseStackConfig(
      "stage",
      { "aws:region": "eu-west-1", owner: "o", costCentre: "c" },
      specs,
    );
    expect(result.ok && result.config.monitoring.grafana).toEqual({
      mode: "managed",
      region: "eu-west-1",
      version: "12.4",
      groups: { admin: [], editor: [], viewer: [] },
    });
  });
});

describe("grafanaVersion and the workspace's groups", () => {
  const admin = "906754a2-c0a1-70a3-9e5c-1f0e3a7b8c9d";
  it("pins a version AWS creates, and takes Identity Center groups per role", () => {
    const result = parseStackConfig(
      "stage",
      {
        ...base,
        grafanaVersion: "10.4",
        grafanaAdminGroups: JSON.stringify([admin]),
        grafanaViewerGroups: JSON.stringify(["9067a1b2c3-11111111-2222-3333-4444-555555555555"]),
      },
      specs,
    );
    expect(result.ok && result.config.monitoring.grafana).toEqual({
      mode: "managed",
      region: "us-east-1",
      version: "10.4",
      groups: {
        admin: [admin],
        editor: [],
        viewer: ["9067a1b2c3-11111111-2222-3333-4444-555555555555"],
      },
    });
  });

  it("refuses a version Managed Grafana does not create, a malformed group id, and groups for an existing Grafana", () => {
    expect(
      parseStackConfig(
        "stage",
        { ...base, grafanaVersion: "11.0", grafanaEditorGroups: '["admins"]' },
        specs,
      ),
    ).toEqual({
      ok: false,
      problems: [
        'grafanaVersion="11.0": Amazon Managed Grafana creates 8.4, 9.4, 10.4, 12.4 (https://docs.aws.amazon.com/grafana/latest/APIReference/API_ListVersions.html)',
        'grafanaEditorGroups="admins": must be IAM Identity Center group ids, like 906754a2-c0a1-70a3-9e5c-1f0e3a7b8c9d',
      ],
    });
    expect(
      parseStackConfig(
        "stage",
        {
          ...base,
          grafanaMode: "existing",
          grafanaUrl: "https://grafana.acme.io",
          grafanaToken: "t",
          grafanaVersion: "11",
          grafanaAdminGroups: JSON.stringify([admin]),
        },
        specs,
      ),
    ).toEqual({
      ok: false,
      problems: [
        'grafanaVersion="11": must be that Grafana\'s major.minor version, like 11.6',
        `grafanaAdminGroups="[\\"${admin}\\"]": assigns groups to a managed workspace; grafanaMode is existing`,
      ],
    });
  });
});

describe("fargateMemoryOptions", () => {
  it.each([
    [256, [512, 1024, 2048]],
    [1024, [2048, 3072, 4096, 5120, 6144, 7168, 8192]],
    [8192, [16384, 20480, 24576, 28672, 32768, 36864, 40960, 45056, 49152, 53248, 57344, 61440]],
    [300, []],
  ])("for %i CPU units allows %j MiB", (cpu, memory) => {
    expect(fargateMemoryOptions(cpu)).toEqual(memory);
  });
});

describe("rawConfigFrom", () => {
  it("keeps the project's keys without prefix, and aws:region", () => {
    expect(
      rawConfigFrom({
        "comments-platform:owner": "x",
        "aws:region": "sa-east-1",
        "aws:profile": "p",
        "other:key": "y",
      }),
    ).toEqual({
      owner: "x",
      "aws:region": "sa-east-1",
    });
  });
});

describe("the release's windows, against the rollback alarms' reaction time", () => {
  const problems = (stack: string, extra: Record<string, string>) => {
    const result = parseStackConfig(stack, { ...(stack === "prod" ? prodOk : base), ...extra }, specs);
    return result.ok ? [] : result.problems;
  };

  it("refuses a canary interval and a termination wait shorter than the alarms can act in, naming both numbers", () => {
    expect(
      problems("prod", {
        deploymentConfig: "custom",
        canaryIntervalMinutes: "3",
        terminationWaitMinutes: "1",
        canaryAnalysis: "none",
      }),
    ).toEqual([
      'canaryIntervalMinutes="3": the rollback alarms judge 3 minutes of metrics, which reach CloudWatch up to 2 minutes late, so at least 5; shorter, all traffic moves before an alarm can stop the canary',
      'terminationWaitMinutes="1": the rollback alarms judge 3 minutes of metrics, which reach CloudWatch up to 2 minutes late, so at least 5; shorter, the old task set is gone before an alarm can roll back to it',
    ]);
  });

  it("takes 5 minutes for both, and a predefined canary that long", () => {
    expect(
      problems("prod", {
        deploymentConfig: "custom",
        canaryIntervalMinutes: "5",
        terminationWaitMinutes: "5",
        canaryAnalysis: "none",
      }),
    ).toEqual([]);
    expect(
      problems("stage", {
        deploymentConfig: "CodeDeployDefault.ECSCanary10Percent5Minutes",
        canaryAnalysis: "none",
      }),
    ).toEqual([]);
    expect(problems("stage", { deploymentConfig: "CodeDeployDefault.ECSCanary10Percent5Minutes" })).toEqual(
      [],
    );
  });

  it("defaults the rollback alarms from alerts/slo.yaml", () => {
    const result = parseStackConfig("stage", base, specs);
    if (!result.ok) throw new Error(result.problems.join("\n"));
    expect(result.config.release).toMatchObject({
      alarm5xxRatio: 0.0144,
      alarmMinRequests: 30,
      alarmP99Seconds: 0.3,
      routing: { shift: { kind: "all-at-once" }, terminationWaitMinutes: 5 },
    });
    expect(result.config.release.canaryAnalysis).toBeUndefined();
  });

  it("derives the traffic routing once, from deploymentConfig and the canary keys", () => {
    const routing = (overrides: Record<string, string>) => {
      const result = parseStackConfig("stage", { ...base, ...overrides }, specs);
      if (!result.ok) throw new Error(result.problems.join("\n"));
      return result.config.release.routing;
    };
    expect(routing({})).toEqual({ shift: { kind: "all-at-once" }, terminationWaitMinutes: 5 });
    expect(
      routing({
        deploymentConfig: "custom",
        canaryPercent: "20",
        canaryIntervalMinutes: "7",
        terminationWaitMinutes: "30",
      }),
    ).toEqual({ shift: { kind: "canary", percent: 20, intervalMinutes: 7 }, terminationWaitMinutes: 30 });
    // A predefined configuration ignores the canary keys: its own percentage and interval.
    expect(
      routing({ deploymentConfig: "CodeDeployDefault.ECSLinear10PercentEvery3Minutes", canaryPercent: "20" }),
    ).toEqual({ shift: { kind: "linear", percent: 10, intervalMinutes: 3 }, terminationWaitMinutes: 5 });
    expect(routing({ deploymentConfig: "CodeDeployDefault.ECSCanary10Percent15Minutes" }).shift).toEqual({
      kind: "canary",
      percent: 10,
      intervalMinutes: 15,
    });
    const prod = parseStackConfig("prod", { ...prodOk }, specs);
    expect(prod.ok && prod.config.release.routing).toEqual({
      shift: { kind: "canary", percent: 10, intervalMinutes: 10 },
      terminationWaitMinutes: 15,
    });
  });

  it("judges a canary by alerts/analysis/canary.yaml by default, and refuses one too short for its first look", () => {
    const prod = parseStackConfig("prod", prodOk, specs);
    expect(prod.ok && prod.config.release.canaryAnalysis).toBe("canary");
    expect(
      problems("stage", {
        deploymentConfig: "custom",
        canaryIntervalMinutes: "1",
        terminationWaitMinutes: "5",
      }),
    ).toEqual([
      'canaryIntervalMinutes="1": the rollback alarms judge 3 minutes of metrics, which reach CloudWatch up to 2 minutes late, so at least 5; shorter, all traffic moves before an alarm can stop the canary',
      'canaryIntervalMinutes="1": the canary analysis canary first looks 1 minute(s) into the canary, at metrics that reach Prometheus up to 1 minute late, so at least 2 minutes of canary; shorter, it cannot judge anything before all traffic moves',
    ]);
    expect(problems("prod", { canaryAnalysis: "nope" })).toEqual([
      'canaryAnalysis="nope": must be none or a file of alerts/analysis: canary',
    ]);
  });
});
