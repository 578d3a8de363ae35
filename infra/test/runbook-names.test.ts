/**
 * The generated runbooks (alerts/runbooks) name the stack's resources as the program creates them:
 * cluster, service, CodeDeploy application and group, log group, SNS topic and alarms.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { logGroupName } from "../src/components/service";
import { baseName } from "../src/config";
import { REPO_ROOT } from "../src/stack-file";

const runbook = (file: string) => readFileSync(join(REPO_ROOT, "alerts", "runbooks", file), "utf8");

describe("the runbooks' resource names", () => {
  const name = baseName("prod");

  it("are prod's cluster, service, CodeDeploy names and log group", () => {
    const text = runbook("CommentsApiAvailabilityBudgetBurnFast.md");
    expect(text).toContain(`--application-name ${name} --deployment-group-name ${name}`);
    expect(text).toContain(`aws logs tail ${logGroupName(name)} `);
    expect(runbook("CommentsApiUnreachable.md")).toContain(
      `aws ecs describe-services --cluster ${name} --services ${name}`,
    );
  });

  it("are the heartbeat topic and alarm Observability creates, and CodeDeploy's alarm names", () => {
    const text = runbook("alarm-heartbeat-missing.md");
    expect(text).toContain(`# ${name}-heartbeat-missing (CloudWatch alarm, page topic)`);
    expect(text).toContain(`Name=TopicName,Value=${name}-heartbeat `);
    expect(runbook("alarm-green-5xx.md")).toContain(`# ${name}-green-5xx `);
  });
});
