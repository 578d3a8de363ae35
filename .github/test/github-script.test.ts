/**
 * .github/scripts/github.ts against a fake GitHub REST API on a real HTTP server: the requests it
 * makes are recorded and the fake keeps comments and issues, so editing in place is observable.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { main, USAGE } from "../scripts/github.js";
import { compareContracts, contractComment, contractFields } from "../scripts/lib/contract.js";
import {
  classifyDrift,
  deployedVersusMain,
  driftBody,
  driftExcerpt,
  type HistoryEntry,
  reportDrift,
} from "../scripts/lib/drift.js";
import type { GitHub } from "../scripts/lib/github-api.js";
import { previewMarker, previewStatusBody, reportPreview } from "../scripts/lib/preview-status.js";

interface Recorded {
  method: string;
  path: string;
  body?: unknown;
}

/** A minimal GitHub: issue comments and issues of one repository, paginated as GitHub does. */
class FakeGitHub {
  requests: Recorded[] = [];
  comments = new Map<number, Array<{ id: number; body: string; user?: { login: string } }>>();
  issues: Array<{ number: number; title: string; body: string; labels: string[]; pull_request?: object }> =
    [];
  nextId = 1000;
  failWith: number | undefined;
  server: Server;
  url = "";

  constructor() {
    this.server = createServer(async (request, response) => {
      const raw = await readBody(request);
      const body = raw === "" ? undefined : JSON.parse(raw);
      const url = new URL(request.url ?? "/", "http://x");
      this.requests.push({ method: request.method ?? "", path: `${url.pathname}${url.search}`, body });
      const send = (status: number, value: unknown) => {
        response.statusCode = status;
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify(value));
      };
      if (request.headers.authorization !== "Bearer t0ken") return send(401, { message: "Bad credentials" });
      if (this.failWith !== undefined)
        return send(this.failWith, { message: "Resource not accessible by integration" });
      const page = (items: unknown[]) => {
        const size = Number(url.searchParams.get("per_page"));
        const n = Number(url.searchParams.get("page"));
        return items.slice((n - 1) * size, n * size);
      };
      let match = /^\/repos\/acme\/comments-platform\/issues\/(\d+)\/comments$/.exec(url.pathname);
      if (match) {
        const issue = Number(match[1]);
        const list = this.comments.get(issue) ?? [];
        if (request.method === "GET") return send(200, page(list));
        // GITHUB_TOKEN writes as the Actions bot.
        const created = {
          id: this.nextId++,
          body: (body as { body: string }).body,
          user: { login: "github-actions[bot]" },
        };
        this.comments.set(issue, [...list, created]);
        return send(201, created);
      }
      match = /^\/repos\/acme\/comments-platform\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (match && request.method === "PATCH") {
        for (const list of this.comments.values())
          for (const comment of list)
            if (comment.id === Number(match[1])) {
              comment.body = (body as { body: string }).body;
              return send(200, comment);
            }
        return send(404, { message: "Not Found" });
      }
      if (url.pathname === "/repos/acme/comments-platform/issues") {
        if (request.method === "GET") {
          const label = url.searchParams.get("labels");
          return send(
            200,
            page(this.issues.filter((issue) => label === null || issue.labels.includes(label))),
          );
        }
        const input = body as { title: string; body: string; labels: string[] };
        const created = { number: this.issues.length + 1, ...input };
        this.issues.push(created);
        return send(201, created);
      }
      return send(404, { message: "Not Found" });
    });
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = "";
    request.on("data", (chunk: Buffer) => {
      data += chunk.toString();
    });
    request.on("end", () => resolve(data));
  });
}

const execFileAsync = promisify(execFile);
const fake = new FakeGitHub();
let gh: GitHub;
const run = { runUrl: "https://github.com/acme/comments-platform/actions/runs/42", sha: "0123456789abcdef" };
const writes = () => fake.requests.filter((r) => r.method !== "GET");

beforeAll(async () => {
  await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  gh = { repository: "acme/comments-platform", token: "t0ken", apiUrl: fake.url };
});
afterAll(() => fake.server.close());
beforeEach(() => {
  fake.requests = [];
  fake.comments.clear();
  fake.issues = [];
  fake.failWith = undefined;
});

describe("the preview status comment", () => {
  it("says a failed preview failed, what may have failed and not to merge", () => {
    expect(previewStatusBody("prod", "failure", run)).toBe(
      [
        "<!-- comments-platform:preview-status:prod -->",
        "#### :x: Preview of `prod` failed at 0123456",
        "",
        "Nothing was changed in AWS. The reason is in the [workflow run](https://github.com/acme/comments-platform/actions/runs/42): a policy",
        "violation, a program error, or a step before the preview (dependencies, AWS credentials).",
        "Do not merge until this preview passes.",
      ].join("\n"),
    );
  });

  it("is created on the first failure and edited in place after, one per stack", async () => {
    expect(await reportPreview(gh, 7, "stage", "failure", run)).toBe("created");
    expect(await reportPreview(gh, 7, "prod", "failure", run)).toBe("created");
    expect(await reportPreview(gh, 7, "stage", "cancelled", run)).toBe("updated");
    expect(await reportPreview(gh, 7, "stage", "success", run)).toBe("updated");
    expect(writes()).toEqual([
      {
        method: "POST",
        path: "/repos/acme/comments-platform/issues/7/comments",
        body: { body: previewStatusBody("stage", "failure", run) },
      },
      {
        method: "POST",
        path: "/repos/acme/comments-platform/issues/7/comments",
        body: { body: previewStatusBody("prod", "failure", run) },
      },
      {
        method: "PATCH",
        path: "/repos/acme/comments-platform/issues/comments/1000",
        body: { body: previewStatusBody("stage", "cancelled", run) },
      },
      {
        method: "PATCH",
        path: "/repos/acme/comments-platform/issues/comments/1000",
        body: { body: previewStatusBody("stage", "success", run) },
      },
    ]);
    expect(fake.comments.get(7)?.map((c) => c.body.split("\n")[1])).toEqual([
      "#### :white_check_mark: Preview of `stage` passed at 0123456",
      "#### :x: Preview of `prod` failed at 0123456",
    ]);
  });

  it("writes nothing for a success that follows no failure", async () => {
    expect(await reportPreview(gh, 8, "stage", "success", run)).toBe("none");
    expect(writes()).toEqual([]);
  });

  it("finds its comment on a later page of a long conversation", async () => {
    const chatter = Array.from({ length: 150 }, (_, i) => ({ id: i + 1, body: `comment ${i}` }));
    fake.comments.set(9, [...chatter, { id: 151, body: `${previewMarker("prod")}\nold` }]);
    expect(await reportPreview(gh, 9, "prod", "failure", run)).toBe("updated");
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /repos/acme/comments-platform/issues/9/comments?per_page=100&page=1",
      "GET /repos/acme/comments-platform/issues/9/comments?per_page=100&page=2",
      "PATCH /repos/acme/comments-platform/issues/comments/151",
    ]);
  });

  it("fails with GitHub's status and message when it may not write", async () => {
    fake.failWith = 403;
    await expect(reportPreview(gh, 7, "stage", "failure", run)).rejects.toThrow(
      "GitHub GET /repos/acme/comments-platform/issues/7/comments?per_page=100&page=1 answered 403: Resource not accessible by integration",
    );
  });
});

describe("drift", () => {
  // By exit code alone (https://www.pulumi.com/docs/iac/cli/exit-codes/): the log's wording is not read.
  it.each([
    [0, "clean"],
    [7, "drift"],
    [1, "error"],
    [2, "error"],
    [3, "error"],
    [4, "error"],
    [5, "error"],
    [6, "error"],
    [8, "error"],
    [255, "error"],
  ])("exit %i is %s", (code, verdict) => {
    expect(classifyDrift(code)).toBe(verdict);
  });

  it("tells main ahead of the deploy apart from drift, from `pulumi stack history --json`", () => {
    const history: HistoryEntry[] = [
      { kind: "refresh", startTime: "2026-12-01T04:23:00Z", message: "", result: "succeeded" },
      {
        kind: "update",
        startTime: "2026-11-30T18:00:00Z",
        message: "Deploy b",
        environment: { "git.head": "bbbbbbbbbb" },
        result: "failed",
      },
      {
        kind: "update",
        startTime: "2026-11-30T12:00:00Z",
        message: "Deploy a",
        environment: { "git.head": "aaaaaaaaaa" },
        result: "succeeded",
      },
    ];
    expect(deployedVersusMain(history, "aaaaaaaaaa")).toBe(
      "main (aaaaaaa) is what is deployed (update of 2026-11-30T12:00:00Z)",
    );
    expect(deployedVersusMain(history, "cccccccccc")).toBe(
      "main is ahead of what is deployed: the last update (2026-11-30T12:00:00Z) deployed aaaaaaa, main is at ccccccc. Not drift: a deploy of main brings the stack there.",
    );
    expect(deployedVersusMain([], "c")).toBe(
      "no successful update in the stack's history: nothing deployed yet",
    );
  });

  it("quotes the preview without colours, fences or unbounded length", () => {
    expect(driftExcerpt("\u001b[32m+ aws:s3:Bucket\u001b[0m ```x```\n\n")).toBe(
      "```\n+ aws:s3:Bucket '''x'''\n```",
    );
    const long = `${"a".repeat(10)}${"b".repeat(60_000)}`;
    expect(driftExcerpt(long)).toBe(`\`\`\`\n[... 10 characters cut]\n${"b".repeat(60_000)}\n\`\`\``);
  });

  it("opens one issue per stack, then comments on it while it stays open", async () => {
    fake.issues.push({
      number: 1,
      title: "Drift: stack stage differs from its code",
      body: "",
      labels: ["drift"],
      pull_request: {},
    });
    expect(await reportDrift(gh, "stage", "~ aws:ecs:Service", run)).toEqual({ issue: 2, action: "opened" });
    expect(await reportDrift(gh, "stage", "~ aws:ecs:Service", run)).toEqual({
      issue: 2,
      action: "commented",
    });
    expect(await reportDrift(gh, "prod", "- aws:sns:Topic", run)).toEqual({ issue: 3, action: "opened" });
    expect(writes()).toEqual([
      {
        method: "POST",
        path: "/repos/acme/comments-platform/issues",
        body: {
          title: "Drift: stack stage differs from its code",
          body: driftBody("stage", "~ aws:ecs:Service", run),
          labels: ["drift"],
        },
      },
      {
        method: "POST",
        path: "/repos/acme/comments-platform/issues/2/comments",
        body: { body: `Still drifting.\n\n${driftBody("stage", "~ aws:ecs:Service", run)}` },
      },
      {
        method: "POST",
        path: "/repos/acme/comments-platform/issues",
        body: {
          title: "Drift: stack prod differs from its code",
          body: driftBody("prod", "- aws:sns:Topic", run),
          labels: ["drift"],
        },
      },
    ]);
  });
});

describe("the command line", () => {
  const env = () => ({
    GITHUB_TOKEN: "t0ken",
    GITHUB_REPOSITORY: "acme/comments-platform",
    GITHUB_API_URL: fake.url,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_RUN_ID: "42",
    GITHUB_SHA: "0123456789abcdef",
  });
  const logFile = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), "drift-")), "preview.log");
    writeFileSync(file, text);
    return file;
  };
  const cli = async (argv: string[], environment: Record<string, string | undefined> = env()) => {
    const lines: string[] = [];
    const code = await main(argv, environment, (line) => lines.push(line));
    return { code, out: lines.join("\n") };
  };

  it("reports a failed preview on the PR, naming the PR's head commit", async () => {
    expect(
      await cli(["preview-status", "--stack", "prod", "--pr", "12", "--outcome", "failure"], {
        ...env(),
        HEAD_SHA: "fedcba9876543210",
      }),
    ).toEqual({
      code: 0,
      out: "github: preview of prod failure: status comment created",
    });
    expect(fake.comments.get(12)?.[0]?.body).toBe(
      previewStatusBody("prod", "failure", { ...run, sha: "fedcba9876543210" }),
    );
    expect(fake.comments.get(12)?.[0]?.body).toContain("failed at fedcba9");
  });

  it("opens a drift issue and exits 1; exits 0 for no drift; 1 without an issue for a failed check", async () => {
    const drift = await cli([
      "drift",
      "--stack",
      "stage",
      "--exit-code",
      "7",
      "--log",
      logFile("~ aws:ecs:Service comments-api-stage-service update [diff: ~desiredCount]"),
    ]);
    expect(drift).toEqual({ code: 1, out: "github: stage drifted: issue #1 opened" });
    const summary = join(mkdtempSync(join(tmpdir(), "summary-")), "summary.md");
    const history = logFile(
      JSON.stringify([
        {
          kind: "update",
          startTime: "2026-11-30T12:00:00Z",
          message: "",
          environment: { "git.head": "aaaaaaaaaa" },
          result: "succeeded",
        },
      ]),
    );
    expect(
      await cli(
        ["drift", "--stack", "stage", "--exit-code", "0", "--log", logFile(""), "--history", history],
        {
          ...env(),
          GITHUB_STEP_SUMMARY: summary,
        },
      ),
    ).toEqual({
      code: 0,
      out: [
        "github: stage: main is ahead of what is deployed: the last update (2026-11-30T12:00:00Z) deployed aaaaaaa, main is at 0123456. Not drift: a deploy of main brings the stack there.",
        "github: stage matches its state: no drift",
      ].join("\n"),
    });
    expect(readFileSync(summary, "utf8")).toBe(
      "### stage\n\nmain is ahead of what is deployed: the last update (2026-11-30T12:00:00Z) deployed aaaaaaa, main is at 0123456. Not drift: a deploy of main brings the stack there.\n",
    );
    expect(
      await cli(["drift", "--stack", "prod", "--exit-code", "3", "--log", logFile("error: AccessDenied")]),
    ).toEqual({
      code: 1,
      out: "github: the drift check of prod failed (exit 3: authentication or authorization error) before it could compare: not drift, no issue opened; see the log above",
    });
    expect(fake.issues.map((issue) => issue.title)).toEqual(["Drift: stack stage differs from its code"]);
  });

  it("contract: fails a breaking change with exit 1 and comments on the PR; an unchanged contract writes nothing", async () => {
    const base = readFileSync(
      join(import.meta.dirname, "..", "..", "infra", "contract", "src", "contract.ts"),
      "utf8",
    );
    const baseFile = logFile(base);
    const headFile = logFile(base.replace("  albZoneId: string;\n", ""));
    const broken = await cli(["contract", "--base", baseFile, "--head", headFile, "--pr", "21"]);
    expect(broken.code).toBe(1);
    expect(broken.out.split("\n").at(-1)).toBe("github: contract comment created");
    expect(fake.comments.get(21)?.[0]?.body).toContain("- removed `albZoneId`");
    expect(await cli(["contract", "--base", baseFile, "--head", baseFile, "--pr", "22"])).toEqual({
      code: 0,
      out: "github: contractV1 unchanged\ngithub: contract comment not needed",
    });
    expect(fake.comments.get(22)).toBeUndefined();
  });

  it("preview-comment: edits only this workflow's comment for the stack, found across pages, and exits with the preview's code", async () => {
    const marker = "<!-- comments-platform:preview:prod -->";
    fake.comments.set(30, [
      ...Array.from({ length: 120 }, (_, i) => ({
        id: 5000 + i,
        body: `review ${i}`,
        user: { login: "dev" },
      })),
      // A person quoting the marker: never edited.
      { id: 6000, body: `> ${marker}\nwhy does prod replace the db?`, user: { login: "dev" } },
      ...Array.from({ length: 20 }, (_, i) => ({ id: 6001 + i, body: `more ${i}`, user: { login: "dev" } })),
      { id: 7000, body: `${marker}\nold preview`, user: { login: "github-actions[bot]" } },
    ]);
    const events = logFile(
      readFileSync(join(import.meta.dirname, "fixtures", "preview-policy.ndjson"), "utf8"),
    );
    const result = await cli(
      ["preview-comment", "--stack", "prod", "--pr", "30", "--events", events, "--exit-code", "5"],
      {
        ...env(),
        HEAD_SHA: "fedcba9876543210",
      },
    );
    expect(result.code).toBe(5);
    expect(result.out).toMatch(/^github: preview comment of prod updated \(\d+ characters\)$/);
    const comments = fake.comments.get(30) ?? [];
    expect(comments.find((c) => c.id === 6000)?.body).toBe(`> ${marker}\nwhy does prod replace the db?`);
    expect(
      comments
        .find((c) => c.id === 7000)
        ?.body.split("\n")
        .slice(0, 2),
    ).toEqual([marker, "### :x: Preview of `prod`: +0 ~1 -0 ±0 replace"]);
    expect(comments).toHaveLength(142);

    expect(
      await cli(["preview-stale", "--stack", "prod", "--pr", "30"], { ...env(), HEAD_SHA: "1111111aaaa" }),
    ).toEqual({
      code: 0,
      out: "github: 1 earlier preview comment(s) of prod marked stale",
    });
    expect(comments.find((c) => c.id === 7000)?.body.split("\n")[1]).toBe(
      "> :hourglass: **Stale**: a newer push (1111111) is being previewed; this comment is replaced when it finishes.",
    );
    expect(comments.find((c) => c.id === 6000)?.body).toBe(`> ${marker}\nwhy does prod replace the db?`);
  });

  it("names every bad argument and missing variable at once, and touches nothing", async () => {
    expect(
      await cli(["preview-status", "--stack", "Prod!", "--outcome", "maybe", "--color", "x"], {
        GITHUB_REPOSITORY: "acme",
      }),
    ).toEqual({
      code: 2,
      out: [
        "github: unknown option --color (allowed: --stack, --pr, --outcome)",
        '        unexpected argument "x"',
        "        --pr is required",
        '        --stack "Prod!" is not a stack name',
        '        --outcome "maybe" must be success, failure or cancelled',
        "        GITHUB_TOKEN is not set",
        '        GITHUB_REPOSITORY "acme" must be owner/name',
        USAGE,
      ].join("\n"),
    });
    expect(await cli(["deploy"])).toEqual({ code: 2, out: `github: unknown command "deploy"\n${USAGE}` });
    expect((await cli(["drift", "--stack", "--exit-code", "1", "--log", "f"])).out.split("\n")[0]).toBe(
      "github: --stack needs a value",
    );
    expect(fake.requests).toEqual([]);
  });

  it("runs as a script", async () => {
    // Asynchronous: the fake GitHub answers from this process.
    const result = await execFileAsync(
      process.execPath,
      [
        "--import",
        "tsx",
        join(import.meta.dirname, "..", "scripts", "github.ts"),
        "preview-status",
        "--stack",
        "stage",
        "--pr",
        "3",
        "--outcome",
        "success",
      ],
      { encoding: "utf8", env: { ...process.env, ...env() } },
    );
    expect([result.stdout, result.stderr]).toEqual([
      "github: preview of stage success: status comment not needed\n",
      "",
    ]);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /repos/acme/comments-platform/issues/3/comments?per_page=100&page=1",
    ]);
  });
});

describe("the contractV1 check", () => {
  const CONTRACT = readFileSync(
    join(import.meta.dirname, "..", "..", "infra", "contract", "src", "contract.ts"),
    "utf8",
  );

  it("reads every field of the committed contract, with its type", () => {
    const fields = contractFields(CONTRACT);
    expect(fields.get("version")).toBe("1");
    expect(fields.get("privateSubnetIds")).toBe("string[]");
    expect([...fields.keys()]).toEqual([
      "version",
      "stack",
      "region",
      "url",
      "albDnsName",
      "albZoneId",
      "ecrRepositoryUrl",
      "imageRef",
      "clusterName",
      "serviceName",
      "vpcId",
      "privateSubnetIds",
      "serviceSecurityGroupId",
      "logGroupName",
      "prometheusWorkspaceId",
      "prometheusQueryUrl",
      "grafanaUrl",
      "codedeployApplication",
      "codedeployDeploymentGroup",
      "alarmTopicArn",
      // Optional (non-breaking to add): the check keys it with its `?`.
      "pageTopicArn?",
    ]);
  });

  it("is silent on no change, lists added fields, and calls removals, retypes and optional-ing breaking", () => {
    expect(compareContracts(CONTRACT, CONTRACT)).toEqual({ removed: [], retyped: [], added: [] });
    expect(contractComment(compareContracts(CONTRACT, CONTRACT))).toBeUndefined();
    const head = CONTRACT.replace("  albZoneId: string;\n", "")
      .replace("privateSubnetIds: string[];", "privateSubnetIds: string;")
      .replace("  vpcId: string;", "  vpcId?: string;")
      .replace(
        "  alarmTopicArn: string;",
        "  alarmTopicArn: string;\n  /** new */\n  dashboardUrl?: string;",
      );
    const change = compareContracts(CONTRACT, head);
    expect(change).toEqual({
      removed: ["albZoneId"],
      retyped: [
        { field: "vpcId", from: "string", to: "?string" },
        { field: "privateSubnetIds", from: "string[]", to: "string" },
      ],
      added: [{ field: "dashboardUrl", type: "?string" }],
    });
    expect(contractComment(change)).toBe(
      [
        "<!-- comments-platform:contract-v1 -->",
        "### contractV1: breaking change for consumers",
        "",
        "Other teams read `contractV1` through StackReference and SSM; its promise is that fields are added, never removed or retyped. Put the change in a `contractV2` beside it instead.",
        "",
        "- removed `albZoneId`",
        "- retyped `vpcId`: `string` → `?string`",
        "- retyped `privateSubnetIds`: `string[]` → `string`",
        "",
        "Added (compatible):",
        "",
        "- `dashboardUrl: ?string`",
      ].join("\n"),
    );
  });
});
