/**
 * Reads raw Pulumi config values (every value a string, structured ones as JSON) into typed values,
 * remembering every problem instead of stopping at the first: the config parser's one tool.
 */

/** Raw config: keys without the project prefix, plus `aws:region`. */
export type Raw = Readonly<Record<string, string | undefined>>;

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
/** An IPv4 CIDR block, like 10.0.0.0/16. */
export function isCidr(value: string): boolean {
  const match = IPV4_CIDR.exec(value);
  if (match === null) return false;
  const [a, b, c, d, bits] = match.slice(1).map(Number) as [number, number, number, number, number];
  return [a, b, c, d].every((octet) => octet <= 255) && bits <= 32;
}

/** Reads keys, remembering every problem; `key` is the name a person types in `pulumi config set`. */
export class Reader {
  readonly problems: string[] = [];
  /** Every key read so far: the keys this program knows. */
  readonly read = new Set<string>();
  constructor(
    private readonly raw: Raw,
    /** Every key read, with the default it falls back to (`undefined`: none). */
    private readonly seen?: Map<string, unknown>,
  ) {}

  private value(key: string, fallback?: unknown): string | undefined {
    this.read.add(key);
    this.seen?.set(key, fallback);
    const value = this.raw[key];
    return value === undefined || value === "" ? undefined : value;
  }

  /** A key read outside the typed readers (a secret checked for presence only). */
  present(key: string): boolean {
    return this.value(key) !== undefined;
  }

  problem(key: string, value: unknown, allowed: string): void {
    this.problems.push(`${key}=${JSON.stringify(value)}: ${allowed}`);
  }

  string(key: string, fallback?: string): string {
    const value = this.value(key, fallback) ?? fallback;
    if (value === undefined) {
      this.problems.push(`${key}: is required`);
      return "";
    }
    return value;
  }

  /** `recordedDefault`: what the caller falls back to, for the record of defaults only. */
  optionalString(key: string, recordedDefault?: unknown): string | undefined {
    return this.value(key, recordedDefault);
  }

  integer(key: string, fallback: number | undefined, min: number, max: number): number {
    const raw = this.value(key, fallback);
    if (raw === undefined) {
      if (fallback === undefined) this.problems.push(`${key}: is required`);
      return fallback ?? min;
    }
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      this.problem(key, raw, `must be an integer from ${min} to ${max}`);
      return fallback ?? min;
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const raw = this.value(key, fallback);
    if (raw === undefined) return fallback;
    if (raw === "true" || raw === "false") return raw === "true";
    this.problem(key, raw, "must be true or false");
    return fallback;
  }

  oneOf<T extends string | number>(key: string, allowed: readonly T[], fallback: T): T {
    const raw = this.value(key, fallback);
    if (raw === undefined) return fallback;
    const match = allowed.find((option) => String(option) === raw);
    if (match === undefined) this.problem(key, raw, `must be one of ${allowed.join(", ")}`);
    return match ?? fallback;
  }

  stringList(key: string, fallback: string[]): string[] {
    const raw = this.value(key, fallback);
    if (raw === undefined) return fallback;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === "string")) return parsed;
    } catch {
      // reported below
    }
    this.problem(key, raw, "must be a list of strings");
    return fallback;
  }
}

/** Edit distance (insertions, deletions, substitutions) between two keys. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The known key nearest to `key` (case ignored first, then edit distance, then name order). */
export function nearestKey(key: string, known: Iterable<string>): string | undefined {
  const distance = (candidate: string) => editDistance(key.toLowerCase(), candidate.toLowerCase());
  return [...known].sort((a, b) => distance(a) - distance(b) || a.localeCompare(b))[0];
}
