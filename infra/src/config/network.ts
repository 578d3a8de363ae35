/** The `network` section: the VPC's block, its availability zones and NAT gateways. */
import { isCidr, type Reader } from "./reader";
import { NAT_STRATEGIES, type NetworkConfig, type SectionContext } from "./types";

/** Reads `vpcCidr`, `availabilityZoneCount` and `natStrategy`. */
export function parseNetwork(read: Reader, { isProd }: SectionContext): NetworkConfig {
  const vpcCidr = read.string("vpcCidr", "10.0.0.0/16");
  if (vpcCidr !== "" && (!isCidr(vpcCidr) || Number(vpcCidr.split("/")[1]) > 20)) {
    read.problem("vpcCidr", vpcCidr, "must be an IPv4 CIDR block of /20 or larger, like 10.0.0.0/16");
  }
  const availabilityZoneCount = read.integer("availabilityZoneCount", isProd ? 3 : 2, 1, 3);
  const natStrategy = read.oneOf("natStrategy", NAT_STRATEGIES, isProd ? "onePerAz" : "single");
  return { vpcCidr, availabilityZoneCount, natStrategy };
}
