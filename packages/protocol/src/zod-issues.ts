import type { z } from 'zod';

/** `['hosts', 1, 'hostKey']` → `hosts[1].hostKey`, the way a person points into a YAML file. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/** One line per problem, each starting with where it is, so a bad file is fixed in one pass. */
export function formatIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => `${prefix}${formatIssuePath(issue.path)}: ${issue.message}`);
}
