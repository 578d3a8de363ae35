/**
 * docs/ecs-native.md's migration, against what AWS says of UpdateService: `loadBalancers` "triggers a
 * new service deployment" (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html),
 * so the controller, the deployment configuration and the load balancers go in ONE call, before a
 * `pulumi up --refresh` that then finds the service as declared; and the traffic impact says so.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/stack-file";

const doc = readFileSync(join(REPO_ROOT, "docs", "ecs-native.md"), "utf8");
// Whitespace as one space: the document wraps its lines anywhere.
const migration = doc
  .slice(
    doc.indexOf("## Migrating a running CodeDeploy stack to `ecs`"),
    doc.indexOf("## What could not be checked"),
  )
  .replace(/\s+/g, " ");

describe("docs/ecs-native.md, the migration", () => {
  it("gives the service its controller, deployment configuration and load balancers in one update-service, then pulumi up --refresh", () => {
    const calls = migration.match(/aws ecs update-service[^`]*/g) ?? [];
    expect(calls).toHaveLength(1);
    for (const flag of ["--deployment-controller", "--deployment-configuration", "--load-balancers"]) {
      expect(calls[0], flag).toContain(flag);
    }
    const update = migration.indexOf("aws ecs update-service");
    // The step that runs pulumi up --refresh comes after the one UpdateService.
    expect(migration.indexOf("pulumi up --refresh", update)).toBeGreaterThan(update);
  });

  it("states the deployment that call starts, and AWS's prerequisites", () => {
    expect(migration).not.toContain("No task is replaced");
    expect(migration).toContain("This parameter triggers a new service deployment");
    expect(migration).toContain(
      "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/migrate-code-deploy-to-ecs-blue-green.html",
    );
    expect(migration).toContain("Turn off CodeDeploy automation");
  });
});
