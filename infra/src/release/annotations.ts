/**
 * Release markers in Grafana: the release step posts an annotation when a deployment starts and
 * closes it (timeEnd, outcome, the canary's verdict) when it ends, tagged `release` and the stack,
 * which the service dashboard shows. Grafana's HTTP API: POST /api/annotations answers
 * `{"message":"Annotation added","id":1}`, PATCH /api/annotations/:id updates one
 * (https://grafana.com/docs/grafana/latest/developers/http_api/annotations/).
 */
import type { ReleaseEvent } from "./release";

/**
 * Posts a release's start and end to the Grafana at `url` with a service account token; `userAgent`
 * names the release that calls (release/user-agent.ts); `deployer`, the strategy's name (Deployer.label).
 */
export function grafanaAnnotator(
  url: string,
  token: string,
  release: { stack: string; revision: string; userAgent: string; deployer: string },
  fetchImpl: typeof fetch = fetch,
): (event: ReleaseEvent) => Promise<string | undefined> {
  const base = url.replace(/\/$/, "");
  const send = async (method: "POST" | "PATCH", path: string, body: unknown) => {
    const response = await fetchImpl(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "user-agent": release.userAgent,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as { id?: number };
  };
  const tags = ["release", release.stack, `revision:${release.revision}`];
  return async (event) => {
    if (event.phase === "start") {
      const { id } = await send("POST", "/api/annotations", {
        time: event.time,
        tags,
        text: `Release of revision ${release.revision} to ${release.stack} started (${release.deployer} ${event.deploymentId})${event.notes === undefined ? "" : ` [${event.notes.join("; ")}]`}`,
      });
      return id === undefined ? undefined : String(id);
    }
    const endTags = [
      ...tags,
      event.outcome ?? "unknown",
      ...(event.verdict === undefined ? [] : [`canary:${event.verdict}`]),
    ];
    const text = `Release of revision ${release.revision} to ${release.stack} ${event.outcome ?? "ended"}${event.verdict === undefined ? "" : `; canary analysis: ${event.verdict}`} (${release.deployer} ${event.deploymentId})`;
    if (event.startId === undefined) {
      await send("POST", "/api/annotations", { time: event.time, tags: endTags, text });
      return undefined;
    }
    await send("PATCH", `/api/annotations/${event.startId}`, { timeEnd: event.time, tags: endTags, text });
    return event.startId;
  };
}
