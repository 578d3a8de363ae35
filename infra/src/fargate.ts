/** Fargate's task sizes, as a table the config parser checks `taskCpu` and `taskMemory` against. */

/**
 * Fargate's task sizes: CPU units → allowed memory (MiB). From the ECS developer guide, "Task CPU
 * and memory"; any other pair is rejected by RegisterTaskDefinition.
 */
/** The memory sizes (MiB) Fargate offers for `cpu` units; none for a CPU size it lacks. */
export function fargateMemoryOptions(cpu: number): number[] {
  const range = (from: number, to: number, step: number) =>
    Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
  switch (cpu) {
    case 256:
      return [512, 1024, 2048];
    case 512:
      return range(1024, 4096, 1024);
    case 1024:
      return range(2048, 8192, 1024);
    case 2048:
      return range(4096, 16384, 1024);
    case 4096:
      return range(8192, 30720, 1024);
    case 8192:
      return range(16384, 61440, 4096);
    case 16384:
      return range(32768, 122880, 8192);
    default:
      return [];
  }
}
/** Fargate's CPU sizes (units; 1024 = one vCPU). */
export const FARGATE_CPU = [256, 512, 1024, 2048, 4096, 8192, 16384] as const;
