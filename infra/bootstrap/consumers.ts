/**
 * The bootstrap's roles for other teams (`consumerTeams` config): one role per team, trusted by the
 * team's principal, reading the contract's SSM parameters and, for a team whose stacks share our
 * state bucket, writing its own project's state. Documents in consumer-documents.ts.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { contractParameterArn } from "../contract/src/contract";
import {
  type ConsumerTeam,
  consumerRoleName,
  consumerTeamPolicy,
  consumerTrustPolicy,
} from "./consumer-documents";

/** What the teams' roles are built from: the bootstrap's bucket, keys, account and region. */
export interface ConsumerRolesArgs {
  teams: ConsumerTeam[];
  stacks: readonly string[];
  bucketArn: pulumi.Input<string>;
  stateKeyArn: pulumi.Input<string>;
  stackKeyArns: pulumi.Input<string>[];
  accountId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  tags: Record<string, string>;
}

/** One role per team, with its policy inline; the role ARNs by team name. */
export function consumerRoles(args: ConsumerRolesArgs): Record<string, pulumi.Output<string>> {
  return Object.fromEntries(
    args.teams.map((team) => {
      const role = new aws.iam.Role(`consumer-${team.name}`, {
        name: consumerRoleName(team),
        description: `Team ${team.name}: reads the comments-platform contract${team.project === undefined ? "" : `, writes project ${team.project}'s state`}`,
        assumeRolePolicy: JSON.stringify(consumerTrustPolicy(team)),
        tags: args.tags,
      });
      new aws.iam.RolePolicy(`consumer-${team.name}`, {
        role: role.id,
        policy: pulumi
          .all([args.bucketArn, args.stateKeyArn, pulumi.all(args.stackKeyArns), args.accountId, args.region])
          .apply(([bucketArn, stateKeyArn, stackKeyArns, accountId, region]) =>
            JSON.stringify(
              consumerTeamPolicy({
                team,
                // contractV1 and contractV2 (an `ecs` stack publishes only V2).
                parameterArns: args.stacks.flatMap((stack) =>
                  [1, 2].map((version) => contractParameterArn({ stack, region, accountId, version })),
                ),
                bucketArn,
                region,
                stateKeyArn,
                stackKeyArns,
                stacks: args.stacks,
              }),
            ),
          ),
      });
      return [team.name, role.arn];
    }),
  );
}
