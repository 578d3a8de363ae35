import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import type { CpuArchitecture } from "../config";
import { lifecyclePolicy } from "../documents/ecr";
import { named, type Tags } from "./tags";

/** What the registry component needs: the build context, the tag and the platform. */
export interface RegistryArgs {
  /** Workspace root: the Dockerfile copies the lockfile and workspace manifest from there. */
  contextPath: string;
  dockerfilePath: string;
  /** The release's tag (tags are immutable: one per build). */
  imageTag: string;
  cpuArchitecture: CpuArchitecture;
  keepReleases: number;
  tags: Tags;
}

/** Docker platform for a Fargate CPU architecture. */
export const PLATFORM: Readonly<Record<CpuArchitecture, dockerBuild.Platform>> = {
  ARM64: "linux/arm64",
  X86_64: "linux/amd64",
};

/**
 * The ECR repository and the service image built and pushed into it. `imageRef` is
 * `repository:tag@sha256:digest`: the task definition changes exactly when the image does.
 */
export class Registry extends pulumi.ComponentResource {
  readonly repository: aws.ecr.Repository;
  readonly imageRef: pulumi.Output<string>;

  constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("comments-platform:registry:Registry", name, {}, opts);
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(args.imageTag)) {
      throw new Error(
        `Registry ${name}: imageTag ${JSON.stringify(args.imageTag)} is not a Docker tag ([A-Za-z0-9_.-], at most 128)`,
      );
    }
    const parent = { parent: this };
    this.repository = new aws.ecr.Repository(
      `${name}-repo`,
      {
        // Fixed, on purpose: its inputs that replace it (name, encryption) are constants here, and
        // a replacement would drop every image a rollback needs. If one is ever forced, creating
        // the new repository fails on the name instead of deleting the old one's images.
        name,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        tags: named(args.tags, name),
      },
      parent,
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      {
        repository: this.repository.name,
        policy: JSON.stringify(lifecyclePolicy(args.keepReleases)),
      },
      parent,
    );

    const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: this.repository.registryId }, parent);
    const image = new dockerBuild.Image(
      `${name}-image`,
      {
        context: { location: args.contextPath },
        dockerfile: { location: args.dockerfilePath },
        platforms: [PLATFORM[args.cpuArchitecture]],
        push: true,
        tags: [pulumi.interpolate`${this.repository.repositoryUrl}:${args.imageTag}`],
        registries: [
          { address: this.repository.repositoryUrl, username: auth.userName, password: auth.password },
        ],
      },
      parent,
    );
    this.imageRef = image.ref;
    this.registerOutputs({ repositoryUrl: this.repository.repositoryUrl, imageRef: this.imageRef });
  }
}
