/**
 * The YAML files checked like the stack config (alerts/slo.yaml, alerts/analysis/*.yaml) share one
 * way of reading: parse, remember every problem as `<file>: <key>=<value>: <what is allowed>`, and
 * refuse unknown keys.
 */
import { parse } from "yaml";

/** What a spec parser reads with: the document, its problems, and the shared checks. */
export interface SpecReader {
  /** The parsed document, or undefined when the text is not YAML (then `problems` says so). */
  document: unknown;
  problems: string[];
  problem(key: string, value: unknown, allowed: string): void;
  /** `parent.name`, or `name` at the top. */
  at(parent: string, name: string): string;
  /** `value` as a mapping, a problem for each key outside `allowed` (and for a non-mapping). */
  keys(key: string, value: unknown, allowed: string[]): Record<string, unknown>;
}

/** Starts reading `text`; check `document === undefined` before going on. */
export function specReader(text: string, file: string): SpecReader {
  const problems: string[] = [];
  const problem = (key: string, value: unknown, allowed: string) => {
    problems.push(`${file}: ${key}=${JSON.stringify(value)}: ${allowed}`);
  };
  const at = (parent: string, name: string) => (parent === "" ? name : `${parent}.${name}`);
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    problems.push(`${file}: not YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const keys = (key: string, value: unknown, allowed: string[]): Record<string, unknown> => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problem(key, value ?? null, `must be a mapping with ${allowed.join(", ")}`);
      return {};
    }
    const record = value as Record<string, unknown>;
    for (const name of Object.keys(record)) {
      if (!allowed.includes(name))
        problem(at(key, name), record[name], `unknown key; allowed: ${allowed.join(", ")}`);
    }
    return record;
  };
  return { document, problems, problem, at, keys };
}
