/** `pnpm dockerignore`: writes services/comments-api/Dockerfile.dockerignore from IMAGE_BUILD_INPUTS. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DOCKERIGNORE, dockerignoreFor } from "../src/image-tag";
import { REPO_ROOT } from "../src/stack-file";

writeFileSync(join(REPO_ROOT, DOCKERIGNORE), dockerignoreFor());
console.log(`wrote ${DOCKERIGNORE}`);
