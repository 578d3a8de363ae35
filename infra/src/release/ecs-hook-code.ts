import { join } from "node:path";
import { buildSync } from "esbuild";

/** The Lambda handlers in ecs-hook-handler.ts, by the name the function's `handler` setting gives. */
export const ECS_HOOK_HANDLERS = { smoke: "index.smokeHandler", judge: "index.judgeHandler" } as const;

/**
 * src/release/ecs-hook-handler.ts and what it imports of ours (the smoke test, the canary state
 * machine, the judge, the Prometheus client with its SigV4 signer) as one CommonJS file, `index.js`
 * of both ECS lifecycle hook functions. `@aws-sdk/*` stays a require: the Node.js Lambda runtimes
 * provide the AWS SDK for JavaScript v3
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html). Everything else, @smithy/signature-v4
 * included, is inlined: the runtime's copy of it is not documented. Kept apart from the Pulumi
 * components so it can be run in tests without loading Pulumi.
 */
export function ecsHookCode(): string {
  const result = buildSync({
    entryPoints: [join(__dirname, "ecs-hook-handler.ts")],
    bundle: true,
    write: false,
    platform: "node",
    format: "cjs",
    target: "node22",
    external: ["@aws-sdk/*"],
    // Same bytes for the same sources: no absolute paths in the output (a diff-free `pulumi up`).
    absWorkingDir: join(__dirname, ".."),
    legalComments: "inline",
    logLevel: "silent",
  });
  const [file] = result.outputFiles;
  if (file === undefined) throw new Error("esbuild wrote no output for ecs-hook-handler.ts");
  return file.text;
}
