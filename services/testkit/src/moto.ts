/**
 * moto (`python3 -m moto.server`), the AWS API emulator the infra tests talk to. Under CI=true its
 * absence fails the run; elsewhere those tests are skipped, saying how to install it.
 */
import { spawn, spawnSync } from "node:child_process";
import { freePort, track, waitUntil } from "./processes.js";

/** Whether moto's server can run here. */
export const motoAvailable = spawnSync("python3", ["-c", "import moto.server"]).status === 0;
/** Skip the moto tests (never under CI=true: there they fail, see startMoto). */
export const skipMoto = !motoAvailable && process.env.CI !== "true";
/** Suffix for a skipped moto test's name, saying how to run it. */
export const MOTO_SKIP_REASON = skipMoto
  ? " (skipped: python3 -m moto.server unavailable; pip install 'moto[server]')"
  : "";

/** A running moto: its endpoint and how to stop it. */
export interface Moto {
  endpoint: string;
  stop: () => void;
}

/** Starts moto on a free port and resolves once it answers. */
export async function startMoto(): Promise<Moto> {
  if (!motoAvailable)
    throw new Error(
      "python3 -m moto.server is unavailable and CI=true requires it: pip install 'moto[server]'",
    );
  const port = await freePort();
  const child = track(spawn("python3", ["-m", "moto.server", "-p", String(port)], { stdio: "ignore" }));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntil("moto", async () => (await fetch(`${endpoint}/moto-api/`)).status < 500, child);
  return { endpoint, stop: () => child.kill() };
}

/** Test credentials and region for an SDK client pointed at moto. */
export function motoClientConfig(endpoint: string) {
  return { region: "sa-east-1", endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" } };
}
