/**
 * The provider's calls for the network, load-balancing and WAF resource types (terraform-provider-aws
 * `internal/service/ec2`, `elbv2`, `wafv2`). Describe calls are authorized on "*" (the engine asks
 * for "*" whenever iam-data says an action takes no resource).
 */
import { arn, arnOfType, ec2Id, serviceLinkedRole, type TypeCalls } from "./provider-calls";

const ec2 = (path: string) => arn("ec2", path);

// Target groups and listeners are tagged in their Create call (the provider falls back to AddTags
// only where tag-on-create is refused); iam-data knows AddTags on load balancers only.

/** Network, load balancing and WAF: resource type → the provider's calls. */
export const NETWORK_CALLS: Record<string, TypeCalls> = {
  "aws:ec2/vpc:Vpc": {
    file: "internal/service/ec2/vpc_.go",
    fn: "VPC",
    rows: ({ resource }) => {
      const vpc = ec2(`vpc/${ec2Id("vpc", resource)}`);
      return [
        ["create", "ec2:CreateVpc", vpc],
        ["create", "ec2:ModifyVpcAttribute", vpc],
        ["read", "ec2:DescribeVpcs", "*"],
        ["read", "ec2:DescribeVpcAttribute", vpc],
        ["read", "ec2:DescribeRouteTables", "*"],
        ["read", "ec2:DescribeSecurityGroups", "*"],
        ["read", "ec2:DescribeNetworkAcls", "*"],
        ["update", "ec2:ModifyVpcAttribute", vpc],
        ["update", "ec2:CreateTags", vpc],
        ["delete", "ec2:DeleteVpc", vpc],
      ];
    },
  },
  "aws:ec2/subnet:Subnet": {
    file: "internal/service/ec2/vpc_subnet.go",
    fn: "Subnet",
    rows: (scope) => {
      const subnet = ec2(`subnet/${ec2Id("subnet", scope.resource)}`);
      const vpc = ec2(
        `vpc/${ec2Id("vpc", scope.all.find((r) => r.type === "aws:ec2/vpc:Vpc") ?? scope.resource)}`,
      );
      return [
        ["create", "ec2:CreateSubnet", subnet],
        ["create", "ec2:CreateSubnet", vpc],
        ["create", "ec2:ModifySubnetAttribute", subnet],
        ["read", "ec2:DescribeSubnets", "*"],
        ["update", "ec2:CreateTags", subnet],
        ["delete", "ec2:DeleteSubnet", subnet],
      ];
    },
  },
  "aws:ec2/internetGateway:InternetGateway": {
    file: "internal/service/ec2/vpc_internet_gateway.go",
    fn: "InternetGateway",
    rows: ({ resource }) => {
      const igw = ec2(`internet-gateway/${ec2Id("igw", resource)}`);
      return [
        ["create", "ec2:CreateInternetGateway", igw],
        ["create", "ec2:AttachInternetGateway", igw],
        ["read", "ec2:DescribeInternetGateways", "*"],
        ["delete", "ec2:DetachInternetGateway", igw],
        ["delete", "ec2:DeleteInternetGateway", igw],
      ];
    },
  },
  "aws:ec2/eip:Eip": {
    file: "internal/service/ec2/vpc_eip.go",
    fn: "EIP",
    rows: ({ resource }) => {
      const eip = ec2(`elastic-ip/${ec2Id("eipalloc", resource)}`);
      return [
        ["create", "ec2:AllocateAddress", eip],
        ["read", "ec2:DescribeAddresses", "*"],
        ["update", "ec2:CreateTags", eip],
        ["delete", "ec2:ReleaseAddress", eip],
      ];
    },
  },
  "aws:ec2/natGateway:NatGateway": {
    file: "internal/service/ec2/vpc_nat_gateway.go",
    fn: "NATGateway",
    rows: ({ resource }) => {
      const nat = ec2(`natgateway/${ec2Id("nat", resource)}`);
      return [
        ["create", "ec2:CreateNatGateway", nat],
        ["read", "ec2:DescribeNatGateways", "*"],
        ["update", "ec2:CreateTags", nat],
        ["delete", "ec2:DeleteNatGateway", nat],
      ];
    },
  },
  "aws:ec2/routeTable:RouteTable": {
    file: "internal/service/ec2/vpc_route_table.go",
    fn: "RouteTable",
    rows: ({ resource }) => {
      const table = ec2(`route-table/${ec2Id("rtb", resource)}`);
      return [
        ["create", "ec2:CreateRouteTable", table],
        ["create", "ec2:CreateRoute", table],
        ["read", "ec2:DescribeRouteTables", "*"],
        ["update", "ec2:ReplaceRoute", table],
        ["update", "ec2:DeleteRoute", table],
        ["delete", "ec2:DeleteRouteTable", table],
      ];
    },
  },
  "aws:ec2/routeTableAssociation:RouteTableAssociation": {
    file: "internal/service/ec2/vpc_route_table_association.go",
    fn: "RouteTableAssociation",
    rows: ({ resource }) => {
      const table = ec2(`route-table/${ec2Id("rtb", resource)}`);
      return [
        ["create", "ec2:AssociateRouteTable", table],
        ["read", "ec2:DescribeRouteTables", "*"],
        ["update", "ec2:ReplaceRouteTableAssociation", table],
        ["delete", "ec2:DisassociateRouteTable", table],
      ];
    },
  },
  "aws:ec2/securityGroup:SecurityGroup": {
    file: "internal/service/ec2/vpc_security_group.go",
    fn: "SecurityGroup",
    rows: ({ resource }) => {
      const group = ec2(`security-group/${ec2Id("sg", resource)}`);
      return [
        ["create", "ec2:CreateSecurityGroup", group],
        // The provider removes the default allow-all egress rule a new group gets.
        ["create", "ec2:RevokeSecurityGroupEgress", group],
        ["read", "ec2:DescribeSecurityGroups", "*"],
        ["update", "ec2:CreateTags", group],
        ["delete", "ec2:DeleteSecurityGroup", group],
      ];
    },
  },
  "aws:ec2/vpcEndpoint:VpcEndpoint": {
    file: "internal/service/ec2/vpc_endpoint.go",
    fn: "VPCEndpoint",
    rows: ({ resource }) => {
      const endpoint = ec2(`vpc-endpoint/${ec2Id("vpce", resource)}`);
      return [
        ["create", "ec2:CreateVpcEndpoint", endpoint],
        ["read", "ec2:DescribeVpcEndpoints", "*"],
        ["read", "ec2:DescribePrefixLists", "*"],
        ["update", "ec2:ModifyVpcEndpoint", endpoint],
        ["delete", "ec2:DeleteVpcEndpoints", endpoint],
      ];
    },
  },
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
    file: "internal/service/ec2/vpc_security_group_ingress_rule.go",
    fn: "SecurityGroupIngressRule",
    rows: ({ resource }) => {
      const group = ec2(`security-group/${ec2Id("sg", resource)}`);
      const rule = ec2(`security-group-rule/${ec2Id("sgr", resource)}`);
      return [
        ["create", "ec2:AuthorizeSecurityGroupIngress", group],
        ["read", "ec2:DescribeSecurityGroupRules", "*"],
        ["update", "ec2:ModifySecurityGroupRules", group],
        ["update", "ec2:CreateTags", rule],
        ["delete", "ec2:RevokeSecurityGroupIngress", group],
      ];
    },
  },
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
    file: "internal/service/ec2/vpc_security_group_egress_rule.go",
    fn: "SecurityGroupEgressRule",
    rows: ({ resource }) => {
      const group = ec2(`security-group/${ec2Id("sg", resource)}`);
      return [
        ["create", "ec2:AuthorizeSecurityGroupEgress", group],
        ["read", "ec2:DescribeSecurityGroupRules", "*"],
        ["update", "ec2:ModifySecurityGroupRules", group],
        ["delete", "ec2:RevokeSecurityGroupEgress", group],
      ];
    },
  },
  "aws:lb/loadBalancer:LoadBalancer": {
    file: "internal/service/elbv2/load_balancer.go",
    fn: "LoadBalancer",
    rows: (scope) => {
      const lb = arnOfType(scope, "aws:lb/loadBalancer:LoadBalancer", scope.resource.name);
      return [
        ["create", "elasticloadbalancing:CreateLoadBalancer", lb],
        ["create", "elasticloadbalancing:AddTags", lb],
        ["create", "elasticloadbalancing:ModifyLoadBalancerAttributes", lb],
        serviceLinkedRole(
          "elasticloadbalancing.amazonaws.com",
          "AWSServiceRoleForElasticLoadBalancing",
          "https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/elb-service-linked-roles.html",
        ),
        ["read", "elasticloadbalancing:DescribeLoadBalancers", "*"],
        ["read", "elasticloadbalancing:DescribeLoadBalancerAttributes", "*"],
        ["read", "elasticloadbalancing:DescribeTags", "*"],
        ["update", "elasticloadbalancing:SetSecurityGroups", lb],
        ["update", "elasticloadbalancing:SetSubnets", lb],
        ["delete", "elasticloadbalancing:DeleteLoadBalancer", lb],
      ];
    },
  },
  "aws:lb/targetGroup:TargetGroup": {
    file: "internal/service/elbv2/target_group.go",
    fn: "TargetGroup",
    rows: (scope) => {
      const group = arnOfType(scope, "aws:lb/targetGroup:TargetGroup", scope.resource.name);
      return [
        ["create", "elasticloadbalancing:CreateTargetGroup", group],
        ["create", "elasticloadbalancing:ModifyTargetGroupAttributes", group],
        ["read", "elasticloadbalancing:DescribeTargetGroups", "*"],
        ["read", "elasticloadbalancing:DescribeTargetGroupAttributes", "*"],
        ["update", "elasticloadbalancing:ModifyTargetGroup", group],
        ["delete", "elasticloadbalancing:DeleteTargetGroup", group],
      ];
    },
  },
  "aws:lb/listener:Listener": {
    file: "internal/service/elbv2/listener.go",
    fn: "Listener",
    rows: (scope) => {
      const listener = arnOfType(scope, "aws:lb/listener:Listener", scope.resource.name);
      const lb = arnOfType(scope, "aws:lb/loadBalancer:LoadBalancer");
      return [
        ["create", "elasticloadbalancing:CreateListener", lb],
        ["read", "elasticloadbalancing:DescribeListeners", "*"],
        ["read", "elasticloadbalancing:DescribeListenerAttributes", "*"],
        ["update", "elasticloadbalancing:ModifyListener", listener],
        ["delete", "elasticloadbalancing:DeleteListener", listener],
      ];
    },
  },
  "aws:lb/listenerRule:ListenerRule": {
    file: "internal/service/elbv2/listener_rule.go",
    fn: "ListenerRule",
    rows: (scope) => {
      const rule = arnOfType(scope, "aws:lb/listenerRule:ListenerRule", scope.resource.name);
      const listener = String(scope.resource.inputs.listenerArn);
      return [
        ["create", "elasticloadbalancing:CreateRule", listener],
        ["read", "elasticloadbalancing:DescribeRules", "*"],
        ["read", "elasticloadbalancing:DescribeTags", "*"],
        ["update", "elasticloadbalancing:ModifyRule", rule],
        ["update", "elasticloadbalancing:SetRulePriorities", rule],
        ["delete", "elasticloadbalancing:DeleteRule", rule],
      ];
    },
  },
  "aws:wafv2/webAcl:WebAcl": {
    file: "internal/service/wafv2/web_acl.go",
    fn: "WebACL",
    rows: (scope) => {
      const acl = arnOfType(scope, "aws:wafv2/webAcl:WebAcl", scope.resource.name);
      return [
        ["create", "wafv2:CreateWebACL", acl],
        ["read", "wafv2:GetWebACL", acl],
        ["read", "wafv2:ListTagsForResource", acl],
        ["update", "wafv2:UpdateWebACL", acl],
        ["update", "wafv2:TagResource", acl],
        ["delete", "wafv2:DeleteWebACL", acl],
      ];
    },
  },
  "aws:wafv2/webAclAssociation:WebAclAssociation": {
    file: "internal/service/wafv2/web_acl_association.go",
    fn: "WebACLAssociation",
    rows: (scope) => {
      const acl = arnOfType(scope, "aws:wafv2/webAcl:WebAcl");
      const lb = arnOfType(scope, "aws:lb/loadBalancer:LoadBalancer");
      // WAF associates on the caller's behalf: elasticloadbalancing:SetWebAcl on the balancer
      // (https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-associating-aws-resource.html).
      const waf =
        "https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-associating-aws-resource.html";
      return [
        ["create", "wafv2:AssociateWebACL", acl],
        ["create", "wafv2:AssociateWebACL", lb],
        ["create", "elasticloadbalancing:SetWebAcl", lb, {}, waf],
        ["read", "wafv2:GetWebACLForResource", lb],
        ["delete", "wafv2:DisassociateWebACL", lb],
        ["delete", "elasticloadbalancing:SetWebAcl", lb, {}, waf],
      ];
    },
  },
};
