/** The database's pure pieces: the final snapshot's name. */
import { describe, expect, it } from "vitest";
import { creationTime, finalSnapshotName } from "../src/components/database";

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

describe("creationTime", () => {
  it("is SOURCE_DATE_EPOCH when set (what pnpm synth fixes), else now", () => {
    expect(creationTime({ SOURCE_DATE_EPOCH: "1796601600" }).toISOString()).toBe("2026-12-07T00:00:00.000Z");
    expect(creationTime({ SOURCE_DATE_EPOCH: "0" }).toISOString()).toBe("1970-01-01T00:00:00.000Z");
    const before = Date.now();
    const now = creationTime({}).getTime();
    expect(now >= before && now <= Date.now()).toBe(true);
  });

  it("refuses a SOURCE_DATE_EPOCH that is not whole seconds, naming it and the value", () => {
    expect(() => creationTime({ SOURCE_DATE_EPOCH: "2026-12-07" })).toThrow(
      'SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC, got "2026-12-07"',
    );
  });
});
