/**
 * A local front that refuses what prod's web ACL refuses for a missing User-Agent: AWS WAF's
 * NoUserAgent_HEADER rule "inspects for requests that are missing the HTTP User-Agent header" and
 * blocks them (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html),
 * and a block without a custom response is a 403
 * (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-action.html). Everything else is
 * forwarded to `upstream`; every User-Agent seen is recorded.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A running front: its base URL, the User-Agents it saw (undefined: none sent), and how to stop it. */
export interface WafFront {
  base: string;
  userAgents: Array<string | undefined>;
  close: () => Promise<void>;
}

/** The body an ALB answers a WAF block with (a 403 page). */
export const WAF_FORBIDDEN_BODY =
  "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n</body>\r\n</html>\r\n";

/** Starts the front on a free port of 127.0.0.1, forwarding allowed requests to `upstream`. */
export async function startWafFront(upstream: string): Promise<WafFront> {
  const target = new URL(upstream);
  const userAgents: Array<string | undefined> = [];
  const server: Server = createServer((incoming, outgoing) => {
    const agent = incoming.headers["user-agent"];
    userAgents.push(agent);
    if (agent === undefined) {
      incoming.resume();
      outgoing.writeHead(403, { "content-type": "text/html" });
      outgoing.end(WAF_FORBIDDEN_BODY);
      return;
    }
    const forwarded = request(
      {
        host: target.hostname,
        port: target.port,
        path: incoming.url,
        method: incoming.method,
        headers: { ...incoming.headers, host: target.host },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on("error", () => {
      outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    userAgents,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
