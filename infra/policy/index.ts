/**
 * The policy pack the previews run (`pulumi preview --policy-pack infra/policy`). Only wiring: the
 * rules live in rules.ts.
 */
import { PolicyPack } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { RULES } from "./rules";

new PolicyPack("comments-platform", {
  policies: RULES.map((rule) => ({
    name: rule.name,
    description: rule.description,
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) =>
      rule.validate(
        { type: args.type, name: args.name, props: args.props, stack: pulumi.getStack() },
        reportViolation,
      ),
  })),
});
