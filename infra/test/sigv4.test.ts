/**
 * The SigV4 signer `pnpm release analyze` uses for Amazon Managed Prometheus, against AWS's
 * published test suite (get-vanilla, post-vanilla:
 * https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html): the same credentials,
 * date, region and service give the published signatures.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ampRegion, prometheusQuery, signedPost, sigV4Signer } from "../src/release/prometheus";

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

describe("prometheusQuery with an AMP workspace's URL", () => {
  /**
   * A stand-in for AMP's query endpoint on 127.0.0.1: it recomputes the signature for service
   * `aps` in sa-east-1 from the request it received and answers like AMP when it does not match
   * (403, "Credential should be scoped to correct service"), else like Prometheus.
   */
  const CREDENTIALS = { accessKeyId: "AKIDAPSTEST", secretAccessKey: "c2VjcmV0LWZvci10aGUtYXBzLXRlc3Q" };
  let server: Server;
  let port: number;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("end", async () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const authorization = String(incoming.headers.authorization);
        seen.push(authorization.split(", ")[0] ?? "");
        const stamp = String(incoming.headers["x-amz-date"]);
        const date = new Date(
          `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
        );
        const host = String(incoming.headers.host);
        const expected = await signedPost(
          sigV4Signer("sa-east-1", "aps", CREDENTIALS),
          new URL(`https://${host}${incoming.url}`),
          body,
          date,
        );
        if (expected.authorization !== authorization) {
          outgoing.writeHead(403, { "content-type": "application/json" });
          outgoing.end(
            JSON.stringify({ message: "Credential should be scoped to correct service: 'aps'. " }),
          );
          return;
        }
        outgoing.writeHead(200, { "content-type": "application/json" });
        outgoing.end(
          JSON.stringify({
            status: "success",
            data: { resultType: "vector", result: [{ metric: {}, value: [1, "7"] }] },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server?.close();
  });

  /** fetch that sends the request, its Host header kept, to the stand-in (fetch cannot set Host). */
  const toStandIn: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const outgoing = request(
        {
          host: "127.0.0.1",
          port,
          path: url.pathname,
          method: init?.method,
          headers: { ...(init?.headers as Record<string, string>), host: url.host },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
          );
        },
      );
      outgoing.on("error", reject);
      outgoing.end(String(init?.body));
    });
    return new Response(answer.body, { status: answer.status });
  };

  it("signs with the SDK's credentials for service aps in the workspace's region, and the stand-in accepts it", async () => {
    const saved = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    try {
      const query = prometheusQuery("https://aps-workspaces.sa-east-1.amazonaws.com/workspaces/ws-1/", {
        fetchImpl: toStandIn,
        userAgent: "comments-platform/test (release)",
      });
      expect(await query("sum(up)", 1796000000)).toEqual({ value: 7 });
      expect(seen.at(-1)).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDAPSTEST\/\d{8}\/sa-east-1\/aps\/aws4_request$/,
      );
    } finally {
      process.env = saved;
    }
  });

  it("a signature for another service is refused, and the query is an error, not no data", async () => {
    const query = prometheusQuery("https://aps-workspaces.sa-east-1.amazonaws.com/workspaces/ws-1/", {
      signer: sigV4Signer("sa-east-1", "execute-api", CREDENTIALS),
      fetchImpl: toStandIn,
      userAgent: "comments-platform/test (release)",
    });
    expect(await query("sum(up)", 1796000000)).toEqual({
      error: `HTTP 403: {"message":"Credential should be scoped to correct service: 'aps'. "}`,
    });
  });
});
