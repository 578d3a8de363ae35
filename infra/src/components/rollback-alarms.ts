import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { loadBalancerAlarm, rollbackAlarms } from "../documents/alarms";
import { named, type Tags } from "./tags";

/** What the rollback alarms watch: both target groups and the load balancer. */
export interface RollbackAlarmArgs {
  settings: StackConfig["release"];
  blueTargetGroup: { arnSuffix: pulumi.Input<string> };
  greenTargetGroup: { arnSuffix: pulumi.Input<string> };
  albArnSuffix: pulumi.Input<string>;
  /** Where the alarms notify (besides rolling back). */
  alarmTopicArn: pulumi.Input<string>;
  tags: Tags;
}

/**
 * The rollback alarms (documents/alarms.ts), one resource each under `parent`: each colour's 5xx,
 * p99 and unhealthy hosts, and the load balancer's 5xx. Whoever rolls back on them (a CodeDeploy
 * deployment group, an ECS service) lists them by name; `aliases` keeps their URNs when they move
 * from one parent to another, so a change of release strategy does not delete and re-create an
 * alarm of the same name.
 */
export function rollbackAlarmResources(
  name: string,
  args: RollbackAlarmArgs,
  opts: { parent: pulumi.Resource; aliases?: pulumi.Input<pulumi.URN | pulumi.Alias>[] },
): aws.cloudwatch.MetricAlarm[] {
  const { settings } = args;
  return [
    ...[
      { colour: "blue", group: args.blueTargetGroup },
      { colour: "green", group: args.greenTargetGroup },
    ].flatMap(({ colour, group }) =>
      rollbackAlarms<pulumi.Input<string>>({
        colour,
        loadBalancer: args.albArnSuffix,
        targetGroup: group.arnSuffix,
        max5xxRatio: settings.alarm5xxRatio,
        maxP99Seconds: settings.alarmP99Seconds,
        minRequests: settings.alarmMinRequests,
      }),
    ),
    loadBalancerAlarm<pulumi.Input<string>>({
      loadBalancer: args.albArnSuffix,
      max5xxRatio: settings.alarm5xxRatio,
      minRequests: settings.alarmMinRequests,
    }),
  ].map(
    (spec) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${spec.suffix}`,
        {
          // Fixed: the deployment group or the service lists alarms by name, and the topics' policy
          // admits `<stack base name>-*`. The name is an alarm's only replacing input: no collision.
          name: `${name}-${spec.suffix}`,
          alarmDescription: spec.description,
          comparisonOperator: spec.comparisonOperator,
          threshold: spec.threshold,
          evaluationPeriods: spec.evaluationPeriods,
          datapointsToAlarm: spec.datapointsToAlarm,
          treatMissingData: spec.treatMissingData,
          metricQueries: spec.metricQueries,
          namespace: spec.namespace,
          metricName: spec.metricName,
          dimensions: spec.dimensions,
          period: spec.period,
          statistic: spec.statistic,
          extendedStatistic: spec.extendedStatistic,
          alarmActions: [args.alarmTopicArn],
          tags: named(args.tags, `${name}-${spec.suffix}`),
        },
        opts,
      ),
  );
}
