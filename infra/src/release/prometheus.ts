/**
 * Instant queries against Prometheus's HTTP API (`POST /api/v1/query`,
 * https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries), signed with SigV4 for
 * Amazon Managed Prometheus (service `aps`: https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-onboard-query-APIs.html).
 * A query that fails, or answers more than one sample, is an error with the reason (never a crash,
 * never a pass); an empty answer is "no data".
 */
import { createHash, createHmac } from "node:crypto";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { InstantQuery } from "./analysis";

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData) =>
  typeof data === "string"
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** SHA-256 for the signer, from node:crypto (what @smithy/hash-node does). */
export class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** The region of an AMP endpoint (`aps-workspaces.<region>.amazonaws.com`), or undefined: another Prometheus. */
export function ampRegion(url: string): string | undefined {
  return /^aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com$/.exec(new URL(url).hostname)?.[1];
}

/** A SigV4 signer for one service and region. */
export function sigV4Signer(
  region: string,
  service: string,
  credentials: ConstructorParameters<typeof SignatureV4>[0]["credentials"] = defaultProvider(),
): SignatureV4 {
  return new SignatureV4({
    credentials,
    region,
    service,
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
}

/** The signed headers of one form-encoded POST (`signingDate` injected in tests). */
export async function signedPost(
  signer: SignatureV4,
  url: URL,
  body: string,
  signingDate?: Date,
): Promise<Record<string, string>> {
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === "" ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: {},
      headers: { host: url.host, "content-type": "application/x-www-form-urlencoded" },
      body,
    },
    signingDate === undefined ? {} : { signingDate },
  );
  return signed.headers;
}

/**
 * An instant query against `baseUrl` (a Prometheus, or an AMP workspace's query endpoint, which is
 * signed). `userAgent` names the release that asks (release/user-agent.ts); `fetchImpl` is
 * injectable for tests.
 */
export function prometheusQuery(
  baseUrl: string,
  options: { signer?: SignatureV4; fetchImpl?: typeof fetch; userAgent: string },
): InstantQuery {
  const region = ampRegion(baseUrl);
  const signer = options.signer ?? (region === undefined ? undefined : sigV4Signer(region, "aps"));
  const url = new URL("api/v1/query", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  const fetchImpl = options.fetchImpl ?? fetch;
  return async (promql, at) => {
    const body = new URLSearchParams({ query: promql, time: String(at) }).toString();
    const headers = {
      ...(signer === undefined
        ? { "content-type": "application/x-www-form-urlencoded" }
        : await signedPost(signer, url, body)),
      // Added after signing: SigV4 never signs user-agent (smithy-typescript
      // packages/signature-v4/src/constants.ts, ALWAYS_UNSIGNABLE_HEADERS).
      "user-agent": options.userAgent,
    };
    let response: Response;
    try {
      response = await fetchImpl(url, { method: "POST", headers, body });
    } catch (error) {
      // undici says "fetch failed" and puts the reason (ECONNREFUSED, ENOTFOUND) in `cause`.
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      return { error: `${(error as Error).message}${cause === undefined ? "" : ` (${cause})`}` };
    }
    const text = await response.text();
    let parsed: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
    try {
      parsed = JSON.parse(text);
    } catch {
      return { error: `HTTP ${response.status}: ${text.slice(0, 200)}` };
    }
    if (parsed.status !== "success")
      return { error: `HTTP ${response.status}: ${parsed.error ?? text.slice(0, 200)}` };
    const result = parsed.data?.result;
    if (parsed.data?.resultType === "scalar" && Array.isArray(result)) return { value: Number(result[1]) };
    if (!Array.isArray(result) || result.length === 0)
      return { noData: "no series (no requests in the window?)" };
    if (result.length > 1)
      return { error: `${result.length} series where one was expected: aggregate with sum()` };
    return { value: Number((result[0] as { value: [number, string] }).value[1]) };
  };
}
