/**
 * The children a test starts, and waiting for them without a clock of our own: on a busy machine a
 * start takes what it takes, and the test's own timeout (vitest.config.ts) is the only bound.
 */
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";

const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/** Kills `child` when the test process ends: a failed start or test never leaves a server running. */
export function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/**
 * Polls `probe` until it answers true, with no attempt limit. Fails at once, saying so, if `child`
 * exits first.
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  child?: ChildProcess,
  /** Between probes: a start is polled at 100 ms; an in-process event (a notification) can be polled faster. */
  intervalMs = 100,
): Promise<void> {
  let exited: string | undefined;
  child?.once("exit", (code, signal) => {
    exited = `${code ?? signal}`;
  });
  for (;;) {
    if (exited !== undefined) throw new Error(`${what}: the process exited with ${exited} first`);
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A port nothing listens on now, from the system (for servers that cannot be told port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Stops a child and resolves once it is gone (servers that write state on the way out). */
export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill();
  await exited;
}
