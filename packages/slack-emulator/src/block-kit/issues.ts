/**
 * Collects Block Kit problems the way Slack reports them: one line per problem in
 * `response_metadata.messages`, "[ERROR] <what> [json-pointer:<where>]", so a developer (and our
 * tests) can see exactly which field of which block broke which rule.
 */
export class Issues {
  readonly messages: string[] = [];

  add(pointer: string, message: string): void {
    this.messages.push(`[ERROR] ${message} [json-pointer:${pointer}]`);
  }

  get ok(): boolean {
    return this.messages.length === 0;
  }
}

export type Obj = Record<string, unknown>;

export function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Slack counts characters, not UTF-16 code units: an emoji is one character. */
export function charLength(text: string): number {
  return [...text].length;
}

export interface StringRule {
  max: number;
  min?: number;
  required?: boolean;
}

/** Check `obj[key]` is a string within bounds; report under `<ptr>/<key>`. */
export function checkString(issues: Issues, obj: Obj, key: string, ptr: string, rule: StringRule): void {
  const value = obj[key];
  const at = `${ptr}/${key}`;
  if (value === undefined || value === null) {
    if (rule.required) issues.add(ptr, `missing required field: ${key}`);
    return;
  }
  if (typeof value !== 'string') {
    issues.add(at, 'must be a string');
    return;
  }
  checkLength(issues, value, at, rule);
}

export function checkLength(issues: Issues, value: string, at: string, rule: StringRule): void {
  const length = charLength(value);
  if (length > rule.max) issues.add(at, `must be less than ${rule.max + 1} characters`);
  const min = rule.min ?? 0;
  if (length < min) issues.add(at, `must be more than ${min - 1} characters`);
}

export function checkBoolean(issues: Issues, obj: Obj, key: string, ptr: string): void {
  const value = obj[key];
  if (value !== undefined && typeof value !== 'boolean') issues.add(`${ptr}/${key}`, 'must be a boolean');
}

export function checkEnum(issues: Issues, obj: Obj, key: string, ptr: string, allowed: readonly string[]): void {
  const value = obj[key];
  if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value))) {
    issues.add(`${ptr}/${key}`, `must be one of: ${allowed.join(', ')}`);
  }
}

export interface ArrayRule {
  max: number;
  min?: number;
  required?: boolean;
}

/** Check `obj[key]` is an array within bounds; returns it (or undefined when absent or wrong). */
export function checkArray(issues: Issues, obj: Obj, key: string, ptr: string, rule: ArrayRule): unknown[] | undefined {
  const value = obj[key];
  const at = `${ptr}/${key}`;
  if (value === undefined || value === null) {
    if (rule.required) issues.add(ptr, `missing required field: ${key}`);
    return undefined;
  }
  if (!Array.isArray(value)) {
    issues.add(at, 'must be an array');
    return undefined;
  }
  if (value.length > rule.max) issues.add(at, `no more than ${rule.max} items allowed`);
  const min = rule.min ?? 0;
  if (value.length < min) issues.add(at, `must provide at least ${min} items`);
  return value;
}
