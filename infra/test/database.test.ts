/** The database's pure pieces: the final snapshot's name. */
import { describe, expect, it } from "vitest";
import { finalSnapshotName } from "../src/components/database";

describe("finalSnapshotName", () => {
  it("names the snapshot after the instance's creation, to the second", () => {
    expect(finalSnapshotName("comments-api-prod", new Date("2026-12-06T23:41:07.123Z"))).toBe(
      "comments-api-prod-final-20261206t234107",
    );
  });

  it("gives a database created again after a deletion another name than the first deletion took", () => {
    const first = finalSnapshotName("comments-api-prod", new Date("2026-01-01T00:00:00Z"));
    const second = finalSnapshotName("comments-api-prod", new Date("2026-01-01T00:00:01Z"));
    expect([first, second]).toEqual([
      "comments-api-prod-final-20260101t000000",
      "comments-api-prod-final-20260101t000001",
    ]);
  });

  it("is a DB snapshot identifier: a letter first, letters, digits and single hyphens, no hyphen last", () => {
    // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html (FinalDBSnapshotIdentifier)
    const name = finalSnapshotName("comments-api-stage", new Date("2030-06-15T08:09:10Z"));
    expect(name).toMatch(/^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)$/);
  });
});
