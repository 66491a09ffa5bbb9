import { z } from 'zod';

/** An argv array: the program and its arguments, never run through a shell. */
export const Argv = z.array(z.string().min(1)).min(1, 'expected [program, ...args]');

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/**
 * An argv array with `{name}` placeholders the agent fills in (`["rclone", "copyto", "{file}",
 * "remote:rec/{name}"]`). Values replace text inside one element only: an element never splits
 * into two and nothing passes through a shell, so a value cannot become an extra option or command.
 * Unknown placeholders are a config error, not a literal `{typo}` reaching a program.
 */
export function argvTemplate(allowed: readonly string[], required: readonly string[] = []) {
  return Argv.superRefine((argv, ctx) => {
    const used = new Set(argv.flatMap((arg) => [...arg.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '')));
    for (const name of used) {
      if (!allowed.includes(name))
        ctx.addIssue({
          code: 'custom',
          message: `unknown placeholder {${name}} (known: ${allowed.map((a) => `{${a}}`).join(', ')})`,
        });
    }
    for (const name of required) {
      if (!used.has(name))
        ctx.addIssue({ code: 'custom', message: `expected the {${name}} placeholder somewhere in the argv` });
    }
  });
}

/** Fills a template's placeholders, element by element; the number of elements never changes. */
export function fillArgv(template: readonly string[], values: Readonly<Record<string, string>>): string[] {
  return template.map((arg) =>
    arg.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? (values[name] as string) : whole)),
  );
}
