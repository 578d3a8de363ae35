/**
 * The User-Agent every HTTP client we ship sends: the product, the release it belongs to and which
 * client it is. AWS WAF's common rule set blocks requests without one (NoUserAgent_HEADER,
 * https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html), and
 * with one a request in the ALB's or Grafana's logs says which release made it.
 */

/** The product named in every User-Agent: the Pulumi project's name (config/stack.ts PROJECT). */
export const USER_AGENT_PRODUCT = "comments-platform";

/** The HTTP clients we ship. */
export const USER_AGENT_CLIENTS = ["smoke-hook", "smoke-cli", "release", "judge-hook"] as const;
/** One of the HTTP clients we ship. */
export type UserAgentClient = (typeof USER_AGENT_CLIENTS)[number];

// RFC 9110 section 5.6.2: a product version is a token (https://www.rfc-editor.org/rfc/rfc9110#section-10.1.5).
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * `comments-platform/<release> (<client>)`, a User-Agent as RFC 9110 section 10.1.5 shapes it:
 * product/version, then a comment. `release` is the image tag (image-tag.ts) or a commit.
 */
export function userAgent(client: UserAgentClient, release: string): string {
  if (!TOKEN.test(release))
    throw new Error(`userAgent: release ${JSON.stringify(release)} must be an HTTP token, like c-0123abcd`);
  return `${USER_AGENT_PRODUCT}/${release} (${client})`;
}
