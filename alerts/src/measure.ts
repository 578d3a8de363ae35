/**
 * Measures when alerts fire in one case: `pnpm alerts:measure "<part of a case name>" <from minute>
 * <to minute>` runs promtool with "nothing fires" at every minute in the range and prints, per
 * minute, what fired instead. The minutes pinned in cases.ts come from here.
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSloSpec } from "@comments-platform/slo";
import { stringify } from "yaml";
import { cases, Expect } from "./cases.js";
import { rulesFile } from "./rules.js";
import { inputSeries } from "./series.js";

const [part, fromArg, toArg] = process.argv.slice(2);
const spec = readSloSpec();
const chosen = cases(spec).find((c) => c.name.includes(part ?? ""));
if (chosen === undefined || fromArg === undefined || toArg === undefined) {
  console.error('usage: pnpm alerts:measure "<part of a case name>" <from minute> <to minute>');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), "measure-"));
writeFileSync(join(dir, "rules.yaml"), rulesFile(spec));
const alerts = new Expect(spec).all;
const checks = [];
for (let at = Number(fromArg); at <= Number(toArg); at += 1) {
  for (const alertname of alerts) checks.push({ eval_time: `${at}m`, alertname, exp_alerts: [] });
}
writeFileSync(
  join(dir, "test.yaml"),
  stringify(
    {
      rule_files: ["rules.yaml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: `${chosen.scenario.interval}s`,
          input_series: inputSeries(chosen.scenario),
          alert_rule_test: checks,
        },
      ],
    },
    { lineWidth: 0 },
  ),
);
const result = spawnSync("promtool", ["test", "rules", join(dir, "test.yaml")], { encoding: "utf8" });
const output = `${result.stdout}${result.stderr}`;
console.log(chosen.name);
let fired = 0;
for (const match of output.matchAll(
  /alertname: (\w+), time: (\S+?),\s*exp:\[\],\s*got:\[([\s\S]*?)\n\s*\]/g,
)) {
  for (const alert of (match[3] ?? "").matchAll(/Labels:(\{.*\})\s*Annotations:(\{.*\})/g)) {
    fired += 1;
    const description = /description="((?:[^"\\]|\\.)*)"/.exec(alert[2] ?? "")?.[1] ?? "";
    console.log(`${match[2]}\t${match[1]}\t${alert[1]}\n\t${description}`);
  }
}
if (fired === 0) console.log(result.status === 0 ? "nothing fired" : output);
