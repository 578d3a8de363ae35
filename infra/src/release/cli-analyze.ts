/**
 * `pnpm release analyze`: judge a revision over one window as the canary's last look. Exits 0 pass,
 * 1 fail, 2 bad arguments, 3 inconclusive, 4 error (the monitor could not be read).
 */
import { durationSeconds, readSloSpec } from "@comments-platform/slo";
import { readAnalyses } from "./analysis";
import { parseInstant, USAGE } from "./cli-args";
import type { CliIo, Command, CommandContext } from "./cli-context";
import { takeLook } from "./look";

/** Queries, judges and prints one look of `stack`'s series; returns the exit code. */
export async function analyzeRevision(
  args: CommandContext["args"],
  stack: string,
  io: CliIo,
  queryOf: CommandContext["queryOf"],
): Promise<number> {
  const { prometheusUrl, revision, baseline, at, window, analysis: name = "canary" } = args.analyze ?? {};
  const problems: string[] = [];
  if (prometheusUrl === undefined || !/^https?:\/\//.test(prometheusUrl)) {
    problems.push("analyze needs --prometheus-url <http(s) URL of a Prometheus or an AMP workspace>");
  }
  if (revision === undefined || !/^\d+$/.test(revision)) {
    problems.push("analyze needs --revision <n>: the new task definition's revision number");
  }
  if (baseline !== undefined && !/^\d+$/.test(baseline)) {
    problems.push(
      `--baseline ${JSON.stringify(baseline)}: must be the replaced task definition's revision number`,
    );
  }
  const instant = at === undefined ? (io.now ?? Date.now)() / 1000 : parseInstant(at);
  if (instant === undefined)
    problems.push(`--at ${JSON.stringify(at)}: must be unix seconds or an RFC 3339 time`);
  const windowSeconds = window === undefined ? undefined : durationSeconds(window);
  if (window !== undefined && windowSeconds === undefined) {
    problems.push(`--window ${JSON.stringify(window)}: must be a duration like 5m`);
  }
  const analyses = readAnalyses(readSloSpec());
  const analysis = analyses[name];
  if (analysis === undefined) {
    problems.push(
      `--analysis ${JSON.stringify(name)}: alerts/analysis has ${Object.keys(analyses).join(", ")}`,
    );
  }
  if (problems.length > 0 || analysis === undefined || instant === undefined) {
    io.log(`${problems.join("\n")}\n${USAGE}`);
    return 2;
  }
  // Judged as the canary's last look: the strictest share of the false-rollback rate.
  const result = await takeLook(
    analysis,
    {
      stack,
      revision: revision ?? "",
      ...(baseline === undefined ? {} : { baselineRevision: baseline }),
      look: analysis.looks.count,
      at: Math.round(instant),
      windowSeconds: windowSeconds ?? analysis.looks.count * analysis.looks.everyMinutes * 60,
    },
    queryOf(prometheusUrl ?? ""),
  );
  for (const line of [...result.lines.slice(0, -1), ...result.queries, ...result.lines.slice(-1)])
    io.log(line);
  if (!result.ok) return 4;
  return result.verdict.verdict === "pass" ? 0 : result.verdict.verdict === "fail" ? 1 : 3;
}

/** `analyze` for a stack of ours: its series carry `stack="<stack>"`. */
export const analyze: Command = ({ args, io, config, queryOf }) =>
  analyzeRevision(args, config.stack, io, queryOf);
