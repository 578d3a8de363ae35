/**
 * The registry's lifecycle policy: untagged images (build leftovers) go after a day; of the tagged
 * releases, the newest `keepReleases` stay, so rolling back to a recent release always finds its image.
 */
export function lifecyclePolicy(keepReleases: number): Record<string, unknown> {
  return {
    rules: [
      {
        rulePriority: 1,
        description: "Expire untagged images after 1 day",
        selection: {
          tagStatus: "untagged",
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: 1,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Keep the last ${keepReleases} releases`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keepReleases },
        action: { type: "expire" },
      },
    ],
  };
}
