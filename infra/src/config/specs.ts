/**
 * The monitoring files the stack config is checked against: alerts/slo.yaml (the rollback alarms'
 * defaults) and alerts/analysis/*.yaml (the canary analyses a stack may name). Read by an explicit
 * call at each entry (the Pulumi program, synth, the release CLI, the docs generator) and passed to
 * the parser: importing the config reads no file.
 */

import { readSloSpec, type SloSpec } from "@comments-platform/slo";
import { type Analysis, readAnalyses } from "../release/analysis";
import { REPO_ROOT } from "../stack-file";

/** alerts/slo.yaml and the analyses of alerts/analysis, read and checked. */
export interface ConfigSpecs {
  slo: SloSpec;
  /** File name without `.yaml` → the analysis. */
  analyses: Readonly<Record<string, Analysis>>;
}

/** Reads alerts/slo.yaml and alerts/analysis under `root`; throws with every problem of either. */
export function readConfigSpecs(root: string = REPO_ROOT): ConfigSpecs {
  const slo = readSloSpec(root);
  return { slo, analyses: readAnalyses(slo, root) };
}
