import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ts from "typescript";

/**
 * src/release/smoke-handler.ts as the Lambda's single CommonJS file (the Node.js 22 runtime provides
 * the AWS SDK). Kept apart from the Pulumi component so it can be tested without loading Pulumi.
 */
export function smokeHookCode(): string {
  const source = readFileSync(join(__dirname, "smoke-handler.ts"), "utf8");
  return ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  }).outputText;
}
