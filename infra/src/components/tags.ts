import type { StackConfig } from "../config";

/** The tags every taggable resource carries (AWS tag keys, lowercase with hyphens). */
export type Tags = Record<string, string>;

/** The tags of every taggable resource of a stack: project, stack, owner and cost centre. */
export function baseTags(config: StackConfig): Tags {
  const { project, stack, owner, costCentre } = config.tags;
  return { project, stack, owner, "cost-centre": costCentre };
}

/** `tags` plus the `Name` the AWS console shows. */
export function named(tags: Tags, name: string): Tags {
  return { ...tags, Name: name };
}
