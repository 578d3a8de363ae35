/**
 * The prod web ACL's rules as pure values: a rate limit per client address, and AWS's managed
 * common rule set with the one rule that would refuse valid comments set to count.
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
          name: "AWSManagedRulesCommonRuleSet",
          // SizeRestrictions_BODY blocks bodies over 8 KB
          // (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html),
          // and a valid comment is up to 4000 characters, 24 KiB and more when \u-escaped: counted,
          // not blocked; the service's own 32 KiB limit answers 413 beyond that.
          ruleActionOverrides: [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }],
        },
      },
      overrideAction: { none: {} },
      visibilityConfig: visibility(`${metricPrefix}-aws-common`),
    },
  ];
}
