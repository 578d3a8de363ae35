import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { REPO_ROOT } from "./stack-file";

/** The versioned monitoring files, read as they are: rule files, the Alertmanager definition, dashboards. */
export interface MonitoringFiles {
  ruleFiles: Array<{ name: string; content: string }>;
  alertmanagerTemplate: string;
  dashboards: Array<{ name: string; json: string }>;
}

/** The rule files, the Alertmanager template and the dashboards the stack deploys, read from the repository. */
export function readMonitoringFiles(root: string = REPO_ROOT): MonitoringFiles {
  const list = (dir: string, extension: string) =>
    readdirSync(join(root, dir))
      .filter((file) => file.endsWith(extension))
      .sort();
  return {
    ruleFiles: list("alerts/rules", ".yaml").map((file) => ({
      name: basename(file, ".yaml"),
      content: readFileSync(join(root, "alerts/rules", file), "utf8"),
    })),
    alertmanagerTemplate: readFileSync(join(root, "alerts/alertmanager.yaml"), "utf8"),
    dashboards: list("dashboards", ".json").map((file) => ({
      name: basename(file, ".json"),
      json: readFileSync(join(root, "dashboards", file), "utf8"),
    })),
  };
}
