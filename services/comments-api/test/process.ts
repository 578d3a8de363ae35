import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { track } from "@comments-platform/testkit/processes";

/** The built server: `pnpm test` builds before vitest runs. */
export const SERVICE_DIR = join(import.meta.dirname, "..");

export function requireBuild(dir: string = SERVICE_DIR): string {
  const entry = join(dir, "dist", "server.js");
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`pnpm build\` first (pnpm test does)`);
  return entry;
}

export interface RunningServer {
  base: string;
  /** The metrics listener's `/metrics` URL (METRICS_PORT, a free port unless the test sets one). */
  metricsUrl: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/** Starts `node dist/server.js` on a free port and resolves once it listens. */
export async function startServer(dir: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const child = track(
    spawn(process.execPath, [requireBuild(dir)], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        PORT: "0",
        METRICS_PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let out = "";
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  // Listening means both listeners: the API's, then the metrics one.
  // No clock of its own: the test's timeout bounds a start that hangs.
  const [base, metricsUrl] = await new Promise<[string, string]>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const api = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1];
      const metrics = /"msg":"metrics listening at (http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(out)?.[1];
      if (api !== undefined && metrics !== undefined) resolve([api, metrics]);
    });
    void exited.then((code) => {
      reject(new Error(`server exited with ${code} before listening:\n${out}\n${err}`));
    });
  });
  return { base, metricsUrl, child, stdout: () => out, stderr: () => err, exited };
}

/** Runs the built server to completion (for start-up failures). */
export function runServer(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = track(
    spawn(process.execPath, [requireBuild()], {
      cwd: SERVICE_DIR,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stderr })));
}
