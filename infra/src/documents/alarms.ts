/**
 * CloudWatch alarms CodeDeploy rolls back on (it reads only CloudWatch alarms). One set per target
 * group, blue and green, and one on the load balancer's own 5xx. The deployment group lists them
 * all; each release passes only the replacement colour's and the load balancer's
 * (overrideAlarmConfiguration, release.ts), so an incident on the live version does not roll back
 * its own fix.
 */
/** `D`: how dimension values are given (strings here; Pulumi inputs in the component). */
export interface RollbackAlarmInput<D = string> {
  /** `blue` or `green`: part of the alarm's name. */
  colour: string;
  loadBalancer: D;
  targetGroup: D;
  /** Share of 5xx above which the release rolls back. */
  max5xxRatio: number;
  /** Below this many requests in a minute, the minute does not breach (1 error in 3 requests is no reason). */
  minRequests: number;
  /** p99 response time (seconds) above which the release rolls back. */
  maxP99Seconds: number;
}

/** One metric or expression of a metric-math alarm. */
export interface MetricQuery<D = string> {
  id: string;
  returnData: boolean;
  label?: string;
  expression?: string;
  metric?: {
    namespace: string;
    metricName: string;
    dimensions: Record<string, D>;
    period: number;
    stat: string;
  };
}

/** A CloudWatch alarm as a value: the component declares one resource per spec. */
export interface AlarmSpec<D = string> {
  suffix: string;
  description: string;
  comparisonOperator: "GreaterThanThreshold";
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: "notBreaching";
  metricQueries?: MetricQuery<D>[];
  namespace?: string;
  metricName?: string;
  dimensions?: Record<string, D>;
  period?: number;
  statistic?: string;
  extendedStatistic?: string;
}

/** The rollback alarms of one target group: 5xx ratio, p99 and unhealthy hosts. */
export function rollbackAlarms<D = string>(input: RollbackAlarmInput<D>): AlarmSpec<D>[] {
  const dimensions = { LoadBalancer: input.loadBalancer, TargetGroup: input.targetGroup };
  const metric = (id: string, metricName: string): MetricQuery<D> => ({
    id,
    returnData: false,
    metric: { namespace: "AWS/ApplicationELB", metricName, dimensions, period: 60, stat: "Sum" },
  });
  return [
    {
      suffix: `${input.colour}-5xx`,
      description: `More than ${input.max5xxRatio * 100}% of ${input.colour}'s requests answered 5xx in 2 of 3 minutes (of at least ${input.minRequests} requests each): roll the release back`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: input.max5xxRatio,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: "notBreaching",
      metricQueries: [
        metric("errors", "HTTPCode_Target_5XX_Count"),
        metric("requests", "RequestCount"),
        {
          id: "ratio",
          label: "5xx ratio",
          returnData: true,
          expression: `IF(requests >= ${input.minRequests}, FILL(errors, 0) / requests, 0)`,
        },
      ],
    },
    {
      suffix: `${input.colour}-p99`,
      description: `${input.colour}'s p99 response time above ${input.maxP99Seconds * 1000} ms for 3 minutes: roll the release back`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: input.maxP99Seconds,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      namespace: "AWS/ApplicationELB",
      metricName: "TargetResponseTime",
      dimensions,
      period: 60,
      extendedStatistic: "p99",
    },
    {
      suffix: `${input.colour}-unhealthy`,
      description: `A ${input.colour} target failing its health check for 2 minutes: roll the release back`,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: "notBreaching",
      namespace: "AWS/ApplicationELB",
      metricName: "UnHealthyHostCount",
      dimensions,
      period: 60,
      statistic: "Maximum",
    },
  ];
}

/**
 * The load balancer's own 5xx: answers it gives when no target could (502, 503, 504), which the
 * target groups' HTTPCode_Target_5XX_Count never counts. The metric has the LoadBalancer dimension
 * only (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html),
 * so it judges both colours; a release that breaks its targets makes it rise.
 */
export function loadBalancerAlarm<D = string>(input: {
  loadBalancer: D;
  max5xxRatio: number;
  minRequests: number;
}): AlarmSpec<D> {
  const metric = (id: string, metricName: string): MetricQuery<D> => ({
    id,
    returnData: false,
    metric: {
      namespace: "AWS/ApplicationELB",
      metricName,
      dimensions: { LoadBalancer: input.loadBalancer },
      period: 60,
      stat: "Sum",
    },
  });
  return {
    suffix: "elb-5xx",
    description: `More than ${input.max5xxRatio * 100}% of the load balancer's requests answered 5xx by the load balancer itself in 2 of 3 minutes (of at least ${input.minRequests} requests each): roll the release back`,
    comparisonOperator: "GreaterThanThreshold",
    threshold: input.max5xxRatio,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    treatMissingData: "notBreaching",
    metricQueries: [
      metric("errors", "HTTPCode_ELB_5XX_Count"),
      metric("requests", "RequestCount"),
      {
        id: "ratio",
        label: "load balancer 5xx ratio",
        returnData: true,
        expression: `IF(requests >= ${input.minRequests}, FILL(errors, 0) / requests, 0)`,
      },
    ],
  };
}

/**
 * How long CloudWatch takes, at most, before a rollback alarm can have seen a bad release: its
 * longest evaluation window, plus the delay before load balancer metrics reach an alarm. The ELB
 * publishes per 60 s (page above); AWS states no delay for alarm evaluation, so 2 minutes is our
 * allowance. A canary interval or termination wait shorter than this moves all traffic, or drops
 * the old task set, before an alarm can stop the release.
 */
export function alarmReactionMinutes(): {
  windowMinutes: number;
  delayMinutes: number;
  totalMinutes: number;
} {
  const specs = [
    ...rollbackAlarms({
      colour: "x",
      loadBalancer: "",
      targetGroup: "",
      max5xxRatio: 0.5,
      maxP99Seconds: 1,
      minRequests: 1,
    }),
    loadBalancerAlarm({ loadBalancer: "", max5xxRatio: 0.5, minRequests: 1 }),
  ];
  const windowMinutes = Math.max(
    ...specs.map(
      (spec) =>
        (spec.evaluationPeriods * (spec.period ?? spec.metricQueries?.[0]?.metric?.period ?? 60)) / 60,
    ),
  );
  const delayMinutes = 2;
  return { windowMinutes, delayMinutes, totalMinutes: windowMinutes + delayMinutes };
}

/**
 * The dead man's switch of the alerting path: Watchdog always fires, Alertmanager sends it to the
 * heartbeat topic every 2 minutes (repeat_interval 1m checked at each 1m group_interval: every
 * other check, measured in alerts/test/heartbeat.test.ts), and this alarm, outside that path,
 * pages when the topic goes quiet. SNS sends topic metrics every five minutes
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html): two or three
 * heartbeats per 300 s period; three empty periods (15 minutes) page, and no data at all (the metric
 * is absent when nothing is published) counts as empty.
 */
export interface HeartbeatAlarmSpec {
  description: string;
  namespace: "AWS/SNS";
  metricName: "NumberOfMessagesPublished";
  dimensions: { TopicName: string };
  statistic: "Sum";
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  comparisonOperator: "LessThanThreshold";
  threshold: number;
  treatMissingData: "breaching";
}

/** The dead man's switch on the heartbeat topic (see HeartbeatAlarmSpec). */
export function heartbeatAlarm(topicName: string): HeartbeatAlarmSpec {
  const period = 300;
  const periods = 3;
  return {
    description: `No Watchdog heartbeat reached the heartbeat topic for ${(period * periods) / 60} minutes: the path from Prometheus rules through Alertmanager to SNS is broken, and no alert would reach anyone`,
    namespace: "AWS/SNS",
    metricName: "NumberOfMessagesPublished",
    dimensions: { TopicName: topicName },
    statistic: "Sum",
    period,
    evaluationPeriods: periods,
    datapointsToAlarm: periods,
    comparisonOperator: "LessThanThreshold",
    threshold: 1,
    treatMissingData: "breaching",
  };
}
