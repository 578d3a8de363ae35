/**
 * The prod web ACL's rules as pure values: a rate limit per client address, and AWS's managed
 * common rule set with every rule that could refuse a legitimate API request set to count.
 */
import type * as aws from "@pulumi/aws";

/** The key of the 429 body the rate-based rule answers with. */
export const RATE_LIMITED_BODY = "rate-limited";
/** Seconds the rate-based rule counts requests over (AWS WAF's default evaluation window). */
export const WAF_WINDOW_SECONDS = 300;

/**
 * The 429 the WAF answers with, in the API's error format. A custom response replaces the block
 * action's default 403 (https://docs.aws.amazon.com/waf/latest/developerguide/waf-custom-request-response.html);
 * only inserted request headers get the x-amzn-waf- prefix, response headers keep their names
 * (https://docs.aws.amazon.com/waf/latest/APIReference/API_CustomHTTPHeader.html).
 */
export function wafResponseBodies(limit: number): aws.types.input.wafv2.WebAclCustomResponseBody[] {
  return [
    {
      key: RATE_LIMITED_BODY,
      contentType: "APPLICATION_JSON",
      content: JSON.stringify({
        status: "TOO-MANY-REQUESTS",
        message: `rate limit: at most ${limit} requests in ${WAF_WINDOW_SECONDS / 60} minutes per client; retry after Retry-After seconds`,
      }),
    },
  ];
}

/** The managed rule group the web ACL runs: AWS's core rule set (CRS), its only managed group. */
export const COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet";
/** Where AWS describes each rule of the core rule set; it publishes descriptions, not the rules' logic. */
export const COMMON_RULE_SET_PAGE =
  "https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html#aws-managed-rule-groups-baseline-crs";

/** What prod does with one rule of the core rule set, and why. */
export interface CommonRuleDecision {
  /** The rule's name in the group (AWS's page). */
  rule: string;
  /** What AWS says the rule inspects (its published description, shortened). */
  inspects: string;
  /** `block`: the group's own action; `count`: overridden, the rule only labels and counts. */
  action: "block" | "count";
  /** Why, for this API: what a legitimate request carries there. */
  why: string;
}

// What the API takes: JSON bodies with email, a comment (a person's text, up to 4000 characters,
// 24 KiB and more when \u-escaped) and content_id; a path segment content_id of 1-128 letters,
// digits, '_', '.', ':' or '-' (services/comments-api/src/schemas/comment.ts); the integer query
// arguments `after` and `limit`; no cookies. It serves no files and fetches no URL it is given.
const BODY_IS_TEXT = "a comment is a person's free text, and the API stores it as text and answers JSON";

/**
 * Every rule of AWSManagedRulesCommonRuleSet as AWS's page lists it (COMMON_RULE_SET_PAGE), and
 * what prod does with it. Where in doubt, and for every rule that reads the comment text, count:
 * a counted match is labelled and shows in the rule's CloudWatch metrics and sampled requests.
 */
export const COMMON_RULE_DECISIONS: readonly CommonRuleDecision[] = [
  {
    rule: "NoUserAgent_HEADER",
    inspects: "requests without a User-Agent header",
    action: "count",
    why: "clients of the original API keep working, and some send no User-Agent (Node's http module sends none); the rate limit still applies to them",
  },
  {
    rule: "UserAgent_BadBots_HEADER",
    inspects: "User-Agent values of known bad bots, such as nessus and nmap",
    action: "block",
    why: "vulnerability scanners are not API clients",
  },
  {
    rule: "SizeRestrictions_QUERYSTRING",
    inspects: "query strings over 2,048 bytes",
    action: "block",
    why: "the only query arguments are the integers after and limit",
  },
  {
    rule: "SizeRestrictions_Cookie_HEADER",
    inspects: "Cookie headers over 10,240 bytes",
    action: "block",
    why: "the API uses no cookies",
  },
  {
    rule: "SizeRestrictions_BODY",
    inspects: "request bodies over 8 KB (8,192 bytes)",
    action: "count",
    why: "a valid comment is up to 4000 characters, 24 KiB and more when \\u-escaped; the service answers 413 beyond its own 32 KiB limit",
  },
  {
    rule: "SizeRestrictions_URIPATH",
    inspects: "URI paths over 1,024 bytes",
    action: "block",
    why: "the longest valid path is /api/comment/list/ and a 128-character content_id",
  },
  {
    rule: "EC2MetaDataSSRF_BODY",
    inspects: "attempts to exfiltrate EC2 instance metadata in the body",
    action: "count",
    why: `${BODY_IS_TEXT}; it may mention 169.254.169.254, and the service fetches no address it is given`,
  },
  {
    rule: "EC2MetaDataSSRF_COOKIE",
    inspects: "attempts to exfiltrate EC2 instance metadata in cookies",
    action: "block",
    why: "the API uses no cookies",
  },
  {
    rule: "EC2MetaDataSSRF_URIPATH",
    inspects: "attempts to exfiltrate EC2 instance metadata in the URI path",
    action: "count",
    why: "169.254.169.254 is a valid content_id, and the service fetches no address it is given",
  },
  {
    rule: "EC2MetaDataSSRF_QUERYARGUMENTS",
    inspects: "attempts to exfiltrate EC2 instance metadata in query arguments",
    action: "block",
    why: "the only query arguments are integers",
  },
  {
    rule: "GenericLFI_QUERYARGUMENTS",
    inspects: "local file inclusion in query arguments, such as ../../",
    action: "block",
    why: "the only query arguments are integers",
  },
  {
    rule: "GenericLFI_URIPATH",
    inspects: "local file inclusion in the URI path, such as ../../",
    action: "block",
    why: "a content_id holds no '/', so no valid path traverses",
  },
  {
    rule: "GenericLFI_BODY",
    inspects: "local file inclusion in the body, such as ../../",
    action: "count",
    why: `${BODY_IS_TEXT}; "see ../docs" is a comment, and the service opens no file it is given`,
  },
  {
    rule: "RestrictedExtensions_URIPATH",
    inspects: "URI paths with system file extensions, such as .log and .ini",
    action: "count",
    why: "notes.log is a valid content_id, and the service serves no files",
  },
  {
    rule: "RestrictedExtensions_QUERYARGUMENTS",
    inspects: "query arguments with system file extensions, such as .log and .ini",
    action: "block",
    why: "the only query arguments are integers",
  },
  {
    rule: "GenericRFI_QUERYARGUMENTS",
    inspects: "remote file inclusion in query arguments: URLs with an IPv4 host",
    action: "block",
    why: "the only query arguments are integers",
  },
  {
    rule: "GenericRFI_BODY",
    inspects: "remote file inclusion in the body: URLs with an IPv4 host",
    action: "count",
    why: `${BODY_IS_TEXT}; it may quote http://192.0.2.1/, and the service fetches no URL it is given`,
  },
  {
    rule: "GenericRFI_URIPATH",
    inspects: "remote file inclusion in the URI path: URLs with an IPv4 host",
    action: "block",
    why: "a content_id holds no '/', so no valid path carries a URL",
  },
  {
    rule: "CrossSiteScripting_COOKIE",
    inspects: "cross-site scripting patterns in cookies",
    action: "block",
    why: "the API uses no cookies",
  },
  {
    rule: "CrossSiteScripting_QUERYARGUMENTS",
    inspects: "cross-site scripting patterns in query arguments",
    action: "block",
    why: "the only query arguments are integers",
  },
  {
    rule: "CrossSiteScripting_BODY",
    inspects: 'cross-site scripting patterns in the body, such as <script>alert("hello")</script>',
    action: "count",
    why: `${BODY_IS_TEXT}; a comment quoting HTML is a comment, and escaping it is the page's job when it renders one`,
  },
  {
    rule: "CrossSiteScripting_URIPATH",
    inspects: "cross-site scripting patterns in the URI path",
    action: "block",
    why: "a content_id holds no '<' or quote, so no valid path carries markup",
  },
];

/** The group's rules prod counts instead of blocking, in the table's order. */
export function commonRuleOverrides(): aws.types.input.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverride[] {
  return COMMON_RULE_DECISIONS.filter((decision) => decision.action === "count").map((decision) => ({
    name: decision.rule,
    actionToUse: { count: {} },
  }));
}

const visibility = (metricName: string): aws.types.input.wafv2.WebAclRuleVisibilityConfig => ({
  cloudwatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

/** The web ACL's rules, in priority order. `metricPrefix` keeps each stack's metrics apart. */
export function wafRules(limit: number, metricPrefix: string): aws.types.input.wafv2.WebAclRule[] {
  return [
    {
      name: "rate-per-client",
      priority: 0,
      // Counted per client address over the window; the ALB is the WAF's resource, so the address
      // is the connection's, not a forwarded header a client could write
      // (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html).
      statement: {
        rateBasedStatement: { limit, aggregateKeyType: "IP", evaluationWindowSec: WAF_WINDOW_SECONDS },
      },
      action: {
        block: {
          customResponse: {
            responseCode: 429,
            customResponseBodyKey: RATE_LIMITED_BODY,
            responseHeaders: [{ name: "retry-after", value: String(WAF_WINDOW_SECONDS) }],
          },
        },
      },
      visibilityConfig: visibility(`${metricPrefix}-rate-per-client`),
    },
    {
      name: "aws-common",
      priority: 1,
      statement: {
        managedRuleGroupStatement: {
          vendorName: "AWS",
          name: COMMON_RULE_SET,
          // A rule action override with Count makes one rule only count; the others keep the
          // group's action. WAF silently ignores an override whose name matches no rule of a
          // managed group, so the names are pinned in infra/test/waf.test.ts
          // (https://docs.aws.amazon.com/waf/latest/APIReference/API_RuleActionOverride.html).
          ruleActionOverrides: commonRuleOverrides(),
        },
      },
      overrideAction: { none: {} },
      visibilityConfig: visibility(`${metricPrefix}-aws-common`),
    },
  ];
}
