/** Writes the files generated from alerts/slo.yaml: `pnpm alerts`. */
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSloSpec } from "@comments-platform/slo";
import { casesFile } from "./cases.js";
import { rulesFile } from "./rules.js";
import { runbookFiles } from "./runbooks.js";

const ALERTS = join(import.meta.dirname, "..");

/** Path under alerts/ → its generated text. */
export function generated(): Record<string, string> {
  const spec = readSloSpec();
  return {
    "rules/comments-api.yaml": rulesFile(spec),
    "tests/comments-api.test.yaml": casesFile(spec),
    ...Object.fromEntries(
      Object.entries(runbookFiles(spec)).map(([file, text]) => [`runbooks/${file}`, text]),
    ),
  };
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const files = generated();
  // A runbook no alert or alarm links any more goes: the directory holds exactly the generated ones.
  for (const file of readdirSync(join(ALERTS, "runbooks"))) {
    if (!(`runbooks/${file}` in files)) {
      rmSync(join(ALERTS, "runbooks", file));
      console.log(`removed alerts/runbooks/${file}`);
    }
  }
  for (const [path, text] of Object.entries(files)) {
    writeFileSync(join(ALERTS, path), text);
    console.log(`wrote alerts/${path}`);
  }
}
