import { describeOperation, type Plan } from './operations.js';

export interface RenderOptions {
  dryRun: boolean;
  /** `recio agent install` */
  title: string;
  /** What an empty plan means: `nothing to change: recio is installed as wanted`. */
  nothing: string;
}

/** The lines an install or uninstall prints: each change, the notes, then one closing line that says what happened. */
export function renderPlan(plan: Plan, options: RenderOptions): string[] {
  const lines: string[] = [];
  if (options.dryRun) lines.push(`${options.title} — dry run: nothing is changed`);
  for (const op of plan.operations) lines.push(...describeOperation(op).map((line) => `  ${line}`));
  for (const note of plan.notes) {
    const [first, ...rest] = note.split('\n');
    lines.push(`  ! ${first}`, ...rest.map((line) => `      ${line}`));
  }
  const count = plan.operations.length;
  const changes = `${count} change${count === 1 ? '' : 's'}`;
  if (count === 0) lines.push(options.nothing);
  else lines.push(options.dryRun ? `${changes} would be made` : `${changes} made`);
  return lines;
}
