import type { DrillTarget } from './drill-types.js';

/**
 * The sandbox's drill side (the @recio/sandbox package), loaded only when a drill asks for it: the
 * production bot does not ship the sandbox, and a bot without it answers that drills need one.
 */
export interface SandboxDrills {
  sandboxTarget(dir: string): DrillTarget;
  isSandboxFleet(fleetPath: string): boolean;
  botEnvOf(dir: string): Record<string, string>;
}

// A variable, so neither tsc nor a bundler follows it: the bot does not depend on the sandbox.
const SANDBOX_MODULE: string = '@recio/sandbox/drill-target';

/** The sandbox's drill module, or undefined where the sandbox package is not installed. */
export async function loadSandboxDrills(): Promise<SandboxDrills | undefined> {
  try {
    return (await import(SANDBOX_MODULE)) as SandboxDrills;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}
