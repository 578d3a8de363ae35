/** The bootstrap's `consumerTeams` config: parsed, every bad entry named at once. */
import { describe, expect, it } from "vitest";
import { parseConsumerTeams } from "../bootstrap/consumer-documents";

const TEAMS = [
  { name: "reporting", principal: "arn:aws:iam::444455556666:root", project: "reporting" },
  { name: "search", principal: "arn:aws:iam::777788889999:role/search-ci" },
];

describe("consumerTeams config", () => {
  it("reads none when absent and keeps what is given", () => {
    expect(parseConsumerTeams(undefined)).toEqual([]);
    expect(parseConsumerTeams(TEAMS)).toEqual(TEAMS);
  });

  it("names every bad entry at once: key, value, what is allowed", () => {
    expect(() =>
      parseConsumerTeams([
        { name: "Reporting", principal: "arn:aws:iam::4444:root", project: "comments-platform" },
        { name: "search", principal: "arn:aws:iam::777788889999:role/search-ci", project: "a*b" },
        { name: "search", principal: "arn:aws:iam::777788889999:root" },
      ]),
    ).toThrow(
      [
        "invalid consumer teams:",
        'comments-platform-bootstrap:consumerTeams[0].name: "Reporting" must be 1-31 lowercase letters, digits or "-"',
        'comments-platform-bootstrap:consumerTeams[0].principal: "arn:aws:iam::4444:root" must be arn:aws:iam::<account>:root or arn:aws:iam::<account>:role/<name>',
        'comments-platform-bootstrap:consumerTeams[0].project: "comments-platform" is this platform\'s own project; a team writes only its own',
        'comments-platform-bootstrap:consumerTeams[1].project: "a*b" must be a Pulumi project name (A-Z a-z 0-9 _ . -)',
        'comments-platform-bootstrap:consumerTeams[2].name: "search" is given twice; each team gets one role',
      ].join("\n"),
    );
    expect(() => parseConsumerTeams({ name: "x" })).toThrow(
      'comments-platform-bootstrap:consumerTeams: {"name":"x"} is not a list of teams',
    );
  });
});
