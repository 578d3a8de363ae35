/**
 * Release annotations against a local HTTP server that answers as Grafana's annotations API does
 * (https://grafana.com/docs/grafana/latest/developers/http_api/annotations/): Grafana itself does not
 * run here. What is checked: the requests, their bodies and the token, exactly.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grafanaAnnotator } from "../src/release/annotations";

let server: Server;
let base: string;
const received: Array<{ method?: string; url?: string; authorization?: string; body: unknown }> = [];
beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      received.push({
        method: request.method,
        url: request.url,
        authorization: request.headers.authorization,
        body: JSON.parse(body),
      });
      response.setHeader("content-type", "application/json");
      if (request.headers.authorization !== "Bearer glsa_token") {
        response.statusCode = 401;
        response.end('{"message":"Invalid API key"}');
      } else if (request.method === "POST") response.end('{"message":"Annotation added","id":17}');
      else response.end('{"message":"Annotation patched"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("grafanaAnnotator", () => {
  it("posts the start, then closes it with the end, the outcome and the canary verdict", async () => {
    const annotate = grafanaAnnotator(base, "glsa_token", {
      stack: "prod",
      revision: "42",
      userAgent: "comments-platform/c-test (release)",
      deployer: "CodeDeploy",
    });
    const id = await annotate({ phase: "start", deploymentId: "d-1", time: 1_000 });
    expect(id).toBe("17");
    await annotate({
      phase: "end",
      deploymentId: "d-1",
      time: 61_000,
      startId: id,
      outcome: "failed",
      verdict: "fail",
    });
    expect(received.splice(0)).toEqual([
      {
        method: "POST",
        url: "/api/annotations",
        authorization: "Bearer glsa_token",
        body: {
          time: 1_000,
          tags: ["release", "prod", "revision:42"],
          text: "Release of revision 42 to prod started (CodeDeploy d-1)",
        },
      },
      {
        method: "PATCH",
        url: "/api/annotations/17",
        authorization: "Bearer glsa_token",
        body: {
          timeEnd: 61_000,
          tags: ["release", "prod", "revision:42", "failed", "canary:fail"],
          text: "Release of revision 42 to prod failed; canary analysis: fail (CodeDeploy d-1)",
        },
      },
    ]);
  });

  it("says what Grafana answered when it refuses", async () => {
    const annotate = grafanaAnnotator(base, "wrong", {
      stack: "stage",
      revision: "7",
      userAgent: "comments-platform/c-test (release)",
      deployer: "CodeDeploy",
    });
    await expect(annotate({ phase: "start", deploymentId: "d-2", time: 0 })).rejects.toThrow(
      'POST /api/annotations: HTTP 401: {"message":"Invalid API key"}',
    );
    received.splice(0);
  });
});
