/** `pnpm docs:config`: rewrites docs/deploy.md's config table from Pulumi.yaml and the stack files. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configTable, TABLE_DOC, withConfigTable } from "../src/docs/config-table";
import { REPO_ROOT } from "../src/stack-file";

const path = join(REPO_ROOT, TABLE_DOC);
const before = readFileSync(path, "utf8");
const after = withConfigTable(before, configTable());
if (after !== before) writeFileSync(path, after);
console.log(`${TABLE_DOC}: ${after === before ? "config table up to date" : "config table rewritten"}`);
