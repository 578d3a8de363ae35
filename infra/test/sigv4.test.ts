/**
 * The SigV4 signer `pnpm release analyze` uses for Amazon Managed Prometheus, against AWS's
 * published test suite (get-vanilla, post-vanilla:
 * https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html): the same credentials,
 * date, region and service give the published signatures.
 */
import { describe, expect, it } from "vitest";
import { ampRegion, signedPost, sigV4Signer } from "../src/release/prometheus";

const VECTOR = {
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  date: new Date("2015-08-30T12:36:00Z"),
};
const signer = sigV4Signer("us-east-1", "service", VECTOR.credentials);
const vanilla = (method: "GET" | "POST") =>
  signer.sign(
    {
      method,
      protocol: "https:",
      hostname: "example.amazonaws.com",
      path: "/",
      query: {},
      headers: { host: "example.amazonaws.com" },
    },
    { signingDate: VECTOR.date },
  );

describe("SigV4, against AWS's test suite", () => {
  it("get-vanilla", async () => {
    expect((await vanilla("GET")).headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
  });

  it("post-vanilla", async () => {
    expect((await vanilla("POST")).headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    );
  });

  it("signs an AMP query for the aps service in the workspace's region, body included", async () => {
    const url = new URL("https://aps-workspaces.sa-east-1.amazonaws.com/workspaces/ws-1/api/v1/query");
    expect(ampRegion(url.href)).toBe("sa-east-1");
    expect(ampRegion("http://127.0.0.1:9090/")).toBeUndefined();
    const aps = sigV4Signer("sa-east-1", "aps", VECTOR.credentials);
    const one = await signedPost(aps, url, "query=up&time=1", VECTOR.date);
    const other = await signedPost(aps, url, "query=up&time=2", VECTOR.date);
    expect(one.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/sa-east-1\/aps\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(one.authorization).not.toBe(other.authorization);
  });
});
