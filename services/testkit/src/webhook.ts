/** A webhook receiver for Alertmanager's notifications: what a local Alertmanager delivers to. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One notification: the receiver it went through, firing or resolved, and its alerts as `name/stack`. */
export interface Notification {
  receiver: string;
  status: string;
  alerts: string[];
}

/** A running receiver: its URL, what it received, and how to stop it. */
export interface WebhookReceiver {
  url: string;
  received: Notification[];
  close: () => Promise<void>;
}

/**
 * Starts a receiver on `port` (0: any free one) on 127.0.0.1. `onNotification` sees each one as it
 * arrives (`pnpm dev:monitoring` prints them).
 */
export async function startWebhookReceiver(
  port = 0,
  onNotification?: (notification: Notification) => void,
): Promise<WebhookReceiver> {
  const received: Notification[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      const payload = JSON.parse(body) as {
        receiver: string;
        status: string;
        alerts: Array<{ labels: Record<string, string> }>;
      };
      const notification = {
        receiver: payload.receiver,
        status: payload.status,
        alerts: payload.alerts
          .map((a) => `${a.labels.alertname}${a.labels.stack === undefined ? "" : `/${a.labels.stack}`}`)
          .sort(),
      };
      received.push(notification);
      onNotification?.(notification);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
