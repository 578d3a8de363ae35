/** Writes the files generated from alerts/slo.yaml: `pnpm alerts`. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSloSpec } from "../../infra/src/slo.js";
import { casesFile } from "./cases.js";
import { rulesFile } from "./rules.js";

const ALERTS = join(import.meta.dirname, "..");

/** Path under alerts/ → its generated text. */
export function generated(): Record<string, string> {
  const spec = readSloSpec();
  return {
    "rules/comments-api.yaml": rulesFile(spec),
    "tests/comments-api.test.yaml": casesFile(spec),
  };
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  for (const [path, text] of Object.entries(generated())) {
    writeFileSync(join(ALERTS, path), text);
    console.log(`wrote alerts/${path}`);
  }
}
