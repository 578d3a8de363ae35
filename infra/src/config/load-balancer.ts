/**
 * The `loadBalancer` and `abuse` sections: the listeners, the certificate and the name clients use,
 * and the limits per client (the WAF's, the service's).
 */
import { isCidr, type Reader } from "./reader";
import type { AbuseConfig, LoadBalancerConfig, SectionContext } from "./types";

/** Reads the test listener, the certificate, the domain name and its hosted zone. */
export function parseLoadBalancer(read: Reader, { region }: SectionContext): LoadBalancerConfig {
  const testListenerCidrs = read.stringList("testListenerCidrs", []);
  for (const cidr of testListenerCidrs) {
    if (!isCidr(cidr))
      read.problem("testListenerCidrs", cidr, "must be an IPv4 CIDR block like 203.0.113.0/24");
    else if (cidr.endsWith("/0"))
      read.problem("testListenerCidrs", cidr, "must not open the test listener to the internet");
  }
  const certificateArn = read.optionalString("certificateArn");
  if (
    certificateArn !== undefined &&
    !/^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/.test(certificateArn)
  ) {
    read.problem("certificateArn", certificateArn, "must be an ACM certificate ARN");
  } else if (certificateArn !== undefined && region !== "") {
    // ACM certificates are regional: an ALB takes one of its own region
    // (https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html).
    const certificateRegion = certificateArn.split(":")[3];
    if (certificateRegion !== region) {
      read.problem(
        "certificateArn",
        certificateArn,
        `is in ${certificateRegion}; the load balancer takes a certificate of its own region, ${region} (request or import it there)`,
      );
    }
  }

  const domainName = read.optionalString("domainName");
  if (
    domainName !== undefined &&
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domainName)
  ) {
    read.problem("domainName", domainName, "must be a DNS name like comments.example.com");
  }
  if (certificateArn !== undefined && domainName === undefined) {
    read.problems.push(
      "domainName: certificateArn is set, so clients and the smoke test reach the service by the name its certificate covers; set domainName to that name",
    );
  }
  const hostedZoneId = read.optionalString("hostedZoneId");
  if (hostedZoneId !== undefined && !/^Z[A-Z0-9]{1,31}$/.test(hostedZoneId)) {
    read.problem(
      "hostedZoneId",
      hostedZoneId,
      "must be a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ",
    );
  }
  if (hostedZoneId !== undefined && domainName === undefined) {
    read.problems.push("hostedZoneId: needs domainName, the record it creates in that zone");
  }
  return {
    certificateArn,
    testListenerPort: read.integer("testListenerPort", 8443, 1024, 65535),
    testListenerCidrs,
    domainName,
    hostedZoneId,
  };
}

/** Reads the WAF's rate limit and the service's own. */
export function parseAbuse(read: Reader, { isProd }: SectionContext): AbuseConfig {
  // AWS WAF's rate-based rule takes 10 to 2,000,000,000 requests per evaluation window
  // (https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html).
  const wafRateLimit = read.integer("wafRateLimit", isProd ? 2000 : 0, 0, 2_000_000_000);
  if (wafRateLimit > 0 && wafRateLimit < 10) {
    read.problem(
      "wafRateLimit",
      String(wafRateLimit),
      "must be 0 (no web ACL) or at least 10, AWS WAF's minimum",
    );
  }
  return {
    wafRateLimit,
    appRateLimitPerMinute: read.integer("appRateLimitPerMinute", 600, 0, 1_000_000),
  };
}
