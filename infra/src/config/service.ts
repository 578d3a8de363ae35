/** The `service` and `registry` sections: the tasks' size, count, architecture and logs; the images kept. */
import { FARGATE_CPU, fargateMemoryOptions } from "../fargate";
import type { Reader } from "./reader";
import {
  CPU_ARCHITECTURES,
  LOG_RETENTION_DAYS,
  type RegistryConfig,
  type SectionContext,
  type ServiceConfig,
} from "./types";

/** Reads the task size, the autoscaling range and targets, Spot, the architecture and log retention. */
export function parseService(read: Reader, { isProd }: SectionContext): ServiceConfig {
  const cpu = read.oneOf("taskCpu", FARGATE_CPU, 256);
  const memory = read.integer("taskMemory", 512, 512, 122880);
  const memoryOptions = fargateMemoryOptions(cpu);
  if (!memoryOptions.includes(memory)) {
    read.problem(
      "taskMemory",
      String(memory),
      `is not a Fargate size for taskCpu ${cpu}; allowed: ${memoryOptions.join(", ")}`,
    );
  }
  const minTasks = read.integer("minTasks", isProd ? 2 : 1, 1, 100);
  const maxTasks = read.integer("maxTasks", isProd ? 10 : 2, 1, 100);
  if (maxTasks < minTasks)
    read.problem("maxTasks", String(maxTasks), `must be at least minTasks (${minTasks})`);
  const fargateSpot = read.boolean("fargateSpot", false);
  const logRetentionDays = read.oneOf("logRetentionDays", LOG_RETENTION_DAYS, isProd ? 90 : 14);

  const cpuArchitecture = read.oneOf("cpuArchitecture", CPU_ARCHITECTURES, "ARM64");
  // ECS API reference, CapacityProviderStrategyItem: "FARGATE_SPOT only supports Linux tasks with
  // the X86_64 architecture".
  if (fargateSpot && cpuArchitecture !== "X86_64") {
    read.problem(
      "fargateSpot",
      "true",
      `Fargate Spot runs X86_64 tasks only; cpuArchitecture is ${cpuArchitecture}`,
    );
  }
  return {
    cpu,
    memory,
    cpuArchitecture,
    minTasks,
    maxTasks,
    cpuTargetPercent: read.integer("cpuTargetPercent", 60, 10, 90),
    requestsPerTarget: read.integer("requestsPerTarget", 1000, 10, 100000),
    fargateSpot,
    containerPort: 3000,
    logRetentionDays,
  };
}

/** Reads `keepReleases`. */
export function parseRegistry(read: Reader): RegistryConfig {
  return { keepReleases: read.integer("keepReleases", 20, 2, 1000) };
}
