/** IAM policy documents as pure values: named resources wherever AWS allows one. */

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
}
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** Who may assume a role: one AWS service principal. */
export function assumeRolePolicy(service: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  };
}

/** What ECS needs to start the task: pull the image, write its logs, read the database secret. */
export function executionRolePolicy(arns: {
  repository: string;
  logGroup: string;
  databaseSecret: string;
}): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      // GetAuthorizationToken has no resource-level permissions: "*" is the only value AWS accepts.
      { Sid: "EcrAuth", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      {
        Sid: "EcrPull",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Resource: arns.repository,
      },
      {
        Sid: "Logs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${arns.logGroup}:*`,
      },
      {
        Sid: "DatabaseSecret",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: arns.databaseSecret,
      },
    ],
  };
}
