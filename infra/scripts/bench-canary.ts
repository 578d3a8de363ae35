/**
 * `pnpm bench:canary [--trials <n>] [--seed <n>]`: the canary judge's error rates, measured. For each
 * metric of alerts/analysis/canary.yaml that gates, each canary traffic (prod's 10% canary of 1, 5,
 * 50 and 500 req/s) and each true ratio (0, 1, 5, 14.4, 28.8 and 144 times the objective's budget,
 * at most 100%), thousands of simulated canaries over prod's canary window: how many were rolled
 * back, how soon, how many passed, how many ended inconclusive. The replaced tasks serve nine times
 * the canary's traffic at half the budget; the metric not under test is healthy too.
 */
import { parseArgs } from "node:util";
import { loadStackConfig, rawConfigFrom, readConfigSpecs } from "../src/config";
import {
  type BenchRow,
  benchGoals,
  seededRandom,
  simulateCanary,
  type TrialOutcome,
} from "../src/release/canary-simulation";
import { readStackFile } from "../src/stack-file";

const { values } = parseArgs({ options: { trials: { type: "string" }, seed: { type: "string" } } });
const trials = Number(values.trials ?? 2000);
const seed = Number(values.seed ?? 26);
const specs = readConfigSpecs();
const spec = specs.slo;
const analysis = specs.analyses.canary;
if (analysis === undefined) throw new Error("alerts/analysis/canary.yaml is missing");
const prod = loadStackConfig("prod", rawConfigFrom(readStackFile("prod")), specs);
const { shift } = prod.release.routing;
if (shift.kind !== "canary") throw new Error(`prod's traffic routing is ${shift.kind}, not a canary`);
const canaryMinutes = shift.intervalMinutes;
const share = shift.percent / 100;
const budgets: Record<string, number> = {
  "5xx ratio": spec.objectives.find((o) => o.name === "availability")?.budget ?? 0,
  "share slower than the latency threshold": spec.objectives.find((o) => o.name === "latency")?.budget ?? 0,
};
const MULTIPLES = [0, 1, 5, 14.4, 28.8, 144];
const TRAFFIC = [0.1, 0.5, 5, 50];
const percent = (x: number) => `${Number((x * 100).toPrecision(3))}%`;

console.log(
  `pnpm bench:canary --trials ${trials} --seed ${seed}: ${analysis.file}, confidence ${analysis.confidence}, ${analysis.looks.count} looks every ${analysis.looks.everyMinutes} min, prod's ${canaryMinutes}-minute ${shift.percent}% canary`,
);
console.log("");
console.log(
  "| metric | canary req/s | true ratio | x budget | rolled back | median min to fail | passed | inconclusive |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
const random = seededRandom(seed);
const rows: BenchRow[] = [];
for (const [metric, budget] of Object.entries(budgets)) {
  for (const multiple of MULTIPLES) {
    const ratio = Math.min(1, multiple * budget);
    for (const perSecond of TRAFFIC) {
      const ratios: Record<string, { canary: number; baseline: number }> = {};
      for (const [other, otherBudget] of Object.entries(budgets))
        ratios[other] = { canary: other === metric ? ratio : otherBudget / 2, baseline: otherBudget / 2 };
      const outcomes: TrialOutcome[] = [];
      for (let i = 0; i < trials; i += 1) {
        outcomes.push(
          simulateCanary(
            analysis,
            { canaryPerSecond: perSecond, baselinePerSecond: (perSecond * (1 - share)) / share, ratios },
            canaryMinutes,
            random,
          ),
        );
      }
      const rate = (kind: TrialOutcome["outcome"]) =>
        outcomes.filter((o) => o.outcome === kind).length / trials;
      const minutes = outcomes
        .flatMap((o) => (o.minutes === undefined ? [] : [o.minutes]))
        .sort((a, b) => a - b);
      const median = minutes.length === 0 ? "-" : String(minutes[Math.floor((minutes.length - 1) / 2)]);
      const healthy = multiple <= 1 ? " (false rollback)" : "";
      rows.push({
        metric,
        canaryPerSecond: perSecond,
        multiple,
        rolledBack: rate("fail"),
        passed: rate("pass"),
        inconclusive: rate("inconclusive"),
      });
      console.log(
        `| ${metric} | ${perSecond} | ${percent(ratio)} | ${multiple} | ${percent(rate("fail"))}${healthy} | ${median} | ${percent(rate("pass"))} | ${percent(rate("inconclusive"))} |`,
      );
    }
  }
}
console.log("");
const goals = benchGoals(rows, Math.min(...TRAFFIC));
for (const { goal, met } of goals) console.log(`- ${met ? "met" : "NOT MET"}: ${goal}`);
process.exitCode = goals.every((g) => g.met) ? 0 : 1;
