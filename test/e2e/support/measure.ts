import { appendFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OperatorAction } from './operator.js';

/** What one e2e scenario measured: printed, and appended to artifacts/e2e-measurements.jsonl for the report. */
export interface Measurement {
  scenario: string;
  /** Commands the plan makes a person type for the same recovery (its text, counted). */
  planCommands: number;
  operatorActions: OperatorAction[];
  breakToDetectMs: number;
  breakToGreenMs: number;
}

// Times are recorded, never asserted: on a shared two-core machine a wall-time assertion tests the load.
export function record(m: Measurement): void {
  const line = {
    scenario: m.scenario,
    planCommands: m.planCommands,
    operatorActions: m.operatorActions.length,
    actions: m.operatorActions.map((a) => a.what),
    breakToDetectMs: Math.round(m.breakToDetectMs),
    breakToGreenMs: Math.round(m.breakToGreenMs),
    at: new Date().toISOString(),
  };
  const dir = resolve(import.meta.dirname, '../../../artifacts');
  mkdirSync(dir, { recursive: true });
  appendFileSync(resolve(dir, 'e2e-measurements.jsonl'), `${JSON.stringify(line)}\n`);
  process.stdout.write(
    `e2e ${m.scenario}: ${line.operatorActions} operator actions (plan: ${m.planCommands} typed commands), ` +
      `break→detect ${(line.breakToDetectMs / 1000).toFixed(1)} s, ` +
      `break→green ${(line.breakToGreenMs / 1000).toFixed(1)} s\n`,
  );
}
