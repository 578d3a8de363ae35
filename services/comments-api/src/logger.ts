import { pino } from "pino";
import { requestSerializer } from "./app.js";
import type { LogLevel } from "./config.js";

/**
 * The process logger: JSON lines on stdout (ECS ships them to CloudWatch). Writes are asynchronous
 * to keep logging off the request path; call `flush()` before `process.exit`.
 */
export function createLogger(level: LogLevel): { log: pino.Logger; flush: () => void } {
  const destination = pino.destination({ dest: 1, sync: false });
  const log = pino({ level, serializers: { req: requestSerializer } }, destination);
  return { log, flush: () => destination.flushSync() };
}
