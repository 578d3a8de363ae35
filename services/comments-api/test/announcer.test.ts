import { describe, expect, it } from "vitest";
import { ChangeAnnouncer, EVERY_CONTENT } from "../src/store/announcer.js";

/** A send that holds each batch until the test lets it go. */
function heldSend() {
  const batches: string[][] = [];
  const releases: Array<(error?: Error) => void> = [];
  const send = (ids: readonly string[]) =>
    new Promise<void>((resolve, reject) => {
      batches.push([...ids]);
      releases.push((error) => (error === undefined ? resolve() : reject(error)));
    });
  const release = async (error?: Error) => {
    releases.shift()?.(error);
    // Let the announcer take the next batch.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { batches, send, release };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("ChangeAnnouncer", () => {
  it("sends a change at once when idle, and what came meanwhile in one batch after", async () => {
    const { batches, send, release } = heldSend();
    const announcer = new ChangeAnnouncer(send, { failed: () => {} });
    announcer.changed("a");
    await settle();
    expect(batches).toEqual([["a"]]);
    announcer.changed("b");
    announcer.changed("c");
    announcer.changed("b");
    await release();
    expect(batches).toEqual([["a"], ["b", "c"]]);
    await release();
    await announcer.idle();
    expect(announcer.stats).toEqual({ announcements: 2, contents: 3, failures: 0 });
  });

  it("sends one '*' instead of more pending contents than it may hold", async () => {
    const { batches, send, release } = heldSend();
    const announcer = new ChangeAnnouncer(send, { failed: () => {} }, 2);
    announcer.changed("a");
    await settle();
    for (const id of ["b", "c", "d"]) announcer.changed(id);
    await release();
    await release();
    expect(batches).toEqual([["a"], [EVERY_CONTENT]]);
  });

  it("reports a failed batch with its size and goes on with the next", async () => {
    const { batches, send, release } = heldSend();
    const failures: Array<[string, number]> = [];
    const announcer = new ChangeAnnouncer(send, {
      failed: (error, count) => failures.push([(error as Error).message, count]),
    });
    announcer.changed("a");
    await settle();
    announcer.changed("b");
    await release(new Error("connection terminated"));
    await release();
    await announcer.idle();
    expect(batches).toEqual([["a"], ["b"]]);
    expect(failures).toEqual([["connection terminated", 1]]);
    expect(announcer.stats).toEqual({ announcements: 1, contents: 1, failures: 1 });
  });
});
