/**
 * How the VPC's block is cut: 16 equal blocks (a /16 gives /20s, 4,091 addresses each); public
 * subnets take blocks 0-2, private 4-6, isolated (database) 8-10, one per availability zone. The
 * rest is left free for later tiers, so adding one never renumbers a subnet.
 */
export type SubnetTier = "public" | "private" | "isolated";
/** Where each tier's subnets start within the VPC block, in /20 steps. */
export const TIER_OFFSET: Readonly<Record<SubnetTier, number>> = { public: 0, private: 4, isolated: 8 };

function toInt(ip: string): number {
  return ip.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
}
function toIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** The CIDR of `tier`'s subnet in availability zone `zoneIndex` (0-based). */
export function subnetCidr(vpcCidr: string, tier: SubnetTier, zoneIndex: number): string {
  const [base = "", bitsText = ""] = vpcCidr.split("/");
  const bits = Number(bitsText);
  const subnetBits = bits + 4;
  const block = TIER_OFFSET[tier] + zoneIndex;
  return `${toIp(toInt(base) + block * 2 ** (32 - subnetBits))}/${subnetBits}`;
}
