/**
 * moto (an AWS API emulator) as a contract peer: `python3 -m moto.server` on a free port. It comes with
 * the machine image, not from a registry our machines reach (PyPI is not one): where it is absent,
 * the tests that need it are skipped and say so in their name; under CI=true they run and fail.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { track, waitUntil } from "../../services/comments-api/test/process";

export const motoAvailable = spawnSync("python3", ["-c", "import moto.server"]).status === 0;
/** Skip the moto tests: moto is absent and this is not CI (where a missing tool is a failure). */
export const skipMoto = !motoAvailable && process.env.CI !== "true";
export const MOTO_SKIP_REASON = motoAvailable
  ? ""
  : " (skipped: python3 -m moto.server unavailable; pip install 'moto[server]')";

export interface Moto {
  endpoint: string;
  stop(): void;
}

/** Starts moto on a random port and resolves once it answers. */
export async function startMoto(): Promise<Moto> {
  if (!motoAvailable)
    throw new Error(
      "python3 -m moto.server is unavailable and CI=true requires it: pip install 'moto[server]'",
    );
  const port = 15000 + Math.floor(Math.random() * 2000);
  const child: ChildProcess = track(
    spawn("python3", ["-m", "moto.server", "-p", String(port)], { stdio: "ignore" }),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntil("moto", async () => (await fetch(`${endpoint}/moto-api/`)).status < 500, child);
  return { endpoint, stop: () => child.kill() };
}

/** Test credentials and region for an SDK client pointed at moto. */
export function motoClientConfig(endpoint: string) {
  return { region: "sa-east-1", endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" } };
}
