/** Stage with a certificate configured: HTTPS in front, HTTP only redirects, the test listener on TLS too. */
import { beforeAll, describe, expect, it } from "vitest";
import { rawConfigFrom } from "../src/config";
import { readStackFile } from "../src/stack-file";
import { type SynthResult, synth } from "../src/synth/run";
import { firewallTable, ofType } from "./helpers";

const CERTIFICATE = "arn:aws:acm:sa-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
let result: SynthResult;
beforeAll(async () => {
  const config = {
    ...readStackFile("stage"),
    "comments-platform:certificateArn": CERTIFICATE,
    "comments-platform:domainName": "comments-stage.example.com",
    "comments-platform:hostedZoneId": "Z0123456789ABCDEFGHIJ",
  };
  expect(rawConfigFrom(config).certificateArn).toBe(CERTIFICATE);
  result = await synth({ stack: "stage", preview: false, config });
});

describe("stage with a certificate", () => {
  it("serves HTTPS on 443 with a TLS 1.3 policy, redirects HTTP, and keeps the test listener on TLS", () => {
    expect(
      ofType(result, "aws:lb/listener:Listener").map((l) => [
        l.name,
        l.inputs.port,
        l.inputs.protocol,
        l.inputs.sslPolicy ?? null,
        l.options.ignoreChanges,
      ]),
    ).toEqual([
      ["comments-api-stage-http-redirect", 80, "HTTP", null, []],
      [
        "comments-api-stage-production",
        443,
        "HTTPS",
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        ["defaultActions"],
      ],
      ["comments-api-stage-test", 8443, "HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06", ["defaultActions"]],
    ]);
    const redirect = ofType(result, "aws:lb/listener:Listener")[0];
    expect(redirect?.inputs.defaultActions).toEqual([
      { type: "redirect", redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" } },
    ]);
  });

  it("opens 443 to the internet and keeps 80 for the redirect", () => {
    expect(
      firewallTable(result).filter((rule) => rule.startsWith("alb in") && !rule.includes("8443")),
    ).toEqual(["alb in tcp/443-443 0.0.0.0/0", "alb in tcp/80-80 0.0.0.0/0"]);
    expect((result.outputs.contractV1 as { url: string }).url).toMatch(/^https:\/\//);
  });

  it("points the domain at the ALB with an alias record, and the smoke hook at the domain", () => {
    const record = ofType(result, "aws:route53/record:Record");
    expect(record.map((r) => [r.name, r.inputs])).toEqual([
      [
        "comments-api-stage-dns",
        {
          zoneId: "Z0123456789ABCDEFGHIJ",
          name: "comments-stage.example.com",
          type: "A",
          aliases: [
            {
              name: expect.stringMatching(
                /^comments-api-stage-alb-[0-9a-f]{8}\.sa-east-1\.elb\.amazonaws\.com$/,
              ),
              zoneId: "Z2P70J7HTTTPLU",
              evaluateTargetHealth: true,
            },
          ],
        },
      ],
    ]);
    expect(ofType(result, "aws:lambda/function:Function")[0]?.inputs.environment).toEqual({
      variables: {
        TEST_LISTENER_URL: "https://comments-stage.example.com:8443",
        USER_AGENT: expect.stringMatching(/^comments-platform\/c-[0-9a-f]{20} \(smoke-hook\)$/),
      },
    });
  });
});
