/** One line of `recio doctor`: what was checked, whether it holds, and what to do if not. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  /** What an operator does about it, when it fails. */
  fix?: string;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, ok: true, detail });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, ok: false, detail, fix });

export function formatCheck(result: CheckResult): string {
  const fix = result.ok || !result.fix ? '' : `\n    → ${result.fix}`;
  return `${result.ok ? '✔' : '✖'} ${result.name}: ${result.detail}${fix}`;
}
