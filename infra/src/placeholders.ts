/**
 * The committed stack files carry documentation placeholders where each team's real values go (the
 * certificate, the domain, the e-mail addresses): previews, `pnpm synth` and the tests run on them,
 * but a deploy must not. This file has no imports: the Deploy workflow's check
 * (.github/scripts/check-placeholders.ts) and the program read the same rules.
 */

/** The account id AWS's documentation uses in example ARNs; no real account has it. */
export const PLACEHOLDER_ACCOUNT = "123456789012";

/**
 * Second-level domains reserved for documentation, and top-level names that never resolve
 * (RFC 2606 sections 2 and 3: https://www.rfc-editor.org/rfc/rfc2606).
 */
const RESERVED_DOMAIN =
  /(^|[.@/])(example\.(com|net|org)|[a-z0-9-]+\.(example|test|invalid))(?=$|[/:"',\]\s])/i;

/**
 * The problems of a raw stack config (keys without the project prefix, values as strings) that a
 * real deploy must not carry: an ARN in account 123456789012, or a name or address under a reserved
 * documentation domain. Empty when the config holds real values.
 */
export function placeholderProblems(raw: Readonly<Record<string, string | undefined>>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(raw).sort()) {
    const value = raw[key];
    if (value === undefined) continue;
    if (value.includes(`:${PLACEHOLDER_ACCOUNT}:`)) {
      problems.push(
        `${key}=${JSON.stringify(value)}: account ${PLACEHOLDER_ACCOUNT} is AWS's documentation placeholder; set the real value before a deploy`,
      );
    } else if (RESERVED_DOMAIN.test(value)) {
      problems.push(
        `${key}=${JSON.stringify(value)}: a domain reserved for documentation (RFC 2606) is a placeholder; set the real value before a deploy`,
      );
    }
  }
  return problems;
}
